// A refusal said in the user's language. The server's problem carries a
// stable `code` (and, where the server gives one, a `reason` with `params`);
// the page's catalogue (i18n/problems.json, loaded by messages/problems.ts)
// says each in Chinese and English. The server's own `detail` is shown as
// well where no reason is translated, labelled as the server's words. The
// evaluation room's socket refuses an action with the same `reason` and
// `params` (sayRefusal).
import { ApiProblem } from './api';
import { t, i18n } from '../i18n';
import { dateTime } from './format';

export interface Said { title: string; detail: string; serverDetail?: string; fields: { field: string; message: string }[] }

const has = (key: string): boolean => i18n.global.te(key) || i18n.global.te(key, 'zh');

// Params whose values are codes said through another param's table.
const TABLE: Record<string, string> = { roles: 'role', expected: 'service', actual: 'service' };

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A value a sentence names, in the user's language where it is a code the
 *  catalogue knows (`values.<param>.<value>`); a list is said item by item. */
function value(param: string, v: unknown): unknown {
  if (Array.isArray(v)) {
    const sep = i18n.global.locale.value === 'zh' ? '、' : ', ';
    return v.map((x) => String(value(param, x))).join(sep);
  }
  // An instant (the server names each in Beijing time with its offset):
  // said as every page says a time, in Beijing time with the zone named.
  if (typeof v === 'string' && INSTANT.test(v)) return dateTime(v, true);
  if (typeof v === 'string' || typeof v === 'number') {
    const key = `values.${TABLE[param] ?? param}.${v}`;
    if (has(key)) return t(key);
  }
  return v;
}

/** The params of a reason or rule, with their values said. */
export function sayParams(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = value(k, v);
  return out;
}

/** A reason (`reasons.<key>`) in the user's language, or undefined when the
 *  catalogue does not know it. */
export function sayReason(reason: string | undefined, params?: Record<string, unknown>): string | undefined {
  if (!reason) return undefined;
  const key = `reasons.${reason}`;
  return has(key) ? t(key, sayParams(params)) : undefined;
}

/** A refusal on the evaluation room's socket (`{type: "error", code,
 *  message, reason, params}`): its reason in the user's language, else the
 *  server's message. */
export function sayRefusal(e: { message?: string; reason?: string; params?: Record<string, unknown> }): string {
  return sayReason(e.reason, e.params) ?? e.message ?? t('problem.generic');
}

export function say(e: unknown): Said {
  if (!(e instanceof ApiProblem)) {
    if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
      // A local failure with a message code of the page's (reading a key, a file).
      const c = (e as { code: string; vars?: Record<string, unknown> });
      const key = `local.${c.code}`;
      if (has(key)) return { title: t('error'), detail: t(key, c.vars ?? {}), fields: [] };
    }
    return { title: t('error'), detail: t('problem.generic'), fields: [] };
  }
  const p = e.problem;
  if (p.code === 'network') return { title: t('error'), detail: t('problem.network'), fields: [] };
  const title = has(`problems.${p.code}.title`) ? t(`problems.${p.code}.title`) : (p.title ?? t('error'));
  const reasonKey = p.reason ? `reasons.${p.reason}` : '';
  let detail: string;
  let serverDetail: string | undefined;
  if (reasonKey && has(reasonKey)) detail = t(reasonKey, sayParams(p.params));
  else {
    detail = has(`problems.${p.code}.explain`) ? t(`problems.${p.code}.explain`) : '';
    serverDetail = p.detail;
  }
  const fields = (p.errors ?? []).map((f) => {
    const rule = f.rule ? `rules.${f.rule}` : '';
    return { field: f.field, message: rule && has(rule) ? t(rule, sayParams(f.params)) : f.message };
  });
  return { title, detail, serverDetail, fields };
}
