// Notices as the public reads them: the API's shapes, and a notice's title
// and body said in the reader's language. What the platform wrote comes
// with its words (a key and params, src/tenders/notice_words.rs) and is said
// from them (messages/public.ts, pub.words.*), the category's words chosen
// (vocabulary.ts); what people wrote is shown as written, marked with its
// own language (a Chinese text on an English page is read as Chinese).
import { data, list, say, type Param, type Sentence } from './sentences';
import { dateTime } from './format';
import { t, te } from '../i18n';
import { dataLang } from './datalang';
import { kindName, word } from './vocabulary';

export interface Said { key: string; params: Record<string, unknown> }
export interface NoticeWords { title?: Said; body?: Said }
export interface Notice {
  seq: number; kind: string; title: string; body?: string; published_at?: string | null; words?: NoticeWords | null;
}
export interface PublicNotice {
  tender_id: string; tender_title: string; tender_reference: string; category: string; method: string;
  league_code: string; league_name?: string; notice: Notice; page: string;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
/** People's text (or a name) inside a sentence: kept apart with its own language. */
const theirs = (v: unknown): Param => data(text(v));
const asWritten = (s: string): Sentence => (s ? [{ text: s, lang: dataLang(s) }] : []);

/** A notice's title in the reader's language. */
export function noticeTitle(n: Notice, category: string): Sentence {
  const w = n.words?.title;
  if (!w) return asWritten(n.title);
  const p = w.params ?? {};
  switch (w.key) {
    case 'kind':
      return say('pub.words.title.kind', { tender: theirs(p.tender), kind: kindName(category, text(p.kind) || n.kind) });
    case 'clarification':
      return say('pub.words.title.clarification', { tender: theirs(p.tender), number: text(p.number) });
    case 'opening_record':
      return say('pub.words.title.opening_record', { tender: theirs(p.tender), record: word(text(p.category) || category, 'openingRecord') });
    case 'complaint_refused': case 'suspended': case 'resumed':
      return say(`pub.words.title.${w.key}`, { tender: theirs(p.tender) });
    case 'contract':
      return say('pub.words.title.contract', { kind: kindName(text(p.category) || category, 'contract'), contract: theirs(p.contract) });
    default:
      return asWritten(n.title);
  }
}

const NL: Sentence = [{ text: '\n' }];
/** Lines one under the other. */
function lines(...ls: (Sentence | null | undefined | false)[]): Sentence {
  const out: Sentence = [];
  for (const l of ls) {
    if (!l || !l.length) continue;
    if (out.length) out.push(...NL);
    out.push(...l);
  }
  return out;
}
const objs = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') as Record<string, unknown>[] : []);
const texts = (v: unknown): string[] => (Array.isArray(v) ? v.map(text) : []);
/** "the project" or "lot N (title)". */
const lotName = (lot: unknown, title?: unknown): Sentence =>
  Number(lot) === 0 ? say('pub.words.body.lot.whole')
    : title ? say('pub.words.body.lot.titled', { lot: text(lot), title: theirs(title) })
      : say('pub.words.body.lot.numbered', { lot: text(lot) });

/** An award's result (src/tenders/award.rs `result_words`). */
function awardBody(p: Record<string, unknown>, category: string): Sentence {
  const ls: Sentence[] = [say('pub.words.body.award.head', { result: word(category, 'result') })];
  for (const l of objs(p.lots)) {
    const line = say('pub.words.body.award.lot', {
      lot: lotName(l.lot), winnerWord: word(category, 'winner'), valueWord: word(category, 'awardValue'), winner: theirs(l.winner), value: text(l.value),
    });
    if (l.rank !== undefined) line.push(...say('pub.words.body.award.rank', { rank: text(l.rank) }));
    if (text(l.reason)) line.push(...say('pub.words.body.award.reason', { reason: theirs(l.reason) }));
    ls.push(line);
  }
  // The platform's own reason when the first candidate stands (财政部令第87号 第68条); else the organiser's.
  if (p.standing) ls.push(say('pub.words.body.award.standing'));
  else if (text(p.reason)) ls.push([{ text: text(p.reason), lang: dataLang(text(p.reason)) }]);
  const experts = texts(p.experts);
  if (experts.length) ls.push(say('pub.words.body.award.experts', { names: list(experts.map((e) => [{ text: e, lang: dataLang(e) }])) }));
  return lines(...ls);
}

/** A candidates' publicity (src/tenders/results.rs `publicity_words`). */
function publicityBody(p: Record<string, unknown>): Sentence {
  const ls: Sentence[] = [
    say('pub.words.body.publicity.head'),
    say('pub.words.body.publicity.project', { tender: theirs(p.tender), reference: text(p.reference) }),
    say('pub.words.body.publicity.tenderer', { tenderer: theirs(p.tenderer) }),
    say('pub.words.body.publicity.report', { at: dateTime(text(p.report_at)), sha: text(p.report_sha256) }),
  ];
  for (const l of objs(p.lots)) {
    const name = lotName(l.lot, l.title);
    const cs = objs(l.candidates);
    if (!cs.length) { ls.push(say('pub.words.body.publicity.none', { lot: name })); continue; }
    ls.push(say('pub.words.body.publicity.lot', { lot: name }));
    for (const c of cs) {
      const line = say('pub.words.body.publicity.candidate', { rank: text(c.rank), bidder: theirs(c.bidder), price: text(c.price) });
      if (c.corrected !== undefined) line.push(...say('pub.words.body.publicity.corrected', { price: text(c.corrected) }));
      line.push(...say('pub.words.body.publicity.evaluated', { price: text(c.evaluated) }));
      if (c.total !== undefined) line.push(...say('pub.words.body.publicity.total', { total: text(c.total) }));
      if (c.days !== undefined) line.push(...say('pub.words.body.publicity.days', { days: text(c.days) }));
      const terms = texts(c.terms);
      if (terms.length) line.push(...say('pub.words.body.publicity.terms', { terms: list(terms.map((x) => [{ text: x, lang: dataLang(x) }])) }));
      ls.push([{ text: '  ' }, ...line]);
    }
    if (Number(l.rejected) > 0) ls.push([{ text: '  ' }, ...say('pub.words.body.publicity.rejected', { n: text(l.rejected) })]);
  }
  ls.push(say('pub.words.body.publicity.period', { from: dateTime(text(p.from)), until: dateTime(text(p.until)) }));
  ls.push(say('pub.words.body.publicity.objection'));
  ls.push(say('pub.words.body.publicity.basis'));
  if (text(p.remark)) ls.push(say('pub.words.body.publicity.remark', { remark: theirs(p.remark) }));
  return lines(...ls);
}

/** A notice's body in the reader's language (empty when it has none). */
export function noticeBody(n: Notice, category: string): Sentence {
  const w = n.words?.body;
  if (!w) return asWritten(n.body ?? '');
  const p = w.params ?? {};
  switch (w.key) {
    case 'clarification':
      return say('pub.words.body.clarification', { question: theirs(p.question), answer: theirs(p.answer) });
    case 'opening_record': {
      const c = text(p.category) || category;
      const fails = p.result === 'fails';
      return say(`pub.words.body.opening_record.${fails ? 'fails' : 'proceeds'}`, {
        done: word(c, 'openingDone'), bids: word(c, 'bids'), next: word(c, 'afterOpening'),
        opened: text(p.opened), valid: text(p.valid), minimum: text(p.minimum), basis: theirs(p.basis),
      });
    }
    case 'suspended':
      return p.until
        ? say('pub.words.body.suspended_until', { until: text(p.until), reason: theirs(p.reason) })
        : say('pub.words.body.suspended', { reason: theirs(p.reason) });
    case 'resumed':
      return say('pub.words.body.resumed', { reason: p.decided ? t('pub.words.body.complaint_decided') : theirs(p.reason) });
    case 'award':
      return awardBody(p, category);
    case 'publicity':
      return publicityBody(p);
    case 'complaint_decision': {
      const subject = `bidder.objections.subjects.${text(p.subject)}`;
      return lines(
        say(`pub.words.body.complaint_decision.${p.regime === 'procurement' ? 'procurement' : 'tendering'}`, {
          subject: te(subject) ? t(subject) : text(p.subject), decision: theirs(p.decision),
        }),
        say(`pub.words.body.complaint_decision.${p.upheld ? 'upheld' : 'dismissed'}`),
      );
    }
    case 'not_opened': case 'too_few_valid': case 'not_qualified':
      return say(`pub.words.body.${w.key}`, {
        bids: text(p.bids), bidders: text(p.bidders), valid: text(p.valid), qualified: text(p.qualified), basis: theirs(p.basis),
      });
    case 'contract':
      return say('pub.words.body.contract', {
        purchaser: theirs(p.purchaser), supplier: theirs(p.supplier), date: text(p.date), amount: text(p.amount),
      });
    default:
      return asWritten(n.body ?? '');
  }
}

/** A notice's page in the portal. */
export const noticePath = (tender: string, seq: number): string => `/notices/${encodeURIComponent(tender)}/${seq}`;

/** The notice kinds the list filters by, in the order of a procedure. */
export const KINDS = [
  'tender', 'amendment', 'clarification', 'opening', 'evaluation', 'candidates', 'award', 'contract',
  'failure', 'cancellation', 'closure', 'complaint_decision', 'suspension',
];

/** The plain text of a title (for the tab's title). */
export const plainTitle = (n: Notice, category: string): string => noticeTitle(n, category).map((p) => p.text).join('');
