// A trade found by price (land and mining-rights listings and auctions,
// state-owned property's online bidding) as the pages follow it: the board
// (GET /tenders/{id}/auction), then its events live on the trade's socket
// (lib/live.ts: replayed after the last one seen, resumed on reconnect),
// each quote applied to the board at once and the board read again when
// the phase may have moved. The countdown runs by the server's clock: the
// page asks the socket for the time (`{"type":"clock"}`) and keeps the
// offset of the quickest answer, so a browser whose clock is wrong still
// shows the server's countdown. Quotes on the socket are answered by an
// `ack` (with the receipt) or an `error` (with the same reason as over
// HTTP), matched by the client id each quote carries.
import { reactive, shallowRef } from 'vue';
import { get, enc, ApiProblem } from './api';
import { LiveChannel } from './live';

export type PhaseName = 'scheduled' | 'open' | 'deciding' | 'timed' | 'awaiting_reserve' | 'decided';
export interface Phase { phase: PhaseName; until?: string; ends_at?: string; closed_at?: string }
export interface QuoteView { seq: number; number: string; amount_fen: number; at: string }
export interface Outcome {
  result: 'sold' | 'no_sale' | 'agreement' | 'void';
  number?: string; price_fen?: number; floor_fen?: number; why?: string; basis?: string;
}
export interface Terms {
  kind: string; start_fen: number; increment_fen: number; max_increments: number | null;
  starts_at: string; free_until: string; countdown_secs: number;
  restart: { rule: string; window_secs?: number; extend_secs?: number };
  continue_rule: { rule: string; min_participants: number } | null;
  continue_window_secs: number; join_requires_quote: boolean; leader_may_raise: boolean;
  min_bidders: number; single_buyer: string; reserve_sealed: boolean;
}
export interface TradeView {
  tender_id: string; terms: Terms; deposit_fen: number; phase: Phase; now: string;
  floor_fen: number; increment_fen: number; leader: QuoteView | null; quotes: QuoteView[];
  outcome: Outcome | null;
  /** The sealed reserve: its commitment once sealed, its value once revealed. */
  reserve?: {
    required: boolean; commitment: string | null; envelope_sha256: string | null;
    sealed_at: string | null; revealed_at: string | null; reserve_fen: number | null;
    revealed_plain: string | null;
  };
}
export interface Applicant {
  organisation_id: string; name: string; applied_at: string; status: 'applied' | 'qualified' | 'refused';
  reason: string | null; deposit_confirmed_at: string | null; deposit_source: string | null; number: string | null;
}
export interface QuoteReceipt {
  tender_id: string; seq: number; number: string; amount_fen: number; at: string; ends_at: string | null;
  text: string; timestamp_response: string; duplicate: boolean;
}
/** A trade's event as the socket sends it. */
export interface TradeEvent {
  type: 'event'; seq: number; at: string; kind: string;
  number?: string; amount_fen?: number; ends_at?: string; increment_fen?: number;
  participants?: string[]; leader?: string | null; why?: string; outcome?: Outcome;
}
/** A refusal on the socket: its reason, as a problem's. */
export interface SocketRefusal { type: 'error'; id: string | null; code: string; message: string; reason?: string; params?: Record<string, unknown> }

export const TRADE_KINDS = ['land_listing', 'land_auction', 'mining_listing', 'mining_auction', 'property_online_bidding'] as const;

/** The trade kinds a tender of this category and method may be set up as. */
export function kindsFor(category: string, method: string): string[] {
  if (category === 'land_mining_rights' && method === 'listing') return ['land_listing', 'mining_listing'];
  if (category === 'land_mining_rights' && method === 'auction') return ['land_auction', 'mining_auction'];
  if (category === 'state_owned_property' && method === 'auction') return ['property_online_bidding'];
  return [];
}

/** Whether a tender of this category may be a trade found by price. */
export const maybeTrade = (category: string): boolean => category === 'land_mining_rights' || category === 'state_owned_property';

export const boardPath = (id: string): string => `/api/v1/tenders/${enc(id)}/auction`;

/** A trade as the public list gives it (GET /api/v1/auctions). */
export interface TradeSummary {
  tender_id: string; reference: string; title: string; kind: string; phase: Phase; starts_at: string;
  price_fen: number; leader_number: string | null; quotes: number;
}

/** The published trades; with `tender`, that tender's alone, as the
 *  signed-in user sees it (empty when it is no trade). */
export async function listTrades(tender?: string): Promise<TradeSummary[]> {
  const q = tender ? `?tender=${enc(tender)}` : '';
  return (await get<{ items: TradeSummary[] }>(`/api/v1/auctions${q}`, { auth: !!tender })).items;
}

/** The trade's board, or null when the tender is no trade (404). */
export async function loadBoard(id: string): Promise<TradeView | null> {
  try {
    return await get<TradeView>(boardPath(id), { auth: false });
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 404) return null;
    throw e;
  }
}

/** When the phase shown ends (the countdown's end, the listing's, the window's, the start). */
export function phaseEnd(v: TradeView): string | null {
  const p = v.phase;
  if (p.phase === 'timed') return p.ends_at ?? null;
  if (p.phase === 'open' || p.phase === 'deciding') return p.until ?? null;
  if (p.phase === 'scheduled') return v.terms.starts_at;
  return null;
}

/** Whether quotes are taken in this phase. */
export const quoting = (p: Phase): boolean => p.phase === 'open' || p.phase === 'timed';

/** A client id for one quote or declaration (the server answers the same id with the same receipt). */
export function clientId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A base64 RFC 3161 response as a file to download (`openssl ts -verify -in`). */
export function tsrBlob(b64: string): Blob {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return new Blob([out], { type: 'application/timestamp-reply' });
}

export interface LiveTrade {
  /** The board, kept current. */
  view: TradeView | null;
  /** The quotes, newest last. */
  quotes: QuoteView[];
  /** Server time minus this browser's, in ms (null until measured). */
  offset: number | null;
  /** The last countdown restart seen live (for the page to flash). */
  restarts: number;
  error: unknown;
}

/**
 * Follows one trade: the board, then the socket. `onReply` hears the
 * socket's `ack` and `error` frames (the answers to quotes sent on it).
 */
export class TradeFollower {
  readonly state: LiveTrade = reactive({ view: null, quotes: [], offset: null, restarts: 0, error: null }) as LiveTrade;
  readonly channel = shallowRef<LiveChannel<TradeEvent> | null>(null);
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private clockTimer: ReturnType<typeof setInterval> | undefined;
  private asked = new Map<number, number>();
  private best = Infinity;
  private closed = false;

  constructor(private id: string, private onReply?: (m: Record<string, unknown>) => void) {}

  async start(): Promise<void> {
    try {
      const v = await loadBoard(this.id);
      if (this.closed) return;
      this.state.view = v;
      if (!v) return;
      this.state.quotes = [...v.quotes];
      // A first guess from the board's own time until the socket answers.
      this.state.offset = new Date(v.now).getTime() - Date.now();
      const last = v.quotes.length ? Math.max(...v.quotes.map((q) => q.seq)) : 0;
      this.follow(last);
    } catch (e) {
      this.state.error = e;
    }
  }

  private follow(after: number): void {
    this.channel.value = new LiveChannel<TradeEvent>({
      path: `${boardPath(this.id)}/live`,
      probe: boardPath(this.id),
      after,
      numberOf: (m) => (m.type === 'event' && typeof m.seq === 'number' ? m.seq : null),
      headOf: (m) => {
        if (m.type !== 'live' || typeof m.last_seq !== 'number') return null;
        // (Re)connected: measure the clock again, and read the board once
        // (what the time made while we were away).
        this.askClock();
        this.refreshSoon(0);
        return m.last_seq;
      },
      resumable: true,
      onItem: (e) => this.apply(e),
      onMessage: (m) => {
        if (m.type === 'clock' && typeof m.now === 'string') this.clockAnswer(m);
        else this.onReply?.(m);
      },
    });
    this.clockTimer = setInterval(() => this.askClock(), 30_000);
  }

  /** Asks the server's time; the answer that came back quickest wins. */
  private askClock(): void {
    const ch = this.channel.value;
    if (!ch?.open) return;
    const n = this.asked.size;
    this.asked.set(n, performance.now());
    ch.send({ type: 'clock' });
  }

  private clockAnswer(m: Record<string, unknown>): void {
    const sentAt = Math.min(...this.asked.values());
    this.asked.clear();
    if (!Number.isFinite(sentAt)) return;
    const rtt = performance.now() - sentAt;
    const server = new Date(String(m.now)).getTime();
    if (rtt <= this.best * 1.5 || this.state.offset === null) {
      this.best = Math.min(this.best, rtt);
      this.state.offset = server + rtt / 2 - Date.now();
    }
  }

  /** Now by the server's clock, in ms. */
  now(): number {
    return Date.now() + (this.state.offset ?? 0);
  }

  private apply(e: TradeEvent): void {
    const v = this.state.view;
    if (e.kind === 'quote_accepted' && e.number && typeof e.amount_fen === 'number') {
      const q: QuoteView = { seq: e.seq, number: e.number, amount_fen: e.amount_fen, at: e.at };
      if (!this.state.quotes.some((x) => x.seq === e.seq)) this.state.quotes = [...this.state.quotes, q];
      if (v) {
        v.leader = q;
        v.floor_fen = q.amount_fen + v.increment_fen;
        if (v.phase.phase === 'timed' && e.ends_at) {
          v.phase = { phase: 'timed', ends_at: e.ends_at };
          this.state.restarts += 1;
        }
      }
      return;
    }
    // Any other event moves the phase (opened, the listing's end, the
    // timed phase, the close, the outcome): read the board again.
    this.refreshSoon(150);
  }

  refreshSoon(ms: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), ms);
  }

  async refresh(): Promise<void> {
    try {
      const v = await loadBoard(this.id);
      if (this.closed || !v) return;
      this.state.view = v;
      // The board's quotes are the record's; keep any that arrived live since.
      const seen = new Set(v.quotes.map((q) => q.seq));
      this.state.quotes = [...v.quotes, ...this.state.quotes.filter((q) => !seen.has(q.seq) && q.seq > (v.quotes.at(-1)?.seq ?? 0))];
    } catch { /* keep the last board */ }
  }

  /** Sends a quote on the socket; false when it is not open (the page then posts it). */
  sendQuote(id: string, amount_fen: number): boolean {
    return this.channel.value?.send({ type: 'quote', id, amount_fen }) ?? false;
  }

  /** Reconnects (after signing in: the socket then carries the session). */
  reconnect(): void {
    this.channel.value?.reconnectNow();
  }

  close(): void {
    this.closed = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.clockTimer) clearInterval(this.clockTimer);
    this.channel.value?.close();
  }
}
