// Verifying the platform's audit log in the browser, as `ggzy audit verify`
// does (src/audit/verify.rs): the log's key, every signed checkpoint (C2SP
// signed notes, Ed25519) and their chain, consistency with the checkpoint seen
// before (RFC 9162 §2.1.4.2), and, for a signed-in supervisor, every entry:
// its canonical encoding (src/audit/entry.rs), the RFC 6962 tree rebuilt from
// the entries against every checkpoint's root, changed entries pinpointed
// with inclusion proofs (RFC 9162 §2.1.3.2), times, and the tenders' creation.
// SHA-256 and Ed25519 are WebCrypto's; the tree, the note and the encoding
// are read here. Nothing here touches the page or the storage: the page gives
// fetch functions and a progress callback, and gets findings back.
'use strict';

export const GgzyAuditLog = (() => {
  // A malformed key, note or response: `code` names a message of the page's.
  class AuditLogError extends Error {
    constructor(code, vars) { super(code); this.code = code; this.vars = vars || {}; }
  }
  const fail = (code, vars) => { throw new AuditLogError(code, vars); };
  const subtle = () => globalThis.crypto?.subtle || fail('noWebCrypto');

  // An event stamped longer than this before it joined the log is flagged as
  // backdated; clock tolerance between an event and its checkpoint (verify.rs).
  const MAX_LAG_SECONDS = 3600;
  const SKEW_SECONDS = 2;
  // Entries per request (the API's most), inclusion proofs named at most.
  const PAGE = 1000;
  const MAX_NAMED = 20;

  // ---------- bytes ----------
  const utf8 = (text) => new TextEncoder().encode(text);
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  function toBase64(bytes) {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }
  // Standard base64 with padding, canonical (atob alone forgives missing
  // padding and stray whitespace); null when it is not.
  function fromBase64(text) {
    if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
    let raw;
    try { raw = atob(text); } catch (_) { return null; }
    const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0));
    return toBase64(bytes) === text ? bytes : null;
  }
  const hash32 = (text) => { const b = fromBase64(text); return b && b.length === 32 ? b : null; };

  // ---------- RFC 6962 / RFC 9162 Merkle tree ----------
  const sha256 = async (bytes) => new Uint8Array(await subtle().digest('SHA-256', bytes));
  const leafHash = (input) => sha256(concat([0], input));
  const nodeHash = (left, right) => sha256(concat([1], left, right));

  // The tree of the entries seen so far, as its perfect subtrees: level l
  // holds the hashes of 2^l leaves each, hashed once when their last leaf
  // arrives; the root at any prefix size is then O(log n) node hashes.
  class Tree {
    constructor() { this.levels = [[]]; }
    get size() { return this.levels[0].length; }
    leaf(index) { return this.levels[0][index]; }
    async push(leaf) {
      this.levels[0].push(leaf);
      let hash = leaf;
      // While the node just made is a right child, its parent is complete.
      for (let level = 0, index = this.size - 1; index % 2 === 1; level++, index = (index - 1) / 2) {
        hash = await nodeHash(this.levels[level][index - 1], hash);
        (this.levels[level + 1] ||= []).push(hash);
      }
    }
    // MTH of the first `size` leaves: the perfect subtrees of size's set
    // bits, left to right, folded from the right (RFC 6962 §2.1's split
    // is always the largest power of two).
    async rootAt(size) {
      if (!Number.isSafeInteger(size) || size < 0 || size > this.size) throw new RangeError(`no tree of ${size} leaves`);
      if (size === 0) return sha256(new Uint8Array(0));
      const parts = [];
      let start = 0;
      for (let level = this.levels.length - 1; level >= 0; level--) {
        const width = 2 ** level;
        if (size - start >= width) { parts.push(this.levels[level][start / width]); start += width; }
      }
      let root = parts.pop();
      while (parts.length) root = await nodeHash(parts.pop(), root);
      return root;
    }
  }

  // RFC 9162 §2.1.3.2: whether `proof` shows `leaf` at `index` in the tree
  // of `size` leaves with `root`.
  async function verifyInclusion(index, size, leaf, proof, root) {
    if (!(index >= 0 && index < size)) return false;
    let fn = BigInt(index), sn = BigInt(size) - 1n;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n && same(r, root);
  }

  // RFC 9162 §2.1.4.2: whether `proof` shows the tree of `second` leaves with
  // `secondRoot` extends the tree of `first` leaves with `firstRoot`.
  async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
    if (!(first >= 0 && first <= second)) return false;
    if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
    if (first === 0) return proof.length === 0;
    if (proof.length === 0) return false;
    let fn = BigInt(first) - 1n, sn = BigInt(second) - 1n;
    // A first tree that is a whole subtree is its own start of the path.
    const path = (fn & (fn + 1n)) === 0n ? [firstRoot, ...proof] : proof;
    while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n && same(fr, firstRoot) && same(sr, secondRoot);
  }

  // ---------- C2SP signed notes ----------
  const DASH = '\u2014 ';
  const ED25519 = 0x01;
  const DECIMAL = /^(0|[1-9][0-9]*)$/;
  const keyId = async (name, raw) => (await sha256(concat(utf8(name), [0x0a, ED25519], raw))).slice(0, 4);

  // A verifier key `name+hex(key id)+base64(0x01 || Ed25519 key)`.
  async function parseVkey(vkey) {
    const text = String(vkey ?? '').trim();
    const [, name, id, encoded] = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text) ?? fail('vkeyFormat');
    const blob = fromBase64(encoded) ?? fail('vkeyFormat');
    if (blob.length !== 33 || blob[0] !== ED25519) fail('vkeyType');
    const raw = blob.slice(1);
    if (hex(await keyId(name, raw)) !== id) fail('vkeyId');
    let key;
    try { key = await subtle().importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']); } catch (_) { fail('noEd25519'); }
    return { name, id, vkey: text, keyId: await keyId(name, raw), key };
  }

  // The text of a note that carries a good signature of `verifier`'s key
  // (other signatures are passed over, as the spec says).
  async function noteText(note, verifier) {
    const split = typeof note === 'string' ? note.lastIndexOf('\n\n') : -1;
    if (split < 0) fail('noteFormat');
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2).split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (const line of lines) {
      if (!line.startsWith(DASH)) fail('noteFormat');
      const rest = line.slice(DASH.length);
      const space = rest.indexOf(' ');
      const blob = space > 0 ? fromBase64(rest.slice(space + 1)) : null;
      if (!blob) fail('noteFormat');
      if (rest.slice(0, space) !== verifier.name || blob.length < 4 || !same(blob.subarray(0, 4), verifier.keyId)) continue;
      let good = false;
      try { good = await subtle().verify('Ed25519', verifier.key, blob.subarray(4), utf8(text)); } catch (_) { /* malformed signature */ }
      if (!good) fail('badSignature', { name: verifier.name });
      return text;
    }
    return fail('unsigned', { name: verifier.name });
  }

  // A checkpoint's text: origin, size, root, then extension lines: `time`
  // (required), `prev <size> <root>` (optional: the checkpoint signed just
  // before this one); others are passed over.
  function parseCheckpoint(text) {
    if (!text.endsWith('\n')) fail('checkpointFormat');
    const [origin, size, root, ...rest] = text.slice(0, -1).split('\n');
    if (root === undefined || !DECIMAL.test(size) || !Number.isSafeInteger(Number(size))) fail('checkpointFormat');
    const checkpoint = { origin, size: Number(size), root: hash32(root) ?? fail('checkpointFormat'), time: null, prev: null };
    for (const line of rest) {
      if (line.startsWith('time ')) {
        const t = line.slice(5);
        if (checkpoint.time !== null || !/^-?(0|[1-9][0-9]*)$/.test(t) || !Number.isSafeInteger(Number(t))) fail('checkpointFormat');
        checkpoint.time = Number(t);
      } else if (line.startsWith('prev ')) {
        const [s, r, extra] = line.slice(5).split(' ');
        const prevRoot = hash32(r);
        if (checkpoint.prev || extra !== undefined || !DECIMAL.test(s) || !Number.isSafeInteger(Number(s)) || !prevRoot) fail('checkpointFormat');
        checkpoint.prev = { size: Number(s), root: prevRoot };
      }
    }
    if (checkpoint.time === null) fail('checkpointFormat');
    return checkpoint;
  }

  // A checkpoint note verified with `verifier` (from parseVkey), read.
  async function openNote(note, verifier) {
    const checkpoint = parseCheckpoint(await noteText(note, verifier));
    if (checkpoint.origin !== verifier.name) fail('origin', { origin: checkpoint.origin, name: verifier.name });
    return { ...checkpoint, note };
  }

  // ---------- entries ----------
  const FIELDS = ['actor_id', 'actor_role', 'action', 'object_type', 'object_id', 'tender_id', 'client_addr', 'request_id', 'payload_sha256'];
  const REQUIRED = new Set(['actor_role', 'action', 'object_type', 'object_id', 'payload_sha256']);

  // The canonical encoding (src/audit/entry.rs): 0x01, u64 BE seq, i64 BE
  // microseconds, nine strings each 0x00 or 0x01 || u32 BE length || UTF-8.
  // Gives { seq, micros (both BigInt), ...the nine fields }, or null.
  function decodeEntry(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const text = new TextDecoder('utf-8', { fatal: true });
    let pos = 17;
    if (bytes.length < pos || bytes[0] !== 1) return null;
    const event = { seq: view.getBigUint64(1), micros: view.getBigInt64(9) };
    if (event.seq >= 2n ** 63n) return null;
    for (const field of FIELDS) {
      const present = bytes[pos++];
      if (present === 0) { event[field] = null; continue; }
      if (present !== 1 || pos + 4 > bytes.length) return null;
      const len = view.getUint32(pos);
      pos += 4;
      if (pos + len > bytes.length) return null;
      try { event[field] = text.decode(bytes.subarray(pos, pos + len)); } catch (_) { return null; }
      pos += len;
    }
    if (pos !== bytes.length || FIELDS.some((f) => REQUIRED.has(f) && event[f] === null)) return null;
    return event;
  }

  // RFC 3339 in UTC with a trailing Z, as the API writes times, to
  // microseconds since the epoch (a BigInt); null when it is not one or is
  // finer than a microsecond. (Date keeps milliseconds only.)
  function rfc3339Micros(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(typeof text === 'string' ? text : '');
    if (!m) return null;
    const [y, mo, d, hh, mm, ss] = m.slice(1, 7).map(Number);
    const frac = (m[7] || '').padEnd(9, '0');
    if (!/^0*$/.test(frac.slice(6))) return null;
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    date.setUTCHours(hh, mm, ss, 0);
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d
      || date.getUTCHours() !== hh || date.getUTCMinutes() !== mm || date.getUTCSeconds() !== ss) return null;
    return BigInt(date.getTime()) * 1000n + BigInt(frac.slice(0, 6));
  }

  // Whether the event shown beside an entry is the one it encodes.
  function sameEvent(decoded, shown) {
    if (!shown || typeof shown !== 'object' || !Number.isSafeInteger(shown.seq) || BigInt(shown.seq) !== decoded.seq) return false;
    return rfc3339Micros(shown.occurred_at) === decoded.micros && FIELDS.every((f) => (shown[f] ?? null) === decoded[f]);
  }

  // Whole seconds (rounded down), as the checkpoints' times are.
  const seconds = (micros) => Number(micros / 1000000n - (micros % 1000000n < 0n ? 1n : 0n));

  const hashes = (list) => {
    const out = Array.isArray(list) ? list.map(hash32) : [null];
    return out.every(Boolean) ? out : fail('proofFormat');
  };

  // ---------- the whole check ----------
  // `source` fetches: key() → {name, vkey}; checkpoint() → the latest note;
  // checkpoints(fromSize, limit) → [{tree_size, root_hash, note}];
  // consistency(first, second) and inclusion(index, size) → [base64 hash];
  // and, for a signed-in reader only, entries(start, end) → [{index,
  // leaf_hash, leaf_input, event}] and tenders(page) → [tender id] (100 a
  // page). Options: `given`, a verifier key pasted by the user; `pinned`,
  // the one this browser pinned; `seen`, the checkpoint note it saw last;
  // `settle`, the milliseconds to wait between the tenders and the log.
  // `progress({step, done, total, ...})` hears of each step. Refusals of the
  // API come out as the fetch functions throw them; everything wrong with the
  // log itself is a finding, {code, ...vars}.
  async function verify(source, { given = '', pinned = null, seen = null, settle = 2000 } = {}, progress = () => {}) {
    const findings = [];
    const found = (code, vars) => findings.push({ code, ...vars });
    const result = {
      findings, key: null, latest: null, size: 0, checkpoints: 0, entries: 0, hidden: 0,
      entriesChecked: Boolean(source.entries), seen: null,
    };
    const cause = (e) => { if (e instanceof AuditLogError) return { code: e.code, ...e.vars }; throw e; };

    // The tenders first, then (after the sequencer has had its second) the
    // log: every tender listed was created before the checkpoint read.
    const tenders = [];
    if (source.tenders) {
      for (let page = 1; ; page++) {
        const ids = await source.tenders(page);
        tenders.push(...ids);
        progress({ step: 'tenders', done: tenders.length });
        if (ids.length < 100) break;
      }
      progress({ step: 'settle', seconds: settle / 1000 });
      await new Promise((resolve) => setTimeout(resolve, settle));
    }

    // The key: the one given and the one pinned, when there are, must be
    // the one the log publishes.
    const published = await source.key();
    given = String(given ?? '').trim();
    if (given) {
      try { await parseVkey(given); } catch (e) { found('givenKeyInvalid', { cause: cause(e) }); return result; }
    }
    if (pinned && pinned !== published.vkey) found('keyNotPinned', { pinned, published: published.vkey });
    if (given && given !== pinned && given !== published.vkey) found('keyNotGiven', { given, published: published.vkey });
    if (findings.length) return result;
    let verifier;
    try { verifier = await parseVkey(published.vkey); } catch (e) { found('publishedKeyInvalid', { cause: cause(e) }); return result; }
    if (verifier.name !== published.name) { found('keyName', { name: published.name, vkeyName: verifier.name }); return result; }
    result.key = { name: verifier.name, id: verifier.id, vkey: verifier.vkey };
    progress({ step: 'key', name: verifier.name, id: verifier.id });

    let latest;
    try { latest = await openNote(await source.checkpoint(), verifier); } catch (e) { found('latestInvalid', { cause: cause(e) }); return result; }
    result.latest = { note: latest.note, size: latest.size, root: toBase64(latest.root), time: latest.time };
    result.size = latest.size;
    progress({ step: 'latest', size: latest.size, time: latest.time });

    // Every checkpoint up to the latest, smallest first.
    const listed = [];
    for (let from = 0; ;) {
      const page = await source.checkpoints(from, PAGE);
      // A page that does not move on would be asked for again and again.
      if (!Array.isArray(page) || (page.length && !(page.at(-1).tree_size >= from))) fail('listFormat');
      listed.push(...page.filter((c) => c.tree_size <= latest.size));
      progress({ step: 'checkpoints', done: listed.length });
      if (page.length < PAGE || page.at(-1).tree_size >= latest.size) break;
      from = page.at(-1).tree_size + 1;
    }
    const signed = [];
    for (const c of listed) {
      let cp;
      try { cp = await openNote(c.note, verifier); } catch (e) { found('checkpointInvalid', { size: c.tree_size, cause: cause(e) }); continue; }
      if (cp.size !== c.tree_size || toBase64(cp.root) !== c.root_hash) { found('listingMismatch', { size: c.tree_size }); continue; }
      const before = signed.at(-1);
      if (before && (cp.size <= before.size || cp.time < before.time)) {
        found('checkpointOrder', { size: cp.size, time: cp.time, prevSize: before.size, prevTime: before.time });
      }
      signed.push(cp);
    }
    const last = signed.at(-1);
    if (!last || last.note !== latest.note) found('latestNotLast', { size: latest.size });
    result.checkpoints = signed.length;
    // The chain: a checkpoint with a `prev` line names the one listed just
    // before it; one without may only come before every one with (an older
    // log's unchained start).
    signed.forEach((cp, k) => {
      const before = signed[k - 1];
      if (cp.prev) {
        if (!before || before.size < cp.prev.size) found('checkpointsMissing', { from: before ? before.size : 0, to: cp.size });
        else if (before.size > cp.prev.size) found('notChained', { size: cp.size, prevSize: cp.prev.size, beforeSize: before.size });
        else if (!same(before.root, cp.prev.root)) found('prevRoot', { size: cp.size, prevSize: cp.prev.size });
      } else if (signed.slice(0, k).some((c) => c.prev)) {
        found('chainBroken', { size: cp.size });
      }
    });

    // The checkpoint this browser saw last: the latest must extend it, and
    // it must still be listed as it was.
    let seenCp = null;
    if (seen) {
      try { seenCp = await openNote(seen, verifier); } catch (e) { found('seenInvalid', { cause: cause(e) }); }
    }
    if (seenCp) {
      const before = findings.length;
      let consistent = seenCp.size <= latest.size;
      if (consistent && seenCp.size > 0 && seenCp.size < latest.size) {
        let proof = null;
        try { proof = hashes(await source.consistency(seenCp.size, latest.size)); } catch (e) { if (!(e instanceof AuditLogError)) throw e; }
        consistent = Boolean(proof) && await verifyConsistency(seenCp.size, latest.size, seenCp.root, latest.root, proof);
      } else if (consistent) {
        consistent = await verifyConsistency(seenCp.size, latest.size, seenCp.root, latest.root, []);
      }
      if (!consistent) found('rewritten', { seenSize: seenCp.size, size: latest.size });
      const still = signed.find((c) => c.size === seenCp.size);
      if (seenCp.size > 0 && !still) found('seenNotListed', { seenSize: seenCp.size });
      else if (still && !same(still.root, seenCp.root)) found('seenListedOther', { seenSize: seenCp.size });
      if (findings.length === before) result.seen = { size: seenCp.size, time: seenCp.time };
      progress({ step: 'seen', size: seenCp.size });
    }
    if (!source.entries) return result;

    // Every entry, without gaps, each hash its encoding's and each encoding
    // the event shown; the tree rebuilt as they come.
    const entries = [];
    const times = [];
    const tree = new Tree();
    for (let start = 0; start < latest.size;) {
      const end = Math.min(start + PAGE, latest.size);
      const page = await source.entries(start, end);
      if (!Array.isArray(page)) fail('listFormat');
      for (const e of page) {
        if (e.index !== tree.size) { found('entryMissing', { index: tree.size, next: e.index }); return result; }
        const given = hash32(e.leaf_hash);
        if (!given) { found('leafHashFormat', { index: e.index }); return result; }
        let time = null;
        if (e.leaf_input == null) {
          result.hidden++;
        } else {
          const bytes = fromBase64(e.leaf_input);
          if (!bytes) found('leafInputFormat', { index: e.index });
          else {
            if (!same(await leafHash(bytes), given)) found('leafHashWrong', { index: e.index });
            const decoded = decodeEntry(bytes);
            if (!decoded) found('encodingMalformed', { index: e.index });
            else if (!sameEvent(decoded, e.event)) found('eventNotEncoded', { index: e.index });
            else time = seconds(decoded.micros);
          }
        }
        entries.push(e);
        times.push(time);
        await tree.push(given);
      }
      start = end;
      result.entries = tree.size;
      progress({ step: 'entries', done: tree.size, total: latest.size });
    }
    if (tree.size !== latest.size) { found('entryCount', { count: tree.size, size: latest.size }); return result; }
    if (seenCp && (seenCp.size > tree.size || !same(await tree.rootAt(seenCp.size), seenCp.root))) {
      found('seenNotInEntries', { seenSize: seenCp.size });
      result.seen = null;
    }

    // Every checkpoint's root from the entries; where one differs, the
    // entries since the last good one are proved one by one against it.
    let good = 0;
    for (const cp of signed) {
      if (cp.size > tree.size) continue;
      if (same(await tree.rootAt(cp.size), cp.root)) { good = cp.size; continue; }
      let named = 0;
      for (let index = good; index < cp.size && named < MAX_NAMED; index++) {
        progress({ step: 'proofs', done: index - good + 1, total: cp.size - good });
        let path;
        try { path = hashes(await source.inclusion(index, cp.size)); } catch (e) {
          found('inclusionFailed', { index, cause: e instanceof AuditLogError ? cause(e) : { code: 'fetch', message: e.detail || e.message } });
          continue;
        }
        if (await verifyInclusion(index, cp.size, tree.leaf(index), path, cp.root)) continue;
        named++;
        const ev = entries[index].event;
        found(ev ? 'entryChanged' : 'hiddenEntryChanged', {
          index, size: cp.size, time: cp.time,
          ...(ev && { seq: ev.seq, action: ev.action, objectType: ev.object_type, objectId: ev.object_id }),
        });
      }
      if (named === 0) found('rootMismatch', { size: cp.size, time: cp.time, from: good });
      break; // later checkpoints would repeat the same finding
    }

    // Times: each entry joined the log at the first checkpoint covering it.
    let next = 0;
    let before = null;
    times.forEach((time, index) => {
      while (next < signed.length && signed[next].size <= index) before = signed[next++];
      const first = signed[next];
      if (time === null || !first) return;
      if (time > first.time + SKEW_SECONDS) found('entryAfterCheckpoint', { index, claimed: time, time: first.time });
      if (before && time < before.time - MAX_LAG_SECONDS) {
        found('entryBackdated', { index, claimed: time, size: before.size, time: before.time });
      }
    });
    progress({ step: 'times', done: times.length });

    // The platform's state on the record: every tender listed was created,
    // unless some entries are outside the reader's scope.
    if (!result.hidden) {
      const created = new Set(entries.filter((e) => e.event?.action === 'tender.create').map((e) => e.event.object_id));
      for (const id of tenders) if (!created.has(id)) found('tenderNotLogged', { id });
    }
    return result;
  }

  return {
    AuditLogError, Tree, leafHash, nodeHash, verifyInclusion, verifyConsistency,
    parseVkey, noteText, openNote, decodeEntry, rfc3339Micros, verify,
  };
})();
