// Reading a bid's container (a ZIP) in the page so its documents open here:
// the central directory lists the entries; each is stored or deflated, and
// deflate is the browser's own DecompressionStream. No ZIP64, no encryption
// (the platform's containers use neither).

export interface ZipEntry { name: string; size: number; method: number; offset: number; compressedSize: number }

const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

export class ZipError extends Error { constructor(public code: string) { super(code); } }

export function entries(zip: Uint8Array): ZipEntry[] {
  // The end of central directory record: within the last 64 KiB + 22 bytes.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (u32(zip, i) === 0x06054b50) { end = i; break; }
  }
  if (end < 0) throw new ZipError('zipMalformed');
  const count = u16(zip, end + 10);
  let at = u32(zip, end + 16);
  const out: ZipEntry[] = [];
  const names = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || u32(zip, at) !== 0x02014b50) throw new ZipError('zipMalformed');
    const method = u16(zip, at + 10);
    const compressedSize = u32(zip, at + 20);
    const size = u32(zip, at + 24);
    const nameLen = u16(zip, at + 28), extraLen = u16(zip, at + 30), commentLen = u16(zip, at + 32);
    const offset = u32(zip, at + 42);
    const name = names.decode(zip.subarray(at + 46, at + 46 + nameLen));
    if (!name.endsWith('/')) out.push({ name, size, method, offset, compressedSize });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

export async function read(zip: Uint8Array, e: ZipEntry): Promise<Uint8Array> {
  if (u32(zip, e.offset) !== 0x04034b50) throw new ZipError('zipMalformed');
  const start = e.offset + 30 + u16(zip, e.offset + 26) + u16(zip, e.offset + 28);
  const data = zip.slice(start, start + e.compressedSize);
  if (e.method === 0) return data;
  if (e.method !== 8) throw new ZipError('zipMethod');
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A media type for showing an entry in the page. */
export function mediaType(name: string): string {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  return ({
    pdf: 'application/pdf', txt: 'text/plain;charset=utf-8', md: 'text/plain;charset=utf-8', json: 'application/json',
    csv: 'text/csv;charset=utf-8', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', svg: 'text/plain;charset=utf-8',
  } as Record<string, string>)[ext] ?? 'application/octet-stream';
}
