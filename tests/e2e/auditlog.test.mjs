// The audit-log verifier of the web page (frontend/src/lib/auditlog.js), in Node
// without a browser: its Merkle code against RFC 6962's reference vectors, its
// note reader against the C2SP signed-note example, the entry encoding, and
// the whole check over synthetic logs made here (a key of our own, notes
// signed here, proofs built here by RFC 6962's definitions with node:crypto):
// clean and legacy (unchained) logs pass; deleted, unchained or re-rooted
// checkpoints, changed, missing or backdated entries, another key, a
// rewritten history and a tender without its creation are each found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import { GgzyAuditLog as L } from '../../frontend/src/lib/auditlog.js';

// ---------- references, independent of the library ----------
const sha = (...parts) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return new Uint8Array(h.digest()); };
const leaf = (input) => sha(Uint8Array.of(0), input);
const node = (l, r) => sha(Uint8Array.of(1), l, r);
const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
const mth = (leaves) => (leaves.length === 0 ? sha(new Uint8Array(0)) : leaves.length === 1 ? leaves[0]
  : node(mth(leaves.slice(0, split(leaves.length))), mth(leaves.slice(split(leaves.length)))));
function path(m, leaves) { // RFC 6962 §2.1.1 PATH(m, D[n])
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
function subproof(m, leaves, whole) { // RFC 6962 §2.1.2 SUBPROOF(m, D[n], b)
  const n = leaves.length;
  if (m === n) return whole ? [] : [mth(leaves)];
  const k = split(n);
  return m <= k ? [...subproof(m, leaves.slice(0, k), whole), mth(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}
const fromHex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b) => Buffer.from(b).toString('hex');
const b64 = (b) => Buffer.from(b).toString('base64');
const flip = (b, at = 0) => { const c = Uint8Array.from(b); c[at % c.length] ^= 1; return c; };

// RFC 6962 reference tree (certificate-transparency test data).
const KAT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const KAT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const KAT_INCLUSION = [
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];
const KAT_CONSISTENCY = [
  [2, 8, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

test('the tree gives RFC 6962 reference roots at every prefix, pushed leaf by leaf', async () => {
  const tree = new L.Tree();
  const leaves = [];
  for (const x of KAT_LEAVES) {
    const h = await L.leafHash(fromHex(x));
    assert.equal(toHex(h), toHex(leaf(fromHex(x))));
    leaves.push(h);
    await tree.push(h);
  }
  for (let n = 0; n <= 8; n++) assert.equal(toHex(await tree.rootAt(n)), KAT_ROOTS[n], `root of ${n}`);
  // Larger trees against the definition.
  const many = Array.from({ length: 70 }, (_, i) => leaf(Uint8Array.of(i)));
  const big = new L.Tree();
  for (const h of many) await big.push(h);
  for (const n of [9, 13, 16, 31, 32, 33, 64, 70]) assert.equal(toHex(await big.rootAt(n)), toHex(mth(many.slice(0, n))), `root of ${n}`);
  await assert.rejects(big.rootAt(71));
});

test('RFC 9162 inclusion and consistency verification: reference proofs pass, altered ones do not', async () => {
  const leaves = KAT_LEAVES.map((x) => leaf(fromHex(x)));
  const roots = KAT_ROOTS.map(fromHex);
  for (const [index, size, proof] of KAT_INCLUSION) {
    const p = proof.map(fromHex);
    assert.ok(await L.verifyInclusion(index, size, leaves[index], p, roots[size]));
    for (let i = 0; i < p.length; i++) assert.ok(!await L.verifyInclusion(index, size, leaves[index], p.map((x, j) => (j === i ? flip(x, i) : x)), roots[size]));
    assert.ok(!await L.verifyInclusion(index ^ 1, size, leaves[index], p, roots[size]));
    assert.ok(!await L.verifyInclusion(index, size + 1, leaves[index], p, roots[size]));
    assert.ok(!await L.verifyInclusion(size, size, leaves[index], p, roots[size]));
    assert.ok(!await L.verifyInclusion(index, size, leaves[index], p.slice(0, -1), roots[size]));
    assert.ok(!await L.verifyInclusion(index, size, leaves[index], [...p, roots[0]], roots[size]));
    assert.ok(!await L.verifyInclusion(index, size, flip(leaves[index]), p, roots[size]));
  }
  for (const [first, second, proof] of KAT_CONSISTENCY) {
    const p = proof.map(fromHex);
    assert.ok(await L.verifyConsistency(first, second, roots[first], roots[second], p));
    for (let i = 0; i < p.length; i++) assert.ok(!await L.verifyConsistency(first, second, roots[first], roots[second], p.map((x, j) => (j === i ? flip(x, 31) : x))));
    assert.ok(!await L.verifyConsistency(first, second, flip(roots[first]), roots[second], p));
    assert.ok(!await L.verifyConsistency(first, second, roots[first], flip(roots[second]), p));
    assert.ok(!await L.verifyConsistency(first, second, roots[first], roots[second], p.slice(0, -1)));
    assert.ok(!await L.verifyConsistency(first - 1, second, roots[first - 1], roots[second], p));
  }
  assert.ok(await L.verifyConsistency(4, 4, roots[4], roots[4], []));
  assert.ok(!await L.verifyConsistency(4, 4, roots[4], roots[5], []));
  assert.ok(!await L.verifyConsistency(5, 4, roots[5], roots[4], []));
  // Every pair of a larger tree, proofs by the definition.
  const many = Array.from({ length: 23 }, (_, i) => leaf(Uint8Array.of(i, 7)));
  for (let second = 1; second <= many.length; second++) {
    const part = many.slice(0, second);
    for (let first = 1; first < second; first++) {
      assert.ok(await L.verifyConsistency(first, second, mth(many.slice(0, first)), mth(part), subproof(first, part, true)), `${first} -> ${second}`);
    }
    for (let i = 0; i < second; i++) assert.ok(await L.verifyInclusion(i, second, many[i], path(i, part), mth(part)), `${i} in ${second}`);
  }
});

test('the C2SP signed-note example verifies with its vkey; a changed text or key does not', async () => {
  const vkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const note = `${text}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
  const verifier = await L.parseVkey(vkey);
  assert.equal(verifier.name, 'PeterNeumann');
  assert.equal(verifier.id, 'c74f20a3');
  assert.equal(await L.noteText(note, verifier), text);
  const code = async (p) => p.then(() => 'ok', (e) => e.code);
  assert.equal(await code(L.noteText(note.replace('cryptography', 'Cryptography'), verifier)), 'badSignature');
  assert.equal(await code(L.noteText(note.replace('\u2014', '-'), verifier)), 'noteFormat');
  assert.equal(await code(L.noteText(text, verifier)), 'noteFormat');
  // A note not checkpoint-shaped is refused after its signature passed.
  assert.equal(await code(L.openNote(note, verifier)), 'checkpointFormat');
  // Verifier keys: a wrong id, another type, a malformed string.
  assert.equal(await code(L.parseVkey(vkey.replace('c74f20a3', 'c74f20a4'))), 'vkeyId');
  assert.equal(await code(L.parseVkey('PeterNeumann+c74f20a3+AhpjZQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')), 'vkeyType');
  for (const bad of ['', 'PeterNeumann', 'Peter Neumann+c74f20a3+ARpc', 'PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T']) {
    assert.equal(await code(L.parseVkey(bad)), 'vkeyFormat', bad);
  }
  // Another key of the same name: its id differs, so the note is unsigned for it.
  const other = await makeKey('PeterNeumann');
  assert.equal(await code(L.noteText(note, await L.parseVkey(other.vkey))), 'unsigned');
});

// ---------- entries ----------
const FIELDS = ['actor_id', 'actor_role', 'action', 'object_type', 'object_id', 'tender_id', 'client_addr', 'request_id', 'payload_sha256'];
function encode(e) { // src/audit/entry.rs, written out again here
  const parts = [Uint8Array.of(1)];
  const head = new DataView(new ArrayBuffer(16));
  head.setBigUint64(0, BigInt(e.seq));
  head.setBigInt64(8, e.micros);
  parts.push(new Uint8Array(head.buffer));
  for (const f of FIELDS) {
    if (e[f] == null) { parts.push(Uint8Array.of(0)); continue; }
    const bytes = new TextEncoder().encode(e[f]);
    const len = new DataView(new ArrayBuffer(4));
    len.setUint32(0, bytes.length);
    parts.push(Uint8Array.of(1), new Uint8Array(len.buffer), bytes);
  }
  return Uint8Array.from(Buffer.concat(parts));
}
function isoMicros(micros) {
  const ms = Number(micros / 1000n);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${String(micros % 1000000n).padStart(6, '0')}Z`);
}

test('the entry encoding is read back as src/audit/entry.rs writes it; malformed ones are refused', () => {
  const e = { seq: 42, micros: 1795000000123456n, actor_id: 'u-1', actor_role: 'tenderer', action: 'tender.create', object_type: 'tender',
    object_id: 't-1', tender_id: 't-1', client_addr: null, request_id: 'r', payload_sha256: 'ab' };
  const bytes = encode(e);
  // The fixed layout (entry.rs's own test).
  assert.equal(toHex(bytes.slice(0, 17)), '01000000000000002a0006608b01611240');
  assert.equal(toHex(bytes.slice(17, 25)), '0100000003752d31');
  const decoded = L.decodeEntry(bytes);
  assert.deepEqual(decoded, { ...e, seq: 42n });
  for (let cut = 0; cut < bytes.length; cut++) assert.equal(L.decodeEntry(bytes.slice(0, cut)), null, `cut at ${cut}`);
  assert.equal(L.decodeEntry(Uint8Array.from([...bytes, 0])), null);
  assert.equal(L.decodeEntry(Uint8Array.from([2, ...bytes.slice(1)])), null);
  assert.equal(L.decodeEntry(encode({ ...e, action: null })), null, 'a required field absent');
  const badUtf8 = encode({ ...e, payload_sha256: 'a' });
  badUtf8[badUtf8.length - 1] = 0xff;
  assert.equal(L.decodeEntry(badUtf8), null);
  // Times with microseconds, which Date alone would lose.
  assert.equal(L.rfc3339Micros('1970-01-01T00:00:00.000001Z'), 1n);
  assert.equal(L.rfc3339Micros('2026-11-23T08:00:00Z'), 1795420800000000n);
  assert.equal(L.rfc3339Micros(isoMicros(1795000000123456n)), 1795000000123456n);
  assert.equal(L.rfc3339Micros('2026-11-23T08:00:00.123456789Z'), null);
  assert.equal(L.rfc3339Micros('2026-11-23T08:00:00.123456000Z'), 1795420800123456n);
  assert.equal(L.rfc3339Micros('2026-02-30T08:00:00Z'), null);
  assert.equal(L.rfc3339Micros('2026-11-23T08:00:00+08:00'), null);
});

// ---------- synthetic logs ----------
async function makeKey(name) {
  const pair = await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const raw = new Uint8Array(await webcrypto.subtle.exportKey('raw', pair.publicKey));
  const id = sha(new TextEncoder().encode(name), Uint8Array.of(0x0a, 1), raw).slice(0, 4);
  return { name, id, vkey: `${name}+${toHex(id)}+${b64(Uint8Array.of(1, ...raw))}`, private: pair.privateKey };
}
async function sign(key, body) {
  const sig = new Uint8Array(await webcrypto.subtle.sign('Ed25519', key.private, new TextEncoder().encode(body)));
  return `${body}\n\u2014 ${key.name} ${b64(Uint8Array.of(...key.id, ...sig))}\n`;
}

const T0 = 1795000000;
// A log of `n` events, one a second, with a checkpoint signed after each
// size in `sizes`; checkpoints from index `chainFrom` on carry `prev` lines.
async function makeLog({ key, n = 30, sizes = [4, 9, 16, 17, 25, 30], chainFrom = 0, tenders = 3 } = {}) {
  const events = Array.from({ length: n }, (_, i) => ({
    seq: i + 1, micros: BigInt(T0 + i) * 1000000n + 250n, actor_id: `u-${i % 4}`, actor_role: i % 2 ? 'tenderer' : 'operator',
    action: i < tenders ? 'tender.create' : 'tender.update', object_type: 'tender', object_id: `t-${i % tenders}`,
    tender_id: `t-${i % tenders}`, client_addr: i % 3 ? '10.0.0.1' : null, request_id: `r-${i}`, payload_sha256: 'ab'.repeat(32),
  }));
  const leaves = events.map((e) => leaf(encode(e)));
  const checkpoints = [];
  for (const [k, size] of sizes.entries()) {
    const root = mth(leaves.slice(0, size));
    const prev = k >= chainFrom && k > 0 ? `prev ${sizes[k - 1]} ${b64(mth(leaves.slice(0, sizes[k - 1])))}\n` : '';
    const time = T0 + size; // signed a second after its last entry
    const note = await sign(key, `${key.name}\n${size}\n${b64(root)}\ntime ${time}\n${prev}`);
    checkpoints.push({ tree_size: size, root_hash: b64(root), time: new Date(time * 1000).toISOString(), note });
  }
  return { key, events, leaves, checkpoints, tenders: Array.from({ length: tenders }, (_, i) => `t-${i}`) };
}
// The API over a log: what the database holds now (`events`, possibly
// changed) and what was signed (`leaves`, from which proofs are made).
function source(log, { signedIn = true, events = log.events, checkpoints = log.checkpoints } = {}) {
  const latest = checkpoints.at(-1);
  const served = events.map((e, index) => e && ({
    index, leaf_hash: b64(leaf(encode(e))), leaf_input: b64(encode(e)),
    event: { ...Object.fromEntries(FIELDS.map((f) => [f, e[f]])), seq: e.seq, occurred_at: isoMicros(e.micros) },
  })).filter(Boolean);
  const api = {
    key: async () => ({ name: log.key.name, vkey: log.key.vkey }),
    checkpoint: async () => latest.note,
    checkpoints: async (from, limit) => checkpoints.filter((c) => c.tree_size >= from).slice(0, limit),
    consistency: async (first, second) => subproof(first, log.leaves.slice(0, second), true).map(b64),
    inclusion: async (index, size) => path(index, log.leaves.slice(0, size)).map(b64),
  };
  if (signedIn) {
    api.entries = async (start, end) => served.filter((e) => e.index >= start && e.index < end);
    api.tenders = async (page) => log.tenders.slice((page - 1) * 100, page * 100);
  }
  return api;
}
const run = (src, options = {}, progress = undefined) => L.verify(src, { settle: 0, ...options }, progress);
const codes = (result) => result.findings.map((f) => f.code);

test('a clean chained log, and one whose first checkpoints are unchained, verify', async () => {
  const key = await makeKey('ggzy.test/audit-log');
  for (const chainFrom of [0, 3, 99]) {
    const log = await makeLog({ key, chainFrom });
    const steps = new Set();
    const r = await run(source(log), { given: key.vkey }, (p) => steps.add(p.step));
    assert.deepEqual(r.findings, [], `chained from ${chainFrom}`);
    assert.equal(r.size, 30);
    assert.equal(r.entries, 30);
    assert.equal(r.hidden, 0);
    assert.equal(r.checkpoints, 6);
    assert.equal(r.latest.root, log.checkpoints.at(-1).root_hash);
    assert.equal(r.latest.time, T0 + 30);
    assert.deepEqual(r.key, { name: key.name, id: toHex(key.id), vkey: key.vkey });
    assert.deepEqual([...steps], ['tenders', 'settle', 'key', 'latest', 'checkpoints', 'entries', 'times']);
  }
});

test('checkpoints deleted from the chain, or out of it, are found', async () => {
  const key = await makeKey('ggzy.test/audit-log');
  const log = await makeLog({ key });
  const without = (size) => log.checkpoints.filter((c) => c.tree_size !== size);
  let r = await run(source(log, { checkpoints: without(16) }));
  assert.deepEqual(r.findings, [{ code: 'checkpointsMissing', from: 9, to: 17 }]);
  r = await run(source(log, { checkpoints: without(4) }));
  assert.deepEqual(r.findings, [{ code: 'checkpointsMissing', from: 0, to: 9 }]);
  // An older log's start is unchained; a checkpoint without `prev` after
  // chained ones is not tolerated.
  const mixed = [...log.checkpoints];
  mixed[4] = { ...mixed[4], note: await sign(key, `${key.name}\n25\n${mixed[4].root_hash}\ntime ${T0 + 25}\n`) };
  r = await run(source(log, { checkpoints: mixed }));
  assert.deepEqual(r.findings, [{ code: 'chainBroken', size: 25 }]);
  // A `prev` naming another root than the listed one's: another history.
  const forked = [...log.checkpoints];
  forked[3] = { ...forked[3], note: await sign(key, `${key.name}\n17\n${forked[3].root_hash}\ntime ${T0 + 17}\nprev 16 ${b64(flip(fromHex(KAT_ROOTS[8])))}\n`) };
  r = await run(source(log, { checkpoints: forked }));
  assert.deepEqual(r.findings, [{ code: 'prevRoot', size: 17, prevSize: 16 }]);
  // A checkpoint listed that the next one does not name as its predecessor.
  const extra = await sign(key, `${key.name}\n12\n${b64(mth(log.leaves.slice(0, 12)))}\ntime ${T0 + 12}\n${`prev 9 ${log.checkpoints[1].root_hash}\n`}`);
  const inserted = [...log.checkpoints.slice(0, 2), { tree_size: 12, root_hash: b64(mth(log.leaves.slice(0, 12))), note: extra }, ...log.checkpoints.slice(2)];
  r = await run(source(log, { checkpoints: inserted }));
  assert.deepEqual(r.findings, [{ code: 'notChained', size: 16, prevSize: 9, beforeSize: 12 }]);
  // Unknown extension lines are passed over.
  const extended = [...log.checkpoints];
  extended[2] = { ...extended[2], note: await sign(key, `${key.name}\n16\n${extended[2].root_hash}\ntime ${T0 + 16}\nprev 9 ${log.checkpoints[1].root_hash}\nwitness x\n`) };
  assert.deepEqual((await run(source(log, { checkpoints: extended }))).findings, []);
});

test('a changed entry is named with the checkpoint that signed it; a missing or backdated one is found', async () => {
  const key = await makeKey('ggzy.test/audit-log');
  const log = await makeLog({ key });
  const changed = log.events.map((e, i) => (i === 11 ? { ...e, object_id: 't-x' } : e));
  let r = await run(source(log, { events: changed }));
  assert.deepEqual(r.findings, [{ code: 'entryChanged', index: 11, size: 16, time: T0 + 16, seq: 12, action: 'tender.update', objectType: 'tender', objectId: 't-x' }]);
  // A checkpoint seen before that covers the entry: the public proof holds,
  // the entries do not, so the page claims no consistency.
  r = await run(source(log, { events: changed }), { seen: log.checkpoints[3].note });
  assert.deepEqual(codes(r), ['seenNotInEntries', 'entryChanged']);
  assert.equal(r.seen, null);
  // Outside the reader's scope the entry is a hash only, and still named.
  const src = source(log, { events: changed });
  const entries = src.entries;
  src.entries = async (s, e) => (await entries(s, e)).map((x) => (x.index === 11 ? { ...x, leaf_input: null, event: null } : x));
  r = await run(src);
  assert.deepEqual(r.findings, [{ code: 'hiddenEntryChanged', index: 11, size: 16, time: T0 + 16 }]);
  assert.equal(r.hidden, 1);
  r = await run(source(log, { events: log.events.map((e, i) => (i === 20 ? null : e)) }));
  assert.deepEqual(r.findings, [{ code: 'entryMissing', index: 20, next: 21 }]);
  // An event shown unlike its encoding.
  const shown = source(log);
  const all = shown.entries;
  shown.entries = async (s, e) => (await all(s, e)).map((x) => (x.index === 3 ? { ...x, event: { ...x.event, action: 'tender.delete' } } : x));
  assert.deepEqual((await run(shown)).findings, [{ code: 'eventNotEncoded', index: 3 }]);
  // Times: an entry claiming a time long before the checkpoint it joined after.
  const back = await makeLog({ key });
  back.events[20] = { ...back.events[20], micros: BigInt(T0 - 4000) * 1000000n };
  back.leaves[20] = leaf(encode(back.events[20]));
  for (const [k, c] of back.checkpoints.entries()) {
    const before = back.checkpoints[k - 1]?.tree_size;
    const prev = k ? `prev ${before} ${b64(mth(back.leaves.slice(0, before)))}\n` : '';
    const root = b64(mth(back.leaves.slice(0, c.tree_size)));
    back.checkpoints[k] = { ...c, root_hash: root, note: await sign(key, `${key.name}\n${c.tree_size}\n${root}\ntime ${T0 + c.tree_size}\n${prev}`) };
  }
  r = await run(source(back));
  assert.deepEqual(r.findings, [{ code: 'entryBackdated', index: 20, claimed: T0 - 4000, size: 17, time: T0 + 17 }]);
});

test('keys: another key, given or pinned, stops the run; a remembered checkpoint must still be extended', async () => {
  const key = await makeKey('ggzy.test/audit-log');
  const other = await makeKey('ggzy.test/audit-log');
  const log = await makeLog({ key });
  let r = await run(source(log), { given: other.vkey });
  assert.deepEqual(r.findings, [{ code: 'keyNotGiven', given: other.vkey, published: key.vkey }]);
  assert.equal(r.latest, null);
  r = await run(source(log), { pinned: other.vkey, given: other.vkey });
  assert.deepEqual(codes(r), ['keyNotPinned']);
  r = await run(source(log), { given: 'not a key' });
  assert.deepEqual(r.findings, [{ code: 'givenKeyInvalid', cause: { code: 'vkeyFormat' } }]);
  // The checkpoint seen last time (size 16): consistent, and still listed.
  const seen = log.checkpoints[2].note;
  r = await run(source(log, { signedIn: false }), { pinned: key.vkey, seen });
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.seen, { size: 16, time: T0 + 16 });
  assert.equal(r.entriesChecked, false);
  // A history rewritten and re-signed by the same key: the remembered
  // checkpoint no longer fits, whether or not entries are read.
  const rewritten = await makeLog({ key, tenders: 2 });
  for (const signedIn of [false, true]) {
    r = await run(source(rewritten, { signedIn }), { pinned: key.vkey, seen });
    assert.deepEqual(codes(r).slice(0, 2), ['rewritten', 'seenListedOther'], `signed in: ${signedIn}`);
    assert.equal(r.seen, null);
  }
  // Deleted from the listing.
  r = await run(source(log, { signedIn: false, checkpoints: log.checkpoints.filter((c) => c.tree_size !== 16) }), { pinned: key.vkey, seen });
  assert.deepEqual(codes(r), ['checkpointsMissing', 'seenNotListed']);
});

test('every tender listed has its creation on the record, unless entries are hidden', async () => {
  const key = await makeKey('ggzy.test/audit-log');
  const log = await makeLog({ key });
  log.tenders.push('t-9');
  assert.deepEqual((await run(source(log))).findings, [{ code: 'tenderNotLogged', id: 't-9' }]);
  const src = source(log);
  const entries = src.entries;
  src.entries = async (s, e) => (await entries(s, e)).map((x) => (x.index === 5 ? { ...x, leaf_input: null, event: null } : x));
  assert.deepEqual((await run(src)).findings, []);
});
