// A supervisor verifies the platform's audit log on its web page (#/audit), in
// a real (headless) Chromium, against a running ggzy with demo data: a clean
// log verifies, entries and all, and the next run finds it consistent with the
// checkpoint the browser remembered; a row changed in the SQLite database is
// named with the checkpoint that signed it (and the log verifies again once
// the row is restored), and so is a checkpoint deleted from the chain of
// signed checkpoints; another key, pasted or pinned, stops the run and
// leaves nothing remembered; without a sign-in, what is public verifies and
// the page says the entries were not checked.
//
// Environment: GGZY_BASE (the server), GGZY_DB (its SQLite file, changed and
// restored here), GGZY_PKI (its demo PKI, `<data dir>/pki-demo`: the NNG
// supervisor's certificate and key sign in); CHROMIUM (default
// /usr/bin/chromium); GGZY_SCREENSHOT=/path/stem saves a picture of each
// run's end. For developing the page: GGZY_BASE may be the address of the
// portal's `npm run dev` (Vite serves the pages as edited and proxies the API).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, webcrypto } from 'node:crypto';
import { demoSupervisor, launch, need, watch } from './harness.mjs';

const base = need('GGZY_BASE', 'the server');
const db = need('GGZY_DB', 'its SQLite file');
const signIn = demoSupervisor(need('GGZY_PKI', 'its demo PKI'));

let browser;
let supervised; // the supervisor's browser profile, kept across the first tests
let published; // the log's key: {name, vkey}
let shots = 0;

before(async () => {
  browser = await launch();
  published = await (await fetch(`${base}/api/v1/audit/log/key`)).json();
  // The demo data's events have joined the log (the sequencer runs every second).
  for (let i = 0; ; i++) {
    const res = await fetch(`${base}/api/v1/audit/log/checkpoint`);
    if (res.ok && Number((await res.text()).split('\n')[1]) > 0) break;
    assert.ok(i < 50, 'the log has no checkpoint');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  supervised = await newContext();
});

after(async () => { await browser?.close(); });

// A fresh browser profile (nothing remembered), watched for script errors.
async function newContext(storage) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (storage) await context.addInitScript(([k, v]) => { if (!localStorage.getItem(k)) localStorage.setItem(k, v); }, storage);
  const page = await context.newPage();
  return { context, page, problems: watch(page) };
}

// One run of the page: open it, optionally paste a key and choose the
// supervisor's files, press Verify, and read the outcome.
async function verify(page, { vkey, supervisor: withSignIn = false } = {}) {
  await page.goto(`${base}/?lang=en#/audit`);
  await page.locator('form.audit-form').waitFor();
  if (vkey !== undefined) await page.fill('#audit-vkey', vkey);
  if (withSignIn) {
    await page.setInputFiles('#audit-cert', signIn.cert);
    await page.setInputFiles('#audit-key', signIn.key);
  }
  await page.locator('form.audit-form button[type=submit]').click();
  const outcome = page.locator('#audit-outcome[data-state]');
  await outcome.waitFor({ timeout: 120_000 });
  await page.locator('form.audit-form button[type=submit]:enabled').waitFor();
  const count = async (name) => {
    const node = page.locator(`#audit-outcome [data-count=${name}]`);
    return (await node.count()) ? (await node.textContent()).trim() : null;
  };
  const result = {
    state: await outcome.getAttribute('data-state'),
    text: (await outcome.textContent()).trim(),
    findings: await page.locator('#audit-findings li').allTextContents(),
    steps: await page.locator('#audit-steps li').allTextContents(),
    entries: await count('entries'), hidden: await count('hidden'), checkpoints: await count('checkpoints'),
    size: await count('size'), root: await count('root'),
    remembered: await page.evaluate((k) => localStorage.getItem(k), `ggzy.auditlog.${published.name}`),
    stored: await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ggzy.auditlog.'))),
  };
  if (process.env.GGZY_SCREENSHOT) await page.screenshot({ path: `${process.env.GGZY_SCREENSHOT}-${shots++}.png`, fullPage: true });
  console.log(JSON.stringify({ ...result, remembered: result.remembered && '…', text: result.text.slice(0, 300) }));
  return result;
}

// Another Ed25519 key under the log's name: a valid verifier key, not the log's.
async function otherVkey() {
  const pair = await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const raw = Buffer.from(await webcrypto.subtle.exportKey('raw', pair.publicKey));
  const id = createHash('sha256').update(published.name).update(Buffer.from([0x0a, 1])).update(raw).digest().subarray(0, 4);
  return `${published.name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`;
}

// One statement on the server's database; a parameter {hex} is a blob.
const sql = (query, ...params) => JSON.parse(execFileSync('python3', ['-c', `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
params = [bytes.fromhex(p["hex"]) if isinstance(p, dict) else p for p in json.loads(sys.argv[3])]
with db:
    rows = db.execute(sys.argv[2], params).fetchall()
print(json.dumps(rows))
`, db, query, JSON.stringify(params)], { encoding: 'utf8' }));

test('a supervisor verifies the clean log, entries and all; the browser pins the key and remembers the checkpoint', async () => {
  const r = await verify(supervised.page, { supervisor: true });
  assert.equal(r.state, 'ok', r.text);
  assert.deepEqual(r.findings, []);
  assert.ok(Number(r.entries) > 0 && Number(r.checkpoints) > 0 && Number(r.size) > 0, JSON.stringify(r));
  assert.equal(Number(r.entries), Number(r.size));
  assert.match(r.hidden, /^\d+$/);
  assert.match(r.root, /^[A-Za-z0-9+/]{43}=$/);
  assert.match(r.steps[0], /^Signed in as /);
  assert.equal(r.steps.at(-1), 'Signed out.');
  assert.match(r.text, /had not verified this log before/);
  const memory = JSON.parse(r.remembered);
  assert.equal(memory.vkey, published.vkey);
  assert.match(memory.checkpoint, new RegExp(`^${published.name.replace(/[.]/g, '\\.')}\\n${r.size}\\n`));
  assert.deepEqual(supervised.problems, []);
});

test('the next run finds the log consistent with the checkpoint this browser saw', async () => {
  const seen = JSON.parse(await supervised.page.evaluate((k) => localStorage.getItem(k), `ggzy.auditlog.${published.name}`));
  const r = await verify(supervised.page, { supervisor: true });
  assert.equal(await supervised.page.inputValue('#audit-vkey'), published.vkey, 'the pinned key is filled in');
  assert.equal(r.state, 'ok', r.text);
  const size = seen.checkpoint.split('\n')[1];
  assert.match(r.text, new RegExp(`Consistent with the checkpoint this browser saw on .+ \\(${size} entries\\)`));
  assert.deepEqual(supervised.problems, []);
});

test('an event changed in the database is named with the checkpoint that signed it; restored, the log verifies again', async () => {
  // An entry of an NNG tender, which the NNG supervisor reads in full.
  const [[index, seq, objectId]] = sql(`SELECT e.leaf_index, e.seq, e.object_id FROM audit_events e
    JOIN tenders t ON t.id = e.tender_id WHERE e.leaf_index IS NOT NULL AND t.league_code = 'NNG'
    ORDER BY e.leaf_index LIMIT 1`);
  const before = await supervised.page.evaluate((k) => localStorage.getItem(k), `ggzy.auditlog.${published.name}`);
  sql('UPDATE audit_events SET object_id = ? WHERE leaf_index = ?', `${objectId}-tampered`, index);
  let r;
  try {
    r = await verify(supervised.page, { supervisor: true });
  } finally {
    sql('UPDATE audit_events SET object_id = ? WHERE leaf_index = ?', objectId, index);
  }
  assert.equal(r.state, 'failed', r.text);
  const named = r.findings.filter((f) => f.startsWith(`The entry at log position ${index} (event #${seq},`));
  assert.equal(named.length, 1, JSON.stringify(r.findings));
  assert.match(named[0], new RegExp(`on \\S+ ${objectId}-tampered\\) is not what the checkpoint of \\d+ entries \\(signed .+\\) signed: changed in the database`));
  assert.equal(r.remembered, before, 'a failed run remembers nothing');
  const again = await verify(supervised.page, { supervisor: true });
  assert.equal(again.state, 'ok', again.text);
  assert.deepEqual(supervised.problems, []);
});

test('a checkpoint deleted from the database breaks the chain of signed checkpoints', async (t) => {
  // The first checkpoint the next one names (its prev line), and its neighbours.
  const chained = sql(`SELECT a.tree_size, lower(hex(a.root_hash)), a.signed_at, a.note,
      (SELECT max(tree_size) FROM audit_checkpoints WHERE tree_size < a.tree_size),
      (SELECT min(tree_size) FROM audit_checkpoints WHERE tree_size > a.tree_size)
    FROM audit_checkpoints a WHERE EXISTS (SELECT 1 FROM audit_checkpoints b
      WHERE b.note LIKE '%' || char(10) || 'prev ' || a.tree_size || ' %') ORDER BY a.tree_size LIMIT 1`);
  assert.ok(chained.length, 'the server signs prev lines: a checkpoint names the one before it');
  const [[size, root, signedAt, note, before, next]] = chained;
  const fresh = await newContext();
  sql('DELETE FROM audit_checkpoints WHERE tree_size = ?', size);
  let r;
  try {
    r = await verify(fresh.page);
  } finally {
    sql('INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, note) VALUES (?, ?, ?, ?)', size, { hex: root }, signedAt, note);
  }
  assert.equal(r.state, 'failed', r.text);
  assert.deepEqual(r.findings, [`Checkpoint(s) between size ${before ?? 0} and ${next} are missing: deleted?`]);
  assert.deepEqual(r.stored, []);
  assert.equal((await verify(fresh.page)).state, 'ok');
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
});

test('another key, pasted or pinned, stops the run and nothing is remembered', async () => {
  const wrong = await otherVkey();
  const fresh = await newContext();
  let r = await verify(fresh.page, { vkey: wrong });
  assert.equal(r.state, 'failed', r.text);
  assert.deepEqual(r.findings, [`The log's key is not the one you gave: given ${wrong}, published ${published.vkey}.`]);
  assert.deepEqual(r.stored, []);
  assert.equal(r.checkpoints, null, 'no checkpoint was checked');
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
  // A browser that pinned another key: the field shows it, the run stops.
  const pinned = JSON.stringify({ vkey: wrong, pinned_at: '2026-01-02T03:04:05Z', checkpoint: `${published.name}\n1\n\n`, seen_at: '2026-01-02T03:04:05Z' });
  const other = await newContext([`ggzy.auditlog.${published.name}`, pinned]);
  r = await verify(other.page);
  assert.equal(await other.page.inputValue('#audit-vkey'), wrong);
  assert.equal(r.state, 'failed', r.text);
  assert.equal(r.findings.length, 1);
  assert.match(r.findings[0], /^The log's key is not the one this browser pinned: /);
  assert.equal(r.remembered, pinned);
  assert.deepEqual(other.problems, []);
  await other.context.close();
});

test('without a sign-in the checkpoints verify and the page says the entries were not checked', async () => {
  const fresh = await newContext();
  const r = await verify(fresh.page);
  assert.equal(r.state, 'ok', r.text);
  assert.ok(Number(r.checkpoints) > 0 && Number(r.size) > 0, JSON.stringify(r));
  assert.equal(r.entries, 'not checked');
  assert.equal(r.hidden, null);
  assert.match(await fresh.page.locator('#audit-not-checked').textContent(), /^The entries were not checked: that needs a supervisor's sign-in\./);
  assert.ok(!r.steps.some((s) => s.startsWith('Signed in')));
  assert.equal(JSON.parse(r.remembered).vkey, published.vkey);
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
});
