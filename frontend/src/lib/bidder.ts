// The bidding enterprise's own view of its tenders (GET /me/tenders), as
// the bidder pages read it.
import type { TenderSummary } from './tenders';
import type { UploadView } from './bidupload';

export interface BidView {
  id: string; tender_id: string; bidder_organisation_id: string; bidder_name: string; version: number;
  status: 'submitted' | 'replaced' | 'withdrawn'; sha256: string; size_bytes: number; outer_signed: boolean;
  signer_subject: string; received_at: string; withdrawn_at: string | null;
}
export interface Question { id: string; number: number | null; question: string; answer: string | null; asked_at: string; answered_at: string | null }
export interface OwnOpening { bid_id: string; outcome: string; reason: string | null; total_price_fen: number | null; sealed: boolean; opened_at: string }
export interface Objection {
  id: string; subject: string; regime: string; text: string; raised_at: string; answer_due_at: string | null;
  answer: string | null; answered_at: string | null; article: string;
  /** Until when its enterprise may complain of it (from the answer or the end of its clock). */
  complaint_until: string | null; complaint_article: string;
}
/** A complaint (投诉) to the administrative supervisor, and its handling. */
export interface Suspension { id: string; reason: string; suspended_at: string; until: string | null; resumed_at: string | null }
export interface Complaint {
  id: string; tender_id: string; objection_id: string; filer_organisation_id: string | null; text: string; filed_at: string;
  status: 'filed' | 'accepted' | 'refused' | 'decided'; accept_due_at: string; decide_due_at: string | null;
  accepted_at: string | null; refusal: string | null; decision: string | null; upheld: boolean | null;
  decided_at: string | null; notice_seq: number | null; suspensions: Suspension[]; article: string;
}
export interface ObjectionWindow {
  subject: string; regime: string; open: boolean; closes_at: string | null; reason: string | null;
  params: Record<string, unknown> | null; blocks: string | null; article: string;
}
export interface CommitteeQuestion {
  id: string; bid_id: string; lot: number; topic: 'question' | 'low_price' | 'correction'; question: string;
  corrected_price_fen: number | null; answer: string | null; confirmed: boolean | null;
}
export interface OwnLot {
  lot: number; rank: number | null; total: number | null; price_fen: number | null; corrected_price_fen: number | null;
  evaluated_price_fen: number | null; awarded: boolean;
  rejected: { ground: string; ground_text: string | null; basis: string | null; detail: string | null } | null;
}
export interface OwnResult { tender_id: string; bids: { bid_id: string; opening_outcome: string; opening_reason: string | null; lots: OwnLot[] }[] }
export interface MyTender {
  tender: TenderSummary & { league_name?: string; documents_available_at?: string };
  clarification_deadline: string;
  documents_taken_at: string | null;
  questions: Question[];
  bids: BidView[];
  uploads: UploadView[];
  opening: OwnOpening[];
  objections: Objection[];
  objection_windows: ObjectionWindow[];
  committee_questions: CommitteeQuestion[];
  result: OwnResult | null;
}

export const current = (m: MyTender): BidView | undefined => m.bids.find((b) => b.status === 'submitted');

/** A sentence of the page's language that quotes Chinese (a regime's word,
 *  an article cited in a refusal's reason): its Chinese runs marked, so that
 *  an English page's screen reader reads them in Chinese. */
export function mixed(text: string): { text: string; zh: boolean }[] {
  const out: { text: string; zh: boolean }[] = [];
  const re = /[\p{Script=Han}（《“][\p{Script=Han}\d（）《》、，。：；“”]*/gu;
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) out.push({ text: text.slice(at, m.index), zh: false });
    out.push({ text: m[0], zh: true });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), zh: false });
  return out;
}
