// The catalogue of refusals (../problems.json): every problem code's title
// and explanation, every reason a refusal gives (`reasons.<key>`), every
// field rule (`rules.<rule>`) and the values their sentences name
// (`values.<param>.<value>`), in Chinese and English. It is JSON so that
// the server's tests read it too: every code, reason and rule the server
// gives must be here, in both languages, with the placeholders its params
// name (src/reasons.rs). Keys hold dots (`room.round-closed`); vue-i18n reads
// dots as nesting, so they are nested here.
import catalogue from '../problems.json';

type Tree = { [key: string]: string | Tree };

function nest(flat: Record<string, string>): Tree {
  const out: Tree = {};
  for (const [key, text] of Object.entries(flat)) {
    const parts = key.split('.');
    let at = out;
    for (const part of parts.slice(0, -1)) {
      const next = at[part];
      if (typeof next === 'string') throw new Error(`catalogue key ${key} is below a text`);
      at = (at[part] = next ?? {}) as Tree;
    }
    at[parts[parts.length - 1]] = text;
  }
  return out;
}

type Lang = typeof catalogue.zh;
function messages(c: Lang): Tree {
  return {
    problems: c.problems as unknown as Tree,
    reasons: nest(c.reasons as Record<string, string>),
    rules: nest(c.rules as Record<string, string>),
    values: c.values as unknown as Tree,
  };
}

export default { zh: messages(catalogue.zh), en: messages(catalogue.en as unknown as Lang) };
