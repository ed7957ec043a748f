// A supervisor's cockpit (#/supervision), in a real (headless) Chromium,
// against a running ggzy with demo data: the NNG supervisor signs in with
// its certificate and key files, sees the supervision feed go live and
// filters it by a tender; an alert is raised through the API (a bidder of
// the finished demo tender raises a 质疑 on its result and an operator of
// the league answers it, after the bid deadline: "operator action after
// the deadline"), appears without a reload and is acknowledged with a
// note; the tender's timeline merges its sources and the committee draw's
// record verifies in the page. Screenshots in Chinese and English.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder: its
// demo keys under pki-demo, and `ggzy users add` for the accounts that
// raise the alert), GGZY_BIN (the ggzy binary, default
// ../../target/debug/ggzy); CHROMIUM (default /usr/bin/chromium);
// GGZY_SCREENSHOTS=dir saves pictures of the pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { account as newAccount, call, demoSupervisor, launch, need, watch } from './harness.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder');
const supervisor = demoSupervisor(path.join(data, 'pki-demo'));
const shots = process.env.GGZY_SCREENSHOTS;
if (shots) mkdirSync(shots, { recursive: true });

let browser, context, page;
const problems = [];

const api = (method, p, token, body) => call(base, method, p, token, body);
const account = (name, role, org) => newAccount(data, name, role, org);

async function shot(name) {
  if (!shots) return;
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

before(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  // A page left while a request runs aborts it; nothing failed.
  watch(page, problems, { aborted: false, responses: true });
});

after(async () => browser?.close());

// The demo's finished procedure: opened, drawn, evaluated, awarded.
async function finishedTender() {
  for (let i = 0; i < 120; i++) {
    const list = await (await fetch(`${base}/api/v1/tenders?per_page=100`)).json();
    const t = list.items.find((x) => x.league_code === 'NNG' && ['awarded', 'closed'].includes(x.status));
    if (t) return t;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo\'s finished tender did not reach its award');
}

let tender, token;

test('a supervisor signs in and sees the feed go live, then filters it by a tender', async () => {
  tender = await finishedTender();
  await page.goto(`${base}/#/sign-in?next=%2Fsupervision`);
  await page.setInputFiles('#signin-cert', supervisor.cert);
  await page.setInputFiles('#signin-key', supervisor.key);
  await page.click('#signin-submit');
  await page.waitForURL(/#\/supervision/);
  await page.locator('#nav-cockpit').waitFor();
  token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=feed] tbody tr').first().waitFor();
  assert.ok(await page.locator('[data-testid=feed] tbody tr').count() > 0);

  await page.click('#feed-tender');
  await page.getByRole('option', { name: new RegExp(tender.title) }).click();
  await page.click('#feed-apply');
  await page.waitForURL(new RegExp(`tender=${tender.id}`));
  await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=feed] tbody tr').first().waitFor();
  const tenders = await page.locator('[data-testid=feed] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.tender));
  assert.ok(tenders.length > 0);
  assert.deepEqual([...new Set(tenders)], [tender.id], 'only the chosen tender\'s events');
});

test('an alert raised meanwhile appears without a reload and is acknowledged with a note', async () => {
  // A bidder of the tender raises a 质疑 on its result; an operator of the
  // league answers it, after the bid deadline.
  const before = new Set((await api('GET', '/api/v1/supervision/alerts', token)).json.items.map((a) => a.id));
  const bidders = (await api('GET', `/api/v1/tenders/${tender.id}/bids`, token)).json.items;
  const bidder = account('驾驶舱测试投标员', 'bidder', bidders[0].bidder_name);
  const operator = account('驾驶舱测试运维', 'operator');
  const raised = await api('POST', `/api/v1/tenders/${tender.id}/objections`, bidder, { subject: 'result', text: '对中标结果有疑问（驾驶舱测试）' });
  assert.equal(raised.status, 201, JSON.stringify(raised.json));
  const answered = await api('POST', `/api/v1/tenders/${tender.id}/objections/${raised.json.id}/answer`, operator, { answer: '经核查，结果无误。' });
  assert.equal(answered.status, 200, JSON.stringify(answered.json));

  // The new alert, shown without a reload.
  const shown = await page.waitForFunction((old) => [...document.querySelectorAll('[data-testid=alert]')]
    .map((n) => n.dataset.alert).find((id) => !old.includes(id)), [...before], { timeout: 30_000 });
  const id = await shown.jsonValue();
  const card = page.locator(`[data-alert="${id}"]`);
  assert.match(await card.textContent(), /objection\.answered/);
  // The alert joined the feed too (the filter keeps the tender's events).
  await page.locator(`[data-testid=feed] tr[data-action="supervision.alert_raised"]`).first().waitFor({ timeout: 30_000 });
  await card.getByRole('button', { name: /查看依据|Show evidence/ }).click();
  await card.locator('.evidence li', { hasText: 'objection.answered' }).waitFor();
  await shot('cockpit-zh');

  await card.locator('textarea').fill('已核查：运维人员代为答复质疑，属正常处理。');
  await card.locator('.ack-submit').click();
  await page.locator('.ok-note[role=status]').waitFor();
  await page.locator(`[data-alert="${id}"]`).waitFor({ state: 'detached' });
  const alerts = (await api('GET', `/api/v1/supervision/alerts?tender_id=${tender.id}`, token)).json.items;
  const acked = alerts.find((a) => a.id === id);
  assert.ok(acked.acknowledged_at, JSON.stringify(acked));
  assert.match(acked.note, /已核查/);

  await page.click('#lang-toggle');
  await page.locator('#feed-state', { hasText: 'Live' }).waitFor();
  await page.locator('label.el-checkbox', { has: page.locator('#alerts-all') }).click();
  await page.locator(`[data-alert="${id}"] [data-testid=alert-acknowledged]`).waitFor();
  await shot('cockpit-en');
  await page.click('#lang-toggle');
});

test('the tender\'s timeline merges its record and the draw record verifies in the page', async () => {
  await page.goto(`${base}/#/supervision/tenders/${tender.id}`);
  await page.locator('#draw-verified[data-verified=true]').waitFor({ timeout: 30_000 });
  const failed = await page.locator('[data-check].check-bad').count();
  assert.equal(failed, 0);
  await shot('timeline-zh');
  while (await page.locator('#timeline-more').count()) await page.click('#timeline-more');
  const sources = await page.locator('[data-testid=timeline] [data-source]').evaluateAll((items) => [...new Set(items.map((i) => i.dataset.source))]);
  for (const s of ['notice', 'hall', 'bid', 'committee', 'room', 'audit', 'alert']) assert.ok(sources.includes(s), `${s} in ${sources}`);
  const times = await page.locator('[data-testid=timeline] .tl-time').allTextContents();
  assert.deepEqual([...times].sort(), times, 'merged by time');
  assert.equal(await page.locator('#watch-room').getAttribute('href'), `#/rooms/${tender.id}`);
  assert.match(await page.locator('pre.command').textContent(), new RegExp(`ggzy draw verify --url .* --tender ${tender.id}`));
  await page.click('#lang-toggle');
  await page.goto(`${base}/#/supervision/tenders/${tender.id}`);
  await page.locator('#draw-verified', { hasText: 'Every check in the page holds' }).waitFor({ timeout: 30_000 });
  await shot('timeline-en');
  await page.click('#lang-toggle');
  assert.deepEqual(problems, []);
});
