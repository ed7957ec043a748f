// What an event of a tender's record says, in a sentence of the page's
// language (the supervisor's timeline): the opening hall's events, the
// evaluation room's and the audit record's. Codes are named (statuses by the
// board's names, actions by the audit catalogue, rounds, outcomes and legal
// grounds by the room's), amounts in yuan, times in Beijing time; names and
// texts are given as their users wrote them, marked with their own
// language (datalang.ts) so that a screen reader reads a Chinese name in an
// English sentence as Chinese. A kind this file does not know yet is said
// by its fields, each by its name where the table below has one.
//
// A sentence is a list of parts: the page's words, and the record's data
// each with its language.
import { t, te, lang } from '../i18n';
import { dataLang } from './datalang';
import { dateTime, money } from './format';
import { actionName, objectName, roleName } from './names';
import { apply, emptyRoom, type RoomEvent, type RoomView } from './room';
import { tEnum } from './tenders';

export interface Part { text: string; lang?: 'zh-CN' | 'en'; /** What it stands for (an id), shown on hover. */ title?: string }
export type Sentence = Part[];

/** The plain text of a sentence. */
export const plain = (s: Sentence): string => s.map((p) => p.text).join('');

// A value of the record (a name, a text), marked with its own language.
const DATA = Symbol('data');
export interface Data { [DATA]: true; text: string }
export const data = (text: unknown): Data => ({ [DATA]: true, text: String(text ?? '') });
export type Param = string | number | Data | Sentence;

const isData = (v: Param): v is Data => typeof v === 'object' && v !== null && DATA in v;

/** The message `key` with its params, the record's values kept apart as parts. */
export function say(key: string, params: Record<string, Param> = {}): Sentence {
  const held: Sentence[] = [];
  const flat: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'string' || typeof v === 'number') { flat[k] = v; continue; }
    flat[k] = `\uE000${held.length}\uE001`;
    held.push(isData(v) ? [{ text: v.text, lang: dataLang(v.text) }] : v);
  }
  const out: Sentence = [];
  for (const [i, piece] of t(key, flat).split(/\uE000(\d+)\uE001/).entries()) {
    if (i % 2 === 1) out.push(...held[Number(piece)]);
    else if (piece) out.push({ text: piece });
  }
  return out;
}

/** Sentences one after the other (a space between them in English). */
function then(...sentences: (Sentence | null | undefined | false)[]): Sentence {
  const out: Sentence = [];
  for (const s of sentences) {
    if (!s || !s.length) continue;
    if (out.length && lang.value === 'en') out.push({ text: ' ' });
    out.push(...s);
  }
  return out;
}

/** Items of a list joined by the language's separator. */
export function list(items: Sentence[]): Sentence {
  const out: Sentence = [];
  for (const item of items) {
    if (out.length) out.push({ text: t('sentence.sep') });
    out.push(...item);
  }
  return out;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const reason = (v: unknown): Sentence | null => (str(v).trim() ? say('sentence.reason', { reason: data(str(v).trim()) }) : null);
/** A number of points as the room shows it (at most two decimals). */
const points = (v: unknown): string => { const n = Number(v); return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : str(v); };

/** An article cited by a rule's basis: the part before the text it quotes or an English note (src/reasons.rs `cite`). */
function cite(basis: string): string {
  const head = basis.split(': ')[0];
  const note = /\s\([a-z]/.exec(head);
  return (note ? head.slice(0, note.index) : head).trim();
}

// ---- the opening hall

/** A hall's event in a sentence, or null for a kind not known here. */
export function hallSentence(kind: string, p: Record<string, unknown> = {}): Sentence | null {
  switch (kind) {
    case 'tender.status': {
      const action = str(p.action);
      return then(
        say('sentence.hall.tender_status', {
          action: actionName(`tender.${action}`) ?? valueName('action', action),
          from: tEnum('status', str(p.from)), to: tEnum('status', str(p.to)),
        }),
        reason(p.reason),
      );
    }
    case 'opening.share_released':
      return then(
        say('sentence.hall.share_released', { custodian: data(p.custodian), released: str(p.released), threshold: str(p.threshold) }),
        p.ready === true && say('sentence.hall.shares_enough'),
      );
    case 'opening.share_refused':
      return say('sentence.hall.share_refused', { custodian: data(p.custodian) });
    case 'opening.decrypting':
      return say('sentence.hall.decrypting', { shares: str(p.shares), threshold: str(p.threshold) });
    case 'opening.bid_opened': {
      const outcome = str(p.outcome);
      const price = num(p.total_price_fen);
      const days = num(p.duration_days);
      return then(
        say('sentence.hall.bid_opened', {
          bidder: data(p.bidder_name ?? p.bidder_organisation_id),
          outcome: te(`sentence.hall.outcome.${outcome}`) ? t(`sentence.hall.outcome.${outcome}`) : data(outcome),
        }),
        price !== null && say('sentence.hall.price', { amount: money(price) }),
        days !== null && say('sentence.hall.duration', { days }),
        str(p.reason).trim() ? say('sentence.hall.why', { reason: data(str(p.reason).trim()) }) : null,
      );
    }
    case 'opening.not_opened':
      return say('sentence.hall.not_opened', { bidders: str(p.bidders), minimum: str(p.minimum), basis: data(cite(str(p.basis))) });
    case 'opening.completed':
      return say('sentence.hall.completed', { bids: str(p.bids), valid: str(p.valid_bids) });
    case 'opening.objection_raised':
      return say('sentence.hall.objection_raised', { text: data(p.text) });
    case 'opening.objection_answered':
      return str(p.answer).trim()
        ? say('sentence.hall.objection_answered', { answer: data(p.answer) })
        : say('sentence.hall.objection_raised', { text: data(p.text) });
    default:
      return null;
  }
}

// ---- the evaluation room

/** The room's events in sentences, by their `seq` (an unknown kind: none). The
 *  room is folded first, so that its members, bids, criteria and review
 *  items are named however late they were given. */
export function roomSentences(events: Pick<RoomEvent, 'seq' | 'kind' | 'at' | 'actor' | 'payload'>[]): Map<number, Sentence> {
  const r = emptyRoom();
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  for (const e of sorted) apply(r, { ...e, type: 'event' });
  const out = new Map<number, Sentence>();
  for (const e of sorted) {
    const s = roomSentence(r, e.kind, e.payload ?? {});
    if (s) out.set(e.seq, s);
  }
  return out;
}

function roomSentence(r: RoomView, kind: string, p: Record<string, any>): Sentence | null {
  const who = (id: unknown): Data => data(r.members[str(id)]?.name ?? str(id));
  const bid = (label: unknown): Sentence => {
    const b = r.bids.find((x) => x.label === str(label));
    return b?.bidder ? say('sentence.room.bid_named', { label: str(label), bidder: data(b.bidder) }) : say('sentence.room.bid', { label: str(label) });
  };
  const lotOf = (n: number) => r.lots.find((l) => l.lot === n) ?? (r.perLot ? undefined : r.lots[0]);
  const criterion = (lot: number, code: unknown): Data => {
    const found = (lotOf(lot)?.evaluation.criteria ?? []).find((c) => c.code === str(code))
      ?? r.lots.flatMap((l) => l.evaluation.criteria ?? []).find((c) => c.code === str(code));
    return data(found?.name ?? str(code));
  };
  const item = (code: unknown): Sentence => (str(code) === 'general'
    ? [{ text: t('room.generalItem') }]
    : [{ text: r.items.find((i) => i.code === str(code))?.name ?? str(code), lang: dataLang(r.items.find((i) => i.code === str(code))?.name ?? str(code)) }]);
  const ground = (code: unknown): string => {
    const g = r.grounds.find((x) => x.ground === str(code));
    return g ? (lang.value === 'zh' ? g.zh : g.en) : str(code);
  };
  const round = (code: unknown): string => (te(`room.rounds.${str(code)}`) ? t(`room.rounds.${str(code)}`) : str(code));
  const lot = typeof p.lot === 'number' ? p.lot : 0;
  // A lot named where the tender is evaluated lot by lot.
  const inLot = (what: Sentence): Sentence => (r.perLot && r.lots.length > 1 && lot
    ? say('sentence.room.in_lot', { lot, what }) : what);

  switch (kind) {
    case 'room.opened':
      return then(
        say('sentence.room.opened', { members: (p.members ?? []).length, bids: (p.bids ?? []).length }),
        p.blind_technical === true && say('sentence.room.blind'),
      );
    case 'member.signed_in': {
      const venue = str(p.venue ?? r.members[str(p.expert)]?.venue);
      return say('sentence.room.signed_in', { who: who(p.expert), venue: data(r.venues.find((v) => v.league === venue)?.name ?? venue) });
    }
    case 'member.declared':
      return say('sentence.room.declared', { who: who(p.expert) });
    case 'member.recused':
      return then(say('sentence.room.recused', { who: who(p.expert) }), reason(p.reason));
    case 'member.replaced':
      return p.replacement
        ? say('sentence.room.replaced', { who: who(p.expert), replacement: data(p.replacement.name ?? p.replacement.expert) })
        : say('sentence.room.replaced_none', { who: who(p.expert) });
    case 'chair.vote':
      return say('sentence.room.vote', { who: who(p.expert), candidate: who(p.candidate) });
    case 'chair.elected':
      return say('sentence.room.elected', { who: who(p.expert) });
    case 'round.started':
      return say('sentence.room.round_started', { round: round(p.round) });
    case 'round.closed':
      return say('sentence.room.round_closed', { round: round(p.round) });
    case 'review.given':
      return inLot(p.pass === false
        ? then(say('sentence.room.review_fail', { who: who(p.expert), bid: bid(p.bid), item: item(p.item), ground: ground(p.ground) }), reason(p.reason))
        : say('sentence.room.review_pass', { who: who(p.expert), bid: bid(p.bid), item: item(p.item) }));
    case 'score.given':
      return inLot(then(
        say('sentence.room.score', { who: who(p.expert), bid: bid(p.bid), criterion: criterion(lot, p.criterion), points: points(p.points) }),
        reason(p.reason),
      ));
    case 'score.flagged': {
      const params = { who: who(p.expert), bid: bid(p.bid), criterion: criterion(lot, p.criterion), points: points(p.points), mean: points(p.mean) };
      return inLot(num(p.deviation_percent) === null
        ? say('sentence.room.flagged_mean', params)
        : say('sentence.room.flagged', { ...params, percent: points(p.deviation_percent) }));
    }
    case 'score.resolved':
      return inLot(then(
        say('sentence.room.resolved', { who: who(p.expert), bid: bid(p.bid), criterion: criterion(lot, p.criterion), points: points(p.points) }),
        reason(p.reason),
      ));
    case 'bids.unblinded':
      return say('sentence.room.unblinded', {
        list: list((p.bids ?? []).map((b: any) => say('sentence.room.revealed', { label: str(b.label), bidder: data(b.bidder) }))),
      });
    case 'prices.scored': {
      const lots = (p.evaluated ?? []) as { lot: number; prices: { bid: string; evaluated_price_fen: number }[] }[];
      return then(...lots.map((l) => {
        const s = say('sentence.room.prices', {
          list: list(l.prices.map((x) => say('sentence.room.price', { bid: bid(x.bid), amount: money(x.evaluated_price_fen) }))),
        });
        return r.perLot && lots.length > 1 && l.lot ? say('sentence.room.in_lot', { lot: l.lot, what: s }) : s;
      }));
    }
    case 'clarification.requested':
      return inLot(p.topic === 'correction'
        ? say('sentence.room.corrected', { who: who(p.expert), bid: bid(p.bid), amount: money(p.price_fen), question: data(p.question) })
        : say('sentence.room.asked', {
          who: who(p.expert), bid: bid(p.bid), question: data(p.question),
          topic: te(`room.topic.${str(p.topic)}`) ? t(`room.topic.${str(p.topic)}`) : str(p.topic),
        }));
    case 'clarification.answered':
      return inLot(then(
        p.confirmed === true ? say('sentence.room.confirmed', { bid: bid(p.bid) })
          : p.confirmed === false ? say('sentence.room.not_confirmed', { bid: bid(p.bid) }) : null,
        str(p.answer).trim() ? say('sentence.room.answered', { bid: bid(p.bid), answer: data(str(p.answer).trim()) }) : null,
      ));
    case 'report.ready': {
      const lots = (p.lots ?? []) as { lot: number; candidates?: { rank: number; label: string }[]; failed?: unknown }[];
      return then(
        say('sentence.room.report_ready', { sha: str(p.sha256) }),
        ...lots.map((l) => {
          const first = (l.candidates ?? []).find((c) => c.rank === 1) ?? l.candidates?.[0];
          const s = first ? say('sentence.room.first', { bid: bid(first.label) }) : l.failed ? say('sentence.room.lot_failed') : null;
          return s && r.perLot && lots.length > 1 && l.lot ? say('sentence.room.in_lot', { lot: l.lot, what: s }) : s;
        }),
      );
    }
    case 'report.signed':
      return str(p.dissent).trim()
        ? say('sentence.room.signed_dissent', { who: who(p.expert), dissent: data(str(p.dissent).trim()) })
        : say('sentence.room.signed', { who: who(p.expert) });
    case 'report.refused':
      return str(p.reason).trim()
        ? say('sentence.room.refused', { who: who(p.expert), reason: data(str(p.reason).trim()) })
        : say('sentence.room.refused_silent', { who: who(p.expert) });
    case 'room.closed':
      return say('sentence.room.closed');
    default:
      return null;
  }
}

// ---- the audit record

export interface AuditFacts {
  seq: number; actor_id: string | null; actor_role: string; object_type: string; object_id: string; tender_id: string | null;
  /** Names the server gives where the reader may know them (derived at read time). */
  actor_name?: string | null; object_name?: string | null;
}

/** A name of the record with the id it stands for on hover; the id itself where there is no name. */
export function named(name: string | null | undefined, id: string): Sentence {
  return name ? [{ text: name, lang: dataLang(name), title: id }] : [{ text: id }];
}

/** Who acted on what, for an audit event (its action is its title). */
export function auditSentence(e: AuditFacts): Sentence {
  const en = lang.value === 'en';
  // In an English sentence a role or a kind of object is a common noun.
  const noun = (s: string): string => (en && /^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s);
  const by = e.actor_role === 'system' && !e.actor_id ? say('sentence.audit.by_system')
    : e.actor_id ? say('sentence.audit.by', { role: noun(roleName(e.actor_role)), actor: named(e.actor_name, e.actor_id) })
      : say('sentence.audit.by_role', { role: noun(roleName(e.actor_role)) });
  // The tender itself, or its one opening, draw or room (their ids are the tender's).
  const on = e.object_id !== e.tender_id ? say('sentence.audit.on', { object: noun(objectName(e.object_type)), id: named(e.object_name, e.object_id) })
    : e.object_type === 'tender' ? say('sentence.audit.on_tender')
      : say('sentence.audit.on_tenders', { object: noun(objectName(e.object_type)) });
  return then(by, on, say('sentence.audit.seq', { seq: e.seq }));
}

// ---- a kind not known here

// Fields whose values are codes, and the table that names them.
function valueName(field: string, code: string): string {
  const board = ({ status: 'status', from: 'status', to: 'status', category: 'category', method: 'method' } as Record<string, string>)[field];
  if (board) return tEnum(board, code);
  if (field === 'round' && te(`room.rounds.${code}`)) return t(`room.rounds.${code}`);
  if (field === 'role') return roleName(code);
  if (te(`values.${field}.${code}`)) return t(`values.${field}.${code}`);
  return code;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const CODED = new Set(['action', 'from', 'to', 'status', 'round', 'role', 'category', 'method', 'subject', 'regime', 'opening', 'outcome', 'topic']);

/** An event of a kind not known here: its fields by name (those the table
 *  names), codes named where a table names them, amounts in yuan, times in
 *  Beijing time; the others counted, to be read in the details. */
export function genericSentence(payload: Record<string, unknown> | undefined | null): Sentence {
  const pairs: Sentence[] = [];
  let rest = 0;
  for (const [k, v] of Object.entries(payload ?? {})) {
    if (v === null || v === undefined || v === '') continue;
    if (typeof v === 'object' || !te(`sentence.field.${k}`)) { rest++; continue; }
    let value: Param;
    if (typeof v === 'boolean') value = t(v ? 'sentence.yes' : 'sentence.no');
    else if (k.endsWith('_fen') && Number.isFinite(Number(v))) value = money(Number(v));
    else if (typeof v === 'string' && ISO_TIME.test(v)) value = dateTime(v, true);
    else if (typeof v === 'string' && CODED.has(k)) value = k === 'action' ? actionName(`tender.${v}`) ?? valueName(k, v) : valueName(k, v);
    else if (typeof v === 'string') value = data(v.length > 120 ? v.slice(0, 117) + '…' : v);
    else value = String(v);
    pairs.push(say('sentence.pair', { name: t(`sentence.field.${k}`), value }));
  }
  const out = pairs.length ? [...list(pairs), ...(lang.value === 'zh' ? [{ text: '。' }] : [{ text: '.' }])] : [];
  if (rest) return then(out, say(pairs.length ? 'sentence.more' : 'sentence.nothing', { n: rest }));
  return out;
}
