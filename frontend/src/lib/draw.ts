// The committee draw's record (GET /api/v1/tenders/{id}/committee/draw-record)
// replayed in the page, check for check as `ggzy draw verify` replays it
// (src/experts/cli.rs: `replay`, then `check_in_log`), with the algorithm
// `ggzy-draw-v1` of src/experts/draw.rs written again here:
//
// - the record: its commitments (snapshot, rules, platform value), its
//   times, the checkpoint naming the tree head, its signature with the
//   log's published key;
// - the replay: the seed from its inputs, the bidders against their salted
//   commitment, every expert of the pool snapshot through the avoidance
//   rules in their order (availability, venue, the tenderer, the bidders,
//   the league, recent committees, declines, specialty), the eligible in
//   the draw order SHA-256(seed ‖ id), each seated under the quotas and
//   the cross-site minimum or passed over, the reserves, every
//   replacement, the committee now, the representatives;
// - the log (online): the tree head is the log's last checkpoint signed
//   at or before the deadline, the commitment is an entry inside it, and
//   the three audit entries hold exactly the record's values.
//
// Byte for byte as the server: SHA-256 is WebCrypto's over UTF-8; sort
// orders compare bytes (UTF-8 for ids); counts are integers (the
// cross-site share in BigInt, ⌈size × percent ÷ 100⌉); the snapshot and
// the rules are read as serde reads them (unknown fields refused, u32
// bounds), so that a record the CLI cannot read is one the page refuses.
// Each check carries the line `ggzy draw verify` prints for it when it
// holds (`cli`), so the two can be compared (tests/e2e/draw_replay.test.mjs
// does); where the CLI reports a finding without a line, `cli` is null.
import { GgzyAuditLog } from './auditlog.js';
import { call, get } from './api';

export const VERSION = 'ggzy-draw-v1';
/** Why a member left (a replacement's `reason`). */
const LEAVING = ['declined', 'no_show', 'recused', 'expired'];
export const REASONS = ['unavailable', 'no_venue', 'tenderer', 'bidder', 'same_league', 'recent_committee', 'declines', 'specialty'] as const;
export type Reason = typeof REASONS[number];

export interface Seat { expert: string; quota: string | null; other_league: boolean; venue: string }
export interface Excluded { expert: string; reason: Reason }
export interface Outcome { seed: string; committee: Seat[]; reserves: string[]; excluded: Excluded[]; left: string[] }
export interface Replacement { expert: string; reason: string; replacement: string | null }
export interface Representative {
  member: string; user_id: string; name: string; organisation_id: string; organisation: string; league: string; venue: string;
  status: string; named_at: string; left_at: string | null; reason: string | null;
}
const MEMBER_STATUSES = ['invited', 'accepted', 'declined', 'no_show', 'recused', 'expired'];
export interface DrawRecord {
  version: string; tender_id: string; bid_deadline: string; committed_at: string;
  commitment: { tender_id: string; snapshot_sha256: string; rules_sha256: string; platform_commitment: string };
  commitment_index: number | null; contributed_index: number | null; drawn_index: number | null;
  snapshot: string; rules: string; platform_value: string; supervisor_contribution: string;
  tree_head: { size: number; root: string; signed_at: string; checkpoint: string };
  bidders: string[] | null; bidders_sealed: boolean; bidders_commitment: string | null; bidders_salt: string | null;
  drawn_at: string; drawn: Outcome; replacements: Replacement[]; committee: Seat[]; representatives: Representative[];
}
export interface PoolExpert {
  id: string; league: string; employer: string | null; related: string[]; specialties: string[];
  available: boolean; recent_with_tenderer: number; declines: number;
}
export interface Snapshot { taken_at: string; experts: PoolExpert[] }
export interface Quota { specialty: string; count: number }
export interface Venue { league: string; name: string; main: boolean }
export interface Rules {
  size: number; quotas: Quota[]; cross_site: { min_other_league_percent: number } | null; venues: Venue[];
  tender_league: string; tenderer: string | null; history_days: number; avoid_recent_committees: boolean;
  max_declines: number; representatives: number; complex_reason: string | null;
}

/** A message of the page's catalogue (a full key) with its values; a value may itself be one. */
export interface Msg { key: string; params?: Record<string, Param> }
export type Param = string | number | Msg;

export type CheckState = 'ok' | 'bad' | 'pending';
export type Part = 'record' | 'replay' | 'log';
export interface DrawCheck {
  /** Unique in a verification (a replacement's and an audit entry's carry their number). */
  id: string;
  /** What is checked, in words: timeline.draw.check.<key>, with `params`. */
  key: string;
  params?: Record<string, Param>;
  part: Part;
  state: CheckState;
  /** On failure (or pending): what differs, or why it could not be checked. */
  diff?: Msg;
  /** The line `ggzy draw verify` prints (after "ok") when the same check holds; null: it reports only a failure. */
  cli: string | null;
  /** A check of the page's own that the CLI does not make. */
  pageOnly?: boolean;
}

/** What the replay found, for the page to show beside the checks. */
export interface ReplayView {
  seed: string;
  rules: Rules;
  /** Every expert of the snapshot: the eligible in draw order, then the excluded in snapshot order. */
  rows: ReplayRow[];
  quotas: { specialty: string; count: number; atDraw: number; now: number }[];
  otherLeague: { needed: number; atDraw: number; now: number };
  seatedAtDraw: number;
  seatedNow: number;
  representatives: Representative[];
}
export interface ReplayRow {
  expert: PoolExpert;
  /** Place in the draw order (1-based), null when excluded. */
  order: number | null;
  /** The first bytes of SHA-256(seed ‖ id), hex. */
  key: string | null;
  outcome: { kind: 'seated'; seat: Seat } | { kind: 'reserve'; n: number } | { kind: 'excluded'; reason: Reason };
  /** What became of it after the replacements: it left, or it was seated in a freed seat. */
  later: 'left' | 'replacement' | null;
}

export interface Verification { checks: DrawCheck[]; replay: ReplayView | null }

/** The audit log as the online checks read it. */
export interface LogSource {
  /** The log's verifier key (`name+id+key`). */
  key(): Promise<string>;
  /** The latest signed checkpoint's size. */
  size(): Promise<number>;
  checkpoints(fromSize: number, limit: number): Promise<{ tree_size: number; note: string }[]>;
  /** The entry's canonical encoding (base64), or null when this reader may not read it. */
  entry(index: number): Promise<string | null>;
  /** The inclusion proof's hashes (base64). */
  inclusion(index: number, size: number): Promise<string[]>;
}

/** The platform's own API, read with the page's session. */
export const apiLog: LogSource = {
  key: async () => (await get<{ vkey: string }>('/api/v1/audit/log/key', { auth: false })).vkey,
  size: async () => {
    const res = await call('GET', '/api/v1/audit/log/checkpoint', { accept: 'text/plain', auth: false });
    const size = Number((await res.text()).split('\n')[1]);
    if (!Number.isSafeInteger(size)) throw new Error('the latest checkpoint names no size');
    return size;
  },
  checkpoints: async (from, limit) =>
    (await get<{ checkpoints: { tree_size: number; note: string }[] }>(`/api/v1/audit/log/checkpoints?from_size=${from}&limit=${limit}`, { auth: false })).checkpoints,
  entry: async (index) =>
    (await get<{ entries: { leaf_input: string | null }[] }>(`/api/v1/audit/log/entries?start=${index}&end=${index + 1}`)).entries[0]?.leaf_input ?? null,
  inclusion: async (index, size) =>
    (await get<{ hashes: string[] }>(`/api/v1/audit/log/proof/inclusion?index=${index}&tree_size=${size}`, { auth: false })).hashes,
};

// ---------------------------------------------------------------- bytes

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
}
export const sha256Hex = async (text: string): Promise<string> => toHex(await sha256(utf8(text)));
/** Bytewise order, as Rust compares [u8; 32] and String. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
const same = (a: Uint8Array, b: Uint8Array): boolean => compareBytes(a, b) === 0;
/** Lower-case hex only, as the CLI reads the platform value: one value, one text. */
function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
/** Base64 as openssl's decode_block reads it: trimmed, whole quanta, padding at the end only. */
function fromBase64(text: string): Uint8Array | null {
  const s = text.trim();
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  try { return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); } catch { return null; }
}

/** The JSON serde_json writes for a Value: keys sorted (bytewise), no white space, integers only here. */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`${v} is not an integer the audit payloads hold`);
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort((a, b) => compareBytes(utf8(a), utf8(b)));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

// ---------------------------------------------------------------- times

const TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
/** An RFC 3339 time as nanoseconds since the epoch (exactly: chrono keeps nanoseconds, Date milliseconds). */
export function instant(text: string): bigint | null {
  const m = TIME.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d
    || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return null;
  let offset = 0;
  if (m[8] !== 'Z' && m[8] !== 'z') {
    const sign = m[8][0] === '+' ? 1 : -1;
    offset = sign * (Number(m[8].slice(1, 3)) * 3600 + Number(m[8].slice(4, 6)) * 60);
  }
  return (BigInt(ms / 1000) - BigInt(offset)) * 1_000_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}
/** chrono's timestamp(): whole seconds, rounded down. */
function seconds(ns: bigint): bigint {
  const q = ns / 1_000_000_000n;
  return ns < 0n && q * 1_000_000_000n !== ns ? q - 1n : q;
}

// ---------------------------------------------------------------- reading, as serde reads

class Unreadable extends Error {
  constructor(public what: 'missing' | 'unknown' | 'type' | 'json', public path: string, public expected = '') { super(`${what} ${path}`); }
}
type Obj = Record<string, unknown>;
const U32_MAX = 4294967295;
function object(v: unknown, path: string, fields?: string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Fractional) throw new Unreadable('type', path, 'object');
  if (fields) for (const k of Object.keys(v)) if (!fields.includes(k)) throw new Unreadable('unknown', path ? `${path}.${k}` : k);
  return v as Obj;
}
function field(o: Obj, k: string, path: string, optional = false): unknown {
  if (!(k in o)) {
    if (optional) return null;
    throw new Unreadable('missing', path ? `${path}.${k}` : k);
  }
  return o[k];
}
const at = (path: string, k: string): string => (path ? `${path}.${k}` : k);
function str(o: Obj, k: string, path: string): string {
  const v = field(o, k, path);
  if (typeof v !== 'string') throw new Unreadable('type', at(path, k), 'string');
  return v;
}
function optStr(o: Obj, k: string, path: string): string | null {
  const v = field(o, k, path, true);
  if (v !== null && typeof v !== 'string') throw new Unreadable('type', at(path, k), 'string');
  return v as string | null;
}
function bool(o: Obj, k: string, path: string, dflt?: boolean): boolean {
  const v = field(o, k, path, dflt !== undefined);
  if (v === null && dflt !== undefined && !(k in o)) return dflt;
  if (typeof v !== 'boolean') throw new Unreadable('type', at(path, k), 'boolean');
  return v;
}
function uint(o: Obj, k: string, path: string, max: number, dflt?: number): number {
  const v = field(o, k, path, dflt !== undefined);
  if (v === null && dflt !== undefined && !(k in o)) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw new Unreadable('type', at(path, k), max === U32_MAX ? 'u32' : 'uint');
  return v;
}
function optUint(o: Obj, k: string, path: string): number | null {
  const v = field(o, k, path, true);
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Unreadable('type', at(path, k), 'uint');
  return v;
}
function list<T>(v: unknown, path: string, item: (x: unknown, p: string) => T): T[] {
  if (!Array.isArray(v)) throw new Unreadable('type', path, 'array');
  return v.map((x, i) => item(x, `${path}[${i}]`));
}
function strings(o: Obj, k: string, path: string): string[] {
  return list(field(o, k, path), at(path, k), (x, p) => { if (typeof x !== 'string') throw new Unreadable('type', p, 'string'); return x; });
}
function time(o: Obj, k: string, path: string): string {
  const v = str(o, k, path);
  if (instant(v) === null) throw new Unreadable('type', at(path, k), 'time');
  return v;
}
function seat(v: unknown, path: string): Seat {
  const o = object(v, path);
  return { expert: str(o, 'expert', path), quota: optStr(o, 'quota', path), other_league: bool(o, 'other_league', path), venue: str(o, 'venue', path) };
}
function reason(v: unknown, path: string): Reason {
  if (typeof v !== 'string' || !(REASONS as readonly string[]).includes(v)) throw new Unreadable('type', path, 'reason');
  return v as Reason;
}

/** The record as the CLI deserialises it (`DrawRecord`: unknown fields passed over, options may be absent). */
export function readRecord(v: unknown): DrawRecord {
  const o = object(v, '');
  const c = object(field(o, 'commitment', ''), 'commitment');
  const h = object(field(o, 'tree_head', ''), 'tree_head');
  const d = object(field(o, 'drawn', ''), 'drawn');
  const bidders = field(o, 'bidders', '', true);
  return {
    version: str(o, 'version', ''),
    tender_id: str(o, 'tender_id', ''),
    bid_deadline: time(o, 'bid_deadline', ''),
    committed_at: time(o, 'committed_at', ''),
    commitment: {
      tender_id: str(c, 'tender_id', 'commitment'), snapshot_sha256: str(c, 'snapshot_sha256', 'commitment'),
      rules_sha256: str(c, 'rules_sha256', 'commitment'), platform_commitment: str(c, 'platform_commitment', 'commitment'),
    },
    commitment_index: optUint(o, 'commitment_index', ''),
    contributed_index: optUint(o, 'contributed_index', ''),
    drawn_index: optUint(o, 'drawn_index', ''),
    snapshot: str(o, 'snapshot', ''),
    rules: str(o, 'rules', ''),
    platform_value: str(o, 'platform_value', ''),
    supervisor_contribution: str(o, 'supervisor_contribution', ''),
    tree_head: { size: uint(h, 'size', 'tree_head', Number.MAX_SAFE_INTEGER), root: str(h, 'root', 'tree_head'), signed_at: time(h, 'signed_at', 'tree_head'), checkpoint: str(h, 'checkpoint', 'tree_head') },
    bidders: bidders === null ? null : strings(o, 'bidders', ''),
    bidders_sealed: bool(o, 'bidders_sealed', '', false),
    bidders_commitment: optStr(o, 'bidders_commitment', ''),
    bidders_salt: optStr(o, 'bidders_salt', ''),
    drawn_at: time(o, 'drawn_at', ''),
    drawn: {
      seed: str(d, 'seed', 'drawn'),
      committee: list(field(d, 'committee', 'drawn'), 'drawn.committee', seat),
      reserves: strings(d, 'reserves', 'drawn'),
      excluded: list(field(d, 'excluded', 'drawn'), 'drawn.excluded', (x, p) => {
        const e = object(x, p);
        return { expert: str(e, 'expert', p), reason: reason(field(e, 'reason', p), `${p}.reason`) };
      }),
      left: strings(d, 'left', 'drawn'),
    },
    replacements: list(field(o, 'replacements', ''), 'replacements', (x, p) => {
      const r = object(x, p);
      return { expert: str(r, 'expert', p), reason: str(r, 'reason', p), replacement: optStr(r, 'replacement', p) };
    }),
    committee: list(field(o, 'committee', ''), 'committee', seat),
    representatives: 'representatives' in o ? list(o.representatives, 'representatives', (x, p) => {
      const r = object(x, p);
      const status = str(r, 'status', p);
      if (!MEMBER_STATUSES.includes(status)) throw new Unreadable('type', `${p}.status`, 'status');
      return {
        member: str(r, 'member', p), user_id: str(r, 'user_id', p), name: str(r, 'name', p),
        organisation_id: str(r, 'organisation_id', p), organisation: str(r, 'organisation', p), league: str(r, 'league', p),
        venue: str(r, 'venue', p), status, named_at: time(r, 'named_at', p),
        left_at: field(r, 'left_at', p, true) === null ? null : time(r, 'left_at', p), reason: optStr(r, 'reason', p),
      };
    }) : [],
  };
}

/** A number written with a fraction or an exponent: serde reads no integer field from it. */
class Fractional { constructor(readonly value: number) {} }

/**
 * JSON as serde_json reads the committed texts into their structs, where
 * JSON.parse is laxer: a key twice in one object, an escaped lone
 * surrogate, 1.0 or 1e2 for an integer are refused there, so here too
 * (the last as a `Fractional`, which no integer field takes).
 */
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
export function strictJson(text: string): unknown {
  let i = 0;
  const fail = (): never => { throw new SyntaxError(`JSON at ${i}`); };
  const ws = (): void => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const string = (): string => {
    if (text[i] !== '"') fail();
    let out = '';
    for (i++; ; i++) {
      if (i >= text.length) fail();
      const c = text[i];
      if (c === '"') { i++; return out; }
      if (c < ' ') fail();
      if (c !== '\\') { out += c; continue; }
      const e = text[++i];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) { out += simple[e]; continue; }
      if (e !== 'u') fail();
      const unit = (at: number): number => (/^[0-9a-fA-F]{4}$/.test(text.slice(at, at + 4)) ? parseInt(text.slice(at, at + 4), 16) : fail());
      const u = unit(i + 1);
      i += 4;
      if (u >= 0xdc00 && u <= 0xdfff) fail();
      if (u >= 0xd800 && u <= 0xdbff) {
        if (text.slice(i + 1, i + 3) !== '\\u') fail();
        const low = unit(i + 3);
        if (low < 0xdc00 || low > 0xdfff) fail();
        out += String.fromCharCode(u, low);
        i += 6;
      } else out += String.fromCharCode(u);
    }
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      const o: Record<string, unknown> = {};
      i++; ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws();
        const k = string();
        if (Object.prototype.hasOwnProperty.call(o, k)) fail();
        ws();
        if (text[i++] !== ':') fail();
        Object.defineProperty(o, k, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i++] !== '}') fail();
        return o;
      }
    }
    if (c === '[') {
      const a: unknown[] = [];
      i++; ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i++] !== ']') fail();
        return a;
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail();
    i += m[0].length;
    return m[1] || m[2] ? new Fractional(Number(m[0])) : Number(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}

function parse(text: string, path: string): unknown {
  try { return strictJson(text); } catch { throw new Unreadable('json', path); }
}

/** The pool snapshot as serde reads `Snapshot` (deny_unknown_fields). */
export function readSnapshot(text: string): Snapshot {
  const o = object(parse(text, 'snapshot'), 'snapshot', ['taken_at', 'experts']);
  return {
    taken_at: time(o, 'taken_at', 'snapshot'),
    experts: list(field(o, 'experts', 'snapshot'), 'snapshot.experts', (x, p) => {
      const e = object(x, p, ['id', 'league', 'employer', 'related', 'specialties', 'available', 'recent_with_tenderer', 'declines']);
      return {
        id: str(e, 'id', p), league: str(e, 'league', p), employer: optStr(e, 'employer', p),
        related: strings(e, 'related', p), specialties: strings(e, 'specialties', p), available: bool(e, 'available', p),
        recent_with_tenderer: uint(e, 'recent_with_tenderer', p, U32_MAX), declines: uint(e, 'declines', p, U32_MAX),
      };
    }),
  };
}

/** The rules as serde reads `Rules` (deny_unknown_fields; `representatives` 0 when absent). */
export function readRules(text: string): Rules {
  const p = 'rules';
  const o = object(parse(text, p), p, ['size', 'quotas', 'cross_site', 'venues', 'tender_league', 'tenderer', 'history_days',
    'avoid_recent_committees', 'max_declines', 'representatives', 'complex_reason']);
  const cross = field(o, 'cross_site', p, true);
  return {
    size: uint(o, 'size', p, U32_MAX),
    quotas: list(field(o, 'quotas', p), 'rules.quotas', (x, q) => {
      const r = object(x, q, ['specialty', 'count']);
      return { specialty: str(r, 'specialty', q), count: uint(r, 'count', q, U32_MAX) };
    }),
    cross_site: cross === null ? null
      : { min_other_league_percent: uint(object(cross, 'rules.cross_site', ['min_other_league_percent']), 'min_other_league_percent', 'rules.cross_site', U32_MAX) },
    venues: list(field(o, 'venues', p), 'rules.venues', (x, q) => {
      const v = object(x, q, ['league', 'name', 'main']);
      return { league: str(v, 'league', q), name: str(v, 'name', q), main: bool(v, 'main', q) };
    }),
    tender_league: str(o, 'tender_league', p),
    tenderer: optStr(o, 'tenderer', p),
    history_days: uint(o, 'history_days', p, U32_MAX),
    avoid_recent_committees: bool(o, 'avoid_recent_committees', p),
    max_declines: uint(o, 'max_declines', p, U32_MAX),
    representatives: uint(o, 'representatives', p, U32_MAX, 0),
    complex_reason: optStr(o, 'complex_reason', p),
  };
}

// ---------------------------------------------------------------- ggzy-draw-v1

/** Whether `code` is `ancestor` or under it in the specialty tree (a prefix: specialties.rs). */
const isUnder = (code: string, ancestor: string): boolean => code.startsWith(ancestor);
const venueOf = (rules: Rules, league: string): Venue | undefined => rules.venues.find((v) => v.league === league);

/** Step 2: the first avoidance rule that excludes the expert, if any (draw.rs `exclusion`). */
export function exclusion(e: PoolExpert, rules: Rules, bidders: readonly string[]): Reason | null {
  const linked = (code: string): boolean => e.employer === code || e.related.includes(code);
  if (!e.available) return 'unavailable';
  if (!venueOf(rules, e.league)) return 'no_venue';
  if (rules.tenderer !== null && linked(rules.tenderer)) return 'tenderer';
  if (bidders.some(linked)) return 'bidder';
  if (rules.cross_site && rules.cross_site.min_other_league_percent >= 100 && e.league === rules.tender_league) return 'same_league';
  if (rules.avoid_recent_committees && e.recent_with_tenderer > 0) return 'recent_committee';
  if (rules.max_declines > 0 && e.declines >= rules.max_declines) return 'declines';
  if (rules.quotas.length > 0 && !rules.quotas.some((q) => e.specialties.some((s) => isUnder(s, q.specialty)))) return 'specialty';
  return null;
}

/** Seats that must go to other leagues: ⌈size × min(percent, 100) ÷ 100⌉, in integers. */
export function otherLeagueSeats(rules: Rules): number {
  if (!rules.cross_site) return 0;
  const percent = BigInt(Math.min(rules.cross_site.min_other_league_percent, 100));
  return Number((BigInt(rules.size) * percent + 99n) / 100n);
}

/** The committee being filled, the reserves, who left (draw.rs `Outcome`). */
class DrawState {
  committee: Seat[] = [];
  reserves: string[] = [];
  left: string[] = [];
  constructor(readonly rules: Rules) {}

  private needs(): [number[], number] {
    const quota = this.rules.quotas.map((q) => Math.max(0, q.count - this.committee.filter((s) => s.quota === q.specialty).length));
    const others = this.committee.filter((s) => s.other_league).length;
    return [quota, Math.max(0, otherLeagueSeats(this.rules) - others)];
  }

  /** Step 4: seats `e` when, with it counted, the larger remaining need fits in the seats left after it. */
  trySeat(e: PoolExpert): boolean {
    const size = this.rules.size;
    if (this.committee.length >= size) return false;
    const [quotaNeed, otherNeed] = this.needs();
    const q = this.rules.quotas.findIndex((quota, i) => quotaNeed[i] > 0 && e.specialties.some((s) => isUnder(s, quota.specialty)));
    const other = e.league !== this.rules.tender_league;
    const quotaAfter = quotaNeed.reduce((a, n) => a + n, 0) - (q >= 0 ? 1 : 0);
    const otherAfter = otherNeed - (other && otherNeed > 0 ? 1 : 0);
    const seatsAfter = size - this.committee.length - 1;
    if (Math.max(quotaAfter, otherAfter) > seatsAfter) return false;
    const venue = venueOf(this.rules, e.league);
    if (!venue) return false;
    this.committee.push({ expert: e.id, quota: q >= 0 ? this.rules.quotas[q].specialty : null, other_league: other, venue: venue.league });
    return true;
  }

  /** Step 6: `id` leaves; the first reserve that passes step 4 takes a seat. */
  replace(id: string, experts: PoolExpert[]): { seat: Seat | null } | { notMember: true } {
    const at = this.committee.findIndex((s) => s.expert === id);
    if (at < 0) return { notMember: true };
    this.committee.splice(at, 1);
    this.left.push(id);
    for (const rid of [...this.reserves]) {
      const candidate = experts.find((e) => e.id === rid);
      if (!candidate) continue;
      if (this.trySeat(candidate)) {
        this.reserves = this.reserves.filter((r) => r !== rid);
        return { seat: this.committee[this.committee.length - 1] };
      }
    }
    return { seat: null };
  }
}

/** Steps 2 to 5 (draw.rs `draw`). */
async function draw(snapshot: Snapshot, rules: Rules, bidders: readonly string[], seed: Uint8Array) {
  const excluded: Excluded[] = [];
  const eligible: { expert: PoolExpert; key: Uint8Array; id: Uint8Array }[] = [];
  for (const expert of snapshot.experts) {
    const why = exclusion(expert, rules, bidders);
    if (why) excluded.push({ expert: expert.id, reason: why });
    else eligible.push({ expert, key: await sha256(concat(seed, utf8(expert.id))), id: utf8(expert.id) });
  }
  eligible.sort((a, b) => compareBytes(a.key, b.key) || compareBytes(a.id, b.id));
  const state = new DrawState(rules);
  for (const { expert } of eligible) if (!state.trySeat(expert)) state.reserves.push(expert.id);
  return { state, excluded, order: eligible };
}

/** Step 1: the text the seed is the SHA-256 of (draw.rs `seed_text`). */
export async function seedText(r: DrawRecord, root: Uint8Array): Promise<string> {
  return `${VERSION}\ntender ${r.tender_id}\nsnapshot ${await sha256Hex(r.snapshot)}\nrules ${await sha256Hex(r.rules)}\n`
    + `platform ${r.platform_value}\nsupervisor ${await sha256Hex(r.supervisor_contribution)}\n`
    + `tree ${r.tree_head.size} ${toBase64(root)}\n`;
}

// ---------------------------------------------------------------- comparing

const T = 'timeline.draw.';
const msg = (key: string, params?: Record<string, Param>): Msg => ({ key: T + key, params });
const term = (key: string): Msg => ({ key: T + key });
const none = (): Msg => term('term.none');
const seatText = (s: Seat | undefined): Param => (s
  ? msg('term.seat', { expert: s.expert, venue: s.venue, quota: s.quota ?? '—', other: term(s.other_league ? 'term.otherLeague' : 'term.sameLeague') })
  : none());
const sameSeat = (a: Seat, b: Seat): boolean =>
  a.expert === b.expert && a.quota === b.quota && a.other_league === b.other_league && a.venue === b.venue;
const sameSeats = (a: Seat[], b: Seat[]): boolean => a.length === b.length && a.every((s, i) => sameSeat(s, b[i]));
const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/** The first seat where two committees differ. */
function seatsDiff(record: Seat[], replay: Seat[]): Msg {
  const i = [...Array(Math.max(record.length, replay.length)).keys()].find((k) => !record[k] || !replay[k] || !sameSeat(record[k], replay[k])) ?? 0;
  return msg('diff.seat', { n: i + 1, record: seatText(record[i]), replay: seatText(replay[i]), recordN: record.length, replayN: replay.length });
}
function listDiff(record: string[], replay: string[]): Msg {
  const i = [...Array(Math.max(record.length, replay.length)).keys()].find((k) => record[k] !== replay[k]) ?? 0;
  return msg('diff.position', { n: i + 1, record: record[i] ?? none(), replay: replay[i] ?? none(), recordN: record.length, replayN: replay.length });
}
function excludedDiff(record: Excluded[], replay: Excluded[]): Msg {
  const said = (xs: Excluded[], id: string): Param => {
    const x = xs.find((e) => e.expert === id);
    return x ? term(`reason.${x.reason}`) : term('term.eligible');
  };
  for (const id of [...replay.map((e) => e.expert), ...record.map((e) => e.expert)]) {
    const a = record.find((e) => e.expert === id)?.reason;
    const b = replay.find((e) => e.expert === id)?.reason;
    if (a !== b) return msg('diff.excluded', { expert: id, record: said(record, id), replay: said(replay, id) });
  }
  return msg('diff.excludedOrder');
}
const differs = (record: Param, replay: Param): Msg => msg('diff.value', { record, replay });

// ---------------------------------------------------------------- the checks

type Add = (c: Omit<DrawCheck, 'state'> & { ok: boolean | 'pending' }) => void;

/**
 * Replays `raw` (the record as served) for the tender `tenderId`; with
 * `log`, also checks it against the audit log (the CLI's `--url`).
 */
export async function verifyDraw(raw: unknown, tenderId: string, log: LogSource | null): Promise<Verification> {
  const checks: DrawCheck[] = [];
  const add: Add = ({ ok, ...c }) => {
    const state: CheckState = ok === 'pending' ? 'pending' : ok ? 'ok' : 'bad';
    checks.push({ ...c, state, diff: state === 'ok' ? undefined : c.diff });
  };
  let record: DrawRecord;
  try {
    record = readRecord(raw);
  } catch (e) {
    if (!(e instanceof Unreadable)) throw e;
    add({ id: 'record', key: 'record', part: 'record', ok: false, diff: unreadable(e), cli: null });
    return { checks, replay: null };
  }
  add({
    id: 'thisTender', key: 'thisTender', part: 'record', ok: record.tender_id === tenderId, pageOnly: true, cli: null,
    diff: msg('diff.otherTender', { record: record.tender_id, page: tenderId }),
  });
  let vkey: string | null = null;
  if (log) {
    try { vkey = await log.key(); } catch (e) {
      add({ id: 'logKey', key: 'logKey', part: 'record', ok: false, cli: null, diff: msg('diff.fetch', { error: String((e as Error)?.message ?? e) }) });
    }
  }
  const verifier = vkey === null ? null : await auditLog.parseVkey(vkey).catch(() => null);
  const replay = await replayRecord(record, vkey, verifier, add);
  if (log) await checkInLog(record, verifier, log, add);
  return { checks, replay };
}

function unreadable(e: Unreadable): Msg {
  return msg(`diff.${e.what}`, { path: e.path, type: e.expected ? term(`type.${e.expected}`) : '' });
}

// auditlog.js is plain JavaScript: the parts used here, as they are called.
interface Checkpoint { size: number; root: Uint8Array; time: number; prev: { size: number; root: Uint8Array } | null }
type Verifier = { name: string };
const auditLog = GgzyAuditLog as unknown as {
  parseVkey(vkey: string): Promise<Verifier>;
  openNote(note: string, verifier: Verifier): Promise<Checkpoint>;
  decodeEntry(bytes: Uint8Array): { action: string; tender_id: string | null; payload_sha256: string } | null;
  leafHash(input: Uint8Array): Promise<Uint8Array>;
  verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): Promise<boolean>;
};
/** An error of auditlog.js in the audit page's words, or the error's text. */
function cause(e: unknown): Msg {
  const err = e as { code?: string; vars?: Record<string, Param>; message?: string };
  return err?.code ? { key: `audit.msg.${err.code}`, params: err.vars } : msg('diff.error', { error: String(err?.message ?? e) });
}

/** cli.rs `replay`: offline, from the record alone (and the log's key for the checkpoint's signature). */
async function replayRecord(r: DrawRecord, vkey: string | null, verifier: Verifier | null, add: Add): Promise<ReplayView | null> {
  const c = r.commitment;
  add({ id: 'algorithm', key: 'algorithm', part: 'record', ok: r.version === VERSION, cli: 'algorithm', diff: differs(r.version, VERSION) });
  add({ id: 'tender', key: 'tender', part: 'record', ok: c.tender_id === r.tender_id, cli: 'commitment names the tender', diff: differs(c.tender_id, r.tender_id) });
  const snapshotHash = await sha256Hex(r.snapshot);
  add({ id: 'snapshot', key: 'snapshot', part: 'record', ok: snapshotHash === c.snapshot_sha256, cli: 'pool snapshot matches its commitment', diff: msg('diff.hash', { record: c.snapshot_sha256, replay: snapshotHash }) });
  const rulesHash = await sha256Hex(r.rules);
  add({ id: 'rules', key: 'rules', part: 'record', ok: rulesHash === c.rules_sha256, cli: 'rules match their commitment', diff: msg('diff.hash', { record: c.rules_sha256, replay: rulesHash }) });
  const value = fromHex(r.platform_value);
  const valueHash = value ? toHex(await sha256(value)) : null;
  add({
    id: 'platform', key: 'platform', part: 'record', ok: valueHash === c.platform_commitment, cli: 'platform value matches its commitment',
    diff: valueHash ? msg('diff.hash', { record: c.platform_commitment, replay: valueHash }) : msg('diff.notHex'),
  });
  const deadline = instant(r.bid_deadline) as bigint;
  add({
    id: 'committedBefore', key: 'committedBefore', part: 'record', ok: (instant(r.committed_at) as bigint) < deadline,
    cli: 'committed before the bid deadline', diff: msg('diff.times', { at: r.committed_at, deadline: r.bid_deadline }),
  });
  add({
    id: 'treeBefore', key: 'treeBefore', part: 'record', ok: (instant(r.tree_head.signed_at) as bigint) <= deadline,
    cli: 'tree head signed at or before the deadline', diff: msg('diff.times', { at: r.tree_head.signed_at, deadline: r.bid_deadline }),
  });
  const root = fromBase64(r.tree_head.root);
  if (!root || root.length !== 32) {
    add({ id: 'root', key: 'root', part: 'record', ok: false, cli: null, diff: msg('diff.stops') });
    return null;
  }
  // The note's first three lines, as Rust's str::lines() gives them.
  const lines = r.tree_head.checkpoint.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const body = lines.slice(0, 3).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  add({
    id: 'note', key: 'note', part: 'record', cli: 'checkpoint note names the tree head',
    ok: body.length === 3 && body[1] === String(r.tree_head.size) && body[2] === r.tree_head.root,
    diff: differs(`${body[1] ?? '—'} ${body[2] ?? '—'}`, `${r.tree_head.size} ${r.tree_head.root}`),
  });
  if (vkey !== null) {
    try {
      if (!verifier) throw new Error('the log\'s published key cannot be read');
      const cp = await auditLog.openNote(r.tree_head.checkpoint, verifier);
      add({
        id: 'signature', key: 'signature', part: 'record', cli: 'checkpoint signed by the log\'s key',
        ok: cp.size === r.tree_head.size && same(cp.root, root), diff: msg('diff.otherTree'),
      });
      add({
        id: 'signedTime', key: 'signedTime', part: 'record', cli: 'checkpoint\'s signed time at or before the deadline',
        ok: BigInt(cp.time) <= seconds(deadline), diff: msg('diff.times', { at: new Date(cp.time * 1000).toISOString(), deadline: r.bid_deadline }),
      });
    } catch (e) {
      add({ id: 'signature', key: 'signature', part: 'record', ok: false, cli: null, diff: cause(e) });
    }
  }
  let snapshot: Snapshot, rules: Rules;
  try {
    snapshot = readSnapshot(r.snapshot);
    rules = readRules(r.rules);
  } catch (e) {
    if (!(e instanceof Unreadable)) throw e;
    add({ id: 'inputs', key: 'inputs', part: 'replay', ok: false, cli: null, diff: unreadable(e) });
    return null;
  }
  const seed = await sha256(utf8(await seedText(r, root)));
  const seedHex = toHex(seed);
  const seedCheck = { id: 'seed', key: 'seed', part: 'replay' as Part, ok: seedHex === r.drawn.seed, cli: 'seed', diff: differs(r.drawn.seed, seedHex) };
  // Before the opening the bidders are sealed (招标投标法 第22条): the CLI
  // stops there; the page checks the seed, which needs no bidder, first.
  if (r.bidders === null) {
    add({ ...seedCheck, pageOnly: true });
    add({ id: 'sealed', key: 'sealed', part: 'replay', ok: 'pending', cli: null, diff: msg('diff.sealed') });
    return null;
  }
  if (r.bidders_commitment !== null) {
    if (r.bidders_salt !== null) {
      const got = await sha256Hex(`${r.bidders_salt}\n${JSON.stringify(r.bidders)}`);
      add({ id: 'bidders', key: 'bidders', part: 'replay', ok: got === r.bidders_commitment, cli: 'bidders against their salted commitment', diff: msg('diff.hash', { record: r.bidders_commitment, replay: got }) });
    } else {
      add({ id: 'bidders', key: 'bidders', part: 'replay', ok: false, cli: null, diff: msg('diff.noSalt') });
    }
  }
  const { state, excluded, order } = await draw(snapshot, rules, r.bidders, seed);
  add(seedCheck);
  add({ id: 'exclusions', key: 'exclusions', part: 'replay', cli: 'exclusions', ok: excluded.length === r.drawn.excluded.length && excluded.every((e, i) => e.expert === r.drawn.excluded[i].expert && e.reason === r.drawn.excluded[i].reason), diff: excludedDiff(r.drawn.excluded, excluded) });
  const atDraw = state.committee.map((s) => ({ ...s }));
  add({ id: 'committee', key: 'committee', part: 'replay', cli: 'committee', ok: sameSeats(atDraw, r.drawn.committee), diff: seatsDiff(r.drawn.committee, atDraw) });
  const reservesAtDraw = [...state.reserves];
  add({ id: 'reserves', key: 'reserves', part: 'replay', cli: 'reserve order', ok: sameList(reservesAtDraw, r.drawn.reserves), diff: listDiff(r.drawn.reserves, reservesAtDraw) });
  const replaced = new Set<string>();
  r.replacements.forEach((rep, i) => {
    const n = i + 1;
    const res = state.replace(rep.expert, snapshot.experts);
    const why = LEAVING.includes(rep.reason) ? term(`leaving.${rep.reason}`) : rep.reason;
    const base = { id: `replacement-${n}`, key: 'replacement', params: { n, expert: rep.expert, reason: why }, part: 'replay' as Part };
    if ('notMember' in res) {
      add({ ...base, ok: false, cli: null, diff: msg('diff.notMember', { expert: rep.expert }) });
      return;
    }
    const got = res.seat?.expert ?? null;
    if (got) replaced.add(got);
    add({ ...base, ok: got === rep.replacement, cli: `replacement ${n}`, diff: differs(rep.replacement ?? none(), got ?? none()) });
  });
  add({ id: 'committeeNow', key: 'committeeNow', part: 'replay', cli: 'committee after replacements', ok: sameSeats(state.committee, r.committee), diff: seatsDiff(r.committee, state.committee) });
  const named = r.representatives;
  add({
    id: 'representatives', key: 'representatives', part: 'replay', cli: 'representatives as committed, not drawn',
    ok: named.length === rules.representatives && named.every((p) => p.member === `rep-${p.user_id}` && !r.committee.some((s) => s.expert === p.member)),
    diff: msg('diff.representatives', { committed: rules.representatives, named: named.length }),
  });

  // What the page shows of the replay.
  const rows: ReplayRow[] = order.map(({ expert, key }, i) => {
    const seat = atDraw.find((s) => s.expert === expert.id);
    const reserve = reservesAtDraw.indexOf(expert.id);
    return {
      expert, order: i + 1, key: toHex(key).slice(0, 12),
      outcome: seat ? { kind: 'seated', seat } : { kind: 'reserve', n: reserve + 1 },
      later: state.left.includes(expert.id) ? 'left' : replaced.has(expert.id) ? 'replacement' : null,
    };
  });
  for (const x of excluded) {
    const expert = snapshot.experts.find((e) => e.id === x.expert) as PoolExpert;
    rows.push({ expert, order: null, key: null, outcome: { kind: 'excluded', reason: x.reason }, later: null });
  }
  const filled = (seats: Seat[], code: string): number => seats.filter((s) => s.quota === code).length;
  return {
    seed: seedHex, rules, rows,
    quotas: rules.quotas.map((q) => ({ ...q, atDraw: filled(atDraw, q.specialty), now: filled(state.committee, q.specialty) })),
    otherLeague: { needed: otherLeagueSeats(rules), atDraw: atDraw.filter((s) => s.other_league).length, now: state.committee.filter((s) => s.other_league).length },
    seatedAtDraw: atDraw.length, seatedNow: state.committee.length, representatives: named,
  };
}

/** cli.rs `check_in_log`: the tree head, the commitment and the draw's audit entries against the log itself. */
async function checkInLog(r: DrawRecord, verifier: Verifier | null, log: LogSource, add: Add): Promise<void> {
  const size = r.tree_head.size;
  const deadline = seconds(instant(r.bid_deadline) as bigint);
  const failed = (id: string, key: string, e: unknown, params?: Record<string, Param>): void =>
    add({ id, key, params, part: 'log', ok: false, cli: null, diff: msg('diff.fetch', { error: String((e as Error)?.message ?? e) }) });
  let listed: { tree_size: number; note: string }[] | null = null;
  try { listed = await log.checkpoints(size, 2); } catch (e) { failed('headListed', 'headListed', e); }
  const [head, next] = listed ?? [];
  if (head && next && verifier && head.tree_size === size) {
    try {
      const headCp = await auditLog.openNote(head.note, verifier);
      const nextCp = await auditLog.openNote(next.note, verifier);
      add({ id: 'headIsLog', key: 'headIsLog', part: 'log', cli: 'the tree head is the log\'s own checkpoint', ok: head.note === r.tree_head.checkpoint, diff: msg('diff.otherNote') });
      add({
        id: 'headLast', key: 'headLast', part: 'log', cli: 'the tree head is the last checkpoint signed at or before the deadline',
        ok: BigInt(headCp.time) <= deadline && BigInt(nextCp.time) >= deadline && !!nextCp.prev && nextCp.prev.size === size && same(nextCp.prev.root, headCp.root),
        diff: msg('diff.notLast', { at: new Date(headCp.time * 1000).toISOString(), next: next.tree_size, nextAt: new Date(nextCp.time * 1000).toISOString() }),
      });
    } catch (e) {
      add({ id: 'headIsLog', key: 'headIsLog', part: 'log', ok: false, cli: null, diff: cause(e) });
    }
  } else if (listed) {
    add({ id: 'headListed', key: 'headListed', part: 'log', ok: false, cli: null, diff: msg('diff.notListed', { size }) });
  }
  let latest: number | null = null;
  try { latest = await log.size(); } catch (e) { failed('latest', 'entryRead', e); return; }

  /** cli.rs `check_entry`: the entry at `index` records `action` on this tender with exactly `payload`. */
  const entry = async (index: number | null, action: string, payload: unknown): Promise<Uint8Array | null> => {
    const id = `entry-${action}`;
    if (index === null) {
      // The record names the entry once the log has sequenced it (within
      // the sequencer's round after the draw); until then this waits. (The
      // CLI counts it as a finding.)
      add({ id, key: 'entryIndex', params: { action }, part: 'log', ok: 'pending', cli: null, diff: msg('diff.noIndex') });
      return null;
    }
    const label = { id, key: 'entry', params: { index, action }, part: 'log' as Part };
    if (index >= (latest as number)) {
      // Sequenced but not yet in a signed checkpoint: the log serves it once one is.
      add({ ...label, ok: 'pending', cli: null, diff: msg('diff.notYetSigned', { index, latest: latest as number }) });
      return null;
    }
    let text: string | null;
    try { text = await log.entry(index); } catch (e) { failed(id, 'entry', e, { index, action }); return null; }
    const input = text === null ? null : fromBase64(text);
    const event = input ? auditLog.decodeEntry(input) : null;
    if (!input || !event) {
      add({ ...label, ok: false, cli: null, diff: msg('diff.unreadableEntry') });
      return null;
    }
    const expected = await sha256Hex(canonicalJson(payload));
    const other = event.action !== action || event.tender_id !== r.tender_id;
    add({
      ...label, ok: !other && event.payload_sha256 === expected, cli: `audit entry ${index} records ${action} with exactly these values`,
      diff: other ? msg('diff.entryOther', { action: event.action, tender: event.tender_id ?? '—' })
        : msg('diff.entryPayload', { got: event.payload_sha256, want: expected }),
    });
    return input;
  };

  const commitment = {
    tender_id: r.commitment.tender_id, snapshot_sha256: r.commitment.snapshot_sha256,
    rules_sha256: r.commitment.rules_sha256, platform_commitment: r.commitment.platform_commitment,
  };
  const input = await entry(r.commitment_index, 'draw.committed', commitment);
  if (input && r.commitment_index !== null) {
    const index = r.commitment_index;
    if (index >= size) {
      add({ id: 'included', key: 'included', part: 'log', ok: false, cli: null, diff: msg('diff.outside', { index, size }) });
      return;
    }
    try {
      const hashes = (await log.inclusion(index, size)).map((h) => {
        const b = fromBase64(h);
        if (!b || b.length !== 32) throw new Error('a proof hash is not 32 bytes of base64');
        return b;
      });
      const root = fromBase64(r.tree_head.root);
      if (!root || root.length !== 32) throw new Error('the tree head\'s root is not 32 bytes of base64');
      add({
        id: 'included', key: 'included', part: 'log', cli: 'commitment included in the tree head (made before the seed was known)',
        ok: await auditLog.verifyInclusion(index, size, await auditLog.leafHash(input), hashes, root), diff: msg('diff.notIncluded', { index }),
      });
    } catch (e) { failed('included', 'included', e); }
  }
  await entry(r.contributed_index, 'draw.contributed', { contribution_sha256: await sha256Hex(r.supervisor_contribution) });
  await entry(r.drawn_index, 'draw.drawn', {
    platform_value: r.platform_value,
    tree_size: r.tree_head.size,
    tree_root: r.tree_head.root,
    bidders_commitment: r.bidders_commitment,
    seed: r.drawn.seed,
    committee: r.drawn.committee.map((s) => ({ expert: s.expert, quota: s.quota, other_league: s.other_league, venue: s.venue })),
  });
}
