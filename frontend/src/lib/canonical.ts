// The report a member signs is hashed as canonical JSON (README: keys
// sorted, no insignificant white space, UTF-8 unescaped, numbers as
// serde_json writes them). The server sends the report written exactly so,
// inside its answer; the page takes the report's bytes from the answer's
// text as they are (parsing and re-writing would lose how numbers were
// written: 42.0 is not 42) and hashes them with WebCrypto.

/** The raw text of a top-level member's value in a JSON object text. */
export function rawMember(text: string, name: string): string | null {
  let i = skipWs(text, 0);
  if (text[i] !== '{') return null;
  i++;
  for (;;) {
    i = skipWs(text, i);
    if (text[i] === '}') return null;
    const keyEnd = endOfString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    if (text[i] !== ':') return null;
    i = skipWs(text, i + 1);
    const end = endOfValue(text, i);
    if (key === name) return text.slice(i, end);
    i = skipWs(text, end);
    if (text[i] === ',') { i++; continue; }
    return null;
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length && ' \t\r\n'.includes(s[i])) i++;
  return i;
}
function endOfString(s: string, i: number): number {
  if (s[i] !== '"') throw new Error('not a string');
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') { j++; continue; }
    if (s[j] === '"') return j + 1;
  }
  throw new Error('unterminated string');
}
function endOfValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return endOfString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') { j = endOfString(s, j) - 1; continue; }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') { depth--; if (depth === 0) return j + 1; }
    }
    throw new Error('unterminated value');
  }
  let j = i;
  while (j < s.length && !',}] \t\r\n'.includes(s[j])) j++;
  return j;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
