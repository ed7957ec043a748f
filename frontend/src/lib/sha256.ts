// The page's side of the hashing worker (sha256.worker.ts).

export interface Hashing { promise: Promise<string>; cancel(): void }

/** Hashes `file` in a worker; `onProgress(bytesDone)` as it goes. Rejects
 *  with `{ code: 'hashCancelled' }` when cancelled. */
export function hashFile(file: File, onProgress?: (done: number) => void): Hashing {
  const worker = new Worker(new URL('./sha256.worker.ts', import.meta.url), { type: 'module' });
  let cancel = (): void => { /* set below */ };
  const promise = new Promise<string>((resolve, reject) => {
    cancel = () => { worker.terminate(); reject({ code: 'hashCancelled' }); };
    worker.onmessage = (e: MessageEvent<{ progress?: number; sha256?: string; error?: string; cancelled?: boolean }>) => {
      const m = e.data;
      if (m.progress !== undefined) onProgress?.(m.progress);
      else if (m.sha256) { worker.terminate(); resolve(m.sha256); }
      else if (m.error !== undefined) { worker.terminate(); reject({ code: 'hashFailed', vars: { why: m.error } }); }
    };
    worker.onerror = (e) => { worker.terminate(); reject({ code: 'hashFailed', vars: { why: e.message } }); };
    worker.postMessage({ file });
  });
  return { promise, cancel: () => cancel() };
}
