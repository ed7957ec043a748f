// A contract drafted, signed by both parties and published in the pages, in
// a real (headless) Chromium, against a running ggzy with its demo data
// (README, "Contracts"):
//
// - the demo's finished tender (南宁市教育局, awarded at start-up) is the
//   stage. The demo signs and publishes its contract itself, so THE ONE
//   SHORTCUT (as tenderer.test.mjs moves a deadline): that contract and its
//   signatures are deleted from the server's SQLite database, leaving the
//   award without a contract. Nothing else is touched; every step after is
//   done in the pages;
// - the purchaser's tenderer account drafts the contract from the award in
//   its page: a performance bond above 10 % of the value, said as it is
//   typed, is refused by the server with its reason and article; at 5 %
//   it is drafted; a clause is edited; the document is shown with its
//   SHA-256 computed in the page agreeing with X-Content-SHA256;
// - the winner, in its own browser (English, phone width), signs in its
//   page with its certificate, key and seal: first with another
//   enterprise's seal (refused, the reason shown, nothing kept), then its
//   own;
// - the purchaser signs in its page, and publishes with clause 2 withheld
//   (政府采购法实施条例 第50条).
//
// Then the server's state: the contract published with both signatures
// and signed_at, the notice of kind `contract` it names, clause 2 out of
// the public's view; both CMS signatures checked with `openssl cms -verify
// -binary -inform DER -content document` against the demo CAs; the seal
// signatures, which the server verified before keeping them, read back
// with their data hash the document's SHA-256. Pages seen in zh and en at
// 1280 and 375 px, nothing wider than the window.
//
// Environment: GGZY_BASE, GGZY_DATA (the server's data folder: the demo
// keys under pki-demo, and its SQLite database ggzy.db for the shortcut:
// the sqlite3 command line is needed); CHROMIUM; GGZY_SCREENSHOTS=<folder>
// saves pictures of the pages. It runs once per server: its shortcut deletes
// the demo's contract, which a second run would look for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { call, demoEnterprise, demoPkiIn, freshPage, launch, manifestOf, need } from './harness.mjs';
import { signInWith } from './bidding.mjs';
import { assertNoOverflow, screenshot } from './layout.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder, for its pki-demo and its SQLite database');
const pki = await demoPkiIn(data);
// 南宁市教育局: the finished tender's purchaser, signing in its tenderer account.
const purchaser = demoEnterprise(pki, '11450100MB1234567D');
const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

let browser;
let work;
let caFile;
let tender; // the finished tender
let winner; // its winner's demo files
let other; // another demo enterprise with a seal (not a party)
let award; // the award's id
let contract; // the contract drafted in the page
let purchaserToken;
const problems = [];

/** The demo's finished tender once its contract is published (the demo does it within a minute or two of the start). */
async function finishedWithContract() {
  for (let i = 0; i < 480; i++) {
    const list = await (await fetch(`${base}/api/v1/tenders?per_page=100`)).json();
    const t = list.items.find((x) => x.league_code === 'NNG' && ['awarded', 'closed'].includes(x.status));
    if (t) {
      const c = await (await fetch(`${base}/api/v1/tenders/${t.id}/contracts`)).json();
      if (c.items?.length) return { t, c: c.items[0] };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo\'s finished tender has no published contract (this test deletes it: run it once per fresh server)');
}

// THE ONE SHORTCUT: the demo's own contract of the award, and its
// signatures, deleted in the server's SQLite database (the server reads
// contracts from their rows on every request). Nothing else is touched.
function forgetContract(id) {
  const db = path.join(data, 'ggzy.db');
  assert.ok(existsSync(db), `the shortcut needs the server's SQLite database at ${db}`);
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 30000', db,
    `DELETE FROM contract_signatures WHERE contract_id = '${id}'; DELETE FROM contracts WHERE id = '${id}'; SELECT changes();`]).toString().trim();
  assert.equal(out, '1', 'one contract deleted');
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ggzy-contract-'));
  browser = await launch();
  const { t, c } = await finishedWithContract();
  tender = t;
  award = c.award_id;
  assert.equal(c.purchaser.unified_social_credit_code, purchaser.credit_code, 'the demo\'s purchaser is 南宁市教育局');
  winner = demoEnterprise(pki, c.supplier.unified_social_credit_code);
  assert.ok(existsSync(winner.seal), 'the winner has a demo seal');
  other = manifestOf(pki).certificates
    .filter((x) => x.kind === 'enterprise' && x.league === 'NNG' && ![purchaser.credit_code, winner.credit_code].includes(x.credit_code))
    .map((x) => demoEnterprise(pki, x.credit_code)).find((x) => existsSync(x.seal));
  assert.ok(other, 'another demo enterprise has a seal');
  forgetContract(c.id);
  // Every CA certificate of the demo (the root and the enterprise CAs), for openssl.
  caFile = path.join(work, 'ca.pem');
  const cas = manifestOf(pki).certificates.filter((x) => /ca/i.test(x.kind) && x.cert).map((x) => readFileSync(path.join(pki, x.cert), 'utf8'));
  writeFileSync(caFile, cas.join('\n'));
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The page at `width` checked for overflow and saved as a picture; on an
 *  English page, every Chinese text in the contract panel is marked zh-CN
 *  (as a11y.test.mjs asks of whole pages). */
async function seen(page, name, width) {
  await assertNoOverflow(page, name);
  if (name.endsWith('-en')) {
    const unmarked = await page.evaluate(() => {
      const out = [];
      const panel = document.querySelector('[data-testid=contracts], [data-testid=bidder-contracts]');
      const walk = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest('[data-testid=problem]') || !el.getClientRects().length) continue;
        if (/\p{Script=Han}/u.test(n.textContent) && !el.closest('[lang]')?.getAttribute('lang').startsWith('zh')) out.push(n.textContent.trim().slice(0, 60));
      }
      return out;
    });
    assert.deepEqual(unmarked, [], `${name}: Chinese not marked zh-CN`);
  }
  await screenshot(page, `contract-${name}-${width}`);
  // The panel alone, to look at closely.
  if (process.env.GGZY_SCREENSHOTS) {
    await page.locator('[data-testid=contracts], [data-testid=bidder-contracts]').first()
      .screenshot({ path: path.join(process.env.GGZY_SCREENSHOTS, `contract-${name}-${width}-panel.png`) });
  }
}

test('the purchaser drafts the contract in its page: a bond above 10 % refused with its reason, then drafted and edited', async () => {
  const page = await freshPage(browser, problems, { lang: 'zh', width: 1280, allow: [422] });
  purchaserToken = await signInWith(page, base, 'zh', purchaser, `/my/tenders/${tender.id}`);
  const panel = page.locator('[data-testid=contracts]');
  await panel.locator(`#draft-${award}`).click();
  const form = page.locator('[data-testid=contract-terms]');
  await form.waitFor();
  const today = new Date(Date.now() + 8 * 3600e3);
  const day = (n) => new Date(today.getTime() + n * 86400e3).toISOString().slice(0, 10);
  await page.fill('#ct-title', '理化生实验室设备采购合同');
  await page.fill('#ct-subject', '理化生实验室成套设备的供货、安装、调试及培训');
  await page.fill('#ct-start', day(7));
  await page.fill('#ct-end', day(60));
  await page.fill('#ct-payment', '合同签订后支付 30% 预付款，验收合格后支付至 100%');
  await page.fill('#ct-place', '南宁市第三中学');
  await page.fill('#ct-clause-1', '质保期三年，自验收合格之日起计算');
  await page.click('#ct-add-clause');
  await page.fill('#ct-clause-2', '供应商的设备报价明细（商业秘密）');
  await page.click('#ct-add-clause');
  await page.fill('#ct-clause-3', '演示数据，不具法律效力');
  // The value is the award's: read from the public record as the page does.
  const record = await (await fetch(`${base}/api/v1/opendata/tenders/${tender.id}/record`)).json();
  const valueFen = Math.round(record.records[0].compiledRelease.awards.find((a) => a.id === award).value.amount * 100);
  // 15 %: said at once, and refused by the server with its reason and article.
  await page.fill('#ct-bond', (valueFen * 0.15 / 100).toFixed(2));
  const hint = page.locator('[data-testid=bond-hint]');
  assert.equal(await hint.getAttribute('data-state'), 'bad');
  assert.match(await hint.textContent(), /15\.00%/);
  await page.click('#ct-save');
  const refusal = form.locator('[data-testid=problem]');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /履约保证金不得超过合同金额的百分之十.*第四十八条/s);
  assert.equal((await call(base, 'GET', `/api/v1/tenders/${tender.id}/contracts`, purchaserToken)).json.items.length, 0, 'nothing drafted');
  await seen(page, 'refused-zh', 1280);
  // 5 %: within the ceiling, drafted.
  await page.fill('#ct-bond', (Math.floor(valueFen / 20) / 100).toFixed(2));
  assert.equal(await hint.getAttribute('data-state'), 'ok');
  await page.click('#ct-save');
  const item = panel.locator('[data-testid=contract][data-status=draft]');
  await item.waitFor();
  contract = await item.getAttribute('data-contract');
  // Edited while no one has signed: clause 3 changed.
  await page.click(`#edit-${contract}`);
  await page.fill('#ct-clause-3', '本合同为演示数据，不具法律效力');
  await page.click('#ct-save');
  await page.locator('[data-testid=contract-terms]').waitFor({ state: 'detached' });
  const saved = (await call(base, 'GET', `/api/v1/tenders/${tender.id}/contracts/${contract}`, purchaserToken)).json;
  assert.equal(saved.status, 'draft');
  assert.equal(saved.terms.performance_bond_fen, Math.floor(valueFen / 20));
  assert.deepEqual(saved.terms.clauses, ['质保期三年，自验收合格之日起计算', '供应商的设备报价明细（商业秘密）', '本合同为演示数据，不具法律效力']);
  assert.deepEqual(saved.terms.performance_period, { start: day(7), end: day(60) });
  // The document, its SHA-256 computed in the page and compared.
  await page.click(`#doc-${contract}-show`);
  const hash = page.locator('[data-testid=document-hash]');
  await hash.waitFor();
  assert.equal(await hash.getAttribute('data-ok'), 'true');
  const res = await fetch(`${base}/api/v1/tenders/${tender.id}/contracts/${contract}/document`, { headers: { Authorization: `Bearer ${purchaserToken}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.match(await hash.textContent(), new RegExp(createHash('sha256').update(bytes).digest('hex')));
  assert.deepEqual(await page.locator('[data-testid=document-clauses] li').allTextContents(), saved.terms.clauses);
  await seen(page, 'draft-zh', 1280);
  await page.setViewportSize({ width: 375, height: 900 });
  await seen(page, 'draft-zh', 375);
  await page.context().close();
});

test('the winner signs in its own browser: another enterprise\'s seal refused with its reason, then its own', async () => {
  assert.ok(contract, 'the contract was drafted');
  const page = await freshPage(browser, problems, { lang: 'en', width: 375, allow: [422] });
  const token = await signInWith(page, base, 'en', winner, `/bidder/tenders/${tender.id}`);
  const item = page.locator(`[data-testid=bidder-contracts] [data-contract="${contract}"]`);
  await item.waitFor();
  await item.locator(`#doc-${contract}-show`).click();
  assert.equal(await item.locator('[data-testid=document-hash]').getAttribute('data-ok'), 'true');
  await page.setInputFiles('#sign-supplier-cert', winner.cert);
  await page.setInputFiles('#sign-supplier-key', winner.key);
  await page.setInputFiles('#sign-supplier-seal', other.seal);
  await page.click('#sign-supplier-submit');
  const refusal = item.locator('[data-testid=sign-supplier] [data-testid=problem]');
  await refusal.waitFor({ timeout: 30_000 });
  assert.match(await refusal.textContent(), /seal/i);
  assert.equal((await call(base, 'GET', `/api/v1/tenders/${tender.id}/contracts/${contract}`, token)).json.signatures.length, 0, 'nothing kept');
  await seen(page, 'seal-refused-en', 375);
  await page.setInputFiles('#sign-supplier-seal', winner.seal);
  await page.click('#sign-supplier-submit');
  await page.locator(`[data-contract="${contract}"][data-status=signing]`).waitFor({ timeout: 30_000 });
  assert.equal(await item.locator('[data-party=supplier]').getAttribute('data-signed'), 'true');
  assert.match(await page.locator('[data-testid=bidder-contracts] .notice-ok').textContent(), /The document is signed \(SHA-256 [0-9a-f]{64}\)/);
  await seen(page, 'signed-en', 375);
  await page.setViewportSize({ width: 1280, height: 900 });
  await seen(page, 'signed-en', 1280);
  await page.context().close();
});

test('the purchaser signs in its page and publishes with a clause withheld', async () => {
  const page = await freshPage(browser, problems, { lang: 'zh', width: 1280 });
  purchaserToken = await signInWith(page, base, 'zh', purchaser, `/my/tenders/${tender.id}`);
  const item = page.locator(`[data-testid=contracts] [data-contract="${contract}"]`);
  await item.waitFor();
  assert.equal(await item.locator('[data-party=supplier]').getAttribute('data-signed'), 'true');
  assert.equal(await page.locator(`#edit-${contract}`).count(), 0, 'no edit once a party has signed');
  await page.setInputFiles('#sign-purchaser-cert', purchaser.cert);
  await page.setInputFiles('#sign-purchaser-key', purchaser.key);
  await page.setInputFiles('#sign-purchaser-seal', purchaser.seal);
  await page.click('#sign-purchaser-submit');
  await page.locator(`[data-contract="${contract}"][data-status=signed]`).waitFor({ timeout: 30_000 });
  const signedNow = (await call(base, 'GET', `/api/v1/tenders/${tender.id}/contracts/${contract}`, purchaserToken)).json;
  assert.equal(signedNow.status, 'signed');
  assert.ok(signedNow.signed_at);
  await seen(page, 'signed-zh', 1280);
  await page.locator(`[data-testid=publish] [data-clause="2"]`).click();
  assert.ok(await page.locator(`#withhold-${contract}-2`).isChecked(), 'clause 2 ticked');
  await page.click(`#publish-${contract}`);
  await page.locator(`[data-contract="${contract}"][data-status=published]`).waitFor({ timeout: 30_000 });
  await seen(page, 'published-zh', 1280);
  await page.setViewportSize({ width: 375, height: 900 });
  await seen(page, 'published-zh', 375);
  await page.context().close();
  // The same page in English at both widths.
  const en = await freshPage(browser, problems, { lang: 'en', width: 1280 });
  await signInWith(en, base, 'en', purchaser, `/my/tenders/${tender.id}`);
  await en.locator(`[data-contract="${contract}"][data-status=published]`).waitFor();
  await en.click(`#doc-${contract}-show`);
  await en.locator('[data-testid=document-hash][data-ok=true]').waitFor();
  await seen(en, 'published-en', 1280);
  await en.setViewportSize({ width: 375, height: 900 });
  await seen(en, 'published-en', 375);
  await en.context().close();
});

test('the server holds what the pages did, and openssl verifies both signatures', async () => {
  const url = `/api/v1/tenders/${tender.id}/contracts/${contract}`;
  const c = (await call(base, 'GET', url, purchaserToken)).json;
  assert.equal(c.status, 'published');
  assert.ok(c.signed_at && c.published_at);
  assert.deepEqual(c.signatures.map((s) => s.party).sort(), ['purchaser', 'supplier']);
  assert.deepEqual(c.withheld_clauses, [2]);
  const notices = await (await fetch(`${base}/api/v1/notices?kind=contract&per_page=100`)).json();
  const notice = notices.items.find((n) => n.tender_id === tender.id && n.notice.seq === c.notice_seq);
  assert.ok(notice, `the contract notice ${c.notice_seq} of the tender`);
  assert.equal(notice.notice.kind, 'contract');
  assert.match(notice.notice.title, /理化生实验室设备采购合同/);
  // The public reads it without clause 2, and not its document.
  const pub = await (await fetch(`${base}${url}`)).json();
  assert.ok(!pub.terms.clauses.includes('供应商的设备报价明细（商业秘密）'), 'the withheld clause is not public');
  assert.equal((await fetch(`${base}${url}/document`)).status, 404);
  // openssl: each party's CMS signature over the document's exact bytes.
  const get = async (p) => Buffer.from(await (await fetch(`${base}${p}`, { headers: { Authorization: `Bearer ${purchaserToken}` } })).arrayBuffer());
  const doc = path.join(work, 'contract.json');
  const bytes = await get(`${url}/document`);
  writeFileSync(doc, bytes);
  const digest = createHash('sha256').update(bytes).digest();
  for (const party of ['supplier', 'purchaser']) {
    const sig = path.join(work, `${party}.p7s`);
    writeFileSync(sig, await get(`${url}/signatures/${party}`));
    openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', doc, '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null');
    // The seal signature the server verified before keeping it: a
    // SES_Signature whose dataHash is the document's SHA-256.
    const seal = await get(`${url}/signatures/${party}?form=seal`);
    assert.ok(seal.includes(Buffer.concat([Buffer.from([0x03, 0x21, 0x00]), digest])), `${party}'s seal signature binds the document's SHA-256`);
  }
  // A document one byte different does not verify.
  writeFileSync(doc, Buffer.concat([bytes, Buffer.from(' ')]));
  assert.throws(() => openssl('cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(work, 'supplier.p7s'), '-content', doc, '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'));
  assert.deepEqual(problems, []);
});
