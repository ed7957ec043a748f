// An evaluation room as the page shows it: the fold of the room's events, in
// the order the server numbered them (the same fold the server makes,
// src/evaluation/room.rs `State::apply`, for what a page needs to show).
// Members and watchers see the same events, so they see the same room.

export interface RoomEvent { type: 'event'; seq: number; kind: string; at: string; actor: string | null; payload: Record<string, any> }

export interface Criterion { code: string; kind: 'technical' | 'commercial' | 'price'; name: string; objective: boolean; requires_reason: boolean; weight: number }
export interface Lot { lot: number; title: string; ceiling_fen?: number | null; evaluation: { method: string; criteria?: Criterion[]; price_formula?: { kind: string } } }
export interface Member { expert: string; name: string; league: string; venue: string }
export interface Ground { ground: string; zh: string; en: string; basis: string }
export interface Item { code: string; name: string; document?: string }
export interface Venue { league: string; name: string; main: boolean }

export interface MemberState extends Member {
  signedIn: boolean; declared: boolean; recused: boolean; replacedBy: string | null; vote: string | null;
  signed: boolean; refused: boolean; dissent: string | null; joinedRound: number;
}
export interface Review { pass: boolean; ground: string | null; reason: string | null; at: string }
export interface Score { points: number; reason: string | null; at: string }
export interface Flag { expert: string; lot: number; bid: string; criterion: string; points: number; mean: number; deviation_percent: number | null }
export interface Clarification {
  id: string; expert: string; lot: number; bid: string; topic: 'question' | 'low_price' | 'correction';
  question: string; price_fen: number | null; answer: string | null; confirmed: boolean | null; at: string;
}
export interface Candidate {
  rank: number; label: string; bidder?: string; bid_id?: string; total?: number | null; evaluated_price_fen?: number | null;
  /** Left equal by the stated rules (并列, 87号令 第56条, 第57条), with the labels it ties with. */
  tied?: boolean; tied_with?: string[];
}

export interface RoomView {
  opened: boolean;
  seq: number;
  bids: { label: string; bidder?: string; price_fen?: number; lot_prices?: Record<string, number> }[];
  blind: boolean; unblinded: boolean; perLot: boolean; deviationPercent: number; minCompliant: number;
  lots: Lot[]; items: Item[]; grounds: Ground[]; venues: Venue[]; rounds: string[];
  members: Record<string, MemberState>;
  /** Seating order: the opening's members, then replacements. */
  order: string[];
  chair: string | null;
  round: string | null;
  /** Index into rounds of the round in progress (rounds.length when all closed). */
  roundIndex: number;
  closedRounds: { round: string; summary: any }[];
  /** reviews[expert][lot:bid:item] */
  reviews: Record<string, Record<string, Review>>;
  /** scores[expert][lot:bid:criterion] */
  scores: Record<string, Record<string, Score>>;
  resolved: Record<string, Score>;
  flags: Flag[];
  clarifications: Clarification[];
  priceScores: Record<string, Record<string, number>> | null;
  evaluatedPrices: { lot: number; prices: { bid: string; evaluated_price_fen: number }[] }[] | null;
  report: { sha256: string; lots: { lot: number; candidates: Candidate[]; failed: unknown }[] } | null;
  closed: boolean;
  /** Bids out before any vote (room.opened `out`): lot → label → ground. */
  out: Record<number, Record<string, string>>;
}

export const key = (lot: number, bid: string, what: string): string => `${lot}:${bid}:${what}`;

export function emptyRoom(): RoomView {
  return {
    opened: false, seq: 0, bids: [], blind: false, unblinded: false, perLot: false, deviationPercent: 0, minCompliant: 0,
    lots: [], items: [], grounds: [], venues: [], rounds: [], members: {}, order: [], chair: null, round: null,
    roundIndex: 0, closedRounds: [], reviews: {}, scores: {}, resolved: {}, flags: [], clarifications: [],
    priceScores: null, evaluatedPrices: null, report: null, closed: false, out: {},
  };
}

function seat(r: RoomView, m: Member, joinedRound: number): void {
  r.members[m.expert] = {
    ...m, signedIn: false, declared: false, recused: false, replacedBy: null, vote: null,
    signed: false, refused: false, dissent: null, joinedRound,
  };
  r.order.push(m.expert);
}

/** Folds one event into the room (in place). Unknown kinds are skipped. */
export function apply(r: RoomView, e: RoomEvent): void {
  r.seq = e.seq;
  const p = e.payload ?? {};
  const lot = typeof p.lot === 'number' ? p.lot : 0;
  const m = (id: string): MemberState | undefined => r.members[id];
  switch (e.kind) {
    case 'room.opened':
      r.opened = true;
      r.bids = (p.bids ?? []).map((b: any) => ({ ...b }));
      r.blind = Boolean(p.blind_technical);
      r.perLot = Boolean(p.per_lot);
      r.deviationPercent = p.deviation_percent ?? 0;
      r.minCompliant = p.min_compliant ?? 0;
      r.lots = p.lots ?? [];
      r.items = p.items ?? [];
      r.grounds = p.grounds ?? [];
      r.venues = p.venues ?? [];
      r.rounds = p.rounds ?? [];
      for (const mem of p.members ?? []) seat(r, mem, 0);
      for (const o of p.out ?? []) (r.out[o.lot] ??= {})[o.bid] = o.ground;
      break;
    case 'member.signed_in': { const x = m(p.expert); if (x) x.signedIn = true; break; }
    case 'member.declared': { const x = m(p.expert); if (x) x.declared = true; break; }
    case 'member.recused': {
      const x = m(p.expert);
      if (x) x.recused = true;
      const chairLeft = r.chair === p.expert;
      if (chairLeft) r.chair = null;
      for (const y of Object.values(r.members)) if (chairLeft || y.vote === p.expert) y.vote = null;
      break;
    }
    case 'member.replaced': {
      const x = m(p.expert);
      if (x) { x.recused = true; x.replacedBy = p.replacement?.expert ?? null; }
      if (p.replacement) seat(r, p.replacement, r.roundIndex);
      break;
    }
    case 'chair.vote': { const x = m(p.expert); if (x) x.vote = p.candidate; break; }
    case 'chair.elected': r.chair = p.expert; break;
    case 'round.started': r.round = p.round; r.roundIndex = Math.max(0, r.rounds.indexOf(p.round)); break;
    case 'review.given':
      (r.reviews[p.expert] ??= {})[key(lot, p.bid, p.item)] = { pass: p.pass !== false, ground: p.ground ?? null, reason: p.reason ?? null, at: e.at };
      break;
    case 'score.given':
      (r.scores[p.expert] ??= {})[key(lot, p.bid, p.criterion)] = { points: Number(p.points), reason: p.reason ?? null, at: e.at };
      break;
    case 'score.resolved':
      r.resolved[key(lot, p.bid, p.criterion)] = { points: Number(p.points), reason: p.reason ?? null, at: e.at };
      break;
    case 'score.flagged': r.flags.push({ ...(p as Flag), lot }); break;
    case 'clarification.requested':
      r.clarifications.push({
        id: p.id, expert: p.expert, lot, bid: p.bid, topic: p.topic ?? 'question', question: p.question ?? '',
        price_fen: p.price_fen ?? null, answer: null, confirmed: null, at: e.at,
      });
      break;
    case 'clarification.answered': {
      const c = r.clarifications.find((x) => x.id === p.id);
      if (c) { c.answer = p.answer ?? ''; c.confirmed = typeof p.confirmed === 'boolean' ? p.confirmed : null; }
      break;
    }
    case 'round.closed':
      r.closedRounds.push({ round: p.round, summary: p.summary });
      r.roundIndex = r.rounds.indexOf(p.round) + 1;
      r.round = null;
      break;
    case 'bids.unblinded':
      r.unblinded = true;
      for (const b of p.bids ?? []) {
        const x = r.bids.find((y) => y.label === b.label);
        if (x) Object.assign(x, b); else r.bids.push({ ...b });
      }
      break;
    case 'prices.scored': r.priceScores = p.scores ?? null; r.evaluatedPrices = p.evaluated ?? null; break;
    case 'report.ready': r.report = { sha256: p.sha256, lots: p.lots ?? [] }; break;
    case 'report.signed': { const x = m(p.expert); if (x) { x.signed = true; x.dissent = p.dissent ?? null; } break; }
    case 'report.refused': { const x = m(p.expert); if (x) { x.refused = true; x.dissent = p.reason ?? null; } break; }
    case 'room.closed': r.closed = true; break;
    default: break;
  }
}

/** The members sitting now (not recused, not replaced). */
export const sitting = (r: RoomView): MemberState[] => r.order.map((id) => r.members[id]).filter((x) => x && !x.recused);

/** Criteria scored in a round (technical / commercial). */
export function criteriaOf(_r: RoomView, lot: Lot, round: string | null): Criterion[] {
  return (lot.evaluation.criteria ?? []).filter((c) => c.kind === round);
}

/** What the page calls the report's signed text (README: sign). */
export const signedText = (tenderId: string, sha256: string): string =>
  `ggzy-evaluation-report-v1\n${tenderId}\n${sha256}\n`;
