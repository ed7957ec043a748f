// A sealed bid's upload from the page, through the platform's resumable
// upload protocol (README, "Sealed bids"): POST /tenders/{id}/bid-uploads
// {size, sha256} opens a session, PATCH /bid-uploads/{id} with
// Upload-Offset appends a chunk (204 and the new offset; the last chunk's
// answer is the receipt, 201), GET /bid-uploads/{id} says where to resume,
// DELETE abandons it.
//
// The file's SHA-256 is computed in the page first (a worker, streaming:
// sha256.ts) and declared, so the platform checks the file it received is
// the one hashed here, and the page checks the receipt against it.
//
// The session's id and the file's identity (name, size, last modified,
// SHA-256) are kept in this browser's localStorage, so that after a closed
// tab, a crash or a lost network the page finds the session again, asks
// the platform for its offset, and resumes once the user picks the same
// file (the same size, and the same SHA-256 where the name or date differ).
// A lost connection is retried by itself with a growing pause (and at
// once when the browser is back online); pausing aborts the chunk in
// flight, whose bytes the platform keeps up to where they stopped.
import { reactive } from 'vue';
import { ApiProblem, enc, get, post, del, type Problem } from './api';
import { session } from './session';
import { hashFile, type Hashing } from './sha256';

export const CHUNK = 8 * 1024 * 1024;
/** The largest bid packed in the page, all documents together: the whole
 *  bid is held in memory several times over while it is zipped, signed,
 *  encrypted and signed again (WebCrypto neither streams nor takes parts),
 *  which a phone or an office PC of a few GiB can bear at 50 MiB and not
 *  at several GiB; larger bids are packed with `ggzy bid pack`. */
export const PAGE_PACK_LIMIT = 50 * 1024 * 1024;

const KEY = 'ggzy.bid-uploads';

/** What the browser remembers of an upload session. */
export interface SavedUpload {
  uploadId: string; tenderId: string;
  name: string; size: number; lastModified: number; sha256: string | null;
  savedAt: string;
}

export interface UploadView { id: string; tender_id: string; size: number; sha256: string | null; offset: number; created_at: string; expires_at: string; bid_id: string | null }

export interface Receipt {
  format: string; tender_id: string; tender_reference: string; tender_title: string; bid_id: string; version: number;
  bidder_organisation_id: string; bidder_name: string; bidder_credit_code: string | null; submitted_by: string;
  sha256: string; size_bytes: number; received_at: string; outer_signed: boolean; signer_subject: string; signer_cert_sha256: string;
  timestamp_serial: string; timestamp_time: string; timestamp_response: string;
}

function all(): SavedUpload[] {
  try { return JSON.parse(localStorage.getItem(KEY) ?? '[]') as SavedUpload[]; } catch { return []; }
}
function store(list: SavedUpload[]): void {
  try { localStorage.setItem(KEY, JSON.stringify(list)); } catch { /* storage may be off: recovery then needs the list the server gives */ }
}
export function savedFor(tenderId: string): SavedUpload[] { return all().filter((s) => s.tenderId === tenderId); }
export function remember(s: SavedUpload): void { store([...all().filter((x) => x.uploadId !== s.uploadId), s]); }
export function forget(uploadId: string): void { store(all().filter((x) => x.uploadId !== uploadId)); }

export type Phase = 'idle' | 'hashing' | 'starting' | 'uploading' | 'paused' | 'reconnecting' | 'checking' | 'done' | 'failed';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One PATCH with upload progress (fetch has none): resolves with the
 *  status, the new offset and the body; status 0 is a lost connection. */
function patch(uploadId: string, offset: number, blob: Blob, onProgress: (loaded: number) => void, xhrs: Set<XMLHttpRequest>):
  Promise<{ status: number; offset: number | null; body: string }> {
  return new Promise((resolve) => {
    const x = new XMLHttpRequest();
    xhrs.add(x);
    x.open('PATCH', `/api/v1/bid-uploads/${enc(uploadId)}`);
    if (session.token) x.setRequestHeader('Authorization', 'Bearer ' + session.token);
    x.setRequestHeader('Upload-Offset', String(offset));
    x.setRequestHeader('Content-Type', 'application/offset+octet-stream');
    x.setRequestHeader('Accept', 'application/json');
    x.upload.onprogress = (e) => onProgress(e.loaded);
    const done = (status: number) => {
      xhrs.delete(x);
      const o = x.getResponseHeader('Upload-Offset');
      resolve({ status, offset: o === null ? null : Number(o), body: status ? x.responseText : '' });
    };
    x.onload = () => done(x.status);
    x.onerror = () => done(0);
    x.onabort = () => done(0);
    x.ontimeout = () => done(0);
    x.send(blob);
  });
}

function problemOf(status: number, body: string): ApiProblem {
  let p: Partial<Problem> = {};
  try { p = JSON.parse(body) as Partial<Problem>; } catch { /* not JSON */ }
  if (status === 401) session.expired();
  return new ApiProblem({ ...p, status, code: p.code ?? `http-${status}` });
}

export class BidUpload {
  readonly s = reactive({
    phase: 'idle' as Phase,
    size: 0,
    hashed: 0,
    sent: 0,
    sha256: null as string | null,
    uploadId: null as string | null,
    receipt: null as Receipt | null,
    error: null as unknown,
    retryIn: 0,
    fileName: '',
  });
  private file: File | null = null;

  private stopped = false;
  private xhrs = new Set<XMLHttpRequest>();
  private hashing: Hashing | null = null;
  private wake: (() => void) | null = null;
  private readonly online = () => this.wake?.();

  constructor(private readonly onChange?: () => void) {
    window.addEventListener('online', this.online);
  }

  dispose(): void {
    window.removeEventListener('online', this.online);
    this.stopped = true;
    for (const x of this.xhrs) x.abort();
    this.hashing?.cancel();
  }

  /** A new bid: hash, open a session, upload. */
  async start(tenderId: string, file: File): Promise<void> {
    this.reset(file);
    try {
      const sha = await this.hash();
      this.s.phase = 'starting';
      const up = await post<UploadView>(`/api/v1/tenders/${enc(tenderId)}/bid-uploads`, { size: file.size, sha256: sha });
      this.s.uploadId = up.id;
      remember({ uploadId: up.id, tenderId, name: file.name, size: file.size, lastModified: file.lastModified, sha256: sha, savedAt: new Date().toISOString() });
      this.onChange?.();
      await this.run(up.offset);
    } catch (e) { this.fail(e); }
  }

  /** Resumes session `up` with `file`, which must be the file it began with. */
  async resume(tenderId: string, up: UploadView, file: File, saved: SavedUpload | undefined): Promise<void> {
    this.reset(file);
    this.s.uploadId = up.id;
    try {
      if (file.size !== up.size) throw { code: 'notSameFile', vars: { size: String(up.size) } };
      const same = saved && saved.name === file.name && saved.size === file.size && saved.lastModified === file.lastModified;
      if (same && (saved.sha256 ?? up.sha256)) {
        // The same file by its identity: resume at once, hashing alongside
        // (the platform checks the declared SHA-256 when the last byte is in).
        this.s.sha256 = null;
        void this.hash().catch(() => { /* the platform's check still holds */ });
      } else {
        const sha = await this.hash();
        if (up.sha256 && sha !== up.sha256) throw { code: 'notSameFile', vars: { size: String(up.size) } };
      }
      remember({ uploadId: up.id, tenderId, name: file.name, size: file.size, lastModified: file.lastModified, sha256: up.sha256 ?? this.s.sha256, savedAt: new Date().toISOString() });
      await this.run(await this.offset());
    } catch (e) { this.fail(e); }
  }

  /** Stops sending; the platform keeps what arrived. */
  pause(): void {
    if (!['uploading', 'reconnecting', 'checking'].includes(this.s.phase)) return;
    this.stopped = true;
    for (const x of this.xhrs) x.abort();
    this.wake?.();
    this.s.phase = 'paused';
  }

  /** Goes on from where the platform says the upload stands. */
  async proceed(): Promise<void> {
    if (this.s.phase !== 'paused' && this.s.phase !== 'failed') return;
    this.stopped = false;
    this.s.error = null;
    try { await this.run(await this.offset()); } catch (e) { this.fail(e); }
  }

  /** Abandons the session: the platform deletes its bytes. */
  async abandon(): Promise<void> {
    this.stopped = true;
    for (const x of this.xhrs) x.abort();
    this.hashing?.cancel();
    const id = this.s.uploadId;
    if (id) {
      try { await del(`/api/v1/bid-uploads/${enc(id)}`); } catch (e) { if (!(e instanceof ApiProblem && e.status === 404)) { this.s.error = e; return; } }
      forget(id);
    }
    this.s.phase = 'idle';
    this.s.uploadId = null;
    this.onChange?.();
  }

  private reset(file: File): void {
    this.file = file; this.stopped = false;
    Object.assign(this.s, { phase: 'hashing', size: file.size, hashed: 0, sent: 0, sha256: null, uploadId: null, receipt: null, error: null, retryIn: 0, fileName: file.name });
  }

  private async hash(): Promise<string> {
    if (this.s.phase === 'hashing' || this.s.phase === 'idle') this.s.phase = 'hashing';
    this.hashing = hashFile(this.file as File, (n) => { this.s.hashed = n; });
    const sha = await this.hashing.promise;
    this.s.sha256 = sha; this.s.hashed = this.s.size;
    return sha;
  }

  /** Where the platform has the upload; a session that became a bid (its
   *  receipt lost with the connection) gives its receipt. */
  private async offset(): Promise<number> {
    const id = this.s.uploadId as string;
    try {
      return (await get<UploadView>(`/api/v1/bid-uploads/${enc(id)}`)).offset;
    } catch (e) {
      if (e instanceof ApiProblem && e.problem.reason === 'bid.upload-complete') {
        const bid = String(e.problem.params?.bid ?? '');
        await this.finish(await get<Receipt>(`/api/v1/bids/${enc(bid)}/receipt`));
        return -1;
      }
      if (e instanceof ApiProblem && e.status === 404) forget(id);
      throw e;
    }
  }

  private async finish(r: Receipt): Promise<void> {
    this.s.receipt = r;
    this.s.sent = this.s.size;
    this.s.phase = 'done';
    if (this.s.uploadId) forget(this.s.uploadId);
    // The page's own hash, if it was still being computed alongside.
    if (!this.s.sha256 && this.hashing) { try { await this.hashing.promise; } catch { /* shown as not computed */ } }
    this.onChange?.();
  }

  private fail(e: unknown): void {
    if ((e as { code?: string })?.code === 'hashCancelled') return;
    this.s.error = e;
    this.s.phase = 'failed';
  }

  /** Sends from `offset` to the end, chunk by chunk. */
  private async run(offset: number): Promise<void> {
    if (offset < 0) return; // already a bid
    const file = this.file as File;
    const id = this.s.uploadId as string;
    let at = offset;
    let backoff = 1000;
    this.s.sent = at;
    while (!this.stopped) {
      this.s.phase = at >= file.size ? 'checking' : 'uploading';
      const end = Math.min(at + CHUNK, file.size);
      const last = end === file.size;
      const r = await patch(id, at, file.slice(at, end), (loaded) => {
        this.s.sent = at + loaded;
        if (last && at + loaded >= file.size) this.s.phase = 'checking';
      }, this.xhrs);
      if (this.stopped) return;
      if (r.status === 201) { await this.finish(JSON.parse(r.body) as Receipt); return; }
      if (r.status === 204 && r.offset !== null) { at = r.offset; this.s.sent = at; backoff = 1000; continue; }
      if (r.status === 0 || r.status >= 500 || r.status === 409) {
        const p = r.status ? (() => { try { return JSON.parse(r.body) as Partial<Problem>; } catch { return {}; } })() : {};
        // A conflict other than "busy" or "offset" is a refusal of the bid.
        if (r.status === 409 && !['upload.busy', 'upload.offset-mismatch', 'upload.resume-at'].includes(p.reason ?? '')) {
          throw problemOf(r.status, r.body);
        }
        // Lost, or the platform busy with the chunk just cut: wait (or
        // until the browser is back online) and ask where it stands.
        if (r.status === 0 || r.status >= 500) {
          this.s.phase = 'reconnecting';
          await this.pauseFor(backoff);
          backoff = Math.min(backoff * 2, 30_000);
        } else await sleep(500);
        if (this.stopped) return;
        try { at = await this.offset(); } catch (e) {
          if (e instanceof ApiProblem && e.status === 0) continue;
          throw e;
        }
        if (at < 0) return;
        this.s.sent = at;
        continue;
      }
      if (r.status === 404) forget(id);
      throw problemOf(r.status, r.body);
    }
  }

  /** Waits `ms`, or less if the browser comes back online or the user acts. */
  private pauseFor(ms: number): Promise<void> {
    this.s.retryIn = Math.round(ms / 1000);
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = null; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = null; resolve(); };
    });
  }
}
