// The committee's draw rules set in the tenderer's page
// (views/tenderer/DrawRules.vue) with remote sub-venues in other leagues,
// against a running ggzy with its demo data. 广西桂通工程咨询 (GX: a demo
// enterprise no other browser test uses, made a tenderer here with `ggzy
// users add --credit-code`, so that its certificate signs in a tenderer
// whose committees nobody has drawn and the avoidance of recent members
// leaves the pool whole) publishes a government procurement tender over the
// API with its session; in the page it sets five members, itself as the
// purchaser's representative among them, the main venue at the region's
// centre (GX) and remote sub-venues in Nanning and Liuzhou, 20 % from
// other leagues. A third sub-venue in GX, the main venue's league, is
// flagged as typed and refused by the server with its reason
// (draw.one-venue-per-league) in the page's language. Removed, the rules
// are accepted; the page reads them back from the server, and the
// server's rules (GET …/committee) are the ones set. Then the draw uses
// them: the deadline moved a few seconds ahead (the sqlite3 shortcut of
// tenderer.test.mjs), a GX supervisor (`ggzy users add`) contributes, and every seated
// expert sits at the venue of its own league, one of the three, none from
// a league without a venue, and at least the cross-site share from other
// leagues when the committee is full. The same in English at 375 px on a
// second tender, where the tenderer names two representatives picked from
// the accounts of its organisation (`GET …/committee/representative-
// candidates`): itself and a second account of the organisation (`ggzy
// users add --org`); the limit (a third, 招标投标法 第37条) is flagged as
// typed for five members and met for seven, and the stored rules name
// both (a GX supervisor reads the committee's members: two
// representatives, `rep-<account id>`, the one and the other). Pictures
// at 1280 and 375 px in both languages, no page wider than its window.
//
// Environment: GGZY_BASE, GGZY_DATA (its data folder: pki-demo and
// ggzy.db; the sqlite3 command line is needed), GGZY_BIN (default this
// checkout's debug build), CHROMIUM; GGZY_SCREENSHOTS=<folder> saves the
// pictures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bin, call, demoEnterprise, launch, need, watch } from './harness.mjs';
import { goodsTender, signInWith } from './bidding.mjs';
import { assertNoOverflow, screenshot } from './layout.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder, for its pki-demo and its database');
const run = Date.now().toString(36).toUpperCase();

const pki = path.join(data, 'pki-demo');
const ORG = '广西桂通工程咨询有限公司';
const CODE = '91450000MA5T00011C';

/** An account made with `ggzy users add` in the GX league; its token. */
const account = (...args) => execFileSync(bin, ['users', 'add', '--league', 'GX', ...args],
  { env: { ...process.env, GGZY_DATA_DIR: data, GGZY_LOG: 'error' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
const tenderer = demoEnterprise(pki, CODE);

let browser;
const problems = [];
before(async () => {
  browser = await launch();
  // Its tenderer account, bound to its credit code: its certificate signs it
  // in. Where an earlier test on this server enrolled the enterprise as a
  // bidder at its first sign-in, that account is the one its certificate
  // signs into: a platform operator makes it the enterprise's tenderer
  // account instead. Instead, not as well: an account that may bid holds
  // no share of an opening key (opening::store::custodian_candidates), and
  // the tenderer here is its own tender's custodian.
  const cli = (...args) => execFileSync(bin, args,
    { env: { ...process.env, GGZY_DATA_DIR: data, GGZY_LOG: 'error' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const enrolled = cli('users', 'list', '--league', 'GX').split('\n').map((l) => l.split('\t')).find((c) => c[4] === ORG);
  if (!enrolled) {
    account('--name', `${ORG} 采购部 ${run}`, '--role', 'tenderer', '--org', ORG, '--credit-code', CODE);
    return;
  }
  const operator = cli('users', 'add', '--name', `平台运营${run}`, '--role', 'operator').trim();
  const r = await call(base, 'PUT', `/api/v1/users/${enrolled[0]}/roles`, operator, { roles: ['tenderer'], reason: '浏览器测试：该企业在此作为招标人' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

/** A page in `lang`, `width` px wide, signed in with the tenderer's certificate; the page, its context and the session's token. */
async function signedIn(lang, width) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  // 422: the refusal provoked, and nothing else.
  const seen = watch(page, [], { allow: [422], responses: true });
  const token = await signInWith(page, base, lang, tenderer, '/my/tenders');
  return { context, page, seen, token };
}
after(async () => { await browser?.close(); });

/** A published government procurement tender, its deadline 25 days ahead, the tenderer a custodian of its opening key. */
async function publishedTender(token, title) {
  const api = async (method, p, body, want) => {
    const r = await call(base, method, '/api/v1' + p, token, body);
    assert.equal(r.status, want, `${method} ${p}: ${JSON.stringify(r.json)?.slice(0, 400)}`);
    return r.json;
  };
  const created = await api('POST', '/tenders', goodsTender(title, '远程异地评标测试'), 201);
  const me = (await api('GET', `/tenders/${created.id}/opening-key/custodian-candidates`, undefined, 200)).items.find((c) => c.party === 'organiser');
  await api('POST', `/tenders/${created.id}/transitions`, { action: 'publish', custody: { threshold: 2, custodians: [me.user_id], platform: true } }, 200);
  return created.id;
}

/** The rep-candidate item of the signed-in account, or of `user`. */
const candidate = (section, user) => section.locator(user ? `[data-testid=rep-candidate][data-user="${user}"]` : '[data-testid=rep-candidate][data-self=true]');
const pick = (section, user) => candidate(section, user).locator('label').first().click();

/** Fills the form: the main venue's name, then each sub-venue (league, name). */
async function fill(page, { main, subs, cross }) {
  await page.fill('#m-venue', main);
  for (const [i, [league, name]] of subs.entries()) {
    await page.click('#m-sub-add');
    await page.selectOption(`#m-sub-league-${i}`, league);
    await page.fill(`#m-sub-name-${i}`, name);
  }
  if (cross) {
    await page.locator('#m-cross-on').locator('xpath=ancestor-or-self::label[1]').click();
    await page.fill('#m-cross', String(cross));
    await page.press('#m-cross', 'Tab');
  }
}

/** Submits, and waits for the read-back or a refusal. */
async function submit(section) {
  await section.locator('#m-rules-button').click();
  await section.locator('[data-testid=rules-held], [data-testid=problem]').first().waitFor({ timeout: 20_000 });
}

const venuesOf = async (section) => section.locator('[data-testid=held-venues] li').evaluateAll((lis) =>
  lis.map((li) => ({ league: li.dataset.league, main: li.dataset.main === 'true', text: li.textContent.trim() })));

test('the tenderer sets the draw rules with remote sub-venues in the page, is refused a second venue in one league with its reason, and the draw seats every expert at its league\'s venue', async () => {
  const { context, page, seen, token } = await signedIn('zh', 1280);
  const id = await publishedTender(token, '广西桂通工程咨询检测设备采购项目（远程分会场测试）');
  await page.goto(`${base}/?lang=zh#/my/tenders/${id}`);
  const section = page.locator('[data-testid=draw-rules]');
  await section.locator('#m-rules-button').waitFor();

  // The law's figures, as typed: 5 is odd, at least 5 (87号令 第47条), experts ≥ 2/3.
  assert.equal(await section.locator('[data-testid=size-checks] li[data-ok=false]').count(), 0, await section.locator('[data-testid=size-checks]').textContent());
  assert.match(await section.locator('.basis').textContent(), /财政部令第87号\) 第47条/);
  await page.fill('#m-size', '4');
  await page.press('#m-size', 'Tab');
  await section.locator('[data-testid=size-checks] li[data-check=odd][data-ok=false]').waitFor();
  await page.fill('#m-size', '5');
  await page.press('#m-size', 'Tab');
  await section.locator('[data-testid=size-checks] li[data-check=odd][data-ok=true]').waitFor();

  // Itself as the purchaser's representative: four experts drawn, two thirds of five at least.
  await pick(section);
  await section.locator('[data-testid=reps-check][data-ok=true]', { hasText: '招标人代表 1 名' }).waitFor();
  await section.locator('[data-testid=size-checks] li[data-check=experts]', { hasText: '抽取 4 名专家' }).waitFor();
  const main = '自治区公共资源交易中心评标室';
  const subs = [['NNG', '南宁市公共资源交易中心远程评标分会场'], ['LZH', '柳州市公共资源交易中心远程评标分会场']];
  // A third sub-venue in GX, the main venue's league: flagged as typed, refused by the server.
  await fill(page, { main, subs: [...subs, ['GX', '自治区第二评标室']], cross: 20 });
  await section.locator('[data-testid=venue-twice]').first().waitFor();
  await screenshot(page, 'draw-rules-form-zh-1280');
  await submit(section);
  const refusal = await section.locator('[data-testid=problem]').textContent();
  assert.match(refusal, /每个联盟只设一个评标场所/, refusal);
  assert.match(refusal, /venues\[\d\]\.league|评标场所/, refusal);
  assert.equal((await call(base, 'GET', `/api/v1/tenders/${id}/committee`, token)).json.stage, 'not_configured', 'nothing was set by the refusal');
  await screenshot(page, 'draw-rules-refused-zh-1280');

  // Removed, the rules are accepted and read back from the server.
  await page.click('#m-sub-remove-2');
  assert.equal(await section.locator('[data-testid=venue-twice]').count(), 0);
  await submit(section);
  assert.equal(await section.locator('[data-testid=problem]').count(), 0, await section.textContent());
  assert.equal(await section.locator('[data-testid=rules-held]').getAttribute('data-stage'), 'committed');
  const shown = await venuesOf(section);
  assert.deepEqual(shown.map((v) => [v.league, v.main]), [['GX', true], ['NNG', false], ['LZH', false]]);
  assert.match(shown[1].text, /远程分会场 · 南宁市公共资源交易中心 \(NNG\) · 南宁市公共资源交易中心远程评标分会场/);
  assert.match(await section.locator('[data-testid=held-cross]').textContent(), /20%/);
  // The server's stored rules are the ones set in the page.
  const held = (await call(base, 'GET', `/api/v1/tenders/${id}/committee`, token)).json;
  assert.equal(held.stage, 'committed');
  assert.deepEqual(held.rules.venues, [{ league: 'GX', name: main, main: true },
    ...subs.map(([league, name]) => ({ league, name, main: false }))]);
  assert.equal(held.rules.size, 4, 'four seats drawn');
  assert.equal(held.rules.representatives, 1);
  assert.deepEqual(held.composition, { members: 5, experts: 4, representatives: 1 });
  assert.match(await section.locator('[data-testid=held-size]').textContent(), /5 人：抽取专家 4 人，招标人代表 1 人/);
  assert.deepEqual(held.rules.cross_site, { min_other_league_percent: 20 });
  assert.deepEqual(held.rules.quotas, []);
  assert.equal(held.rules.history_days, 180);
  assert.equal(held.rules.max_declines, 3);
  assert.equal(held.rules.avoid_recent_committees, true);
  await screenshot(page, 'draw-rules-held-zh-1280');
  await page.setViewportSize({ width: 375, height: 800 });
  await assertNoOverflow(page, 'the draw rules read back (zh)');
  await screenshot(page, 'draw-rules-held-zh-375');

  // The draw uses them: after the (moved) deadline, a GX supervisor contributes.
  const db = path.join(data, 'ggzy.db');
  assert.ok(existsSync(db), `the shortcut needs the server's SQLite database at ${db}`);
  const at = new Date(Date.now() + 4000).toISOString().replace('T', ' ').slice(0, 19);
  assert.equal(execFileSync('sqlite3', ['-cmd', '.timeout 30000', db,
    `UPDATE tenders SET bid_deadline = '${at}', clarification_deadline = MIN(clarification_deadline, '${at}') WHERE id = '${id}' AND status = 'published'; SELECT changes();`]).toString().trim(), '1');
  await new Promise((r) => setTimeout(r, Math.max(0, new Date(at.replace(' ', 'T') + 'Z') - Date.now()) + 1500));
  const sToken = account('--name', `自治区监督 ${run}`, '--role', 'supervisor');
  let drawn;
  for (let i = 0; i < 120; i++) {
    drawn = await call(base, 'POST', `/api/v1/tenders/${id}/committee/contribution`, sToken, { contribution: '远程分会场测试 2 7 1 8' });
    if (drawn.status !== 503) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(drawn.status, 200, JSON.stringify(drawn.json));
  const record = (await call(base, 'GET', `/api/v1/tenders/${id}/committee/draw-record`, sToken)).json;
  assert.deepEqual(JSON.parse(record.rules).venues, held.rules.venues, 'the draw committed the rules the page set');
  const leagueOf = new Map(JSON.parse(record.snapshot).experts.map((e) => [e.id, e.league]));
  const venues = new Set(held.rules.venues.map((v) => v.league));
  const seats = drawn.json.committee;
  assert.ok(seats.length > 0, 'the demo pool seats someone in these venues');
  for (const s of seats) {
    assert.ok(venues.has(s.venue), `${s.expert} sits at ${s.venue}, one of the venues`);
    assert.equal(s.venue, leagueOf.get(s.expert), `${s.expert} sits at the venue of its league`);
    assert.equal(s.other_league, s.venue !== 'GX');
  }
  if (seats.length === 4) assert.ok(seats.filter((s) => s.other_league).length >= 1, 'the cross-site share: ⌈4 × 20 %⌉ = 1');
  else console.log(`the demo pool seated ${seats.length} of 4 (short)`);
  // An expert of a league without a venue was not drawn.
  for (const e of JSON.parse(record.snapshot).experts.filter((x) => !venues.has(x.league))) {
    assert.ok(!seats.some((s) => s.expert === e.id), `${e.id} of ${e.league} is not seated`);
  }
  await context.close();
  const unexpected = seen.filter((p) => !/^422 .*\/committee\/rules$/.test(p));
  assert.deepEqual(unexpected, []);
  assert.deepEqual(problems, []);
});

test('in English at 375 px: two representatives of the organisation named, the sub-venues set, the refusal said in English, the rules read back', async () => {
  const { context, page, seen, token } = await signedIn('en', 375);
  // A second account of the organisation, with the tenderer role (no certificate of its own).
  const second = account('--name', `Second representative ${run}`, '--role', 'tenderer', '--org', ORG);
  const me = (await call(base, 'GET', '/api/v1/me', token)).json.user_id;
  const secondId = (await call(base, 'GET', '/api/v1/me', second)).json.user_id;
  assert.ok(me && secondId && me !== secondId);
  const id = await publishedTender(token, '广西桂通工程咨询办公设备采购项目（远程分会场测试）');
  await page.goto(`${base}/?lang=en#/my/tenders/${id}`);
  const section = page.locator('[data-testid=draw-rules]');
  await section.locator('#m-rules-button').waitFor();
  // Both offered; two of five members are more than a third, flagged as typed; seven hold them.
  assert.match(await candidate(section, secondId).textContent(), new RegExp(`Second representative ${run}`));
  assert.match(await candidate(section).textContent(), /\(you\)/);
  await pick(section);
  await pick(section, secondId);
  await section.locator('[data-testid=reps-check][data-ok=false]', { hasText: '2 representative(s): at most 1 on a committee of 5' }).waitFor();
  await page.fill('#m-size', '7');
  await page.press('#m-size', 'Tab');
  await section.locator('[data-testid=reps-check][data-ok=true]', { hasText: 'at most 2 on a committee of 7' }).waitFor();
  await section.locator('[data-testid=size-checks] li[data-check=experts][data-ok=true]', { hasText: '5 experts drawn' }).waitFor();
  await fill(page, { main: 'Guangxi evaluation room', subs: [['GLN', 'Guilin remote sub-venue'], ['GLN', 'Guilin second room']] });
  await section.locator('[data-testid=venue-twice]').first().waitFor();
  assert.match(await section.locator('[data-testid=venue-twice]').first().textContent(), /One venue per league: Guilin/);
  await assertNoOverflow(page, 'the draw rules form (en)');
  await screenshot(page, 'draw-rules-form-en-375');
  await submit(section);
  const refusal = await section.locator('[data-testid=problem]').textContent();
  assert.match(refusal, /one (evaluation )?venue/i, refusal);
  assert.doesNotMatch(refusal, /每个联盟/, 'said in English');
  await assertNoOverflow(page, 'the refusal (en)');
  await screenshot(page, 'draw-rules-refused-en-375');
  await page.selectOption('#m-sub-league-1', 'BHY');
  await page.fill('#m-sub-name-1', 'Beihai remote sub-venue');
  await submit(section);
  assert.equal(await section.locator('[data-testid=problem]').count(), 0, await section.textContent());
  const shown = await venuesOf(section);
  assert.deepEqual(shown.map((v) => [v.league, v.main]), [['GX', true], ['GLN', false], ['BHY', false]]);
  assert.match(shown[1].text, /Remote sub-venue · Guilin Public Resource Trading Centre/);
  const held = (await call(base, 'GET', `/api/v1/tenders/${id}/committee`, token)).json;
  assert.deepEqual(held.rules.venues, [{ league: 'GX', name: 'Guangxi evaluation room', main: true },
    { league: 'GLN', name: 'Guilin remote sub-venue', main: false }, { league: 'BHY', name: 'Beihai remote sub-venue', main: false }]);
  assert.equal(held.rules.cross_site, null);
  // The stored rules name both: seven members, five drawn, two representatives, the one and the other.
  assert.equal(held.rules.representatives, 2);
  assert.deepEqual(held.composition, { members: 7, experts: 5, representatives: 2 });
  assert.match(await section.locator('[data-testid=held-size]').textContent(), /7 members: 5 drawn experts, 2 representatives/);
  const sToken = account('--name', `GX supervisor ${run}`, '--role', 'supervisor');
  const full = (await call(base, 'GET', `/api/v1/tenders/${id}/committee`, sToken)).json;
  assert.equal(full.sealed, false);
  assert.deepEqual(full.members.filter((m) => m.kind === 'representative').map((m) => m.expert_id).sort(),
    [`rep-${me}`, `rep-${secondId}`].sort());
  await assertNoOverflow(page, 'the draw rules read back (en)');
  await screenshot(page, 'draw-rules-held-en-375');
  await page.setViewportSize({ width: 1280, height: 900 });
  await screenshot(page, 'draw-rules-held-en-1280');
  await context.close();
  assert.deepEqual(seen.filter((p) => !/^422 .*\/committee\/rules$/.test(p)), []);
  assert.deepEqual(problems, []);
});
