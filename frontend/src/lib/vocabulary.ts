// The words each category of trade speaks (../i18n/vocabulary.json, loaded as
// vocab.* by messages/public.ts; the server reads the same file,
// src/tenders/vocabulary.rs): a page asks for a term in the
// tender's category and gets 竞买人 for land, 意向受让方 for state-owned
// property, 投标人 for tendering. A term a category does not name is
// tendering's (`vocab.default`); a notice kind it does not name is the
// board's (`board.enum.kind`).
import { i18n, t } from '../i18n';

export type Term =
  | 'tenderer' | 'bidder' | 'bids' | 'price' | 'budget' | 'bidDeadline' | 'documents' | 'opening'
  | 'openingRecord' | 'hall' | 'result' | 'winner' | 'openingDone' | 'afterOpening' | 'awardValue';

const has = (key: string): boolean => i18n.global.te(key) || i18n.global.te(key, 'zh');

/** A term in the words of `category` (tendering's when the category has none of its own). */
export function word(category: string | null | undefined, term: Term): string {
  const own = `vocab.${category ?? ''}.${term}`;
  return category && has(own) ? t(own) : t(`vocab.default.${term}`);
}

/** A notice kind's name in the words of `category`. */
export function kindName(category: string | null | undefined, kind: string): string {
  const own = `vocab.${category ?? ''}.kind.${kind}`;
  if (category && has(own)) return t(own);
  const board = `board.enum.kind.${kind}`;
  return has(board) ? t(board) : kind;
}
