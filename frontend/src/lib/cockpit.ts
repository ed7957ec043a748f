// What the supervisor's cockpit reads: the feed's messages, alerts, a
// tender's record from its several sources merged by time, and the
// committee draw's record checked in the page.
import { get, call, enc, ApiProblem } from './api';

/** An audit event as the log and the feed give it. */
export interface AuditEvent {
  seq: number;
  occurred_at: string;
  actor_id: string | null;
  actor_role: string;
  action: string;
  object_type: string;
  object_id: string;
  tender_id: string | null;
  client_addr: string | null;
  request_id: string | null;
  payload_sha256: string;
}

/** `{"type":"event","index":n,"event":{…}}` on the supervision feed. */
export interface FeedItem { type: 'event'; index: number; event: AuditEvent }

export interface Alert {
  id: string;
  tender_id: string;
  kind: string;
  summary: string;
  /** The audit events (`seq`) it rests on; empty while sealed. */
  events: number[];
  raised_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  note: string | null;
  sealed: boolean;
}

export interface TenderSummary {
  id: string; reference?: string; title: string; status: string; league_code: string; category: string;
  bid_deadline: string; league_name?: string;
}

/** The log's size, from its latest checkpoint (0 before any). */
export async function logSize(): Promise<number> {
  const res = await call('GET', '/api/v1/audit/log/checkpoint', { accept: 'text/plain', auth: false });
  const size = Number((await res.text()).split('\n')[1]);
  return Number.isFinite(size) ? size : 0;
}

/** Every audit event about a tender the reader sees (up to `max`). */
export async function tenderAuditEvents(tenderId: string, max = 2000): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for (let page = 1; out.length < max; page++) {
    const r = await get<{ items: AuditEvent[]; total: number }>(
      `/api/v1/audit/events?tender_id=${enc(tenderId)}&per_page=100&page=${page}`);
    out.push(...r.items);
    if (r.items.length < 100 || out.length >= r.total) break;
  }
  return out;
}

/** One audit event by its `seq` (the evidence of an alert). */
export async function auditEvent(tenderId: string, seq: number): Promise<AuditEvent | null> {
  const r = await get<{ items: AuditEvent[] }>(
    `/api/v1/audit/events?tender_id=${enc(tenderId)}&after_seq=${seq - 1}&per_page=1`);
  return r.items.find((e) => e.seq === seq) ?? null;
}

/** The room's events: JSON lines of the socket's frames. */
export async function roomEvents(tenderId: string): Promise<RoomEvent[]> {
  const res = await call('GET', `/api/v1/tenders/${enc(tenderId)}/evaluation/room/events`, { accept: 'application/jsonl' });
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as RoomEvent)
    .filter((e) => e.type === 'event');
}

export interface RoomEvent { type: string; seq: number; kind: string; at: string; actor: string | null; payload: Record<string, unknown> }
export interface HallEvent { seq: number; kind: string; at: string; payload: Record<string, unknown> }
export interface Notice { seq: number; kind: string; title: string; body: string; published_at: string }
export interface Bid {
  id: string; bidder_name: string; version: number; status: string; sha256: string; size_bytes: number;
  received_at: string; withdrawn_at: string | null; signer_subject?: string;
}
export interface Member {
  kind: string; expert_id?: string; name?: string; league?: string; employer?: string | null;
  venue?: { league: string; name: string } | null; status?: string;
}
export interface Committee {
  stage: 'not_configured' | 'committed' | 'drawn' | string;
  committed_at: string | null; drawn_at: string | null; pool_size: number | null;
  seated: number; accepted: number; short: boolean; sealed: boolean; members: Member[];
}
export interface Seat { expert: string; quota: string | null; other_league: boolean; venue: string }
export interface DrawRecord {
  version: string; tender_id: string; bid_deadline: string; committed_at: string;
  commitment: { tender_id: string; snapshot_sha256: string; rules_sha256: string; platform_commitment: string };
  commitment_index: number | null; contributed_index: number | null; drawn_index: number | null;
  snapshot: string; rules: string; platform_value: string; supervisor_contribution: string;
  tree_head: { size: number; root: string; signed_at: string; checkpoint: string };
  bidders: string[] | null; bidders_sealed: boolean; bidders_commitment: string | null; bidders_salt: string | null;
  drawn_at: string;
  drawn: { seed: string; committee: Seat[]; reserves: string[]; excluded: { expert: string; reason: string }[]; left: string[] };
  replacements: unknown[]; committee: Seat[];
}

/** One check of the draw made in the page: its message key, and whether it held. */
export interface DrawCheck { key: string; ok: boolean; skipped?: boolean }

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const toHex = (b: ArrayBuffer | Uint8Array): string =>
  Array.from(b instanceof Uint8Array ? b : new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
}
const sha256Hex = async (bytes: Uint8Array): Promise<string> => toHex(await sha256(bytes));

function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function less(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i];
  return a.length < b.length;
}

/**
 * Checks what of `ggzy-draw-v1` (src/experts/draw.rs) is plain hashing:
 * each input against its commitment, the seed from its inputs, the bidders
 * against their commitment (once revealed), and that the committee and the
 * reserves each come in the draw order (SHA-256 of seed ‖ id, ascending).
 * Who was eligible and who took each seat under the quotas is the full
 * replay's (`ggzy draw verify`), as is the tree head's signature.
 */
export async function verifyDraw(r: DrawRecord): Promise<DrawCheck[]> {
  const checks: DrawCheck[] = [];
  const c = r.commitment;
  checks.push({ key: 'algorithm', ok: r.version === 'ggzy-draw-v1' });
  checks.push({ key: 'tender', ok: c.tender_id === r.tender_id });
  checks.push({ key: 'snapshot', ok: (await sha256Hex(utf8(r.snapshot))) === c.snapshot_sha256 });
  checks.push({ key: 'rules', ok: (await sha256Hex(utf8(r.rules))) === c.rules_sha256 });
  const value = fromHex(r.platform_value);
  checks.push({ key: 'platform', ok: value !== null && (await sha256Hex(value)) === c.platform_commitment });
  checks.push({ key: 'committedBefore', ok: new Date(r.committed_at).getTime() < new Date(r.bid_deadline).getTime() });
  const seedText = `ggzy-draw-v1\ntender ${r.tender_id}\nsnapshot ${await sha256Hex(utf8(r.snapshot))}\n`
    + `rules ${await sha256Hex(utf8(r.rules))}\nplatform ${r.platform_value}\n`
    + `supervisor ${await sha256Hex(utf8(r.supervisor_contribution))}\n`
    + `tree ${r.tree_head.size} ${r.tree_head.root}\n`;
  const seedHex = await sha256Hex(utf8(seedText));
  checks.push({ key: 'seed', ok: seedHex === r.drawn.seed });
  if (r.bidders && r.bidders_salt && r.bidders_commitment) {
    const text = `${r.bidders_salt}\n${JSON.stringify(r.bidders)}`;
    checks.push({ key: 'bidders', ok: (await sha256Hex(utf8(text))) === r.bidders_commitment });
  } else {
    checks.push({ key: 'bidders', ok: true, skipped: true });
  }
  const seed = fromHex(r.drawn.seed) ?? new Uint8Array();
  const keyOf = async (id: string): Promise<Uint8Array> => {
    const idBytes = utf8(id);
    const joined = new Uint8Array(seed.length + idBytes.length);
    joined.set(seed); joined.set(idBytes, seed.length);
    return sha256(joined);
  };
  const ascending = async (ids: string[]): Promise<boolean> => {
    const keys = await Promise.all(ids.map(keyOf));
    return keys.every((k, i) => i === 0 || less(keys[i - 1], k));
  };
  checks.push({ key: 'committeeOrder', ok: await ascending(r.drawn.committee.map((s) => s.expert)) });
  if (r.bidders_sealed) checks.push({ key: 'reservesOrder', ok: true, skipped: true });
  else checks.push({ key: 'reservesOrder', ok: await ascending(r.drawn.reserves) });
  return checks;
}

/** The problem of a failed load, or null when the source is simply not there yet (404, 409). */
export function absent(e: unknown): boolean {
  return e instanceof ApiProblem && (e.status === 404 || e.status === 409);
}
