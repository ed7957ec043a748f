// A refusal said in the user's language. The server's problem carries a
// stable `code` (and, where the server gives one, a `reason` with `params`);
// the page's catalogue (messages/problems.ts) says each in Chinese and
// English. The server's own `detail` is shown as well where no reason is
// translated, labelled as the server's words.
import { ApiProblem } from './api';
import { t, i18n } from '../i18n';

export interface Said { title: string; detail: string; serverDetail?: string; fields: { field: string; message: string }[] }

const has = (key: string): boolean => i18n.global.te(key) || i18n.global.te(key, 'zh');

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
  if (reasonKey && has(reasonKey)) detail = t(reasonKey, p.params ?? {});
  else {
    detail = has(`problems.${p.code}.explain`) ? t(`problems.${p.code}.explain`) : '';
    serverDetail = p.detail;
  }
  const fields = (p.errors ?? []).map((f) => {
    const rule = f.rule ? `rules.${f.rule}` : '';
    return { field: f.field, message: rule && has(rule) ? t(rule, f.params ?? {}) : f.message };
  });
  return { title, detail, serverDetail, fields };
}
