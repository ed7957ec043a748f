// What the supervisor's cockpit reads: the feed's messages, alerts, and a
// tender's record from its several sources merged by time (the committee
// draw's record is replayed by draw.ts).
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
  /** Names where the reader may know them, derived by the server when read
   *  (never logged): who acted, what it is about, the tender's title. */
  actor_name?: string | null;
  object_name?: string | null;
  tender_title?: string | null;
}

/** `{"type":"event","index":n,"event":{…}}` on the supervision feed. */
export interface FeedItem { type: 'event'; index: number; event: AuditEvent }

export interface Alert {
  id: string;
  tender_id: string;
  kind: string;
  /** What it found, in English (shown where no reason is said). */
  summary: string;
  /** The same as a key and params (lib/alerts.ts says them); absent on
   *  alerts kept before keys existed. */
  reason?: string;
  params?: Record<string, unknown>;
  /** The audit events (`seq`) it rests on; empty while sealed. */
  events: number[];
  raised_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  note: string | null;
  sealed: boolean;
}

export interface TenderSummary {
  id: string; reference?: string; title: string; status: string; opening?: string | null; league_code: string; category: string;
  bid_deadline: string; league_name?: string;
  /** From the opening on: whether the evaluation room is open yet. */
  evaluation_room?: 'not_open' | 'open' | null;
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

/** The problem of a failed load, or null when the source is simply not there yet (404, 409). */
export function absent(e: unknown): boolean {
  return e instanceof ApiProblem && (e.status === 404 || e.status === 409);
}
