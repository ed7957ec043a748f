// The committee draw replayed in the tender's timeline (#/supervision/tenders/:id),
// in a real (headless) Chromium against a running ggzy with demo data, and
// compared with `ggzy draw verify` on the same record:
//
// - the finished demo tender's draw: every check in the page holds, and the
//   checks that hold are exactly the lines `ggzy draw verify --url` prints
//   "ok" for, with no finding on either side;
// - the same record tampered on its way to the page (page.route): a seated
//   expert swapped for the reserve, another seed, an expert said to be
//   excluded who was eligible: the specific check fails and says what
//   differs, and `ggzy draw verify --record` on the same tampered record
//   finds as many problems and passes the same checks;
// - a record made by the independent Python replay
//   (tests/independent/draw_replay.py, `synthetic_record`: every avoidance
//   rule, two quotas, a cross-site share, two replacements), served in the
//   demo tender's place: the page's replay agrees with the Python that made
//   it and with `ggzy draw verify` (its seats, exclusions and reserves), and
//   says it is not this tender's and not in this log; then without one
//   bidder, with a representative the rules do not hold, and with a
//   snapshot serde cannot read (a key twice);
// - the record as served before the opening (bidders sealed): the seed
//   checks, the rest waits for the opening.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder: the demo
// keys under pki-demo), GGZY_BIN (the ggzy binary, default
// ../../target/debug/ggzy), GGZY_PYTHON (default python3: the standard
// library is enough); CHROMIUM (default /usr/bin/chromium); GGZY_SCREENSHOTS=dir
// saves pictures of the replay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, demoSupervisor, launch, need, watch } from './harness.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder');
const python = process.env.GGZY_PYTHON ?? 'python3';
const independent = new URL('../independent/', import.meta.url).pathname;
const supervisor = demoSupervisor(path.join(data, 'pki-demo'));
const shots = process.env.GGZY_SCREENSHOTS;
if (shots) mkdirSync(shots, { recursive: true });
const work = mkdtempSync(path.join(os.tmpdir(), 'ggzy-draw-replay-'));

let browser, page, token, tender, record, vkey;
const problems = [];

before(async () => {
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  watch(page, problems, { aborted: false, responses: true });
  await page.goto(`${base}/#/sign-in?next=%2Fsupervision`);
  await page.setInputFiles('#signin-cert', supervisor.cert);
  await page.setInputFiles('#signin-key', supervisor.key);
  await page.click('#signin-submit');
  await page.waitForURL(/#\/supervision/);
  token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  vkey = (await (await fetch(`${base}/api/v1/audit/log/key`)).json()).vkey;
  // The demo's finished procedure: drawn, and opened, so its record replays.
  for (let i = 0; i < 240 && !record; i++) {
    const list = await (await fetch(`${base}/api/v1/tenders?per_page=100&league=NNG`)).json();
    for (const t of list.items) {
      const res = await fetch(`${base}/api/v1/tenders/${t.id}/committee/draw-record`, { headers: { Authorization: `Bearer ${token}` } });
      const body = res.status === 200 ? await res.json() : null;
      if (body && !body.bidders_sealed && body.drawn_index !== null) { tender = t; record = body; break; }
    }
    if (!record) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(record, 'the demo\'s finished tender has a drawn committee whose record replays');
});

after(async () => browser?.close());

/** The page's checks, as the list shows them. */
async function pageChecks() {
  await page.locator('#draw-verified:not([data-verdict=verifying])').waitFor({ timeout: 60_000 });
  return page.locator('[data-check]').evaluateAll((items) => items.map((li) => ({
    id: li.dataset.check, state: li.dataset.state, cli: li.dataset.cli || null, pageOnly: li.dataset.pageOnly === 'true',
    part: li.closest('[data-part]').dataset.part, text: li.textContent.replace(/\s+/g, ' ').trim(),
    diff: li.querySelector('[data-diff]')?.textContent ?? null,
  })));
}

/** Opens the timeline with the draw record as `change` makes it (null: as served). */
async function openWith(change) {
  await page.unroute('**/committee/draw-record');
  if (change) {
    await page.route('**/committee/draw-record', async (route) => {
      const res = await route.fetch();
      const served = await res.json();
      await route.fulfill({ response: res, json: change(structuredClone(served)) });
    });
  }
  // A fresh document each time (a change of the hash alone keeps the page as it was).
  await page.goto('about:blank');
  await page.goto(`${base}/#/supervision/tenders/${tender.id}`);
  return pageChecks();
}

/** `ggzy draw verify` with `args`: the checks it prints ok, and its findings. */
function cli(args) {
  const run = spawnSync(bin, ['draw', 'verify', ...args], { env: { ...process.env, GGZY_TOKEN: token, GGZY_LOG: 'error' }, encoding: 'utf8' });
  const lines = run.stdout.split('\n');
  const ok = lines.filter((l) => l.startsWith('  ok  ')).map((l) => l.slice(6));
  const bad = lines.filter((l) => l.startsWith('  BAD ')).map((l) => l.slice(6));
  assert.equal(run.status, bad.length ? 1 : 0, run.stdout + run.stderr);
  return { ok, bad, stdout: run.stdout };
}

/** The same record through `ggzy draw verify --record` (offline: the record and the log's key). */
function cliOffline(rec, name) {
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(rec));
  return cli(['--record', file, '--vkey', vkey]);
}

/**
 * The page and the CLI agree: the checks that hold in the page are the ones
 * the CLI prints ok, and the page fails as many checks as the CLI has
 * findings (the page's own checks aside). `parts` limits the page to the
 * offline checks when the CLI ran offline.
 */
function agree(checks, run, parts = ['record', 'replay', 'log']) {
  const mine = checks.filter((c) => parts.includes(c.part) && !c.pageOnly);
  assert.deepEqual(mine.filter((c) => c.state === 'ok').map((c) => c.cli).sort(), [...run.ok].sort(), run.stdout);
  assert.equal(mine.filter((c) => c.state === 'bad').length, run.bad.length, `${run.stdout}\n${JSON.stringify(mine.filter((c) => c.state === 'bad'), null, 1)}`);
}

const by = (checks, id) => checks.find((c) => c.id === id) ?? assert.fail(`no check ${id} in ${checks.map((c) => c.id)}`);
const failing = (checks) => checks.filter((c) => c.state !== 'ok').map((c) => c.id).sort();

test('the demo\'s draw replays in the page, check for check as ggzy draw verify replays it', async () => {
  const checks = await openWith(null);
  assert.deepEqual(failing(checks), [], JSON.stringify(checks, null, 1));
  assert.equal(await page.locator('#draw-verified').getAttribute('data-verified'), 'true');
  // The whole replay, not only the hashing: eligibility, seats, reserves, replacements, the log.
  for (const id of ['seed', 'exclusions', 'committee', 'reserves', 'committeeNow', 'representatives', 'signature',
    'headLast', 'included', 'entry-draw.committed', 'entry-draw.contributed', 'entry-draw.drawn']) {
    assert.equal(by(checks, id).state, 'ok', id);
  }
  const run = cli(['--url', base, '--tender', tender.id]);
  assert.deepEqual(run.bad, []);
  agree(checks, run);
  // Every expert of the snapshot is in the replay's table, the seated ones as in the record.
  const snapshot = JSON.parse(record.snapshot);
  await page.locator('.replay-rows summary').click();
  const rows = await page.locator('[data-testid=draw-replay] tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.expert, tr.dataset.outcome]));
  assert.deepEqual(rows.map(([id]) => id).sort(), snapshot.experts.map((e) => e.id).sort());
  assert.deepEqual(rows.filter(([, o]) => o === 'seated').map(([id]) => id), record.drawn.committee.map((s) => s.expert));
  assert.deepEqual(rows.filter(([, o]) => o === 'reserve').map(([id]) => id), record.drawn.reserves);
  if (shots) await page.locator('[data-testid=draw-record]').screenshot({ path: path.join(shots, 'draw-replay-zh.png') });
  assert.deepEqual(problems, []);
});

test('a tampered record fails the very check it tampers with, as ggzy draw verify finds', async () => {
  assert.ok(record.drawn.reserves.length > 0, 'the demo draw has a reserve');
  const reserve = record.drawn.reserves[0];
  const seated = record.committee[1].expert;

  // A seated expert swapped for the reserve, in the committee now.
  const swap = (r) => { r.committee[1] = { ...r.committee[1], expert: reserve }; return r; };
  let checks = await openWith(swap);
  assert.deepEqual(failing(checks), ['committeeNow']);
  const now = by(checks, 'committeeNow');
  assert.ok(now.diff.includes(reserve) && now.diff.includes(seated), now.diff);
  assert.equal(await page.locator('#draw-verified').getAttribute('data-verdict'), 'failed');
  agree(checks, cliOffline(swap(structuredClone(record)), 'swapped'), ['record', 'replay']);

  // The same in the committee as drawn: the replay and the draw.drawn audit entry both refuse it.
  const swapDrawn = (r) => { r.drawn.committee[0] = { ...r.drawn.committee[0], expert: reserve }; return r; };
  checks = await openWith(swapDrawn);
  assert.deepEqual(failing(checks), ['committee', 'entry-draw.drawn']);
  assert.ok(by(checks, 'committee').diff.includes(reserve), by(checks, 'committee').diff);
  agree(checks, cliOffline(swapDrawn(structuredClone(record)), 'swapped-drawn'), ['record', 'replay']);

  // Another seed.
  const seed = (r) => { r.drawn.seed = r.drawn.seed.replace(/^./, (c) => (c === '0' ? '1' : '0')); return r; };
  checks = await openWith(seed);
  assert.deepEqual(failing(checks), ['entry-draw.drawn', 'seed']);
  assert.ok(by(checks, 'seed').diff.includes(seed(structuredClone(record)).drawn.seed), by(checks, 'seed').diff);
  agree(checks, cliOffline(seed(structuredClone(record)), 'seed'), ['record', 'replay']);

  // An eligibility fact: the record says the reserve was excluded (unavailable).
  const excluded = (r) => {
    r.drawn.excluded.push({ expert: reserve, reason: 'unavailable' });
    r.drawn.reserves = r.drawn.reserves.filter((id) => id !== reserve);
    return r;
  };
  checks = await openWith(excluded);
  assert.deepEqual(failing(checks), ['exclusions', 'reserves']);
  const diff = by(checks, 'exclusions').diff;
  assert.ok(diff.includes(reserve) && diff.includes('未确认可参加') && diff.includes('可抽取'), diff);
  agree(checks, cliOffline(excluded(structuredClone(record)), 'excluded'), ['record', 'replay']);

  // In English: the verdict and what differs.
  await page.click('#lang-toggle');
  await page.locator('#draw-verified', { hasText: 'A check failed' }).waitFor();
  await page.locator('[data-check=exclusions] [data-diff]', { hasText: 'not available' }).waitFor();
  if (shots) await page.locator('[data-testid=draw-record]').screenshot({ path: path.join(shots, 'draw-tampered-en.png') });
  await page.click('#lang-toggle');
  assert.deepEqual(problems, []);
});

test('a record of the independent Python replay replays the same in the page and in ggzy draw verify', async () => {
  const made = JSON.parse(execFileSync(python, ['-c',
    'import json, sys; sys.path.insert(0, sys.argv[1]); import draw_replay; print(json.dumps(draw_replay.synthetic_record(), ensure_ascii=False))',
    independent], { encoding: 'utf8' }));
  const rules = JSON.parse(made.rules);
  assert.ok(rules.quotas.length >= 2 && rules.cross_site && made.replacements.length >= 2 && made.drawn.excluded.length >= 6, 'a record with every rule at work');

  let checks = await openWith(() => made);
  // Its draw replays; it is not this tender's, and not in this server's log.
  const replay = checks.filter((c) => c.part === 'replay');
  assert.deepEqual(replay.filter((c) => c.state !== 'ok'), []);
  for (const id of ['seed', 'exclusions', 'committee', 'reserves', 'replacement-1', 'replacement-2', 'committeeNow']) assert.equal(by(checks, id).state, 'ok', id);
  assert.equal(by(checks, 'thisTender').state, 'bad');
  assert.equal(by(checks, 'signature').state, 'bad');
  const offline = cliOffline(made, 'python');
  agree(checks, offline, ['record', 'replay']);
  assert.ok(offline.ok.includes('exclusions') && offline.ok.includes('replacement 2'), offline.stdout);
  // Each expert's outcome as the Python drew it.
  await page.locator('.replay-rows summary').click();
  const outcomes = Object.fromEntries(await page.locator('[data-testid=draw-replay] tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.expert, tr.dataset.outcome])));
  for (const x of made.drawn.excluded) assert.equal(outcomes[x.expert], 'excluded', x.expert);
  for (const s of made.drawn.committee) assert.equal(outcomes[s.expert], 'seated', s.expert);
  const quotas = await page.locator('[data-testid=draw-composition] [data-quota]').allTextContents();
  assert.equal(quotas.length, rules.quotas.length);

  // Without one bidder, its expert is no longer excluded: the exclusions say whom.
  const tied = made.drawn.excluded.find((x) => x.reason === 'bidder').expert;
  const fewer = (r) => { r.bidders = r.bidders.slice(1); return r; };
  checks = await openWith(() => fewer(structuredClone(made)));
  const exclusions = by(checks, 'exclusions');
  assert.equal(exclusions.state, 'bad');
  assert.ok(exclusions.diff.includes(tied) && exclusions.diff.includes('与投标人有关联'), exclusions.diff);
  agree(checks, cliOffline(fewer(structuredClone(made)), 'python-fewer'), ['record', 'replay']);

  // A representative the committed rules do not hold.
  const named = (r) => {
    r.representatives = [{
      member: 'rep-u1', user_id: 'u1', name: '招标人代表', organisation_id: 'o1', organisation: '招标人', league: rules.tender_league,
      venue: rules.tender_league, status: 'accepted', named_at: '2026-11-20T08:00:00Z', left_at: null, reason: null,
    }];
    return r;
  };
  checks = await openWith(() => named(structuredClone(made)));
  assert.equal(by(checks, 'representatives').state, 'bad');
  assert.equal(checks.filter((c) => c.part === 'replay' && c.state !== 'ok').length, 1);
  agree(checks, cliOffline(named(structuredClone(made)), 'python-named'), ['record', 'replay']);

  // A key twice in the snapshot, and committed so: serde refuses the text,
  // and so does the page (JSON.parse would take the last).
  const twice = (r) => {
    assert.ok(r.snapshot.includes('"available":false'));
    r.snapshot = r.snapshot.replace('"available":false', '"available":false,"available":true');
    r.commitment.snapshot_sha256 = createHash('sha256').update(r.snapshot).digest('hex');
    return r;
  };
  checks = await openWith(() => twice(structuredClone(made)));
  assert.equal(by(checks, 'snapshot').state, 'ok');
  assert.equal(by(checks, 'inputs').state, 'bad');
  agree(checks, cliOffline(twice(structuredClone(made)), 'python-twice'), ['record', 'replay']);
  assert.deepEqual(problems, []);
});

test('before the opening the seed checks and the rest of the replay waits for it', async () => {
  const sealed = (r) => ({ ...r, bidders: null, bidders_sealed: true, bidders_salt: null, drawn: { ...r.drawn, reserves: [], excluded: [] } });
  const checks = await openWith(sealed);
  assert.equal(await page.locator('#draw-verified').getAttribute('data-verdict'), 'pending');
  assert.equal(by(checks, 'seed').state, 'ok');
  assert.equal(by(checks, 'sealed').state, 'pending');
  assert.deepEqual(checks.filter((c) => c.state === 'bad'), []);
  // The log still holds the draw as recorded (draw.drawn records the committee and the bidders' commitment).
  assert.equal(by(checks, 'entry-draw.drawn').state, 'ok');
  await page.unroute('**/committee/draw-record');
  assert.deepEqual(problems, []);
});
