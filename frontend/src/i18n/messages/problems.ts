// The catalogue of refusals (../problems.json): every problem code's title
// and explanation, every reason a refusal gives (`reasons.<key>`), every
// field rule (`rules.<rule>`) and the values their sentences name
// (`values.<param>.<value>`), in Chinese and English. It is JSON so that
// the server's tests read it too: every code, reason and rule the server
// gives must be here, in both languages, with the placeholders its params
// name (src/reasons.rs). Keys hold dots (`room.round-closed`); vue-i18n reads
// dots as nesting, so they are nested here.
import { nest, type Tree } from '../nest';
import catalogue from '../problems.json';

type Lang = typeof catalogue.zh;
function messages(c: Lang): Tree {
  return {
    problems: c.problems as unknown as Tree,
    reasons: nest(c.reasons as Record<string, string>, 'catalogue'),
    rules: nest(c.rules as Record<string, string>, 'catalogue'),
    values: c.values as unknown as Tree,
  };
}

export default { zh: messages(catalogue.zh), en: messages(catalogue.en as unknown as Lang) };
