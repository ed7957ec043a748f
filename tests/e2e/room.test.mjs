// Remote evaluation in the portal, as its users do it: three experts, each
// in a browser context of its own, signed in with their own certificates
// (GX: P-256, NNG: SM2, LZH: RSA), run a blind evaluation from their
// declarations to the signed report, while a supervisor watches the room in
// a fourth context. One expert's network is cut in the middle of a round
// (its connection goes through a TCP relay this test owns and breaks) and
// it catches up by itself. A deviating score is flagged in every member's
// room. The signatures the pages made are then checked with openssl.
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

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.GGZY_BIN ?? path.resolve(here, '../../target/debug/ggzy');
const python = process.env.GGZY_PYTHON ?? 'python3';
const shots = process.env.GGZY_SCREENSHOTS;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ggzy-room-e2e-'));
let server, browser, base, room;
const experts = [];
let watcher;
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

async function shot(page, name) {
  if (shots) { fs.mkdirSync(shots, { recursive: true }); await page.screenshot({ path: path.join(shots, name), fullPage: true }); }
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

const live = (page) => page.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
const phase = (page, re) => page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid=room-phase]')?.textContent ?? ''), re.source, { timeout: 30_000 });

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
  execFileSync(python, [path.resolve(here, '../independent/evaluation_room.py'), '--url', base, '--data-dir', path.join(work, 'data'),
    '--ggzy', bin, '--room-only', path.join(work, 'room.json')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 240_000 });
  room = JSON.parse(fs.readFileSync(path.join(work, 'room.json'), 'utf8'));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  for (const [i, who] of room.experts.entries()) {
    const r = await relay(port);
    const ctx = await browser.newContext({ viewport: i === 1 ? { width: 1024, height: 1366 } : { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    watch(page, who.name);
    experts.push({ ...who, relay: r, page, origin: `http://127.0.0.1:${r.port}` });
  }
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  watcher = { ...room.supervisor, page: await ctx.newPage() };
  watch(watcher.page, 'supervisor');
});

// GGZY_DEBUG_SHOTS: every page after every test, to see where a run stopped.
let step = 0;
afterEach(async () => {
  step += 1;
  if (!process.env.GGZY_DEBUG_SHOTS) return;
  fs.mkdirSync(process.env.GGZY_DEBUG_SHOTS, { recursive: true });
  for (const [i, p] of [...experts.map((e) => e.page), watcher?.page].entries()) {
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
});

test('the review round: every bid passed on every item, the one above the budget out from the start', async () => {
  const out = await experts[0].page.locator('[data-testid=review-round] .el-tag--danger').count();
  assert.equal(out, 1, 'one bid is out above the budget before any vote');
  for (const e of experts) {
    for (const label of room.labels) {
      for (const item of ['licence', 'delivery']) {
        const td = e.page.locator(`[data-testid=review-round] td[data-cell="0:${label}:${item}"]`);
        const pass = td.locator('.el-button--success');
        if (await pass.count() === 0) continue; // out before any vote
        await pass.click();
        await td.locator('.cell-done').waitFor({ timeout: 15_000 });
      }
    }
  }
  await experts[0].page.click('#close-round');
  for (const p of [...experts.map((e) => e.page), watcher.page]) await phase(p, /进行中：技术评审/);
  await shot(experts[0].page, 'room-technical-zh-1280.png');
});

async function scoreAll(e, round, points, reason, deviate) {
  const forms = e.page.locator(`[data-testid=round-${round}] form.score-form`);
  for (let n = await forms.count(); n > 0; n = await forms.count()) {
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
}

test('the technical round, blind: one expert\'s network is cut mid-round and it catches up; a deviating score is flagged', async () => {
  const [a, b, c] = experts;
  // Two criteria: tech-plan (0–40, a reason required) and tech-team (0–20).
  const fair = (cell) => (cell.endsWith('tech-plan') ? 30 : 15);
  await scoreAll(a, 'technical', fair, '技术方案完整，满足需求');
  // The NNG expert loses its network; the others go on scoring.
  b.relay.cut();
  await b.page.locator('[data-testid=live-state][data-state=reconnecting]').waitFor({ timeout: 45_000 });
  await shot(b.page, 'room-reconnecting-zh-tablet.png');
  // LZH's expert gives one score far from the others (flagged: 30 % from the mean).
  let first = true;
  await scoreAll(c, 'technical', fair, '方案基本可行', (cell) => { if (first && cell.endsWith('tech-plan')) { first = false; return 8; } return null; });
  b.relay.restore();
  await live(b.page);
  // B sees what it missed: the scores given while it was away.
  const seen = await b.page.locator('[data-testid=round-technical] ul.others li').count();
  assert.ok(seen >= 2, `after reconnecting, the others' scores are shown (${seen})`);
  await scoreAll(b, 'technical', fair, '技术方案合理');
  // The flag shows in every room, the watcher's included.
  for (const p of [...experts.map((e) => e.page), watcher.page]) {
    await p.locator('[data-testid=round-technical] .flagged').first().waitFor({ timeout: 15_000 });
  }
  await shot(watcher.page, 'room-watcher-zh-1280.png');
  await a.page.click('#close-round');
  for (const p of [...experts.map((e) => e.page), watcher.page]) await phase(p, /进行中：商务评审/);
  // Unblinded: the bidders' names appear beside their labels.
  assert.match(await a.page.locator('[data-testid=round-commercial]').textContent(), /有限公司/);
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
  await p.click('#lang-toggle');
  assert.deepEqual(problems, []);
});
