// A supervisor searches the audit events on the portal's page (#/audit/events)
// and exports them, in a real (headless) Chromium, against a running ggzy with
// demo data: signed in once with the demo NNG supervisor's certificate and
// key, the page lists what the API lists for the same token (count, order,
// pages), a filter narrows it, a malformed filter is refused with the
// server's reason, and the exports download through the API with the token
// — a CSV whose header line is the API's and whose rows are the events, and
// JSON Lines whose every line parses to an event the listing has. Without a
// sign-in the page asks for one. The log's verification then runs with the
// portal's own sign-in (no key files asked again), and the sign-in outlives
// it.
//
// Environment: GGZY_BASE (the server), GGZY_PKI (its demo PKI,
// `<data dir>/pki-demo`); CHROMIUM (default /usr/bin/chromium);
// GGZY_SCREENSHOT=/path/stem saves pictures of the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { demoSupervisor, launch, need, watch } from './harness.mjs';

const base = need('GGZY_BASE', 'the server');
const supervisor = demoSupervisor(need('GGZY_PKI', 'its demo PKI'));
const CSV_HEADER = 'seq,occurred_at,actor_id,actor_role,action,object_type,object_id,tender_id,client_addr,request_id,payload_sha256,actor_name,object_name,tender_title';

let browser, context, page, token;
const problems = [];

before(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  watch(page, problems);
});

after(async () => { await browser?.close(); });

let shots = 0;
async function shot(name) {
  if (process.env.GGZY_SCREENSHOT) await page.screenshot({ path: `${process.env.GGZY_SCREENSHOT}-${shots++}-${name}.png`, fullPage: true });
}

// The API as the page's token sees it.
async function api(query) {
  const res = await fetch(`${base}/api/v1/audit/events?${new URLSearchParams(query)}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

// What the page shows: the count line and the rows' numbers and actions.
async function shown() {
  await page.locator('.results[aria-busy=false]').waitFor();
  const count = (await page.locator('#ev-count').textContent()).trim();
  const rows = page.locator('#ev-table tbody tr');
  const seqs = (await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.seq))).map(Number);
  const actions = await page.locator('#ev-table tbody tr code.action').allTextContents();
  return { count, seqs, actions };
}

// One export: press the button, take the file the browser downloads.
async function download(button) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  const text = readFileSync(await file.path(), 'utf8');
  await page.locator('#export-done').waitFor();
  return { name: file.suggestedFilename(), text, said: (await page.locator('#export-done').textContent()).trim() };
}

test('without a sign-in the events page asks for one', async () => {
  await page.goto(`${base}/?lang=en#/audit/events`);
  await page.locator('#events-need-sign-in').waitFor();
  assert.match(await page.locator('#events-need-sign-in').textContent(), /needs a supervisor's or a platform operator's sign-in/);
  assert.equal(await page.locator('#nav-audit-events').count(), 0, 'no link to the events for a visitor');
  assert.deepEqual(problems, []);
});

test('signed in, a supervisor sees the events the API gives its token, a page at a time', async () => {
  await page.locator('#events-need-sign-in a').click();
  await page.setInputFiles('#signin-cert', supervisor.cert);
  await page.setInputFiles('#signin-key', supervisor.key);
  await page.locator('#signin-submit').click();
  await page.locator('#ev-count').waitFor();
  assert.match(page.url(), /#\/audit\/events$/);
  token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  assert.ok(token);
  assert.equal(await page.locator('#nav-audit-events').count(), 1, 'the header links to the events');

  const first = await api({ per_page: 20 });
  let s = await shown();
  assert.ok(first.total > 20, `the demo data has more than a page of events in scope (${first.total})`);
  assert.equal(s.count, `${first.total} events`);
  assert.deepEqual(s.seqs, first.items.map((e) => e.seq));
  assert.deepEqual(s.actions, first.items.map((e) => e.action));
  await shot('first');

  await page.locator('nav.pager a[rel=next]').click();
  await page.waitForURL(/page=2/);
  const second = await api({ per_page: 20, page: 2 });
  s = await shown();
  assert.deepEqual(s.seqs, second.items.map((e) => e.seq));
  assert.match(await page.locator('nav.pager [aria-current=page]').textContent(), new RegExp(`^Page 2 of ${Math.ceil(first.total / 20)}$`));
  assert.deepEqual(problems, []);
});

test('a filter narrows the list as the API does; a malformed one is refused with the reason', async () => {
  // (A code typed is kept as typed: Enter takes it.)
  await page.fill('#ev-action', 'tender.publish');
  await page.keyboard.press('Enter');
  await page.locator('#ev-search').click();
  await page.waitForURL(/action=tender\.publish/);
  const want = await api({ action: 'tender.publish', per_page: 20 });
  const s = await shown();
  assert.ok(want.total > 0);
  assert.equal(s.count, `${want.total} events`);
  assert.deepEqual(s.seqs, want.items.map((e) => e.seq));
  assert.ok(s.actions.every((a) => a === 'tender.publish'), JSON.stringify(s.actions));
  assert.ok(!page.url().includes('page=2'), 'a new search starts at its first page');

  // Not an IP address: the API refuses the query (400), the page says why.
  await page.fill('#ev-client', 'not-an-address');
  await page.locator('#ev-search').click();
  const alert = page.locator('.results [data-testid=problem]');
  await alert.waitFor();
  // The refusal's reason, said in the page's language (en here).
  assert.match(await alert.textContent(), /client address is an IP address/);
  await shot('refused');
  // The browser reports the refused request on its console; that one only.
  const refused = problems.splice(0);
  assert.ok(refused.every((p) => /status of 400/.test(p)), JSON.stringify(refused));
  await page.fill('#ev-client', '');
  await page.locator('#ev-search').click();
  await page.locator('#ev-table').waitFor();
  assert.deepEqual(problems, []);
});

test('the filtered events export as CSV and as JSON Lines, downloaded with the token', async () => {
  const all = [];
  for (let p = 1; ; p++) {
    const got = await api({ action: 'tender.publish', per_page: 100, page: p });
    all.push(...got.items);
    if (all.length >= got.total || !got.items.length) break;
  }
  const csv = await download('#export-csv');
  assert.equal(csv.name, 'audit-events.csv');
  const lines = csv.text.split('\r\n');
  assert.equal(lines[0], CSV_HEADER);
  assert.equal(lines.at(-1), '', 'the file ends with a line break');
  const rows = lines.slice(1, -1).map((l) => l.split(','));
  assert.deepEqual(rows.map((r) => Number(r[0])), all.map((e) => e.seq));
  assert.ok(rows.every((r) => r[4] === 'tender.publish'));
  assert.deepEqual(rows.map((r) => r[10]), all.map((e) => e.payload_sha256));
  assert.match(csv.said, /^Downloaded audit-events\.csv \(\d/);

  const jsonl = await download('#export-jsonl');
  assert.equal(jsonl.name, 'audit-events.jsonl');
  const events = jsonl.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  assert.deepEqual(events, all, 'every line is an event, as the listing gives it');
  await shot('exported');
  assert.deepEqual(problems, []);
});

test('the log is verified with the portal\'s sign-in, which outlives the check', async () => {
  await page.goto(`${base}/?lang=en#/audit`);
  await page.locator('form.audit-form').waitFor();
  assert.match(await page.locator('#audit-reader').textContent(), /^You are signed in as .+: the entries are checked with your sign-in/);
  assert.equal(await page.locator('#audit-cert').count(), 0, 'no key files asked again');
  await page.locator('form.audit-form button[type=submit]').click();
  const outcome = page.locator('#audit-outcome[data-state]');
  await outcome.waitFor({ timeout: 120_000 });
  await page.locator('form.audit-form button[type=submit]:enabled').waitFor();
  assert.equal(await outcome.getAttribute('data-state'), 'ok', await outcome.textContent());
  const steps = await page.locator('#audit-steps li').allTextContents();
  assert.match(steps[0], /^Using your sign-in: /);
  assert.ok(!steps.includes('Signed out.'), JSON.stringify(steps));
  const entries = await page.locator('#audit-outcome [data-count=entries]').textContent();
  assert.match(entries.trim(), /^\d+$/, 'the entries were checked');
  await shot('verified');
  // Still signed in: the page says so and the token still works.
  await page.locator('#sign-out').waitFor();
  const me = await fetch(`${base}/api/v1/audit/events?per_page=1`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);
  assert.deepEqual(problems, []);
});
