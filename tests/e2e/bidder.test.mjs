// A bidding enterprise in the portal, in a real (headless) Chromium, against
// a running ggzy with its demo data: 广西建工集团 (NNG) signs in with its
// demo certificate, finds its tenders (documents taken, its question), asks
// a question, and submits a sealed bid made by the real `ggzy bid pack`
// (20 MB, so three chunks): the page hashes it (a worker), the connection
// is cut after the first chunk (every later PATCH aborted with
// page.route), the tab is closed, a new tab signs in again, finds the
// unfinished upload, is given the same file and resumes where the server
// has it; the receipt is checked in the page (its SHA-256 against the
// file's, the timestamp token's messageImprint, the TSA's signature against
// the TSA certificate the platform publishes) and here, by Node's own
// SHA-256 of the file. In English, the same receipt with its token altered
// (one byte of the signature) and with a token a look-alike TSA made with
// `openssl ts -reply` is shown failing the page's signature checks, each by
// name, and `openssl ts -verify` agrees on all three. Then the bid is
// withdrawn. Console
// errors and failed requests fail the run, except the uploads this test
// cuts on purpose.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder, for the
// demo keys), GGZY_BIN (the ggzy binary, for `ggzy bid pack`), CHROMIUM;
// GGZY_SCREENSHOTS=<folder> saves pictures (bidder-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bin, call, demoEnterprise, demoPkiIn, launch, need, watch } from './harness.mjs';
import { assertNoOverflow, screenshot } from './layout.mjs';
import { isTheCut, signInWith } from './bidding.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder, for its pki-demo');
const pki = await demoPkiIn(data);
// The demo's bidding enterprise with an account: 广西建工集团有限公司.
const { cert, key, seal } = demoEnterprise(pki, '91450000MA5L13579M');

let browser;
let work;
let tender; // an NNG tender open for bids, weeks before its deadline
let envelope; // the packed bid
let sha256; // its SHA-256, by Node
let token; // the bidder's session (from the page), for API checks
// The page's checks of the TSA's signature (lib/tsasig.ts).
const TSA_CHECKS = ['tsaSigner', 'tsaEku', 'tsaValidAt', 'tsaEssCertId', 'tsaContentDigest', 'tsaSignature'];

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ggzy-bidder-'));
  browser = await launch();
  const list = await (await fetch(`${base}/api/v1/tenders?status=published&per_page=100`)).json();
  tender = list.items
    .filter((x) => x.league_code === 'NNG' && new Date(x.bid_deadline).getTime() > Date.now() + 7 * 86400_000)
    .sort((a, b) => a.reference.localeCompare(b.reference))[0];
  assert.ok(tender, 'the demo has an NNG tender open for bids');
  // The bid, made as a bidder makes it: ggzy bid pack, fetching the
  // tender's opening certificate from the server.
  const docs = path.join(work, '投标文件');
  mkdirSync(docs);
  writeFileSync(path.join(docs, '技术标.txt'), '技术方案：智慧教室设备的供货、安装与培训。\n');
  writeFileSync(path.join(docs, '附件-设备图纸.bin'), randomBytes(20 * 1024 * 1024));
  writeFileSync(path.join(work, 'price.json'), JSON.stringify({ total_price_fen: 1_180_000_000, duration_days: 60, key_terms: { 质保期: '3 年' } }));
  envelope = path.join(work, 'bid.p7m');
  execFileSync(bin, ['bid', 'pack', '--documents', docs, '--schedule', path.join(work, 'price.json'),
    '--cert', cert, '--key', key, '--seal', seal, '--server', base, '--tender', tender.id, '--out', envelope],
  { env: { ...process.env, GGZY_LOG: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  sha256 = createHash('sha256').update(readFileSync(envelope)).digest('hex');
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// A page under watch; `cut` lets through the failures this test causes
// (the aborted chunks of the upload).
function watched(page, problems, cut = false) {
  const own = [];
  watch(page, own, { aborted: false });
  return () => {
    const real = own.filter((p) => !(cut && isTheCut(p)));
    problems.push(...real);
  };
}

async function signIn(page, lang, next) {
  token = await signInWith(page, base, lang, { cert, key }, next);
}

test('a bidder uploads a packed bid, loses the connection, resumes in a new tab, and checks the receipt (zh)', async () => {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'America/New_York' });
  let page = await context.newPage();
  let done = watched(page, problems, true);
  await signIn(page, 'zh', '/bidder');
  await page.locator('#nav-bidder').waitFor();
  // My tenders: the demo bidder took this tender's documents and asked.
  const row = page.locator(`[data-testid=my-tenders] tr[data-tender="${tender.id}"]`);
  await row.waitFor();
  await assertNoOverflow(page, 'my tenders');
  await screenshot(page, 'bidder-mine-zh-1280');
  await row.locator('a').click();
  await page.waitForURL((u) => u.hash === `#/bidder/tenders/${tender.id}`);
  await page.locator('#bid-file').waitFor({ state: 'attached' });

  // The objection windows are shown, each with its article.
  assert.ok(await page.locator('[data-testid=windows] tbody tr').count() >= 1);

  // A question, asked here and listed as this enterprise's.
  const q = `第二包的交货期能否延长至 60 天？（${Date.now()}）`;
  const before = await page.locator('[data-testid=question]').count();
  await page.fill('#ask-text', q);
  await page.click('#ask-submit');
  await page.locator('[data-testid=question]', { hasText: q }).waitFor();
  assert.equal(await page.locator('[data-testid=question]').count(), before + 1);

  // The upload: the first chunk goes through, then the network is "lost".
  let patches = 0;
  await page.route('**/api/v1/bid-uploads/*', (route) => {
    if (route.request().method() !== 'PATCH') return route.continue();
    patches += 1;
    return patches === 1 ? route.continue() : route.abort('connectionreset');
  });
  await page.setInputFiles('#bid-file', envelope);
  await page.click('#bid-submit');
  await page.locator('[data-testid=page-sha256]').waitFor({ timeout: 60_000 });
  assert.equal((await page.locator('[data-testid=page-sha256]').textContent()).replace('SHA-256', '').trim(), sha256, 'the SHA-256 computed in the page');
  await page.locator('[data-testid=upload-progress][data-phase=reconnecting]').waitFor({ timeout: 60_000 });
  await screenshot(page, 'bidder-reconnecting-zh-1280');
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('ggzy.bid-uploads')));
  assert.equal(saved.length, 1);
  assert.equal(saved[0].sha256, sha256);
  const held = await call(base, 'GET', `/api/v1/bid-uploads/${saved[0].uploadId}`, token);
  assert.equal(held.status, 200);
  assert.equal(held.json.offset, 8 * 1024 * 1024, 'the server holds the first chunk');
  // The tab is closed mid-upload.
  done();
  await page.close();

  // A new tab (the session was the closed tab's): sign in again, and the
  // unfinished upload is there, with the file this browser remembers.
  page = await context.newPage();
  done = watched(page, problems);
  await signIn(page, 'zh', `/bidder/tenders/${tender.id}`);
  const pending = page.locator('[data-testid=pending-upload]');
  await pending.waitFor();
  assert.match(await pending.textContent(), /bid\.p7m/);
  await pending.locator('input[type=file]').setInputFiles(envelope);
  await pending.locator('[data-testid=resume]').click();
  await page.locator('[data-testid=upload-progress][data-phase=done]').waitFor({ timeout: 120_000 });
  const bid = page.locator('[data-testid=bid][data-status=submitted]').first();
  await bid.waitFor();
  // The receipt, checked in the page against the file hashed in the page.
  await page.locator('[data-testid=receipt-check][data-ok=true]').waitFor({ timeout: 30_000 });
  for (const check of ['fileHash', 'fileSize', 'tokenGranted', 'imprintAlgorithm', 'imprintReceipt', 'imprintFile', 'serial', 'genTime', ...TSA_CHECKS]) {
    assert.equal(await page.locator(`[data-testid=receipt-check] li[data-check=${check}]`).getAttribute('data-ok'), 'true', check);
  }
  await screenshot(page, 'bidder-receipt-zh-1280');
  // And here: the bid the server holds is the file, byte for byte.
  const bidId = await bid.getAttribute('data-bid');
  const receipt = await call(base, 'GET', `/api/v1/bids/${bidId}/receipt`, token);
  assert.equal(receipt.json.sha256, sha256);
  assert.equal(receipt.json.size_bytes, readFileSync(envelope).length);
  assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('ggzy.bid-uploads'))), [], 'the session is forgotten once it is a bid');
  // The timestamp token downloads.
  const [download] = await Promise.all([page.waitForEvent('download'), bid.locator('[data-testid=download-tsr]').click()]);
  const tsr = readFileSync(await download.path());
  assert.equal(tsr[0], 0x30, 'a DER TimeStampResp');
  for (const width of [768, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await assertNoOverflow(page, `the bidder's tender page at ${width}`);
  }
  await page.setViewportSize({ width: 375, height: 800 });
  await screenshot(page, 'bidder-tender-zh-375');
  done();
  await context.close();
  assert.deepEqual(problems, []);
});

// The receipt as the server gives it, with its token replaced by `token`
// (DER, base64) on its way to the page, then shown: the page's checks by
// key, each 'true' or 'false'.
async function receiptChecked(page, bidId, token) {
  await page.route(`${base}/api/v1/bids/${bidId}/receipt`, async (route) => {
    const real = await route.fetch();
    const json = await real.json();
    await route.fulfill({ response: real, json: { ...json, timestamp_response: token.toString('base64') } });
  });
  const bid = page.locator(`[data-testid=bid][data-bid="${bidId}"]`);
  await bid.locator('[data-testid=show-receipt]').click();
  const check = bid.locator('[data-testid=receipt-check][data-signature=checked]');
  await check.waitFor({ timeout: 30_000 });
  const got = {};
  for (const li of await check.locator('li[data-check]').all()) got[await li.getAttribute('data-check')] = await li.getAttribute('data-ok');
  await page.unroute(`${base}/api/v1/bids/${bidId}/receipt`);
  return { got, text: await check.textContent() };
}

/** `openssl ts -verify` of a TimeStampResp against the platform TSA's published root: whether it says OK. */
function opensslVerifies(tsr, digest) {
  const dir = mkdtempSync(path.join(work, 'verify-'));
  writeFileSync(path.join(dir, 'r.tsr'), tsr);
  try {
    const out = execFileSync('openssl', ['ts', '-verify', '-in', path.join(dir, 'r.tsr'), '-digest', digest, '-CAfile', path.join(work, 'tsa-root.pem')],
      { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    return /Verification: OK/.test(out);
  } catch {
    return false;
  }
}

/**
 * A TimeStampResp for `digest` made by `openssl ts -reply` as another TSA:
 * a new P-256 key whose self-signed certificate has the platform TSA's
 * subject and a critical extendedKeyUsage timeStamping (a look-alike).
 */
function forgedToken(digest, subject) {
  const dir = mkdtempSync(path.join(work, 'forged-'));
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  writeFileSync(path.join(dir, 'tsa.cnf'), `
[req]
distinguished_name = dn
[dn]
[ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
[forger]
serial = ./serial
crypto_device = builtin
signer_cert = ./tsa.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`);
  writeFileSync(path.join(dir, 'serial'), '01\n');
  run(['req', '-x509', '-config', 'tsa.cnf', '-extensions', 'ext', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'tsa.key', '-out', 'tsa.pem', '-days', '30', '-utf8', '-subj', subject]);
  run(['ts', '-query', '-digest', digest, '-sha256', '-cert', '-out', 'q.tsq']);
  run(['ts', '-reply', '-config', 'tsa.cnf', '-section', 'forger', '-queryfile', 'q.tsq', '-out', 'r.tsr']);
  return readFileSync(path.join(dir, 'r.tsr'));
}

test('a receipt whose timestamp token was altered or signed by another TSA fails the page\'s signature checks, and openssl\'s (en)', async () => {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  const done = watched(page, problems);
  await signIn(page, 'en', `/bidder/tenders/${tender.id}`);
  const bidId = await page.locator('[data-testid=bid][data-status=submitted]').first().getAttribute('data-bid');
  const real = await fetch(`${base}/api/v1/bids/${bidId}/receipt.tsr`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(real.status, 200);
  const tsr = Buffer.from(await real.arrayBuffer());
  writeFileSync(path.join(work, 'tsa-root.pem'), await (await fetch(`${base}/api/v1/timestamp-authority/root.pem`)).text());

  // The real token: every check holds, in the page and for openssl.
  const genuine = await receiptChecked(page, bidId, tsr);
  for (const c of TSA_CHECKS) assert.equal(genuine.got[c], 'true', `${c} of the real receipt: ${genuine.text}`);
  assert.ok(opensslVerifies(tsr, sha256), 'openssl ts -verify accepts the real receipt');

  // One byte of the signature changed (the response ends with the
  // SignerInfo's signature, there being no unsigned attributes).
  const altered = Buffer.from(tsr);
  altered[altered.length - 1] ^= 0x01;
  await page.reload();
  const a = await receiptChecked(page, bidId, altered);
  assert.equal(a.got.tsaSignature, 'false', a.text);
  for (const c of ['tsaSigner', 'tsaEku', 'tsaValidAt', 'tsaEssCertId', 'tsaContentDigest', 'imprintReceipt', 'serial', 'genTime']) assert.equal(a.got[c], 'true', `${c} still holds: ${a.text}`);
  assert.match(a.text, /✘\s*failed\s*The timestamp authority's \(.+\) signature over the token verifies with its published certificate/);
  assert.ok(!opensslVerifies(altered, sha256), 'openssl ts -verify refuses the altered token');
  await screenshot(page, 'bidder-receipt-altered-en-1280');

  // A look-alike TSA's token over the same digest: a signer that is not the
  // platform's, a signingCertificate naming another certificate, and a
  // signature the platform TSA's key does not verify.
  const published = new X509Certificate(await (await fetch(`${base}/api/v1/timestamp-authority/certificates.pem`)).text());
  const forged = forgedToken(sha256, '/' + published.subject.split('\n').join('/'));
  await page.reload();
  const f = await receiptChecked(page, bidId, forged);
  for (const c of ['tsaSigner', 'tsaEssCertId', 'tsaSignature']) assert.equal(f.got[c], 'false', `${c} of the forged token: ${f.text}`);
  assert.equal(f.got.imprintReceipt, 'true', 'the forged token does cover the bid\'s digest');
  assert.match(f.text, /✘\s*failed\s*The token's signer is the platform's timestamp authority/);
  assert.ok(!opensslVerifies(forged, sha256), 'openssl ts -verify refuses the forged token');
  await screenshot(page, 'bidder-receipt-forged-en-1280');
  done();
  await context.close();
  assert.deepEqual(problems, []);
});

test('a bidder withdraws its bid (en)', async () => {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  const done = watched(page, problems);
  await signIn(page, 'en', `/bidder/tenders/${tender.id}`);
  const bid = page.locator('[data-testid=bid][data-status=submitted]').first();
  await bid.waitFor();
  assert.match(await page.locator('#bid-h').textContent(), /Sealed bid/);
  await screenshot(page, 'bidder-tender-en-1280');
  const id = await bid.getAttribute('data-bid');
  await bid.locator('[data-testid=withdraw]').click();
  await page.click('#withdraw-confirm');
  await page.locator(`[data-testid=bid][data-bid="${id}"][data-status=withdrawn]`).waitFor();
  assert.match(await page.locator(`[data-testid=bid][data-bid="${id}"] [data-testid=bid-status]`).textContent(), /Withdrawn/);
  const view = await call(base, 'GET', `/api/v1/bids/${id}`, token);
  assert.equal(view.json.status, 'withdrawn');
  await page.goto(`${base}/?lang=en#/bidder`);
  await page.locator(`[data-testid=my-tenders] tr[data-tender="${tender.id}"]`).waitFor();
  await screenshot(page, 'bidder-mine-en-1280');
  done();
  await context.close();
  assert.deepEqual(problems, []);
});
