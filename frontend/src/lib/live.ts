// One reconnecting client for the platform's live sockets (the opening hall,
// an evaluation room, the supervision feed). They share a protocol: the
// server replays what came after `after=`, says `live`, then sends each new
// item as it is stored, numbered without gaps. This client
// - signs in with the portal's token as a WebSocket subprotocol
//   (`ggzy.v1`, `ggzy.bearer.<token>`: a browser cannot set headers);
// - delivers each numbered item once and in order, and reconnects by itself
//   with `after=` the last one it delivered, backing off with jitter;
// - checks the connection is alive by asking for a replay of nothing every
//   20 s (`resume`, answered by `live`): a page cannot see the server's
//   pings, and a cut network shows no close for minutes otherwise;
// - tells a refusal (signed out, not allowed) from a network failure by
//   asking the socket's REST twin, since a refused handshake is only "1006"
//   to the page.
import { reactive } from 'vue';
import { call, ApiProblem } from './api';
import { session } from './session';

export type LiveState = 'connecting' | 'replaying' | 'live' | 'reconnecting' | 'refused' | 'closed';

export interface LiveStatus {
  state: LiveState;
  /** The last item delivered. */
  last: number;
  /** The server's last item when it said `live` (behind while last < head). */
  head: number;
  attempt: number;
  /** When the next attempt starts (ms since epoch), while reconnecting. */
  retryAt: number | null;
  /** Why the channel stopped (a refusal), as an ApiProblem. */
  refusal: ApiProblem | null;
}

export interface LiveOptions<T> {
  /** The socket's path, e.g. /api/v1/tenders/ID/evaluation/room/live; `after` is added. */
  path: string;
  /** Extra query parameters (filters). */
  query?: Record<string, string | undefined>;
  /** The REST twin to ask why a handshake failed (GET, with the same token). */
  probe: string;
  /** Where to start: items after this number (-1 or 0 from the beginning, undefined: from now). */
  after?: number;
  /** The number of a numbered item, or null for other messages. */
  numberOf: (msg: Record<string, unknown>) => number | null;
  /**
   * The server's head in its `live` message. Every live socket means by it
   * "everything for you up to here was sent", so the channel then stands at
   * the head: on a filtered socket (the supervision feed) it is not "behind"
   * for the items the filter left out, and resumes from there; on one that
   * sends everything (a room) the last item delivered is the head already.
   */
  headOf: (msg: Record<string, unknown>) => number | null;
  /** Whether the socket understands `{"type":"resume","after":n}` (liveness by replay). */
  resumable: boolean;
  onItem: (item: T) => void;
  /** Any other message (acks, errors). */
  onMessage?: (msg: Record<string, unknown>) => void;
}

const PROBE_EVERY = 20_000;
const PROBE_TIMEOUT = 10_000;

export class LiveChannel<T = Record<string, unknown>> {
  readonly status: LiveStatus = reactive({
    state: 'connecting', last: -1, head: -1, attempt: 0, retryAt: null, refusal: null,
  }) as LiveStatus;
  private ws: WebSocket | null = null;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setInterval> | undefined;
  private answerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private o: LiveOptions<T>) {
    if (o.after !== undefined) this.status.last = Math.max(o.after, 0);
    this.connect();
  }

  get behind(): boolean {
    return this.status.state === 'replaying' || this.status.state === 'reconnecting' || this.status.last < this.status.head;
  }

  /** Sends a message (a room action). False when the socket is not open. */
  send(msg: unknown): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  get open(): boolean { return this.ws?.readyState === WebSocket.OPEN; }

  close(): void {
    this.stopped = true;
    this.status.state = 'closed';
    this.clearTimers();
    shut(this.ws);
    this.ws = null;
  }

  /** Drops the socket and reconnects now (e.g. after signing in again). */
  reconnectNow(): void {
    if (this.stopped) return;
    this.status.refusal = null;
    this.status.attempt = 0;
    shut(this.ws);
    this.ws = null;
    this.connect();
  }

  private url(): string {
    const u = new URL(this.o.path, location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    // From the last item delivered; before any, from where we were told to
    // start, or (neither) from now on.
    if (this.status.last >= 0) u.searchParams.set('after', String(this.status.last));
    for (const [k, v] of Object.entries(this.o.query ?? {})) if (v) u.searchParams.set(k, v);
    return u.toString();
  }

  private connect(): void {
    this.clearTimers();
    if (this.stopped) return;
    this.status.state = this.status.attempt ? 'reconnecting' : 'connecting';
    this.status.retryAt = null;
    const protocols = ['ggzy.v1'];
    if (session.token) protocols.push('ggzy.bearer.' + session.token);
    let ws: WebSocket;
    try { ws = new WebSocket(this.url(), protocols); } catch { this.retry(); return; }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.status.state = 'replaying';
      this.status.attempt = 0;
      this.probeTimer = setInterval(() => this.probeAlive(), PROBE_EVERY);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.answered();
      let msg: Record<string, unknown>;
      try { msg = JSON.parse(String(ev.data)); } catch { return; }
      const n = this.o.numberOf(msg);
      if (n !== null) {
        if (n <= this.status.last) return; // a replay overlapping what we have
        this.status.last = n;
        if (n > this.status.head) this.status.head = n;
        this.o.onItem(msg as T);
        return;
      }
      const head = this.o.headOf(msg);
      if (head !== null) {
        this.status.head = Math.max(head, this.status.last);
        this.status.last = this.status.head;
        this.status.state = 'live';
        return;
      }
      this.o.onMessage?.(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      if (this.stopped) return;
      // 1008: signed out or no longer allowed; a failed handshake (1006
      // before open): ask the REST twin which it is.
      if (ev.code === 1008 || !opened) void this.diagnose();
      else this.retry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  private async diagnose(): Promise<void> {
    try {
      await call('GET', this.o.probe, { signal: AbortSignal.timeout(10_000) });
      this.retry();
    } catch (e) {
      if (e instanceof ApiProblem && (e.status === 401 || e.status === 403 || e.status === 404)) {
        this.status.state = 'refused';
        this.status.refusal = e;
        return;
      }
      this.retry();
    }
  }

  private retry(): void {
    if (this.stopped) return;
    this.status.state = 'reconnecting';
    this.status.attempt += 1;
    const base = Math.min(30_000, 500 * 2 ** Math.min(this.status.attempt - 1, 6));
    const wait = base / 2 + Math.random() * base / 2;
    this.status.retryAt = Date.now() + wait;
    this.timer = setTimeout(() => this.connect(), wait);
  }

  private probeAlive(): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.answerTimer) return;
    if (this.o.resumable) this.ws.send(JSON.stringify({ type: 'resume', after: Math.max(this.status.last, 0) }));
    else this.ws.send(JSON.stringify({ type: 'ping' }));
    const ws = this.ws;
    this.answerTimer = setTimeout(() => {
      // No answer: the connection is dead though nobody said so. Drop it.
      this.answerTimer = undefined;
      if (this.ws === ws) {
        this.ws = null;
        try { ws.close(4000); } catch { /* already closed */ }
        this.clearTimers();
        this.retry();
      }
    }, PROBE_TIMEOUT);
  }

  private answered(): void {
    if (this.answerTimer) { clearTimeout(this.answerTimer); this.answerTimer = undefined; }
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.answered();
    this.timer = undefined; this.probeTimer = undefined;
  }
}

/** Closes a socket cleanly: one still connecting is closed once it opens
 *  (closing it before makes the browser log "WebSocket is closed before the
 *  connection is established" for a page that simply moved on). */
function shut(ws: WebSocket | null): void {
  if (!ws) return;
  ws.onmessage = null;
  if (ws.readyState === WebSocket.CONNECTING) {
    ws.onopen = () => { try { ws.close(1000); } catch { /* already closed */ } };
    return;
  }
  try { ws.close(1000); } catch { /* already closed */ }
}
