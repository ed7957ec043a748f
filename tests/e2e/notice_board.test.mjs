// The notice board as a visitor uses it, in a real (headless) Chromium, against
// a running ggzy with demo data. GGZY_BASE names the server (default
// http://127.0.0.1:8080); CHROMIUM the browser (default /usr/bin/chromium);
// GGZY_SCREENSHOTS a folder for pictures of the board and a tender (zh and
// en, 1280 and 375 px wide).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, watch } from './harness.mjs';
import { NARROW, assertNoOverflow, screenshot } from './layout.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
let browser, page;
const problems = [];

before(async () => {
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch(page, problems);
});

after(async () => {
  if (process.env.GGZY_SCREENSHOT) await page.screenshot({ path: process.env.GGZY_SCREENSHOT, fullPage: true });
  await browser?.close();
});

test('the board lists the published tenders in Chinese', async () => {
  await page.goto(base + '/');
  await page.locator('.tender-list .card').first().waitFor();
  assert.equal(await page.locator('.tender-list .card').count(), 6);
  assert.equal(await page.locator('h1.page-title').textContent(), '公告栏');
  assert.match(await page.locator('.tender-list').textContent(), /南宁市中小学智慧教室设备采购项目/);
  assert.match(await page.locator('.tender-list').textContent(), /¥12,800,000\.00/);
});

// The filters are Element Plus selects: the field (a combobox) opens its
// listbox from the keyboard, and the option is chosen from the list.
async function choose(id, label) {
  await page.focus(id);
  await page.keyboard.press('Enter');
  await page.getByRole('option', { name: label, exact: true }).click();
}

test('filters narrow the list and live in the address', async () => {
  await choose('#f-category', '工程建设');
  await page.click('form.filters button[type=submit]');
  await page.waitForFunction(() => location.hash.includes('category=engineering_construction'));
  await page.waitForFunction(() => document.querySelectorAll('.tender-list .card').length === 1);
  assert.match(await page.locator('.tender-list').textContent(), /柳州/);
  await page.fill('#f-q', '不存在的项目');
  await page.click('form.filters button[type=submit]');
  await page.locator('.results .empty').waitFor();
});

test('a tender shows its documents with their hash, its notices and clarifications', async () => {
  await page.goto(base + '/#/?league=NNG');
  await page.locator('.tender-list .card h2 a').first().click();
  await page.waitForFunction(() => location.hash.startsWith('#/tenders/'));
  await page.getByText('招标文件.md').waitFor();
  const text = await page.locator('#app').textContent();
  assert.match(text, /更正公告（第1号）/, 'the amendment is in the notice history');
  assert.match(text, /86 英寸/, 'the answered clarification is shown');
  const link = page.locator('a[href*="/documents/"]').first();
  const href = await link.getAttribute('href');
  const res = await page.request.get(new URL(href, base).toString());
  assert.equal(res.status(), 200);
  const sha = res.headers()['x-content-sha256'];
  assert.match(sha, /^[0-9a-f]{64}$/);
  assert.ok(text.includes(sha.slice(0, 12)), 'the page shows the document hash');
  assert.equal(await page.locator('#release-link').count(), 0, 'no release link before the opening');
});

// (The demo's tenders reach their opening as their deadlines pass: any in
// its opening will do.)
test('a tender in its opening shows its custodians the way to release their share', async () => {
  await page.goto(base + '/#/?status=opening');
  await page.locator('.tender-list .card').first().waitFor();
  await page.locator('.tender-list .card h2 a').first().click();
  const link = page.locator('#release-link');
  await link.waitFor();
  const id = await page.evaluate(() => location.hash.split('/')[2]);
  assert.equal(await link.getAttribute('href'), `#/tenders/${id}/release`);
});

test('English is one click away and remembered', async () => {
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.goto(base + '/');
  await page.locator('.tender-list .card').first().waitFor();
  assert.equal(await page.locator('h1.page-title').textContent(), 'Notice board');
  assert.deepEqual(problems, [], 'no script errors or failed requests');
});

// The board and a tender in each language: pictures at laptop and phone
// widths, and nothing wider than a phone's or a tablet's window.
test('the board and a tender fit phones and tablets, in Chinese and English', async () => {
  for (const lang of ['zh', 'en']) {
    for (const width of [1280, ...NARROW]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${base}/?lang=${lang}#/`);
      await page.locator('.tender-list .card').first().waitFor();
      await assertNoOverflow(page, `the board (${lang})`);
      if (width !== 768) await screenshot(page, `board-${lang}-${width}`);
      await page.locator('.tender-list .card h2 a', { hasText: '南宁市中小学智慧教室设备采购项目' }).click();
      await page.locator('table.documents').waitFor();
      await assertNoOverflow(page, `a tender (${lang})`);
      if (width !== 768) await screenshot(page, `tender-${lang}-${width}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(problems, [], 'no script errors or failed requests');
});
