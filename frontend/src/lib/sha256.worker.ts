// SHA-256 of a file in a worker, streaming: the file is read in slices of
// 4 MiB and each is fed to @noble/hashes' SHA-256 (a pure-JS, audited
// implementation: WebCrypto has no streaming digest, and the portal's
// content security policy allows no WebAssembly), so a bid of several GiB
// is hashed with a few MiB of memory, off the page's thread. It reports
// progress every slice; a message `{ cancel: true }` stops it.
import { sha256 } from '@noble/hashes/sha2';

const SLICE = 4 * 1024 * 1024;
let cancelled = false;

self.onmessage = async (e: MessageEvent<{ file?: File; cancel?: boolean }>) => {
  if (e.data.cancel) { cancelled = true; return; }
  const file = e.data.file;
  if (!file) return;
  cancelled = false;
  try {
    const h = sha256.create();
    for (let at = 0; at < file.size; at += SLICE) {
      if (cancelled) { self.postMessage({ cancelled: true }); return; }
      const buf = await file.slice(at, Math.min(at + SLICE, file.size)).arrayBuffer();
      h.update(new Uint8Array(buf));
      self.postMessage({ progress: Math.min(at + SLICE, file.size) });
    }
    const d = h.digest();
    self.postMessage({ sha256: Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('') });
  } catch (err) {
    self.postMessage({ error: String((err as Error)?.message ?? err) });
  }
};
