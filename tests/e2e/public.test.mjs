// The public's pages in a real (headless) Chromium, against a running ggzy
// with demo data, never signed in: the notice list by kind and a notice's
// own page in Chinese and English (the platform's notices said in the
// reader's language, people's text as written and marked Chinese; land's
// notices in land's words), the opening of the demo's live tender followed
// in its hall by two visitors, one in Chinese and one in English, one of
// them losing its connection and resuming, the opening record filling as a
// table; results and the published report; open data and the API
// documentation as pages; the site's identity in the footer.
//
// Environment: GGZY_BASE (the server, started on a fresh data folder with
// GGZY_DEMO_LIVE_OPENING_MINUTES=2 or 3 so that the live opening happens
// during the run); CHROMIUM; GGZY_SCREENSHOTS=<folder> for pictures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, watch } from './harness.mjs';
import { assertNoOverflow, screenshot } from './layout.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
let browser;
const problems = [];

async function api(p) {
  const r = await fetch(base + p);
  assert.equal(r.status, 200, p);
  return r.json();
}
async function tenderNamed(q) {
  for (let i = 0; i < 240; i++) {
    const r = await api('/api/v1/tenders?q=' + encodeURIComponent(q));
    if (r.items.length) return r.items[0];
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`no tender ${q}`);
}
async function visitor(lang, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: lang === 'zh' ? 'zh-CN' : 'en-GB' });
  const page = await context.newPage();
  watch(page, problems);
  await page.goto(`${base}/?lang=${lang}#/`);
  return page;
}

before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  assert.deepEqual(problems, [], 'no script error, console error or failed request');
});

test('the notices are listed by kind, each on its own page, in the reader\'s language', async () => {
  // The finished procedure's opening record exists once it is done.
  for (let i = 0; i < 240; i++) {
    const r = await api('/api/v1/notices?kind=contract');
    if (r.total > 0) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  const zh = await visitor('zh');
  await zh.goto(base + '/#/notices?kind=opening');
  await zh.locator('.notice-list .card').first().waitFor();
  const kinds = await zh.locator('.notice-list .card').evaluateAll((cs) => cs.map((c) => c.dataset.kind));
  assert.ok(kinds.length >= 2 && kinds.every((k) => k === 'opening'), kinds.join());
  const text = await zh.locator('.notice-list').textContent();
  assert.match(text, /开标记录/, 'tendering says 开标');
  assert.match(text, /挂牌出让 — 报价记录公告/, 'a land grant speaks of quotes, not of an opening of bids');
  assert.doesNotMatch(text, /opening record/);
  await screenshot(zh, 'notices-zh-1280');

  // The opening record's notice on its own page, then in English.
  await zh.locator('.notice-list .card h2 a', { hasText: '第三中学' }).filter({ hasText: '开标记录' }).click();
  await zh.waitForFunction(() => /^#\/notices\/[^/]+\/\d+$/.test(location.hash));
  await zh.locator('[data-testid=notice-body]').waitFor();
  assert.match(await zh.locator('[data-testid=notice-body]').textContent(), /^开标完成：开启投标文件 4 份，有效 \d 份；/);
  const address = zh.url();
  await screenshot(zh, 'notice-zh-1280');

  const en = await visitor('en');
  await en.goto(address);
  await en.locator('[data-testid=notice-body]').waitFor();
  const title = await en.locator('[data-testid=notice-title]').textContent();
  assert.match(title, /— Opening record$/, title);
  assert.match(await en.locator('[data-testid=notice-body]').textContent(), /^Opening complete: 4 bids opened, \d valid; evaluation follows\.$/);
  // The tender's title inside the English title is Chinese, and says so.
  assert.equal(await en.locator('[data-testid=notice-title] span[lang=zh-CN]').count(), 1);
  assert.equal(await en.locator('[data-testid=notice-kind]').textContent(), 'Opening');
  await screenshot(en, 'notice-en-1280');

  // A notice people wrote stays as written, marked Chinese.
  await en.goto(base + '/#/notices?kind=amendment');
  await en.locator('.notice-list .card h2 a').first().click();
  await en.locator('[data-testid=notice-body]').waitFor();
  assert.equal(await en.locator('[data-testid=notice-body] span[lang=zh-CN]').count(), 1);
  await en.context().close();
  await zh.context().close();
});

test('the public follows the live opening in its hall, in Chinese and English, across a lost connection', async () => {
  const live = await tenderNamed('第十四中学');
  const deadline = new Date(live.bid_deadline).getTime();
  assert.ok(deadline > Date.now() - 60_000, 'start the server fresh with GGZY_DEMO_LIVE_OPENING_MINUTES=2 or 3');
  const zh = await visitor('zh');
  const en = await visitor('en', 375);
  for (const page of [zh, en]) {
    await page.goto(`${base}/#/tenders/${live.id}`);
    await page.locator('#hall-link').click();
    await page.waitForFunction(() => location.hash.endsWith('/hall'));
    await page.locator('[data-testid=live-state][data-state=live]').waitFor();
  }
  assert.match(await zh.locator('h1').textContent(), /开标大厅：南宁市第十四中学教室课桌椅采购项目/);
  assert.match(await en.locator('h1').textContent(), /^Opening hall: /);
  await screenshot(zh, 'hall-waiting-zh-1280');

  // The English visitor's network goes away: the page says so and comes
  // back by itself, resuming after the last event it has.
  // While it is offline, its tries to reconnect fail as they must: those
  // failures (and only those) are not the page's faults.
  const offlineFrom = problems.length;
  await en.context().setOffline(true);
  await en.locator('[data-testid=live-state][data-state=reconnecting]').waitFor({ timeout: 60_000 });
  await screenshot(en, 'hall-reconnecting-en-375');
  await en.context().setOffline(false);
  await en.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 60_000 });
  const whileOffline = problems.splice(offlineFrom);
  problems.push(...whileOffline.filter((p) => !p.includes('net::ERR_INTERNET_DISCONNECTED')));

  // The deadline passes, the custodians release, the bids are read out.
  const wait = Math.max(0, deadline - Date.now()) + 120_000;
  for (const page of [zh, en]) {
    await page.locator('[data-testid=hall-events] [data-kind="opening.completed"]').waitFor({ timeout: wait });
    await page.locator('[data-testid=record-summary]').waitFor();
    assert.equal(await page.locator('.opening-table tbody tr').count(), 3);
  }
  assert.match(await zh.locator('[data-testid=record-summary]').textContent(), /有效 3 份 \/ 共 3 份/);
  assert.match(await en.locator('[data-testid=record-summary]').textContent(), /3 valid of 3/);
  assert.match(await zh.locator('[data-testid=hall-events]').textContent(), /开标完成/);
  // Every event once, in order, despite the reconnection.
  for (const page of [zh, en]) {
    const seqs = await page.locator('[data-testid=hall-events] .seq').evaluateAll((s) => s.map((x) => Number(x.textContent.slice(1))));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
    assert.equal(new Set(seqs).size, seqs.length);
    assert.equal(seqs.at(-1), 1);
  }
  await assertNoOverflow(en, 'the hall at 375 px');
  await screenshot(zh, 'hall-zh-1280');
  await screenshot(en, 'hall-en-375');
  await zh.context().close();
  await en.context().close();
});

test('every notice the platform wrote reads in English on an English page, of every kind, result notices included', async () => {
  // The finished procedure's result (award) and contract notices are public
  // once published (政府采购法实施条例 第43条), with no sign-in.
  for (let i = 0; i < 240; i++) {
    const r = await api('/api/v1/notices?kind=contract');
    if (r.total > 0) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  const all = await api('/api/v1/notices?per_page=100');
  const kinds = new Set(all.items.map((x) => x.notice.kind));
  for (const k of ['award', 'contract', 'opening', 'clarification']) assert.ok(kinds.has(k), `a ${k} notice: ${[...kinds]}`);
  const en = await visitor('en');
  // The result notices are listed for the public.
  await en.goto(base + '/#/notices?kind=award');
  await en.locator('.notice-list .card[data-kind=award]').first().waitFor();
  const han = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;
  // The page's own words: the title and body less what is marked Chinese
  // (people's text, names, the law's articles cited).
  const own = (sel) => en.locator(sel).evaluate((el) => {
    const c = el.cloneNode(true);
    c.querySelectorAll('[lang="zh-CN"]').forEach((s) => s.remove());
    return c.textContent;
  });
  const platforms = all.items.filter((x) => x.notice.words);
  assert.ok(platforms.some((x) => x.notice.kind === 'award' && x.notice.words.body?.key === 'award'), 'the award is said in words');
  for (const x of platforms) {
    await en.goto(`${base}/#/notices/${x.tender_id}/${x.notice.seq}`);
    await en.locator('[data-testid=notice-kind]').waitFor();
    const where = `${x.notice.kind} ${x.tender_id}/${x.notice.seq}`;
    if (x.notice.words.title) assert.doesNotMatch(await own('[data-testid=notice-title]'), han, where);
    if (x.notice.words.body) {
      const body = await own('[data-testid=notice-body]');
      assert.ok(body.trim(), where);
      assert.doesNotMatch(body, han, `${where}: ${body}`);
    }
    if (x.notice.kind === 'award') {
      assert.match(await own('[data-testid=notice-body]'), /^Award:\nThe project: Awarded supplier , awarded at ¥[\d.]+ \(ranked 1 in the evaluation report\)/);
      await screenshot(en, 'notice-award-en-1280');
    }
  }
  // The decided tender's page shows its result to the public.
  const finished = await tenderNamed('第三中学');
  await en.goto(`${base}/#/tenders/${finished.id}`);
  await en.locator('[data-testid=results] table.ranking tbody tr').first().waitFor();
  await en.context().close();
});

test('a decided tender shows its result and the published report', async () => {
  const finished = await tenderNamed('第三中学');
  const zh = await visitor('zh');
  await zh.goto(`${base}/#/tenders/${finished.id}`);
  await zh.locator('[data-testid=results] table.ranking tbody tr').first().waitFor();
  const text = await zh.locator('[data-testid=results]').textContent();
  assert.match(text, /中标（成交）结果公告/);
  assert.match(text, /评审委员会成员/);
  await screenshot(zh, 'results-zh-1280');
  await zh.context().close();
});

test('open data, the API documentation and the site\'s identity are readable pages', async () => {
  const en = await visitor('en');
  await en.locator('#nav-opendata').click();
  await en.locator('[data-testid=releases] tbody tr').first().waitFor();
  assert.equal(await en.locator('[data-testid=raw-feed]').getAttribute('href'), '/api/v1/opendata/releases?page=1&per_page=20');
  await en.locator('[data-testid=releases] tbody tr td:nth-child(4) a').first().click();
  await en.locator('[data-testid=tender-releases] tbody tr').first().waitFor();
  await screenshot(en, 'opendata-tender-en-1280');

  await en.goto(base + '/#/api-docs');
  await en.locator('.api-op').first().waitFor();
  await en.fill('#api-filter', '/api/v1/notices');
  await en.locator('#op-get--api-v1-notices').waitFor();
  await en.locator('#op-get--api-v1-notices summary').click();
  assert.match(await en.locator('#op-get--api-v1-notices').textContent(), /kind/);
  await screenshot(en, 'api-docs-en-1280');

  const footer = await en.locator('[data-testid=site-identity]').textContent();
  assert.match(footer, /ICP filing/);
  assert.match(footer, /桂ICP备/);
  assert.match(footer, /Guangxi Public Resource Trading Platform \(demo\)/);
  await en.context().close();
});
