// The names of the platform's codes as the pages show them: a role, an
// action of the audit record, the kind of object an audit event is about, an event of the opening hall or
// of an evaluation room. A code the catalogue does not know yet is shown as
// it is (the pages put it in monospace), never hidden.
import { t, te } from '../i18n';

const named = (group: string, code: string | null | undefined): string | null => {
  if (!code) return null;
  const key = `${group}.${code.replace(/\./g, '_')}`;
  return te(key) ? t(key) : null;
};

/** operator → 运营人员 / Operator */
export const roleName = (code: string): string => named('audit.events.role', code) ?? code;

/** tender → 项目 / Tender */
export const objectName = (code: string): string => named('names.object', code) ?? code;

/** The name of an action of the audit record (`tender.publish` →
 *  发布招标公告 / Tender published), or null when there is none yet. */
export const actionName = (code: string): string | null => named('names.action', code);

/** The name of a hall's or a room's event (`opening.bid_opened`,
 *  `score.given`), or null when there is none yet. */
export const eventName = (source: 'hall' | 'room', kind: string): string | null => named(`names.${source}`, kind);
