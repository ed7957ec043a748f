// Reading an RFC 3161 TimeStampResp (DER) in the page, to check a bid's
// receipt against the file: the token's status, its content types, the
// messageImprint (hash algorithm and hashed message), the serial number and
// genTime. The timestamp authority's signature over the token is checked
// by tsasig.ts (PKIjs), against the TSA certificate the platform publishes;
// the chain of that certificate to the TSA's root is left to
// `openssl ts -verify` or `ggzy bid verify-receipt` with the root, as the
// page says.

interface Tlv { tag: number; start: number; len: number; end: number; header: number }

function tlv(b: Uint8Array, at: number): Tlv {
  if (at + 2 > b.length) throw new Error('truncated');
  const tag = b[at];
  let len = b[at + 1];
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > b.length) throw new Error('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[at + 2 + i];
    header += n;
  }
  const start = at + header;
  if (start + len > b.length) throw new Error('truncated');
  return { tag, start, len, end: start + len, header };
}

/** The children of a constructed element. */
function children(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = t.start; at < t.end;) { const c = tlv(b, at); out.push(c); at = c.end; }
  return out;
}

function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new Error(`${what}: expected tag 0x${tag.toString(16)}`);
  return t;
}

function oid(b: Uint8Array, t: Tlv): string {
  const bytes = b.subarray(t.start, t.end);
  const out: number[] = [Math.floor(bytes[0] / 40), bytes[0] % 40];
  let v = 0;
  for (let i = 1; i < bytes.length; i++) { v = v * 128 + (bytes[i] & 0x7f); if (!(bytes[i] & 0x80)) { out.push(v); v = 0; } }
  return out.join('.');
}

const hex = (u: Uint8Array): string => Array.from(u, (x) => x.toString(16).padStart(2, '0')).join('');

export const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';

export interface TimeStampInfo {
  /** PKIStatus: 0 granted, 1 granted with mods. */
  status: number;
  hashAlgorithm: string;
  hashedMessage: string;
  /** The serial number (hex, without leading zeros). */
  serial: string;
  /** genTime as an ISO instant. */
  genTime: string;
  policy: string;
}

/** Reads a TimeStampResp; throws on anything that is not one. */
export function readTimeStampResp(der: Uint8Array): TimeStampInfo {
  const resp = expect(tlv(der, 0), 0x30, 'TimeStampResp');
  const [statusInfo, token] = children(der, resp);
  const status = expect(children(der, expect(statusInfo, 0x30, 'PKIStatusInfo'))[0], 0x02, 'PKIStatus');
  const statusValue = der[status.end - 1];
  if (!token) throw new Error('no timeStampToken');
  const [ct, content] = children(der, expect(token, 0x30, 'ContentInfo'));
  if (oid(der, expect(ct, 0x06, 'contentType')) !== OID_SIGNED_DATA) throw new Error('not SignedData');
  const sd = expect(children(der, expect(content, 0xa0, 'content'))[0], 0x30, 'SignedData');
  const parts = children(der, sd);
  const encap = expect(parts[2], 0x30, 'encapContentInfo');
  const [eType, eContent] = children(der, encap);
  if (oid(der, expect(eType, 0x06, 'eContentType')) !== OID_TST_INFO) throw new Error('not TSTInfo');
  const octets = expect(children(der, expect(eContent, 0xa0, 'eContent'))[0], 0x04, 'eContent');
  const tst = expect(tlv(der, octets.start), 0x30, 'TSTInfo');
  const f = children(der, tst);
  const policy = oid(der, expect(f[1], 0x06, 'policy'));
  const [alg, hashed] = children(der, expect(f[2], 0x30, 'messageImprint'));
  const algOid = oid(der, expect(children(der, expect(alg, 0x30, 'hashAlgorithm'))[0], 0x06, 'algorithm'));
  const serialT = expect(f[3], 0x02, 'serialNumber');
  const genT = expect(f[4], 0x18, 'genTime');
  const g = new TextDecoder().decode(der.subarray(genT.start, genT.end)); // YYYYMMDDhhmmss[.fff]Z
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(g);
  if (!m) throw new Error('genTime');
  return {
    status: statusValue,
    hashAlgorithm: algOid,
    hashedMessage: hex(der.subarray(expect(hashed, 0x04, 'hashedMessage').start, hashed.end)),
    serial: hex(der.subarray(serialT.start, serialT.end)).replace(/^0+(?=.)/, ''),
    genTime: `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`,
    policy,
  };
}

export function base64ToBytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** One check of a receipt and whether it held. */
export interface Check { key: string; ok: boolean; vars?: Record<string, string> }

export interface ReceiptLike { sha256: string; size_bytes: number; timestamp_serial: string; timestamp_time: string; timestamp_response: string }

/** Every check the page makes of a receipt: against the file's SHA-256 and
 *  size computed in the page (when the file is at hand), and of the token's
 *  own content against the receipt. */
export function checkReceipt(r: ReceiptLike, file: { sha256: string; size: number } | null): { checks: Check[]; info: TimeStampInfo | null } {
  const checks: Check[] = [];
  if (file) {
    checks.push({ key: 'fileHash', ok: file.sha256 === r.sha256.toLowerCase(), vars: { file: file.sha256, receipt: r.sha256 } });
    checks.push({ key: 'fileSize', ok: file.size === r.size_bytes, vars: { file: String(file.size), receipt: String(r.size_bytes) } });
  }
  let info: TimeStampInfo | null = null;
  try { info = readTimeStampResp(base64ToBytes(r.timestamp_response)); } catch (e) {
    checks.push({ key: 'tokenReadable', ok: false, vars: { why: String((e as Error).message) } });
    return { checks, info };
  }
  checks.push({ key: 'tokenGranted', ok: info.status === 0 || info.status === 1 });
  checks.push({ key: 'imprintAlgorithm', ok: info.hashAlgorithm === OID_SHA256, vars: { oid: info.hashAlgorithm } });
  checks.push({ key: 'imprintReceipt', ok: info.hashedMessage === r.sha256.toLowerCase(), vars: { imprint: info.hashedMessage } });
  if (file) checks.push({ key: 'imprintFile', ok: info.hashedMessage === file.sha256 });
  checks.push({ key: 'serial', ok: info.serial.toLowerCase() === r.timestamp_serial.toLowerCase().replace(/^0+(?=.)/, ''), vars: { serial: info.serial } });
  checks.push({ key: 'genTime', ok: Math.abs(new Date(info.genTime).getTime() - new Date(r.timestamp_time).getTime()) < 1000, vars: { at: info.genTime } });
  return { checks, info };
}
