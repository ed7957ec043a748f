// The public notice board's view of tenders: the API's shapes as the pages
// read them, the leagues (trading centres) named in the user's language, and
// the API's enum values said in words (messages/board.ts, board.enum.*).
import { ref } from 'vue';
import { get } from './api';
import { lang, t, i18n } from '../i18n';

export interface Amount { amount_fen: number | string; currency?: string }
export interface TenderSummary {
  id: string; reference: string; title: string; category: string; method: string;
  league_code: string; league_name?: string; status: string; opening?: string | null; budget?: Amount | null;
  documents_available_at?: string | null; bid_deadline?: string | null; published_at?: string | null;
}
export interface Lot { number: number; title: string; description?: string; budget_fen?: number | null }
export interface Criterion { code: string; name: string; kind: string; weight?: number | null }
export interface PriceFormula { kind: string; above_deduct_per_pct?: number; below_deduct_per_pct?: number }
export interface Evaluation { method: string; criteria?: Criterion[]; price_formula?: PriceFormula | null }
export interface TenderDocument {
  id: string; title: string; filename: string; media_type?: string; size?: number; sha256?: string;
  published?: boolean; published_at?: string | null; download_url?: string;
}
export interface Notice { seq: number; kind: string; title: string; body?: string; published_at?: string | null; words?: import('./notices').NoticeWords | null }
export interface Clarification { number: number; question: string; answer?: string | null; answered_at?: string | null }
export interface TenderDetail extends TenderSummary {
  description?: string; tenderer?: { name?: string } | null; agent?: { name?: string } | null;
  lots?: Lot[]; evaluation?: Evaluation | null;
  dates?: { documents_available_at?: string; clarification_deadline?: string; bid_deadline?: string; publicity_days?: number } | null;
  amendment_version?: number; documents?: TenderDocument[]; notices?: Notice[]; clarifications?: Clarification[];
}
export interface League { code: string; name: string; name_en?: string | null }

/** The values the board's filters offer, in the server's order. */
export const CATEGORIES = ['government_procurement', 'engineering_construction', 'land_mining_rights', 'state_owned_property'];
export const STATUSES = ['draft', 'published', 'opening', 'evaluating', 'candidates_publicised', 'awarded', 'closed', 'cancelled', 'failed'];

/**
 * Where a tender stands, as a status key for words and badges: the lifecycle
 * status, except that a tender whose opening is over stays `opening` until
 * its evaluation starts (src/tenders/lifecycle.rs) and is then "opened,
 * awaiting evaluation" (`opened`), not "opening in progress"; one whose
 * opening was aborted says so (`opening_aborted`).
 */
export function stageOf(x: { status: string; opening?: string | null }): string {
  if (x.status === 'opening' && x.opening === 'completed') return 'opened';
  if (x.status === 'opening' && x.opening === 'aborted') return 'opening_aborted';
  return x.status;
}

/** An enum value in words; one the catalogue does not know is shown as sent. */
export function tEnum(group: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const key = `board.enum.${group}.${value}`;
  return i18n.global.te(key) || i18n.global.te(key, 'zh') ? t(key) : String(value);
}

// The leagues change rarely: read once per page load, shared by the pages.
export const leagues = ref<League[]>([]);
let loading: Promise<League[]> | null = null;
export function loadLeagues(): Promise<League[]> {
  if (!loading) {
    loading = get<{ items?: League[] }>('/api/v1/leagues')
      .then((r) => { leagues.value = r.items ?? []; return leagues.value; })
      .catch((e) => { loading = null; throw e; });
  }
  return loading;
}
export function leagueLabel(l: League): string {
  return lang.value === 'en' && l.name_en ? l.name_en : l.name;
}
/** A league's name in the user's language, the name the API sent, or the code. */
export function leagueName(code: string | null | undefined, fallback?: string | null): string {
  const l = leagues.value.find((x) => x.code === code);
  return l ? leagueLabel(l) : (fallback || code || '—');
}

/** Only same-origin paths and http(s) URLs from the API become links. */
export function safeHref(u: unknown): string | null {
  return typeof u === 'string' && (/^\/(?!\/)/.test(u) || /^https?:\/\//i.test(u)) ? u : null;
}

/**
 * The tenders whose record the signed-in supervisor or operator reads (its
 * scope: `in_scope=true`), matching `q` (title, reference or description),
 * newest deadline first, for the pickers of the audit events and the
 * cockpit: a first page of 50, the rest found by typing.
 */
export async function tendersInScope<T = TenderSummary>(q = ''): Promise<T[]> {
  const query = new URLSearchParams({ in_scope: 'true', per_page: '50' });
  if (q.trim()) query.set('q', q.trim().slice(0, 200));
  return (await get<{ items: T[] }>(`/api/v1/tenders?${query}`)).items;
}
