// A supervision alert said in the user's language. The server keeps each
// alert's English `summary` and, beside it, a stable `reason` key with the
// `params` its sentence names (src/supervision/said.rs); the catalogue
// (i18n/alerts.json) says each in Chinese and English. The values are
// said here as the pages say them: bidders' names listed, labels as
// "投标人1" / "bidder 1", amounts in yuan as money, times in Beijing time
// with the zone, an audit action, an alert's kind and an objection's
// subject by their names. An alert kept before keys existed (or one whose
// key this page does not know) shows its English summary, marked as
// English.
import { t, te, i18n, lang } from '../i18n';
import { dateTime, money } from './format';
import { actionName } from './names';

export interface AlertWords { kind: string; summary: string; reason?: string; params?: Record<string, unknown> }
export interface SaidAlert { text: string; lang?: 'en' }

const has = (key: string): boolean => te(key) || i18n.global.te(key, 'zh');

/** same_client_address → 不同投标人使用同一网络地址 / Different bidders from one network address */
export function kindName(kind: string): string {
  return has(`alerts.kinds.${kind}`) ? t(`alerts.kinds.${kind}`) : kind;
}

/** "12345.67" (yuan, as the server names amounts) → fen, exactly. */
function fenOf(yuan: unknown): number | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(yuan));
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -fen : fen;
}

const amount = (v: unknown): string => { const fen = fenOf(v); return fen === null ? String(v) : money(fen); };
const list = (items: unknown[], say: (x: unknown) => string, sep?: string): string =>
  items.map(say).join(sep ?? (lang.value === 'zh' ? '、' : ', '));
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

interface Held { bidder?: unknown; file?: unknown }
interface SharedFile { sha256?: unknown; held?: Held[] }

/** A param's value as the sentence says it. */
function value(param: string, v: unknown): unknown {
  switch (param) {
    case 'bidders': return list(asList(v), String);
    case 'labels': return list(asList(v), (n) => t('alerts.parts.bidder', { n: String(n) }));
    case 'prices': return list(asList(v), amount);
    case 'step': return amount(v);
    case 'at': case 'due': return typeof v === 'string' && v ? dateTime(v, true) : String(v ?? '—');
    case 'kind': return kindName(String(v));
    case 'audit_action': return actionName(String(v)) ?? String(v);
    case 'subject': return has(`values.subject.${v}`) ? t(`values.subject.${v}`) : String(v);
    case 'files': return list(asList(v), (f) => {
      const file = (f ?? {}) as SharedFile;
      const held = list(file.held ?? [], (h) => t('alerts.parts.held', { bidder: String((h as Held).bidder ?? ''), file: String((h as Held).file ?? '') }));
      return t('alerts.parts.document', { sha256: String(file.sha256 ?? ''), held });
    }, lang.value === 'zh' ? '；' : '; ');
    default: return v === null || v === undefined ? '—' : v;
  }
}

/** What an alert says, in the user's language where its reason is known. */
export function sayAlert(a: AlertWords): SaidAlert {
  const key = a.reason ? `alerts.${a.reason}` : '';
  if (!key || !a.params || !has(key)) return { text: a.summary, lang: 'en' };
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a.params)) params[k] = value(k, v);
  return { text: t(key, params) };
}
