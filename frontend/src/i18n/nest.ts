// Catalogues kept as JSON (../problems.json, ../alerts.json) hold keys with
// dots (`room.round-closed`); vue-i18n reads dots as nesting, so they are
// nested before they are given to it.
export type Tree = { [key: string]: string | Tree };

/** `{"a.b": "x"}` → `{a: {b: "x"}}`; a key below a text is a mistake in the
 *  catalogue, named (`what` says which catalogue). */
export function nest(flat: Record<string, string>, what: string): Tree {
  const out: Tree = {};
  for (const [key, text] of Object.entries(flat)) {
    const parts = key.split('.');
    let at = out;
    for (const part of parts.slice(0, -1)) {
      const next = at[part];
      if (typeof next === 'string') throw new Error(`${what} key ${key} is below a text`);
      at = (at[part] = next ?? {}) as Tree;
    }
    at[parts[parts.length - 1]] = text;
  }
  return out;
}
