// Every main page of the portal checked for accessibility and layout, in a
// real (headless) Chromium, against a running ggzy with its demo data, in
// Chinese and English, signed out and signed in as the user who reads it:
//
// - axe-core (injected from node_modules, nothing from another origin) at the
//   WCAG 2.0 and 2.1 A and AA rules, at 1280 and 375 px: no violation;
// - the keyboard: from the top of a page, Tab reaches the skip link first,
//   which moves to the page's content, then the page's controls in the
//   order they are read, each with a visible focus ring; the language
//   switch works from the keyboard; a dialog keeps the focus inside and
//   gives it back to the button that opened it;
// - the layout: nothing wider than the window at 375 px (a phone) nor at
//   1024 px (a tablet held upright), no message key or untranslated name
//   left in the page;
// - GGZY_SCREENSHOTS=<folder>: a picture of each page in each language at
//   1280×900, 1024×1366 and 375×800, named <page>-<lang>-<width>.png.
//
// The pages: the notice board, a tender, the notices, a notice, a tender's
// opening hall, open data (the feed and a tender's), the API documentation, sign-in, e-mail verification, the
// audit log's verification (signed out and as a supervisor), the audit
// events, an opening-key share release, the expert's home, the bidder's
// tenders and its page for one tender, its messages and its notification
// settings (as 广西建工集团), the evaluation
// room (a supervisor watching, and a member), a venue's sign-in sheet, the
// supervisor's cockpit and a tender's timeline; the tenderer's tenders, its
// draft form and its management page of the finished tender; the operators'
// pages (their start as a visitor sees it, with its ways in; accounts, trust
// services, recognition, the signed trust lists, the expert pool, leagues,
// health, the platform's key share) as the demo platform operator, signed in
// with the certificate the platform's staff CA issued it. The demo's finished
// procedure (awarded, its room closed) gives the tender, the room, the
// venue and the timeline; its NNG supervisor and one of its committee's
// demo experts sign in with their demo keys.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder, for the
// demo keys under pki-demo); CHROMIUM (default /usr/bin/chromium);
// GGZY_SCREENSHOTS=<folder> saves the pictures; GGZY_A11Y_REPORT=<file>
// writes axe-core's findings there as JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { assertNoOverflow, screenshot } from './layout.mjs';
import { need } from './harness.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder, for its pki-demo');
const pki = path.join(data, 'pki-demo');
for (let i = 0; i < 240 && !existsSync(path.join(pki, 'manifest.json')); i++) await new Promise((r) => setTimeout(r, 250));
const manifest = JSON.parse(readFileSync(path.join(pki, 'manifest.json'), 'utf8'));
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LANGS = ['zh', 'en'];
const SIZES = [{ width: 1280, height: 900 }, { width: 1024, height: 1366 }, { width: 375, height: 800 }];

let browser;
const problems = [];
const contexts = {};
let finished; // the demo's finished tender
let opening; // the demo's tender waiting in its opening
let expert; // a demo expert of its committee
let bidTender; // an NNG tender open for bids, for the bidder's pages
const bidderCert = manifest.certificates.find((c) => c.kind === 'enterprise' && c.credit_code === '91450000MA5L13579M');

// The demo's finished procedure: opened, drawn, evaluated, awarded.
async function finishedTender() {
  for (let i = 0; i < 240; i++) {
    const list = await (await fetch(`${base}/api/v1/tenders?per_page=100`)).json();
    const t = list.items.find((x) => x.league_code === 'NNG' && ['awarded', 'closed'].includes(x.status));
    if (t) return t;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo\'s finished tender did not reach its award');
}

function watch(page, who) {
  page.on('pageerror', (e) => problems.push(`${who}: page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${who}: console: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${who}: ${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => {
    // A page left while a request or a socket runs aborts it; nothing failed.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`${who}: failed: ${r.url()} ${r.failure()?.errorText}`);
  });
}

// One tab per user (the session lives in the tab's sessionStorage).
async function tab(who) {
  if (contexts[who]) return contexts[who];
  const context = await browser.newContext({ viewport: SIZES[0], locale: 'zh-CN', timezoneId: 'America/New_York' });
  const page = await context.newPage();
  watch(page, who);
  if (who !== 'visitor') {
    // The platform operator (of no league) signs in like anyone, with the
    // certificate the platform's staff CA issued it.
    const c = who === 'operator'
      ? manifest.certificates.find((x) => x.kind === 'operator' && x.league === '')
      : who === 'supervisor'
      ? manifest.certificates.find((x) => x.kind === 'supervisor' && x.league === 'NNG' && !x.revoked)
      : who === 'tenderer'
        ? manifest.certificates.find((x) => x.kind === 'enterprise' && x.credit_code === '11450100MB1234567D')
        : who === 'bidder'
          // The demo's bidding enterprise with an account: 广西建工集团.
          ? { ...bidderCert, key: bidderCert.cert.replace('.cert.pem', '.key.pem') }
          : expert;
    await page.goto(`${base}/?lang=zh#/sign-in?next=%2Faudit`);
    await page.setInputFiles('#signin-cert', path.join(pki, c.cert));
    await page.setInputFiles('#signin-key', path.join(pki, c.key));
    await page.click('#signin-submit');
    await page.waitForURL((u) => u.hash.startsWith('#/audit'), { timeout: 20_000 });
  }
  contexts[who] = page;
  return page;
}

// The pages, each with who reads it and what shows that it is ready.
const PAGES = () => [
  { name: 'board', who: 'visitor', path: '/', ready: ['.tender-list .card'] },
  { name: 'tender', who: 'visitor', path: `/tenders/${finished.id}`, ready: ['[data-testid=sha256]', '#s-notices'] },
  { name: 'notices', who: 'visitor', path: '/notices', ready: ['.notice-list .card', '[data-testid=site-identity]'] },
  { name: 'notice', who: 'visitor', path: `/notices/${finished.id}/1`, ready: ['[data-testid=notice-body]'] },
  { name: 'hall', who: 'visitor', path: `/tenders/${finished.id}/hall`, ready: ['[data-testid=live-state][data-state=live]', '.opening-table tbody tr'] },
  { name: 'opendata', who: 'visitor', path: '/opendata', ready: ['[data-testid=releases] tbody tr'] },
  { name: 'opendata-tender', who: 'visitor', path: `/opendata/tenders/${finished.id}`, ready: ['[data-testid=tender-releases] tbody tr'] },
  { name: 'api-docs', who: 'visitor', path: '/api-docs', ready: ['.api-op'] },
  { name: 'sign-in', who: 'visitor', path: '/sign-in', ready: ['#signin-submit'] },
  { name: 'verify-email', who: 'visitor', path: '/verify-email/a11ycheck', ready: ['#verify-email'] },
  { name: 'audit', who: 'visitor', path: '/audit', ready: ['#audit-vkey', '#audit-cert'] },
  { name: 'audit-supervisor', who: 'supervisor', path: '/audit', ready: ['#audit-reader'] },
  { name: 'audit-events', who: 'supervisor', path: '/audit/events', ready: ['#ev-table tbody tr'] },
  // The demo's land listing waits in its opening for its custodians.
  { name: 'release', who: 'visitor', path: `/tenders/${opening.id}/release`, ready: ['#share-cert', '#opening-progress:not(:empty)'] },
  { name: 'expert', who: 'expert', path: '/expert', ready: ['[data-testid=seats] li', '#save-availability'] },
  { name: 'room-closed-watcher', who: 'supervisor', path: `/rooms/${finished.id}`, ready: ['[data-testid=live-state][data-state=live]'], closed: true },
  { name: 'room-closed-member', who: 'expert', path: `/rooms/${finished.id}`, ready: ['[data-testid=live-state][data-state=live]'], closed: true },
  { name: 'venue', who: 'supervisor', path: `/rooms/${finished.id}/venues/${finished.league_code}`, ready: ['[data-testid=venue-sheet] tbody tr'] },
  { name: 'bidder-mine', who: 'bidder', path: '/bidder', ready: ['[data-testid=my-tenders] tbody tr'] },
  { name: 'bidder-tender', who: 'bidder', path: `/bidder/tenders/${bidTender.id}`, ready: ['#bid-submit', '[data-testid=windows] tbody tr'] },
  // Every signed-in user's messages and notification settings (as the bidder).
  { name: 'inbox', who: 'bidder', path: '/inbox', ready: ['[data-testid=inbox-list] li'] },
  { name: 'notification-settings', who: 'bidder', path: '/settings/notifications', ready: ['[data-testid=kinds] li', '[data-testid=email-state]'] },
  { name: 'cockpit', who: 'supervisor', path: '/supervision', ready: ['#feed-state[data-state=live]', '[data-testid=feed] tbody tr'] },
  // The tenderer's pages: its tenders, the draft form, the finished tender it runs.
  { name: 'my-tenders', who: 'tenderer', path: '/my/tenders', ready: ['[data-testid=my-tenders] li'] },
  { name: 'draft', who: 'tenderer', path: '/my/tenders/new', ready: ['#draft-form', '[data-testid=deadline-hint] span'] },
  { name: 'manage', who: 'tenderer', path: `/my/tenders/${finished.id}`, ready: ['[data-testid=manage-title]', '[data-testid=documents]', '[data-testid=contracts]'] },
  { name: 'timeline', who: 'supervisor', path: `/supervision/tenders/${finished.id}`, ready: ['#draw-verified[data-verified=true]', '[data-testid=timeline] [data-source]'] },
  // The operators' pages, as a platform operator.
  { name: 'operator-sign-in', who: 'visitor', path: '/operator', ready: ['#op-token'] },
  { name: 'operator', who: 'operator', path: '/operator', ready: ['#operator-kind', '#tile-accounts'] },
  { name: 'operator-accounts', who: 'operator', path: '/operator/accounts', ready: ['#accounts-table tbody tr', '#account-create'] },
  { name: 'operator-trust', who: 'operator', path: '/operator/trust', ready: ['#services li', '#service-register'] },
  { name: 'operator-trust-league', who: 'operator', path: '/operator/trust?league=NNG', ready: ['#services li', '#requirements-panel', '#requirement-form'] },
  { name: 'operator-recognitions', who: 'operator', path: '/operator/recognitions', ready: ['#recognition-matrix .cell-on', '#recognition-create'] },
  { name: 'operator-trust-lists', who: 'operator', path: '/operator/trust-lists', ready: ['#list-verdict[data-verdict]'] },
  { name: 'operator-experts', who: 'operator', path: '/operator/experts', ready: ['#experts li', '#expert-form'] },
  { name: 'operator-leagues', who: 'operator', path: '/operator/leagues', ready: ['#leagues-table tbody tr'] },
  { name: 'operator-health', who: 'operator', path: '/operator/health', ready: ['#health-figures [data-metric]', '#dead-letters #dead-none'] },
  { name: 'operator-calendar', who: 'operator', path: '/operator/calendar', ready: ['#calendar-months li', '#calendar-edit'] },
  { name: 'operator-platform-share', who: 'operator', path: '/operator/platform-share', ready: ['main h1'] },
];

// Opens a page in a language and waits until it shows what it is for.
async function open(p, lang) {
  const page = await tab(p.who);
  await page.goto(`${base}/?lang=${lang}#${p.path}`);
  const where = `${p.name} (${lang})`;
  for (const sel of p.ready) await page.locator(sel).first().waitFor({ timeout: 30_000 }).catch((e) => { throw new Error(`${where}: ${sel}: ${e.message}`); });
  if (p.closed) {
    await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('[data-testid=room-phase]')?.textContent ?? ''),
      lang === 'zh' ? '评标已结束' : 'Evaluation finished', { timeout: 30_000 }).catch((e) => { throw new Error(`${where}: the room closed: ${e.message}`); });
  }
  await page.waitForFunction(() => !document.querySelector('.loading, .el-loading-mask, .is-loading'), null, { timeout: 30_000 })
    .catch((e) => { throw new Error(`${where}: still loading: ${e.message}`); });
  // Element Plus's transitions done, the fonts in.
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(400);
  return page;
}

// axe-core, from node_modules, at WCAG 2.0/2.1 A and AA. The portal's
// content security policy allows this origin's scripts only (no inline
// script): the file is answered at a path of this origin that the server
// does not have, so that the page runs under its own policy.
const AXE_URL = `${base}/__test__/axe.min.js`;
async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.route(AXE_URL, (route) => route.fulfill({ path: axeSource, contentType: 'text/javascript' }));
    await page.addScriptTag({ url: AXE_URL });
  }
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 160), data: n.any?.[0]?.data })),
    }));
  }, WCAG);
}

function describe(found) {
  return found.map((v) => `${v.where}: ${v.id} (${v.impact}) ${v.help}\n` + v.nodes.slice(0, 6)
    .map((n) => `    ${n.target}  ${n.html}\n      ${n.summary?.replace(/\n/g, '\n      ')}`).join('\n')).join('\n');
}

// Words of the portal's catalogue left unsaid (a message key shown as it
// is) and, in an English page, Chinese outside the data the platform holds
// (titles, names, documents: marked by `lang` or by being a record's text).
async function untranslated(page, lang) {
  return page.evaluate((lang) => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const key = /\b(?:board|room|cockpit|timeline|audit|expert|signIn|release|venue|live|session|nav|problem|verifyEmail|enum|footer|names|tenderer|operator|inbox|notifySettings)\.[A-Za-z_]+(?:\.[A-Za-z_]+)*\b/;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      // (Codes are shown as codes: in code, pre or monospace; the API
      // documentation's texts, `data-doc`, are the server's, codes included.)
      if (!el || el.closest('code, pre, .mono, script, style, [hidden], [data-doc]') || !el.getClientRects().length) continue;
      const text = n.textContent.trim();
      if (!text) continue;
      if (key.test(text)) out.push(`key: ${text.slice(0, 80)}`);
    }
    if (lang === 'en') {
      // The frame of an English page and its section headings, labels and
      // legends say nothing in Chinese (titles, names and documents are the
      // record's own words, in the language they were written in).
      for (const el of document.querySelectorAll('.site-header a, .site-header button, .site-footer, h2:not(.card-title), legend, label')) {
        const own = [...el.childNodes].filter((c) => c.nodeType === 3).map((c) => c.textContent).join('').trim();
        if (/[\u4e00-\u9fff]/.test(own) && !el.closest('[lang^=zh]')) out.push(`zh in en: <${el.tagName.toLowerCase()}> ${own.slice(0, 80)}`);
      }
      // The record's Chinese (a title, a name, a notice) is marked zh-CN, so
      // that a screen reader reads it in Chinese; nothing without Chinese in
      // it is marked Chinese. (Alerts are said as the server words them.)
      const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest('script, style, [hidden], [data-source=alert], [data-testid=alert]') || !el.getClientRects().length) continue;
        const text = n.textContent.trim();
        if (/\p{Script=Han}/u.test(text) && !el.closest('[lang]')?.getAttribute('lang').startsWith('zh')) out.push(`zh not marked zh-CN: <${el.tagName.toLowerCase()}> ${text.slice(0, 80)}`);
      }
      for (const el of document.body.querySelectorAll('[lang^=zh]')) {
        if (el.getClientRects().length && el.textContent.trim() && !/\p{Script=Han}/u.test(el.textContent)) out.push(`marked zh-CN without Chinese: <${el.tagName.toLowerCase()}> ${el.textContent.trim().slice(0, 80)}`);
      }
    }
    return out;
  }, lang);
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  finished = await finishedTender();
  // The land listing, whose custodians never release (the live tender
  // passes through its opening in seconds, some minutes after the start).
  opening = (await (await fetch(`${base}/api/v1/tenders?per_page=100&status=opening`)).json()).items
    .sort((a, b) => a.bid_deadline.localeCompare(b.bid_deadline))[0];
  assert.ok(opening, 'the demo has a tender in its opening');
  bidTender = (await (await fetch(`${base}/api/v1/tenders?per_page=100&status=published`)).json()).items
    .filter((x) => x.league_code === 'NNG' && new Date(x.bid_deadline).getTime() > Date.now() + 86400_000)
    .sort((a, b) => a.reference.localeCompare(b.reference))[0];
  assert.ok(bidTender, 'the demo has an NNG tender open for bids');
  // A demo expert who sat on its committee (the demo's experts with keys).
  const sup = await tab('supervisor');
  const token = await sup.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  const sheet = await (await fetch(`${base}/api/v1/tenders/${finished.id}/evaluation/venues/${finished.league_code}/sign-in`,
    { headers: { Authorization: `Bearer ${token}` } })).json();
  const names = new Set(sheet.members.map((m) => m.name));
  expert = manifest.certificates.find((c) => c.kind === 'expert' && !c.revoked && names.has(c.name));
  assert.ok(expert, `a demo expert with keys sits on the committee (${[...names]})`);
});

after(async () => browser?.close());

test('every main page passes axe-core at WCAG 2.1 A/AA, in Chinese and English, at 1280 and 375 px', async (t) => {
  const found = [];
  for (const p of PAGES()) {
    for (const lang of LANGS) {
      const page = await open(p, lang);
      for (const size of [SIZES[0], SIZES[2]]) {
        await page.setViewportSize(size);
        await page.waitForTimeout(200);
        for (const v of await axe(page)) found.push({ where: `${p.name} ${lang} ${size.width}`, ...v });
      }
      await page.setViewportSize(SIZES[0]);
    }
  }
  const byRule = {};
  for (const v of found) byRule[v.id] = (byRule[v.id] ?? 0) + v.nodes.length;
  t.diagnostic(`axe violations by rule (nodes): ${JSON.stringify(byRule)}`);
  if (process.env.GGZY_A11Y_REPORT) writeFileSync(process.env.GGZY_A11Y_REPORT, JSON.stringify(found, null, 1));
  assert.equal(found.length, 0, `axe-core violations:\n${describe(found)}`);
});

test('the board\'s select lists, opened, pass axe-core too', async () => {
  const page = await open(PAGES()[0], 'zh');
  await page.focus('#f-category');
  await page.keyboard.press('Enter');
  await page.getByRole('option', { name: '工程建设', exact: true }).waitFor();
  const found = (await axe(page)).map((v) => ({ where: 'board zh, a select open', ...v }));
  await page.keyboard.press('Escape');
  assert.equal(found.length, 0, `axe-core violations:\n${describe(found)}`);
});

test('the action pickers, opened, and the acknowledged alerts pass axe-core too', async () => {
  const found = [];
  const cockpit = PAGES().find((p) => p.name === 'cockpit');
  for (const lang of ['zh', 'en']) {
    const page = await open(cockpit, lang);
    await page.locator('label.el-checkbox', { has: page.locator('#alerts-all') }).click();
    await page.locator('#acked-alerts-heading').waitFor();
    await page.focus('#feed-action');
    await page.keyboard.type(lang === 'zh' ? '发布' : 'publish');
    await page.locator('.action-picker-popper li').first().waitFor();
    found.push(...(await axe(page)).map((v) => ({ where: `cockpit ${lang}, acknowledged alerts shown, the action picker open`, ...v })));
    await page.keyboard.press('Escape');
  }
  const events = await open(PAGES().find((p) => p.name === 'audit-events'), 'zh');
  await events.focus('#ev-action');
  await events.keyboard.type('tender.');
  await events.locator('.action-picker-popper li').first().waitFor();
  found.push(...(await axe(events)).map((v) => ({ where: 'audit events zh, the action picker open', ...v })));
  await events.keyboard.press('Escape');
  assert.equal(found.length, 0, `axe-core violations:\n${describe(found)}`);
});

// What the focus is on: its id or its text, where it is in the page, and
// whether a ring of at least 2 px is drawn around it, around the Element
// Plus wrapper it sits in (an input's box), or beside it (the box of a
// checkbox or a switch whose own input is hidden).
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const ringed = (e) => {
      const s = getComputedStyle(e);
      return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && !/rgba\(.*, 0\)$|transparent/.test(s.outlineColor);
    };
    let ring = false;
    for (let e = el, i = 0; e && i < 5 && !ring; e = e.parentElement, i++) ring = ringed(e);
    for (let sib = el.nextElementSibling; sib && !ring; sib = sib.nextElementSibling) ring = ringed(sib);
    // A hidden input is seen as the control drawn for it.
    const own = el.getBoundingClientRect();
    const shown = own.width > 1 && own.height > 1 && getComputedStyle(el).opacity !== '0'
      ? el : (el.closest('label, .el-switch, .el-checkbox, .el-radio') ?? el);
    const r = shown.getBoundingClientRect();
    const label = el.id || el.getAttribute('aria-label') || (el.textContent ?? '').trim().slice(0, 40) || el.tagName;
    const pos = [...document.querySelectorAll('*')].indexOf(el);
    return { label, id: el.id, tag: el.tagName.toLowerCase(), ring, pos, visible: r.width > 1 && r.height > 1 && r.bottom > 0 && r.top < innerHeight };
  });
}

// Puts the keyboard at the top of the page, before its first control (as a
// page loaded from the address bar has it): a mark at the body's start
// takes the focus, and the next Tab goes on from there.
async function fromTop(page) {
  await page.evaluate(() => {
    window.scrollTo(0, 0);
    const mark = document.createElement('span');
    mark.tabIndex = -1;
    mark.id = '__top';
    document.body.prepend(mark);
    mark.focus();
  });
  await page.keyboard.press('Tab');
  await page.evaluate(() => document.getElementById('__top')?.remove());
}

// Tab from the top of the page: the stops in order, at most `n`.
async function tabThrough(page, n, stop) {
  await fromTop(page);
  const stops = [];
  for (let i = 0; i < n; i++) {
    const f = await focused(page);
    // Past the page's last control, or round to its first again.
    if (!f || (stops.length && f.pos === stops[0].pos)) break;
    stops.push(f);
    if (stop?.(f)) break;
    await page.keyboard.press('Tab');
  }
  return stops;
}

test('from the top of the board, Tab reaches the skip link, the header, then the filters and the list, each with a visible ring', async () => {
  for (const lang of LANGS) {
    const page = await open(PAGES()[0], lang);
    await fromTop(page);
    const skip = await focused(page);
    assert.equal(skip.tag, 'a', 'the first stop is the skip link');
    assert.ok(skip.visible && skip.ring, `the skip link is shown with a ring when focused: ${JSON.stringify(skip)}`);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'the skip link moves to the content');
    const stops = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      stops.push(f);
      if (f?.tag === 'a' && f.label && await page.evaluate(() => !!document.activeElement.closest('.card-title'))) break;
    }
    const ids = stops.map((s) => s.id || s.label);
    const order = ['f-category', 'f-league', 'f-status', 'f-q'];
    assert.deepEqual(ids.filter((x) => order.includes(x)), order, `the filters in order: ${ids}`);
    assert.ok(stops.at(-1) && (await page.evaluate(() => !!document.activeElement.closest('.card-title'))), `then a tender's title: ${ids}`);
    for (const s of stops) assert.ok(s.ring && s.visible, `a visible focus ring on ${JSON.stringify(s)} (${lang})`);
  }
});

test('on every page, Tab goes through the controls in the order they are read, each with a visible ring', async () => {
  const bad = [];
  for (const p of PAGES()) {
    const page = await open(p, 'zh');
    const stops = await tabThrough(page, 60);
    assert.ok(stops.length > 3, `${p.name}: Tab reaches something (${stops.length})`);
    assert.equal(stops[0].tag, 'a', `${p.name}: the skip link first`);
    // The focus follows the document (no tabindex puts a control out of
    // place), and none is hidden or drawn without a ring.
    // (A date and time field is one element with a stop for each part.)
    for (const [i, s] of stops.entries()) {
      if (i && s.pos === stops[i - 1].pos) continue;
      if (!s.ring || !s.visible) bad.push(`${p.name}: no visible ring: ${JSON.stringify(s)}`);
      if (i && s.pos < stops[i - 1].pos) bad.push(`${p.name}: ${s.label} after ${stops[i - 1].label}, before it in the page`);
    }
  }
  assert.deepEqual(bad, []);
});

// The portal's one dialog: declining an invitation. The demo's experts
// have answered theirs, so the expert's list is given one more, open
// invitation to a real tender (answered with the server's list; nothing is
// declined: the dialog is left with Escape).
test('the decline dialog keeps the focus inside, passes axe-core, and gives the focus back', async () => {
  const page = await tab('expert');
  const other = (await (await fetch(`${base}/api/v1/tenders?per_page=100&status=published`)).json()).items[0];
  const invitation = {
    tender_id: other.id, reference: other.reference, title: other.title, bid_deadline: other.bid_deadline,
    venue: { league: other.league_code, name: other.league_name ?? other.league_code }, status: 'invited',
    invited_at: new Date().toISOString(), answer_by: new Date(Date.now() + 3 * 3600_000).toISOString(),
  };
  await page.route('**/api/v1/experts/me/invitations', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    route.fulfill({ response: res, json: { ...body, items: [invitation, ...body.items] } });
  });
  try {
    for (const lang of LANGS) {
      await page.goto(`${base}/?lang=${lang}#/expert`);
      const decline = page.locator('.invitation .decline').first();
      await decline.waitFor();
      await decline.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await page.locator('#decline-reason').waitFor();
      await page.waitForTimeout(400);
      const inside = () => page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'));
      assert.ok(await inside(), 'the dialog takes the focus');
      for (const key of [...Array(8).fill('Tab'), ...Array(8).fill('Shift+Tab')]) {
        await page.keyboard.press(key);
        assert.ok(await inside(), `the focus stays in the dialog (${key})`);
        const f = await focused(page);
        assert.ok(f.ring && f.visible, `a visible ring in the dialog: ${JSON.stringify(f)}`);
      }
      const found = (await axe(page)).map((v) => ({ where: `decline dialog ${lang}`, ...v }));
      assert.equal(found.length, 0, `axe-core violations:\n${describe(found)}`);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      await page.waitForFunction(() => document.activeElement?.classList.contains('decline'), null, { timeout: 5000 })
        .catch(() => { throw new Error('the focus goes back to the button that opened the dialog'); });
    }
  } finally {
    await page.unroute('**/api/v1/experts/me/invitations');
  }
});

test('the language switch works from the keyboard and keeps the focus', async () => {
  const page = await open(PAGES()[0], 'zh');
  await page.focus('#lang-toggle');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.locator('h1').textContent(), 'Notice board');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'lang-toggle');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.equal(await page.locator('h1').textContent(), '公告栏');
});

// On a phone the header is one row: the site's name and a Menu button that
// opens the site's links, the language and the session below it (it was
// three ragged rows). The button says whether the menu is open; Enter opens
// it, Tab goes into it, Escape closes it and gives the button the focus
// back; nothing is wider than the window, open or closed.
test('at 375 px the header is one row and its menu works from the keyboard', async () => {
  const page = await tab('supervisor');
  for (const lang of LANGS) {
    await page.setViewportSize(SIZES[2]);
    await open(PAGES().find((p) => p.name === 'cockpit'), lang);
    const row = await page.evaluate(() => {
      const rect = (s) => document.querySelector(s).getBoundingClientRect();
      return { header: rect('.site-header').height, brand: rect('.brand'), menu: rect('#menu-toggle'), nav: getComputedStyle(document.querySelector('#site-nav')).display };
    });
    assert.ok(row.header <= 72, `${lang}: the header is one row (${row.header} px)`);
    assert.ok(Math.abs((row.brand.top + row.brand.bottom) / 2 - (row.menu.top + row.menu.bottom) / 2) < 4, `${lang}: the name and the menu button side by side`);
    assert.equal(row.nav, 'none', `${lang}: the links folded into the menu`);
    const menu = page.locator('#menu-toggle');
    // Its name: the menu, and the unread count when there is one (the badge on the folded menu).
    assert.match((await menu.textContent()).trim(), lang === 'zh' ? /^菜单(\d+条未读消息)?$/ : /^Menu(\d+unread messages)?$/);
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    assert.equal(await menu.getAttribute('aria-controls'), 'site-nav');
    await menu.focus();
    await page.keyboard.press('Enter');
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await page.locator('#site-nav a', { hasText: lang === 'zh' ? '审计日志验证' : 'Audit log verification' }).waitFor();
    await page.locator('#nav-cockpit').waitFor();
    await page.locator('#lang-toggle').waitFor();
    await page.getByTestId('session').waitFor();
    await assertNoOverflow(page, `the open menu (${lang})`);
    const found = (await axe(page)).map((v) => ({ where: `the open menu ${lang}`, ...v }));
    assert.equal(found.length, 0, `axe-core violations:\n${describe(found)}`);
    await screenshot(page, `menu-${lang}-375`);
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !!document.activeElement?.closest('#site-nav')), `${lang}: Tab goes into the menu`);
    await page.keyboard.press('Escape');
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'menu-toggle', `${lang}: Escape gives the button the focus back`);
    assert.equal(await page.locator('#site-nav').evaluate((n) => getComputedStyle(n).display), 'none');
    // A page chosen from the menu closes it.
    await page.keyboard.press('Enter');
    await page.click('#nav-audit-events');
    await page.waitForURL((u) => u.hash.startsWith('#/audit/events'));
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  }
  await page.setViewportSize(SIZES[0]);
  // Wide, the links are in the header and the button is not there.
  await open(PAGES().find((p) => p.name === 'cockpit'), 'zh');
  assert.equal(await page.locator('#menu-toggle').isVisible(), false);
  assert.equal(await page.locator('#nav-cockpit').isVisible(), true);
});

// Element Plus's date pickers speak the page's language (ElConfigProvider
// with zh-cn or en, following the switch): the month and the weekdays in
// Chinese on a Chinese page, in English on an English one, and again after
// the switch without a reload. The open panel passes axe-core too.
test('the audit events\' date picker speaks the page\'s language', async () => {
  const page = await open(PAGES().find((p) => p.name === 'audit-events'), 'zh');
  const panel = async () => {
    await page.click('#ev-from');
    const p = page.locator('.el-picker-panel.el-date-picker:visible').first();
    await p.waitFor();
    await page.waitForTimeout(300);
    return {
      header: (await p.locator('.el-date-picker__header').textContent()).replace(/\s+/g, ' ').trim(),
      days: (await p.locator('table.el-date-table th').allTextContents()).map((d) => d.trim()),
      footer: (await p.locator('.el-picker-panel__footer button:visible').allTextContents()).map((b) => b.trim()).join(' '),
    };
  };
  const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December';
  const zh = async () => {
    const got = await panel();
    assert.match(got.header, /^\d{4} 年 ?\d{1,2} 月$/);
    assert.deepEqual(got.days, ['一', '二', '三', '四', '五', '六', '日']);
    assert.equal(got.footer, '确定');
  };
  const en = async () => {
    const got = await panel();
    assert.match(got.header, new RegExp(`^\\d{4} (${MONTHS})$`));
    assert.deepEqual(got.days, ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']);
    assert.equal(got.footer, 'OK');
  };
  await zh();
  const found = (await axe(page)).map((v) => ({ where: 'the date picker open, zh', ...v }));
  assert.equal(found.length, 0, `axe-core violations:\n${describe(found)}`);
  await screenshot(page, 'date-picker-zh-1280');
  await page.keyboard.press('Escape');
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await en();
  await screenshot(page, 'date-picker-en-1280');
  await page.keyboard.press('Escape');
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await zh();
  await page.keyboard.press('Escape');
  await open(PAGES().find((p) => p.name === 'audit-events'), 'en');
  await en();
  await page.keyboard.press('Escape');
});

test('every page fits a phone and a tablet, says its words in its language, and is pictured', async () => {
  const bad = [];
  for (const p of PAGES()) {
    for (const lang of LANGS) {
      const page = await open(p, lang);
      // Pictures without a focus ring left from another test.
      await page.evaluate(() => document.activeElement?.blur());
      for (const size of SIZES) {
        await page.setViewportSize(size);
        await page.waitForTimeout(250);
        if (size.width < 1280) {
          try { await assertNoOverflow(page, `${p.name} (${lang})`); } catch (e) { bad.push(e.message); }
        }
        await screenshot(page, `${p.name}-${lang}-${size.width}`);
      }
      for (const w of await untranslated(page, lang)) bad.push(`${p.name} ${lang}: ${w}`);
      await page.setViewportSize(SIZES[0]);
    }
  }
  assert.deepEqual(bad, []);
  assert.deepEqual(problems, []);
});
