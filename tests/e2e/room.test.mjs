// Remote evaluation in the portal, as its users do it: three experts, each
// in a browser context of its own, signed in with their own certificates
// (GX: P-256, NNG: SM2, LZH: RSA), run a blind evaluation from their
// declarations to the signed report, while a supervisor watches the room in
// a fourth context and, in a second tab of it (signed in there too: a
// session is kept per tab), its cockpit: the room's events arrive live in
// the supervision feed, filtered by the tender. One expert's network is cut
// in the middle of a round (its connection goes through a TCP relay this
// test owns and breaks) and it catches up by itself. A deviating score is
// flagged in every member's room and raises a score_deviation alert, which
// the supervisor reads with its evidence and acknowledges in the cockpit;
// at the end the tender's timeline holds the room's events, the alert and
// the signed report. The signatures the pages made are then checked with
// openssl.
//
// The test starts its own server (GGZY_BIN) on a fresh data folder and has
// tests/independent/evaluation_room.py (GGZY_PYTHON: a Python with
// `cryptography` and `websockets`) publish the tender, bid, open and draw,
// and open the room (--room-only); everything after that is the pages'.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { switchLanguage, watch as watchAll } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.GGZY_BIN ?? path.resolve(here, '../../target/debug/ggzy');
const python = process.env.GGZY_PYTHON ?? 'python3';
const shots = process.env.GGZY_SCREENSHOTS;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ggzy-room-e2e-'));
let server, browser, base, room;
const experts = [];
let watcher;
let cockpit; // the supervisor's second tab: #/supervision
let tender; // the tender as the notice board gives it
let flaggedBid; // the label of the bid whose tech-plan score deviates
const problems = [];

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// A TCP relay in front of the server, one per expert: `cut()` drops every
// connection through it and refuses new ones until `restore()`, as a lost
// network would (playwright's offline mode does not touch open WebSockets).
async function relay(target) {
  const sockets = new Set();
  let up = true;
  const port = await freePort();
  const srv = net.createServer((client) => {
    if (!up) { client.destroy(); return; }
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); }
    client.pipe(upstream); upstream.pipe(client);
  });
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  return {
    port,
    cut() { up = false; for (const s of sockets) s.destroy(); },
    restore() { up = true; },
    close() { up = false; for (const s of sockets) s.destroy(); srv.close(); },
  };
}

// The whole page, or (`fullPage: false`) what the window shows.
async function shot(page, name, { fullPage = true } = {}) {
  if (shots) { fs.mkdirSync(shots, { recursive: true }); await page.screenshot({ path: path.join(shots, name), fullPage }); }
}

function watch(page, who) {
  page.on('pageerror', (e) => problems.push(`${who}: page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/WebSocket connection to .* failed|ERR_CONNECTION_(RESET|REFUSED|CLOSED)|net::ERR_EMPTY_RESPONSE|net::ERR_SOCKET_NOT_CONNECTED/.test(m.text())) problems.push(`${who}: console: ${m.text()}`); });
}

async function signIn(page, origin, who, next) {
  await page.goto(`${origin}/#/sign-in?next=${encodeURIComponent(next)}`);
  await page.setInputFiles('#signin-cert', who.cert);
  await page.setInputFiles('#signin-key', who.key);
  await page.click('#signin-submit');
  await page.waitForURL((u) => u.hash.startsWith('#' + next), { timeout: 20_000 });
}

// The cockpit's feed rows of an action (the filter keeps the tender's only).
const feedRows = (action) => cockpit.locator(`[data-testid=feed] tbody tr[data-action="${action}"]`);
async function inFeed(action, n) {
  await cockpit.waitForFunction(([a, k]) => document.querySelectorAll(`[data-testid=feed] tbody tr[data-action="${a}"]`).length >= k,
    [action, n], { timeout: 30_000 });
  return feedRows(action).count();
}
// The supervisor's REST view, with the cockpit tab's session.
async function asSupervisor(p) {
  const token = await cockpit.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  const res = await fetch(base + p, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `${p}: ${res.status}`);
  return res.json();
}
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const live = (page) => page.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
const phase = (page, re) => page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid=room-phase]')?.textContent ?? ''), re.source, { timeout: 30_000 });

// A tender whose opening is over and whose committee is drawn stays
// `opening` until its evaluation starts: every page says "opened, awaiting
// evaluation" (not "opening"), and the room page says the room is not open
// yet without asking for it (no failed request, no 4xx, no console error).
async function awaitingEvaluation(id) {
  const seen = [];
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  watchAll(page, seen, { responses: true });
  const shown = await (await fetch(`${base}/api/v1/tenders/${id}`)).json();
  assert.deepEqual([shown.status, shown.opening, shown.evaluation_room], ['opening', 'completed', 'not_open']);
  const stage = (where) => where.locator('[data-testid=status]').first();
  // The notice board and the tender's page, without signing in.
  await page.goto(`${base}/#/?q=${encodeURIComponent(shown.reference)}`);
  const card = page.locator('.tender-list .card', { hasText: shown.title });
  await card.waitFor({ timeout: 15_000 });
  assert.equal(await stage(card).getAttribute('data-status'), 'opened');
  assert.equal((await stage(card).textContent()).trim(), '开标完成 · 待评标');
  await page.goto(`${base}/#/tenders/${id}`);
  await page.locator('[data-testid=status][data-status=opened]').waitFor({ timeout: 15_000 });
  assert.equal((await stage(page).textContent()).trim(), '开标完成 · 待评标');
  await shot(page, 'tender-opened-awaiting-evaluation-zh-1280.png');
  await switchLanguage(page);
  await page.locator('[data-testid=status]', { hasText: 'Opened · awaiting evaluation' }).waitFor({ timeout: 15_000 });
  await switchLanguage(page);
  // The LZH supervisor (whose scope holds the tender): its timeline, the
  // cockpit's tender picker and the room page.
  const m = JSON.parse(fs.readFileSync(path.join(work, 'data', 'pki-demo', 'manifest.json'), 'utf8'));
  const sup = m.certificates.find((c) => c.kind === 'supervisor' && c.league === 'LZH');
  const files = { cert: path.join(work, 'data', 'pki-demo', sup.cert), key: path.join(work, 'data', 'pki-demo', sup.key) };
  await signIn(page, base, files, `/supervision/tenders/${id}`);
  await page.locator('[data-testid=stage]').waitFor({ timeout: 15_000 });
  assert.match(await page.locator('[data-testid=stage]').textContent(), /开标完成 · 待评标/);
  await page.goto(`${base}/#/rooms/${id}`);
  await page.locator('[data-testid=room-not-yet]').waitFor({ timeout: 15_000 });
  assert.match(await page.locator('[data-testid=room-not-yet]').textContent(), /评标室尚未开启：开标已结束/);
  await shot(page, 'room-not-open-zh-1280.png');
  await page.goto(`${base}/#/supervision`);
  await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await page.click('#feed-tender');
  const option = page.getByRole('option', { name: new RegExp(escape(shown.title)) });
  await option.waitFor({ timeout: 15_000 });
  assert.match(await option.textContent(), /开标完成 · 待评标/);
  await page.keyboard.press('Escape');
  await page.waitForTimeout(500); // anything late still fails the check below
  await ctx.close();
  assert.deepEqual(seen, [], 'the pages of a tender awaiting its evaluation asked for nothing missing');
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve'], {
    env: { ...process.env, GGZY_DATA_DIR: path.join(work, 'data'), GGZY_LISTEN: `127.0.0.1:${port}`, GGZY_LOG: 'warn' },
    stdio: ['ignore', 'ignore', fs.openSync(path.join(work, 'server.log'), 'w')],
  });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* not yet */ }
    if (i > 240) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // The script pauses once the committee is drawn, before the evaluation
  // starts: the pages of a tender opened and awaiting its evaluation are
  // looked at then (awaitingEvaluation), and the script goes on.
  const pause = path.join(work, 'pause.json');
  const script = spawn(python, [path.resolve(here, '../independent/evaluation_room.py'), '--url', base, '--data-dir', path.join(work, 'data'),
    '--ggzy', bin, '--pause', pause, '--room-only', path.join(work, 'room.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const finished = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { script.kill(); reject(new Error('evaluation_room.py took over 300 s')); }, 300_000);
    script.on('exit', (code) => { clearTimeout(timer); if (code === 0) resolve(); else reject(new Error(`evaluation_room.py exited with ${code}`)); });
  });
  finished.catch(() => {});
  for (let i = 0; !fs.existsSync(pause); i++) {
    if (script.exitCode !== null) await finished;
    if (i > 1200) throw new Error('evaluation_room.py did not reach the evaluation');
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 100)); // the file written whole
  await awaitingEvaluation(JSON.parse(fs.readFileSync(pause, 'utf8')).tender_id);
  fs.rmSync(pause);
  await finished;
  room = JSON.parse(fs.readFileSync(path.join(work, 'room.json'), 'utf8'));
  for (const [i, who] of room.experts.entries()) {
    const r = await relay(port);
    const ctx = await browser.newContext({ viewport: i === 1 ? { width: 1024, height: 1366 } : { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    watch(page, who.name);
    experts.push({ ...who, relay: r, page, origin: `http://127.0.0.1:${r.port}` });
  }
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  watcher = { ...room.supervisor, ctx, page: await ctx.newPage() };
  watch(watcher.page, 'supervisor');
  tender = await (await fetch(`${base}/api/v1/tenders/${room.tender_id}`)).json();
});

// GGZY_DEBUG_SHOTS: every page after every test, to see where a run stopped.
let step = 0;
afterEach(async () => {
  step += 1;
  if (!process.env.GGZY_DEBUG_SHOTS) return;
  fs.mkdirSync(process.env.GGZY_DEBUG_SHOTS, { recursive: true });
  for (const [i, p] of [...experts.map((e) => e.page), watcher?.page, cockpit].entries()) {
    if (p) await p.screenshot({ path: path.join(process.env.GGZY_DEBUG_SHOTS, `after-${step}-${i}.png`), fullPage: true }).catch(() => {});
  }
});

after(async () => {
  await browser?.close();
  for (const e of experts) e.relay.close();
  server?.kill();
  if (!process.env.GGZY_KEEP) fs.rmSync(work, { recursive: true, force: true });
});

test('three experts (P-256, SM2, RSA) and a supervisor sign in with their certificates and join the room', async () => {
  const next = `/rooms/${room.tender_id}`;
  for (const e of experts) {
    await signIn(e.page, e.origin, e, next);
    await live(e.page);
    assert.match(await e.page.locator('[data-testid=room-role]').textContent(), /评标委员会成员/);
  }
  await signIn(watcher.page, base, watcher, next);
  await live(watcher.page);
  assert.match(await watcher.page.locator('[data-testid=room-role]').textContent(), /只读旁观/);
  assert.equal(await watcher.page.locator('#declare').count(), 0, 'a watcher has no actions');
  await shot(experts[0].page, 'room-declaration-zh-1280.png');
});

test('the supervisor opens its cockpit in a second tab, signs in there too, and filters the feed by the tender', async () => {
  cockpit = await watcher.ctx.newPage();
  watch(cockpit, 'supervisor (cockpit)');
  // The session is this tab's (sessionStorage): a new tab asks to sign in.
  await cockpit.goto(`${base}/#/supervision`);
  await cockpit.locator('[data-testid=cockpit-signin]').waitFor();
  await signIn(cockpit, base, watcher, '/supervision');
  await cockpit.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await cockpit.click('#feed-tender');
  await cockpit.getByRole('option', { name: new RegExp(escape(tender.title)) }).click();
  await cockpit.click('#feed-apply');
  await cockpit.waitForURL(new RegExp(`tender=${room.tender_id}`));
  await cockpit.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  // The tender's record so far (the opening, the draw) and nothing else.
  await cockpit.locator('[data-testid=feed] tbody tr').first().waitFor({ timeout: 30_000 });
  const tenders = await cockpit.locator('[data-testid=feed] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.tender));
  assert.deepEqual([...new Set(tenders)], [room.tender_id], 'only the tender\'s events');
  assert.equal(await feedRows('room.member.declared').count(), 0, 'no declaration yet');
  // Whatever arrives from now on arrives live: the tab is never reloaded.
  await cockpit.evaluate(() => { window.ggzyNoReload = true; });
  // The room tab keeps its own session.
  assert.equal(await watcher.page.locator('[data-testid=live-state][data-state=live]').count(), 1);
});

test('declarations and the chair\'s election', async () => {
  for (const e of experts) await e.page.click('#declare');
  for (const e of experts) await e.page.locator('.vote-box').waitFor();
  // Two votes of three are a majority: the third never needs to vote.
  const chair = experts[0].name;
  for (const e of experts.slice(0, 2)) {
    await e.page.locator('.vote-box label', { hasText: chair }).locator('input').check();
    await e.page.click('#vote');
  }
  for (const p of [...experts.map((e) => e.page), watcher.page]) await phase(p, /进行中：符合性与资格审查/);
  assert.match(await experts[0].page.locator('[data-testid=room-role]').textContent(), /组长/);
  // The cockpit's feed: three declarations, two votes and the election, live.
  assert.equal(await inFeed('room.member.declared', 3), 3);
  assert.equal(await inFeed('room.chair.vote', 2), 2);
  assert.equal(await inFeed('room.chair.elected', 1), 1);
});

test('the review round: every bid passed on every item, the one above the budget out from the start', async () => {
  const out = await experts[0].page.locator('[data-testid=review-round] .el-tag--danger').count();
  assert.equal(out, 1, 'one bid is out above the budget before any vote');
  let reviews = 0;
  for (const e of experts) {
    for (const label of room.labels) {
      for (const item of ['licence', 'delivery']) {
        const td = e.page.locator(`[data-testid=review-round] td[data-cell="0:${label}:${item}"]`);
        const pass = td.locator('.el-button--success');
        if (await pass.count() === 0) continue; // out before any vote
        await pass.click();
        reviews += 1;
        await td.locator('.cell-done').waitFor({ timeout: 15_000 });
      }
    }
  }
  await experts[0].page.click('#close-round');
  for (const p of [...experts.map((e) => e.page), watcher.page]) await phase(p, /进行中：技术评审/);
  await shot(experts[0].page, 'room-technical-zh-1280.png');
  assert.equal(await inFeed('room.review.given', reviews), reviews, 'every review');
  assert.equal(await inFeed('room.round.closed', 1), 1);
});

async function scoreAll(e, round, points, reason, deviate) {
  const forms = e.page.locator(`[data-testid=round-${round}] form.score-form`);
  let given = 0;
  for (let n = await forms.count(); n > 0; n = await forms.count(), given++) {
    const form = forms.first();
    const cell = await form.evaluate((f) => f.closest('td').dataset.cell);
    const odd = deviate ? deviate(cell) : null;
    const value = odd ?? points(cell);
    const box = form.locator('.el-input-number input');
    await box.fill(String(value));
    await box.press('Tab');
    const reasonBox = form.locator('input[placeholder="理由"]');
    if (await reasonBox.count()) await reasonBox.fill(reason);
    await form.locator('button[type=submit]').click();
    await e.page.locator(`[data-testid=round-${round}] td[data-cell="${cell}"] [data-testid=my-score]`).waitFor({ timeout: 15_000 });
  }
  return given;
}

test('the technical round, blind: one expert\'s network is cut mid-round and it catches up; a deviating score is flagged', async () => {
  const [a, b, c] = experts;
  // Two criteria: tech-plan (0–40, a reason required) and tech-team (0–20).
  const fair = (cell) => (cell.endsWith('tech-plan') ? 30 : 15);
  let scores = await scoreAll(a, 'technical', fair, '技术方案完整，满足需求');
  // The NNG expert loses its network; the others go on scoring.
  b.relay.cut();
  await b.page.locator('[data-testid=live-state][data-state=reconnecting]').waitFor({ timeout: 45_000 });
  await shot(b.page, 'room-reconnecting-zh-tablet.png');
  // LZH's expert gives one score far from the others: 10 where they give
  // 30 is 57 % from the three scores' mean (23.33), over the room's 30 %,
  // and the others' 30s stay within it (29 %). (With 8 the mean falls to
  // 22.67 and the 30s, 32 % above it, would be flagged too.)
  let first = true;
  scores += await scoreAll(c, 'technical', fair, '方案基本可行', (cell) => {
    if (first && cell.endsWith('tech-plan')) { first = false; flaggedBid = cell.split(':')[1]; return 10; }
    return null;
  });
  b.relay.restore();
  await live(b.page);
  // B sees what it missed: the scores given while it was away.
  const seen = await b.page.locator('[data-testid=round-technical] ul.others li').count();
  assert.ok(seen >= 2, `after reconnecting, the others' scores are shown (${seen})`);
  scores += await scoreAll(b, 'technical', fair, '技术方案合理');
  // The flag shows in every room, the watcher's included.
  for (const p of [...experts.map((e) => e.page), watcher.page]) {
    await p.locator('[data-testid=round-technical] .flagged').first().waitFor({ timeout: 15_000 });
  }
  await shot(watcher.page, 'room-watcher-zh-1280.png');
  // The scores and the flag reach the cockpit's feed too.
  assert.equal(await inFeed('room.score.given', scores), scores, 'every technical score');
  assert.equal(await inFeed('room.score.flagged', 1), 1, 'one score deviates');
  await a.page.click('#close-round');
  for (const p of [...experts.map((e) => e.page), watcher.page]) await phase(p, /进行中：商务评审/);
  // Unblinded: the bidders' names appear beside their labels.
  assert.match(await a.page.locator('[data-testid=round-commercial]').textContent(), /有限公司/);
});

// The member's name as supervisors read the committee.
async function memberName(expertId) {
  const committee = await asSupervisor(`/api/v1/tenders/${room.tender_id}/committee`);
  const member = committee.members.find((m) => m.expert_id === expertId);
  assert.ok(member?.name, JSON.stringify(committee));
  return member.name;
}
// The alert of LZH's 10 points, as the cockpit and the timeline say it: the
// member by its name, the bid by its label in the room, the criterion by
// its name; the mean of the three scores (30, 30, 10) is 23.33, and 10 is
// 57.14 % from it.
const deviationSaid = (name) => ({
  zh: `专家 ${name} 对投标 ${flaggedBid} 的“技术方案”评分为 10 分，偏离成员平均分 23.33 分 57.14%`,
  en: `Expert ${name} gave bid ${flaggedBid} 10 points on “技术方案”, 57.14% from the members' mean of 23.33`,
});

test('the deviating score raises an alert: the supervisor reads it with its evidence in the cockpit and acknowledges it', async () => {
  const lzh = experts[2];
  const name = await memberName(lzh.expert_id);
  const said = deviationSaid(name);
  // The alert names LZH's expert by its name (never its id) and its 10 points.
  const mine = (a) => a.kind === 'score_deviation' && a.reason === 'alert.score-deviation' && a.params?.expert === name;
  const card = cockpit.locator('[data-testid=alert]', { hasText: said.zh });
  await card.waitFor({ timeout: 30_000 });
  // Said in the page's language: no lang="en" on it, the kind named too.
  const text = card.locator('[data-testid=alert-text]');
  assert.equal(await text.textContent(), said.zh);
  assert.equal(await text.getAttribute('lang'), null);
  assert.match(await card.textContent(), /评分明显偏离/);
  const id = await card.getAttribute('data-alert');
  await inFeed('supervision.alert_raised', 1);
  const deviations = (await asSupervisor(`/api/v1/supervision/alerts?tender_id=${room.tender_id}&open=true`)).items
    .filter((a) => a.kind === 'score_deviation');
  assert.equal(deviations.length, 1, JSON.stringify(deviations));
  const [server] = deviations;
  assert.ok(server.id === id && mine(server), JSON.stringify(server));
  assert.equal(server.sealed, false);
  assert.deepEqual(server.params, { expert: name, bid: flaggedBid, criterion: '技术方案', points: 10, mean: 23.33, deviation: 57.14 });
  assert.ok(!JSON.stringify(server).includes(lzh.expert_id), `no expert id in ${JSON.stringify(server)}`);
  // Its evidence: the audit events of the scores of that bid and criterion
  // and of the flag, read in the page.
  assert.equal(server.events.length, experts.length + 1, JSON.stringify(server));
  await card.getByRole('button', { name: /查看依据/ }).click();
  const items = card.locator('.evidence li');
  await items.nth(server.events.length - 1).waitFor();
  const lines = await items.allTextContents();
  assert.equal(lines.filter((l) => l.includes('room.score.given')).length, experts.length, lines.join('\n'));
  assert.equal(lines.filter((l) => l.includes('room.score.flagged')).length, 1, lines.join('\n'));
  for (const seq of server.events) assert.ok(lines.some((l) => l.includes(`#${seq}`)), `#${seq} in ${lines.join('\n')}`);
  await card.scrollIntoViewIfNeeded();
  await shot(cockpit, 'cockpit-alert-zh-1280.png');

  // Acknowledged with the note the form asks for (it cannot be sent empty).
  assert.equal(await card.locator('.ack-submit').isDisabled(), true, 'no acknowledgement without a note');
  const note = '已核查：该专家对技术方案评分偏低，已在评标报告中保留意见，无违规。';
  await card.locator('textarea').fill(note);
  await card.locator('.ack-submit').click();
  await cockpit.locator('.ok-note[role=status]').waitFor();
  await cockpit.locator(`[data-alert="${id}"]`).waitFor({ state: 'detached' });
  const all = (await asSupervisor(`/api/v1/supervision/alerts?tender_id=${room.tender_id}`)).items;
  const acked = all.find((a) => a.id === id);
  assert.ok(acked.acknowledged_at, JSON.stringify(acked));
  assert.equal(acked.note, note);
  const me = await cockpit.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).principal.user_id);
  assert.equal(acked.acknowledged_by, me);
  const open = (await asSupervisor(`/api/v1/supervision/alerts?tender_id=${room.tender_id}&open=true`)).items;
  assert.ok(!open.some((a) => a.id === id), 'no longer open');
  // On the record: the acknowledgement is an audit event, by the supervisor,
  // and it reaches the feed.
  const events = (await asSupervisor(`/api/v1/audit/events?tender_id=${room.tender_id}&action=supervision.alert_acknowledged`)).items;
  const ack = events.find((e) => e.object_id === id);
  assert.ok(ack, JSON.stringify(events));
  assert.equal(ack.actor_role, 'supervisor');
  assert.equal(ack.actor_id, me);
  await inFeed('supervision.alert_acknowledged', 1);

  // In English, with the acknowledged alerts shown.
  await cockpit.click('#lang-toggle');
  await cockpit.locator('#feed-state', { hasText: 'Live' }).waitFor();
  await cockpit.locator('label.el-checkbox', { has: cockpit.locator('#alerts-all') }).click();
  const done = cockpit.locator(`[data-alert="${id}"] [data-testid=alert-acknowledged]`);
  await done.waitFor();
  assert.match(await done.textContent(), /Acknowledged .*已核查/);
  assert.equal(await cockpit.locator(`[data-alert="${id}"] [data-testid=alert-text]`).textContent(), said.en);
  await cockpit.locator(`[data-alert="${id}"]`).scrollIntoViewIfNeeded();
  await shot(cockpit, 'cockpit-acknowledged-en-1280.png');
  await cockpit.click('#lang-toggle');
  await cockpit.locator('#feed-state', { hasText: '实时' }).waitFor();
});

test('the commercial round, prices scored, ranking and the report', async () => {
  for (const e of experts) await scoreAll(e, 'commercial', () => 8, '商务条款响应');
  await experts[0].page.click('#close-round');
  for (const p of [...experts.map((e) => e.page), watcher.page]) await phase(p, /评标报告签署/);
  for (const p of [...experts.map((e) => e.page), watcher.page]) {
    await p.locator('[data-testid=sha-check].el-tag--success').waitFor({ timeout: 15_000 });
  }
  const candidates = await experts[0].page.locator('[data-testid=candidates] li').count();
  assert.equal(candidates, 3, 'at most three candidates');
  // The ranking as it reads: numbered once (by its rank, not by the list
  // too), the bidder's name apart from its total, every points figure with
  // two decimals (30.00 beside 29.58, not 30).
  const ranking = experts[0].page.locator('[data-testid=ranking]');
  assert.equal(await ranking.locator('ol').count(), 0, 'no list numbers beside the ranks');
  const lines = await ranking.locator('[data-testid=candidates] li').evaluateAll((lis) => lis.map((li) => li.innerText.replace(/\s+/g, ' ').trim()));
  lines.forEach((line, i) => assert.match(line, new RegExp(`^第 ${i + 1} 名：.+\\S 总分 \\d+\\.\\d\\d · ¥[\\d,]+\\.\\d\\d$`), line));
  const scores = await ranking.locator('tbody td.num:nth-of-type(2)').allInnerTexts();
  assert.ok(scores.length >= 3);
  for (const x of scores) assert.match(x.trim(), /^(\d+\.\d\d|—)$/, `a price score: ${x}`);
  // The documents' buttons keep the space between their words.
  const docButtons = await experts[0].page.locator('button', { hasText: /的文件/ }).allInnerTexts();
  assert.ok(docButtons.length >= 3, docButtons.join(' | '));
  for (const b of docButtons) assert.match(b.trim(), /^打开 \S.* 的文件$/, b);
  // The supervisor's way back from the room is to the tender's timeline.
  assert.equal(await watcher.page.locator('#room-back').textContent(), '← 返回项目时间线');
  await shot(experts[0].page, 'room-report-zh-1280.png');
});

test('each expert signs the report with its own key in the page; the room closes; the signatures verify with openssl', async () => {
  for (const [i, e] of experts.entries()) {
    await e.page.setInputFiles('#sign-key', e.key);
    if (i === 2) await e.page.fill('#sign-dissent', '对第二名的技术评分有保留意见');
    await e.page.click('#sign-report');
    await e.page.locator('[data-testid=signed]').waitFor({ timeout: 20_000 });
  }
  for (const p of [...experts.map((e) => e.page), watcher.page]) {
    await p.locator('.el-alert--success').waitFor({ timeout: 20_000 });
  }
  // The signatures the pages made, checked outside the platform.
  const token = await watcher.page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  const report = await (await fetch(`${base}/api/v1/tenders/${room.tender_id}/evaluation/report`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.equal(report.signatures.length, 3);
  for (const e of experts) {
    const s = report.signatures.find((x) => x.expert === e.expert_id);
    assert.ok(s, `${e.name} signed`);
    const dir = fs.mkdtempSync(path.join(work, 'sig-'));
    fs.writeFileSync(path.join(dir, 'text'), report.signed_text);
    fs.writeFileSync(path.join(dir, 'sig'), Buffer.from(s.signature, 'base64'));
    execFileSync('openssl', ['x509', '-in', e.cert, '-pubkey', '-noout', '-out', path.join(dir, 'pub.pem')]);
    const args = e.key_algorithm === 'sm2'
      ? ['dgst', '-sm3', '-verify', path.join(dir, 'pub.pem'), '-sigopt', 'distid:1234567812345678', '-signature', path.join(dir, 'sig'), path.join(dir, 'text')]
      : ['dgst', '-sha256', '-verify', path.join(dir, 'pub.pem'), '-signature', path.join(dir, 'sig'), path.join(dir, 'text')];
    assert.match(execFileSync('openssl', args).toString(), /Verified OK/, `${e.name}'s signature (${e.key_algorithm})`);
  }
  assert.ok(report.signatures.some((s) => s.dissent), 'the dissent is recorded');
});

test('the supervisor opens the tender\'s timeline from the feed: the room\'s events, the alert and the signed report are on it', async () => {
  await inFeed('room.report.signed', experts.length);
  await inFeed('room.room.closed', 1);
  assert.equal(await cockpit.evaluate(() => window.ggzyNoReload), true, 'the feed was followed live, never reloaded');
  const report = await asSupervisor(`/api/v1/tenders/${room.tender_id}/evaluation/report`);
  assert.match(report.sha256, /^[0-9a-f]{64}$/);
  const lzh = experts[2];
  // From the feed's link to the tender.
  await feedRows('room.room.closed').first().locator('a').click();
  await cockpit.waitForURL((u) => u.hash === `#/supervision/tenders/${room.tender_id}`);
  await cockpit.locator('#draw-verified[data-verified=true]').waitFor({ timeout: 30_000 });
  while (await cockpit.locator('#timeline-more').count()) await cockpit.click('#timeline-more');
  // Each entry by its code: a room's event is named in the page's language
  // with its code beside it; an audit event is its action.
  const entries = await cockpit.locator('[data-testid=timeline] li[data-source]').evaluateAll((items) => items.map((i) => {
    const title = i.querySelector('strong')?.textContent ?? '';
    return { source: i.dataset.source, title, code: i.querySelector('.tl-code')?.textContent ?? title, detail: i.querySelector('.tl-detail')?.textContent ?? '' };
  }));
  const of = (source, code) => entries.filter((e) => e.source === source && e.code === code);
  assert.equal(of('room', 'member.declared').length, experts.length);
  assert.equal(of('room', 'chair.elected').length, 1);
  const flags = of('room', 'score.flagged');
  assert.equal(flags.length, 1);
  // Said in a sentence, the expert by name, not as `expert: <id>` (the bid
  // by its label, and its bidder once the room revealed it).
  assert.match(flags[0].detail, new RegExp(`^${lzh.name} 给 投标 [A-Z](（.+）)?“[^”]+”的 10 分偏离均值 23\\.33 分（\\d+(\\.\\d+)?%）。$`));
  // The signed report: its hash as the room made it ready, each member's
  // signature (one with its dissent), the room closed.
  assert.ok(of('room', 'report.ready').some((e) => e.detail.includes(report.sha256)), `report.ready with ${report.sha256}`);
  const signed = of('room', 'report.signed');
  assert.equal(signed.length, experts.length);
  assert.ok(signed.every((x) => x.title !== x.code && /签/.test(x.title)), `named in Chinese: ${signed.map((x) => x.title)}`);
  for (const e of experts) assert.ok(signed.some((x) => x.detail.startsWith(`${e.name} 签署评标报告`)), `${e.name} signed`);
  assert.ok(signed.some((x) => x.detail.includes('对第二名的技术评分有保留意见')), 'the dissent');
  assert.equal(of('room', 'room.closed').length, 1);
  // The alert, with what it says, and its acknowledgement on the record.
  const said = deviationSaid(await memberName(lzh.expert_id));
  const alert = entries.filter((e) => e.source === 'alert' && e.title === '评分明显偏离' && e.detail === said.zh);
  assert.equal(alert.length, 1, JSON.stringify(entries.filter((e) => e.source === 'alert')));
  assert.ok(of('audit', 'supervision.alert_raised').length >= 1);
  assert.equal(of('audit', 'supervision.alert_acknowledged').length, 1);
  assert.equal(of('audit', 'room.report.signed').length, experts.length);
  const times = await cockpit.locator('[data-testid=timeline] .tl-time').allTextContents();
  assert.deepEqual([...times].sort(), times, 'merged by time');
  // The timeline is long (hundreds of entries): the window around the alert.
  await cockpit.locator('[data-testid=timeline] li[data-source=alert]', { hasText: said.zh }).evaluate((n) => n.scrollIntoView({ block: 'center' }));
  await shot(cockpit, 'timeline-room-zh-1280.png', { fullPage: false });

  // In English, at a tablet's width.
  await cockpit.click('#lang-toggle');
  await cockpit.setViewportSize({ width: 1024, height: 1366 });
  await cockpit.reload();
  await cockpit.locator('#draw-verified', { hasText: 'Every check in the page holds' }).waitFor({ timeout: 30_000 });
  while (await cockpit.locator('#timeline-more').count()) await cockpit.click('#timeline-more');
  const inEnglish = cockpit.locator('[data-testid=timeline] li[data-source=alert]', { hasText: 'A deviating score' });
  await inEnglish.first().waitFor();
  assert.equal(await inEnglish.locator('.tl-detail', { hasText: said.en }).count(), 1, 'the alert said in English');
  assert.equal(await inEnglish.locator('.tl-detail', { hasText: said.en }).getAttribute('lang'), null);
  const overflow = await cockpit.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal overflow at 1024 px (${overflow})`);
  // Its end: the report made ready with its hash, signed, the room closed.
  await cockpit.locator('[data-testid=timeline] li[data-source=room]', { hasText: 'room.closed' }).evaluate((n) => n.scrollIntoView({ block: 'end' }));
  await shot(cockpit, 'timeline-room-en-1024.png', { fullPage: false });
  await cockpit.click('#lang-toggle');
  await cockpit.setViewportSize({ width: 1280, height: 900 });
});

test('the room reads in English too, and nothing failed in any page', async () => {
  const p = experts[0].page;
  await p.click('#lang-toggle');
  await p.locator('[data-testid=room-phase]', { hasText: 'Evaluation finished' }).waitFor();
  await shot(p, 'room-closed-en-1280.png');
  await p.setViewportSize({ width: 375, height: 800 });
  const overflow = await p.evaluate(() => {
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-wrap, .report-json, .el-collapse-item__wrap'))
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
    return { by: document.documentElement.scrollWidth - window.innerWidth, wide: wide.slice(0, 8) };
  });
  assert.ok(overflow.by <= 1, `no horizontal overflow at 375 px (${overflow.by}: ${overflow.wide.join(', ')})`);
  await shot(p, 'room-closed-en-375.png');
  // (At 375 px the language is in the header's menu.)
  await switchLanguage(p);
  await p.locator('[data-testid=room-phase]', { hasText: '评标已结束' }).waitFor();
  assert.deepEqual(problems, []);
});
