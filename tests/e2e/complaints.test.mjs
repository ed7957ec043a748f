// A complaint (投诉) in the portal, in a real (headless) Chromium, on a
// fresh demo server: 广西建工集团 (the demo bidder) raises an objection on
// the documents of an NNG tender it took them of, and 南宁市教育局 (its
// tenderer) answers it, both over the API with their certificate sessions;
// then, in its tender page, the bidder sees the complaint window with its
// article and complains to the supervisors; the NNG administrative
// supervisor (the demo's 韦海燕, whose scope the demo data stores: checked
// over the API, nothing set up here), in the tender's timeline page, is refused a decision before
// acceptance (the server's reason shown), accepts the complaint, suspends
// the procedure, resumes it and decides. Each state is checked over the
// API, and the suspension and the decision are on the public notices page.
// The zh run complains on one tender, the en run on another. Console
// errors and failed requests fail the run, but the refusal provoked.
//
// Environment: GGZY_BASE (the server, started fresh), GGZY_DATA (its data
// folder, for the demo keys), CHROMIUM; GGZY_SCREENSHOTS=<folder> saves
// pictures (complaints-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, demoEnterprise, demoOperator, demoPkiIn, demoSupervisor, launch, manifestOf, need, watch } from './harness.mjs';
import { signInWith } from './bidding.mjs';
import { assertNoOverflow, screenshot } from './layout.mjs';
import path from 'node:path';
import { createRequire } from 'node:module';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder, for its pki-demo');
const pki = await demoPkiIn(data);
const bidder = demoEnterprise(pki, '91450000MA5L13579M');
const supervisor = demoSupervisor(pki);
const p = manifestOf(pki).certificates.find((c) => c.kind === 'enterprise' && c.league === 'NNG' && c.credit_code === '11450100MB1234567D');
const purchaser = { cert: path.join(pki, p.cert), key: path.join(pki, p.key ?? p.cert.replace('.cert.pem', '.key.pem')) };

// axe-core at WCAG 2.0/2.1 A and AA over the section `selector`, served at
// a path of this origin as a11y.test.mjs does (the portal's CSP).
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_URL = `${base}/__test__/axe.min.js`;
async function axe(page, selector) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.route(AXE_URL, (route) => route.fulfill({ path: axeSource, contentType: 'text/javascript' }));
    await page.addScriptTag({ url: AXE_URL });
  }
  const found = await page.evaluate(async (sel) => {
    const r = await window.axe.run(sel, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.help} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, selector);
  assert.deepEqual(found, [], `axe-core violations in ${selector}`);
}

let browser;
let bidderToken;
let tendererToken;
let supervisorToken;
let operatorToken;
let chosen; // the tender complained of (each language raises its own objection on it)

before(async () => {
  browser = await launch();
  // The sessions, from the sign-in page as everyone signs in.
  const context = await browser.newContext();
  const page = await context.newPage();
  bidderToken = await signInWith(page, base, 'zh', bidder, '/bidder');
  await context.clearCookies();
  await page.evaluate(() => sessionStorage.clear());
  tendererToken = await signInWith(page, base, 'zh', purchaser, '/my/tenders');
  await page.evaluate(() => sessionStorage.clear());
  supervisorToken = await signInWith(page, base, 'zh', supervisor, '/supervision');
  await page.evaluate(() => sessionStorage.clear());
  operatorToken = await signInWith(page, base, 'zh', demoOperator(pki), '/operator');
  await context.close();
});

/**
 * The demo NNG supervisor's stored scope, as the platform operator reads it:
 * the demo gives it administrative supervision of government procurement in
 * NNG, so it handles the complaints of 南宁市教育局's tenders with no set-up.
 */
async function demoScopeHolds(category) {
  assert.equal(category, 'government_procurement', 'the tender complained of is one the demo supervisor\'s scope holds');
  const me = await call(base, 'GET', '/api/v1/me', supervisorToken);
  assert.equal(me.status, 200);
  const account = await call(base, 'GET', `/api/v1/users/${me.json.user_id}`, operatorToken);
  assert.equal(account.status, 200, JSON.stringify(account.json));
  assert.deepEqual(account.json.scope, { kind: 'administrative', category: 'government_procurement', league: 'NNG' });
}

after(async () => { await browser?.close(); });

/** A tender of the purchaser's whose documents the bidder took and whose documents objection window is open; an objection raised and answered. */
async function answeredObjection(lang) {
  const mine = await call(base, 'GET', '/api/v1/me/tenders?per_page=100', bidderToken);
  assert.equal(mine.status, 200, JSON.stringify(mine.json));
  for (const item of mine.json.items) {
    const id = item.tender?.id ?? item.id;
    if (chosen && id !== chosen) continue;
    const m = await call(base, 'GET', `/api/v1/me/tenders/${id}`, bidderToken);
    if (m.status !== 200 || !m.json.objection_windows.some((w) => w.subject === 'documents' && w.open)) continue;
    const raised = await call(base, 'POST', `/api/v1/tenders/${id}/objections`, bidderToken, { subject: 'documents', text: `技术参数第3.2条指向特定品牌（${lang}）` });
    assert.equal(raised.status, 201, JSON.stringify(raised.json));
    const answered = await call(base, 'POST', `/api/v1/tenders/${id}/objections/${raised.json.id}/answer`, tendererToken, { answer: '经核查，该参数为通用要求，不指向特定品牌。' });
    if (answered.status === 403 || answered.status === 404) continue; // not the purchaser's tender
    assert.equal(answered.status, 200, JSON.stringify(answered.json));
    if (!chosen) {
      chosen = id;
      await demoScopeHolds(m.json.tender.category);
    }
    return { id, objection: answered.json, title: m.json.tender.title };
  }
  throw new Error('no tender of 南宁市教育局 with an open documents objection window for the demo bidder');
}

/** The complaint on objection `oid` of tender `id`, over the API. */
const complaintOn = async (id, oid) => (await call(base, 'GET', `/api/v1/tenders/${id}/complaints`, supervisorToken)).json.items.find((c) => c.objection_id === oid);

for (const lang of ['zh', 'en']) {
  test(`the bidder complains in its page and the supervisor accepts, suspends, resumes and decides in the timeline (${lang})`, async () => {
    const { id, objection, title } = await answeredObjection(lang);
    const grounds = `答复未说明该参数的来源，请行政监督部门审查（${lang}）。`;
    assert.ok(objection.complaint_until, 'the objection says until when a complaint may be filed');
    assert.match(objection.complaint_article, /第60条|第55条/);

    const problems = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang === 'zh' ? 'zh-CN' : 'en-US', timezoneId: 'America/New_York' });
    let page = await context.newPage();
    watch(page, problems);
    await signInWith(page, base, lang, bidder, `/bidder/tenders/${id}`);
    const form = page.locator('[data-testid=objection]', { hasText: objection.text }).locator('[data-testid=complain-form]');
    await form.waitFor();
    assert.match(await form.textContent(), /第60条|第55条/, 'the article shown');
    assert.ok(await form.locator('time').count() >= 1, 'the deadline shown');
    await assertNoOverflow(page, 'complain form');
    await screenshot(page, `complaints-bidder-form-${lang}-1280`);
    await axe(page, '#s-objections');
    await form.locator('textarea').fill(grounds);
    await form.locator('button[type=submit]').click();
    const ours = page.locator('[data-testid=objection]', { hasText: objection.text });
    const mine = ours.locator('[data-testid=complaint][data-status=filed]');
    await mine.waitFor();
    let c = await complaintOn(id, objection.id);
    assert.equal(c.status, 'filed');
    assert.equal(c.objection_id, objection.id);
    assert.equal(c.text, grounds);
    await page.close();

    // The supervisor, in the tender's timeline.
    page = await context.newPage();
    const refusals = [];
    watch(page, refusals, { allow: [409] });
    await signInWith(page, base, lang, supervisor, `/supervision/tenders/${id}`);
    const card = page.locator('[data-testid=sv-complaint]', { hasText: grounds });
    await card.waitFor();
    assert.equal(await card.getAttribute('data-status'), 'filed');
    assert.ok(await card.locator('[data-testid=accept-due] time').count() === 1, 'the accept-by clock');
    await assertNoOverflow(page, 'complaints section');
    await screenshot(page, `complaints-supervisor-filed-${lang}-1280`);
    await axe(page, '#s-complaints');

    // A decision before acceptance: no such form offered; over the API the
    // server refuses it (409), and so a forced one in the page shows the reason.
    assert.equal(await card.locator('[data-testid=decide-form]').count(), 0);
    const early = await call(base, 'POST', `/api/v1/tenders/${id}/complaints/${c.id}/decision`, supervisorToken, { decision: 'x', upheld: false });
    assert.equal(early.status, 409);
    assert.equal(early.json.reason, 'complaint.not-accepted');

    // A second tab, left open on the complaint as it was (filed).
    const stale = await context.newPage();
    watch(stale, refusals, { allow: [409] });
    await signInWith(stale, base, lang, supervisor, `/supervision/tenders/${id}`);
    await stale.locator('[data-testid=sv-complaint][data-status=filed]', { hasText: grounds }).waitFor();

    // Refused without a reason: the button waits for one.
    await card.locator('[data-choice=refuse]').click();
    assert.ok(await card.locator('[data-action=acceptance]').isDisabled(), 'a refusal needs its reason');
    await card.locator('[data-choice=accept]').click();
    await card.locator('[data-action=acceptance]').click();
    await page.locator('[data-testid=sv-complaint][data-status=accepted]', { hasText: grounds }).waitFor();
    c = await complaintOn(id, objection.id);
    assert.equal(c.status, 'accepted');
    assert.ok(c.accepted_at && c.decide_due_at, 'accepted, with its decide-by clock');
    assert.equal(await card.locator('[data-testid=decide-due] time').count(), 1);

    // The stale tab accepts it again: the server refuses (409), and the page
    // says why, in the page's language.
    await stale.locator('[data-testid=sv-complaint]', { hasText: grounds }).locator('[data-action=acceptance]').click();
    const alert = stale.locator('[data-testid=problem]');
    await alert.waitFor();
    assert.match(await alert.textContent(), lang === 'zh' ? /只有已提交、尚未受理的投诉/ : /only a filed complaint is accepted or refused/);
    await screenshot(stale, `complaints-supervisor-refused-${lang}-1280`);
    await stale.close();

    // Suspend, with its reason and the law's limit shown.
    const sus = card.locator('[data-testid=suspend-form]');
    assert.match(await sus.textContent(), /第62条|第57条|art\. 62|art\. 57/);
    await sus.locator('textarea').fill('投诉处理期间暂停招标活动。');
    await sus.locator('[data-action=suspension]').click();
    await card.locator('[data-testid=sv-suspension][data-resumed=false]').waitFor();
    c = await complaintOn(id, objection.id);
    assert.equal(c.suspensions.length, 1);
    assert.equal(c.suspensions[0].resumed_at, null);
    await screenshot(page, `complaints-supervisor-suspended-${lang}-1280`);
    await axe(page, '#s-complaints');

    // Resume.
    await sus.locator('textarea').fill('经审查，恢复招标活动。');
    await sus.locator('[data-action=resumption]').click();
    await card.locator('[data-testid=sv-suspension][data-resumed=true]').waitFor();
    c = await complaintOn(id, objection.id);
    assert.ok(c.suspensions[0].resumed_at, 'resumed');

    // Decide: not upheld, with the decision's text.
    const dec = card.locator('[data-testid=decide-form]');
    await dec.locator('[data-choice=dismissed]').click();
    await dec.locator('textarea').fill('经审查，招标文件技术参数为通用要求，投诉不成立，驳回投诉。');
    await dec.locator('[data-action=decision]').click();
    await page.locator('[data-testid=sv-complaint][data-status=decided]', { hasText: grounds }).waitFor();
    c = await complaintOn(id, objection.id);
    assert.equal(c.status, 'decided');
    assert.equal(c.upheld, false);
    assert.ok(c.notice_seq, 'the decision published as a notice');
    await screenshot(page, `complaints-supervisor-decided-${lang}-1280`);
    assert.deepEqual(refusals, []);
    await page.close();

    // The bidder reads the outcome in its page.
    page = await context.newPage();
    watch(page, problems);
    await signInWith(page, base, lang, bidder, `/bidder/tenders/${id}`);
    const done = page.locator('[data-testid=objection]', { hasText: objection.text }).locator('[data-testid=complaint][data-status=decided]');
    await done.waitFor();
    assert.match(await done.textContent(), /驳回投诉/);
    assert.equal(await done.locator('[data-testid=suspension]').count(), 1);
    await page.close();

    // The public notices: the suspension and the decision, of this tender.
    page = await context.newPage();
    watch(page, problems);
    for (const kind of ['suspension', 'complaint_decision']) {
      await page.goto(`${base}/?lang=${lang}#/notices?kind=${kind}`);
      await page.locator(`li.card[data-kind=${kind}]`, { hasText: title }).first().waitFor();
    }
    const notices = (await (await fetch(`${base}/api/v1/tenders/${id}/notices`)).json()).items.map((n) => n.kind);
    assert.ok(notices.includes('complaint_decision') && notices.includes('suspension'), notices.join(','));
    await screenshot(page, `complaints-notices-${lang}-1280`);
    await context.close();
    assert.deepEqual(problems, []);
  });
}
