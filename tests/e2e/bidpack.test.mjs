// A bidder packs a small bid in the page (lib/bidpack.ts: ZIP, SignedData,
// AuthEnvelopedData to the opening certificate, SignedData, with WebCrypto
// and PKIjs), and the real openssl command line and the server judge the
// envelope:
//
// 1. For an open demo tender of NNG, 广西建工集团 (P-256) packs and uploads
//    in the page; the server accepts it and issues a receipt for exactly the
//    file the page offers to save; `openssl cms -verify` checks its outer
//    signature against the demo CA, and `openssl cms -cmsout -print` that
//    the middle layer is an AuthEnvelopedData (AES-256-GCM) to the tender's
//    opening certificate (issuer and serial). The tender's opening key is
//    split among its custodians (src/opening/custody.rs), so it is not
//    decrypted here; that is 2.
// 2. The same page given an opening certificate of this test's own (the
//    page's fetch of the tender's opening certificate answered with it):
//    the envelope is decrypted with `openssl cms -decrypt`, the inner
//    SignedData verified with `openssl cms -verify` against the demo CA,
//    the container's entries are the schedule typed and the files chosen,
//    and the server refuses the upload as not addressed to the tender.
//    Every layer's ASN.1 structure (`openssl asn1parse`: tags, object
//    identifiers, integers) is compared with the envelope `ggzy bid pack`
//    makes from the same files: they must be the same but for the two
//    documented differences (the content key by RSA-OAEP rather than
//    PKCS#1 v1.5, no smimeCapabilities attribute).
//
// Environment: GGZY_BASE, GGZY_DATA, GGZY_BIN, CHROMIUM (as bidder.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bin, call, demoEnterprise, demoPkiIn, launch, manifestOf, need, watch } from './harness.mjs';
import { assertNoOverflow, screenshot } from './layout.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder, for its pki-demo');
const pki = await demoPkiIn(data);
// The demo's bidding enterprise with an account: 广西建工集团有限公司.
const { cert, key } = demoEnterprise(pki, '91450000MA5L13579M');

const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });

let browser;
let work;
let tender;
let caFile; // the demo's CA certificates, for openssl cms -verify
const docs = {};
const schedule = { total_price_fen: 1_180_000_000, duration_days: 60, key_terms: { 质保期: '3 年', 付款方式: '按进度' } };

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ggzy-bidpack-'));
  browser = await launch();
  const list = await (await fetch(`${base}/api/v1/tenders?status=published&per_page=100`)).json();
  // The last NNG tender open for weeks (bidder.test.mjs bids on the first).
  tender = list.items
    .filter((x) => x.league_code === 'NNG' && new Date(x.bid_deadline).getTime() > Date.now() + 7 * 86400_000)
    .sort((a, b) => a.reference.localeCompare(b.reference)).at(-1);
  assert.ok(tender, 'the demo has an NNG tender open for bids');
  // The documents, as the page and `ggzy bid pack` both get them.
  const dir = path.join(work, 'documents');
  mkdirSync(dir);
  docs['技术标.txt'] = Buffer.from('技术方案：智慧教室设备的供货、安装与培训。\n');
  docs['图纸.bin'] = randomBytes(300 * 1024);
  for (const [name, bytes] of Object.entries(docs)) writeFileSync(path.join(dir, name), bytes);
  writeFileSync(path.join(work, 'price.json'), JSON.stringify(schedule));
  // Every CA certificate of the demo (the root and the enterprise CAs).
  caFile = path.join(work, 'ca.pem');
  const cas = manifestOf(pki).certificates.filter((c) => /ca/i.test(c.kind) && c.cert).map((c) => readFileSync(path.join(pki, c.cert), 'utf8'));
  assert.ok(cas.length >= 1, 'the demo has CA certificates');
  writeFileSync(caFile, cas.join('\n'));
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

// axe-core over the open packing panel (as a11y.test.mjs does for whole
// pages, which it sees with the panel closed).
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
async function axePanel(page) {
  const url = `${base}/__test__/axe.min.js`;
  await page.route(url, (route) => route.fulfill({ path: axeSource, contentType: 'text/javascript' }));
  await page.addScriptTag({ url });
  return page.evaluate(async () => {
    const r = await window.axe.run({ include: [['[data-testid=bid-pack]']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Signs in as the demo bidder, opens the tender, packs in the page and
 *  returns the envelope the page offers to save. */
async function packInPage(page, lang) {
  await page.goto(`${base}/?lang=${lang}#/sign-in?next=${encodeURIComponent(`/bidder/tenders/${tender.id}`)}`);
  await page.setInputFiles('#signin-cert', cert);
  await page.setInputFiles('#signin-key', key);
  await page.click('#signin-submit');
  await page.waitForURL((u) => u.hash === `#/bidder/tenders/${tender.id}`, { timeout: 30_000 });
  await page.locator('[data-testid=bid-pack] summary').click();
  for (const name of Object.keys(docs)) await page.setInputFiles('#pack-document', path.join(work, 'documents', name));
  assert.equal(await page.locator('[data-testid=pack-documents] li').count(), Object.keys(docs).length);
  await page.fill('#pack-price', '11800000.00');
  await page.fill('#pack-days', '60');
  await page.fill('#pack-terms', '质保期：3 年\n付款方式: 按进度');
  await page.setInputFiles('#pack-cert', cert);
  await page.setInputFiles('#pack-key', key);
  assert.deepEqual(await axePanel(page), [], 'axe-core finds nothing in the packing panel');
  await page.click('#pack-submit');
  const link = page.locator('#pack-download');
  await link.waitFor({ timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = path.join(work, `page-${lang}.p7m`);
  writeFileSync(file, readFileSync(await download.path()));
  return file;
}

/** The ASN.1 structure of a DER file as openssl asn1parse prints it:
 *  depth, form and tag, with object identifiers and integers (versions,
 *  the GCM tag length, serial numbers) but no other values or lengths. */
function skeleton(file) {
  const out = openssl('asn1parse', '-inform', 'DER', '-in', file).toString();
  return out.split('\n').filter(Boolean).map((l) => {
    const m = /d=(\d+)\s+hl=\d+\s+l=\s*(?:\d+|inf)\s+(cons|prim):\s*(.*)$/.exec(l);
    assert.ok(m, `an asn1parse line: ${l}`);
    let [, depth, form, rest] = m;
    rest = rest.trim();
    if (!/^(OBJECT|INTEGER)/.test(rest)) rest = rest.split(/\s{2,}|:/)[0].trim();
    return { depth: Number(depth), text: `${depth} ${form} ${rest.replace(/\s+/g, ' ')}` };
  });
}

/** Drops the subtree of the SEQUENCE just above each line matching `re`
 *  (an attribute, an algorithm identifier), or replaces it with `mark`. */
function cut(lines, re, mark) {
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (i + 1 < lines.length && re.test(lines[i + 1].text) && /SEQUENCE/.test(lines[i].text)) {
      const d = lines[i].depth;
      if (mark) out.push({ depth: d, text: `${d} ${mark}` });
      i++;
      while (i + 1 < lines.length && lines[i + 1].depth > d) i++;
      continue;
    }
    out.push(lines[i]);
  }
  return out;
}

const texts = (lines) => lines.map((l) => l.text);

/** Verifies a SignedData file with openssl against the demo CA; its content. */
function verify(file, out) {
  openssl('cms', '-verify', '-inform', 'DER', '-in', file, '-binary', '-CAfile', caFile, '-purpose', 'any', '-out', out);
  return readFileSync(out);
}

test('a bid packed in the page is accepted by the server, with a receipt, and is to the tender\'s opening certificate (zh)', async () => {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  watch(page, problems);
  const file = await packInPage(page, 'zh');
  await page.locator('[data-testid=upload-progress][data-phase=done]').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=receipt-check][data-ok=true]').waitFor({ timeout: 30_000 });
  await screenshot(page, 'bidpack-zh-1280');
  await page.setViewportSize({ width: 375, height: 800 });
  await assertNoOverflow(page, 'the packing panel at 375');
  await page.locator('[data-testid=bid-pack]').scrollIntoViewIfNeeded();
  await screenshot(page, 'bidpack-zh-375');
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  const bid = page.locator('[data-testid=bid][data-status=submitted]').first();
  const receipt = await call(base, 'GET', `/api/v1/bids/${await bid.getAttribute('data-bid')}/receipt`, token);
  assert.equal(receipt.status, 200);
  assert.equal(receipt.json.sha256, sha256, 'the server\'s receipt is for the envelope the page made');
  assert.equal(receipt.json.outer_signed, true);
  // openssl: the outer signature, against the demo CA.
  const env = verify(file, path.join(work, 'env-zh.der'));
  const printed = openssl('cms', '-cmsout', '-print', '-inform', 'DER', '-in', path.join(work, 'env-zh.der')).toString();
  assert.match(printed, /contentType: id-smime-ct-authEnvelopedData/);
  assert.match(printed, /algorithm: aes-256-gcm/);
  assert.match(printed, /algorithm: rsaesOaep/);
  // To the tender's opening certificate: its issuer and serial number.
  const opening = path.join(work, 'opening.pem');
  writeFileSync(opening, await (await fetch(`${base}/api/v1/tenders/${tender.id}/opening-key/certificate.pem`)).text());
  const serial = openssl('x509', '-in', opening, '-noout', '-serial').toString().trim().replace(/^serial=/, '').toLowerCase();
  const issuerCn = /CN\s*=\s*([^,\n]+)/.exec(openssl('x509', '-in', opening, '-noout', '-issuer', '-nameopt', 'utf8').toString())[1].trim();
  // (cms -print gives the serial number in decimal, or in hex with 0x.)
  const printedSerial = /serialNumber: (0x[0-9A-Fa-f]+|\d+)/.exec(printed)[1];
  assert.equal(BigInt(printedSerial), BigInt(`0x${serial}`), 'the recipient is the opening certificate (serial)');
  assert.ok(printed.includes(issuerCn), 'the recipient is the opening certificate (issuer)');
  assert.ok(env.length > 300 * 1024, 'the documents are inside');
  await context.close();
  assert.deepEqual(problems, []);
});

test('the page\'s envelope decrypts and verifies with openssl, and is built as ggzy bid pack builds it (en)', async () => {
  // An opening certificate of this test's own, whose key is here.
  const opKey = path.join(work, 'op.key');
  const opCert = path.join(work, 'op.pem');
  openssl('req', '-x509', '-newkey', 'rsa:3072', '-nodes', '-keyout', opKey, '-out', opCert, '-subj', '/CN=bidpack test opening', '-days', '2');
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  // The server refuses this envelope at the last chunk (not to the tender's
  // opening certificate): that refusal is expected, nothing else.
  watch(page, problems, { allow: [422] });
  await page.route('**/opening-key/certificate.pem', (route) => route.fulfill({ status: 200, contentType: 'application/x-pem-file', body: readFileSync(opCert) }));
  const file = await packInPage(page, 'en');
  await page.locator('[data-testid=upload-progress][data-phase=failed]').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('[data-testid=upload-progress]').textContent(), /opening certificate|not addressed|encrypted to/i);
  await screenshot(page, 'bidpack-refused-en-1280');
  // The refused upload's session, if the server kept it, is abandoned.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  for (const u of (await call(base, 'GET', `/api/v1/me/tenders/${tender.id}`, token)).json.uploads ?? []) {
    await call(base, 'DELETE', `/api/v1/bid-uploads/${u.id}`, token);
  }
  await context.close();
  assert.deepEqual(problems, []);

  // openssl: outer signature, decryption with the opening key, inner signature.
  const env = path.join(work, 'env-en.der');
  verify(file, env);
  const inner = path.join(work, 'inner-en.der');
  openssl('cms', '-decrypt', '-inform', 'DER', '-in', env, '-binary', '-inkey', opKey, '-recip', opCert, '-out', inner);
  const zip = verify(inner, path.join(work, 'container-en.zip'));
  // The container: the schedule as typed, the documents as chosen.
  const listing = execFileSync('python3', ['-c', `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({i.filename: z.read(i).hex() for i in z.infolist()}))`, path.join(work, 'container-en.zip')]).toString();
  const entries = JSON.parse(listing);
  assert.deepEqual(Object.keys(entries).sort(), ['documents/图纸.bin', 'documents/技术标.txt', 'price-schedule.json'].sort());
  assert.deepEqual(JSON.parse(Buffer.from(entries['price-schedule.json'], 'hex').toString()), schedule);
  for (const [name, bytes] of Object.entries(docs)) assert.equal(entries[`documents/${name}`], bytes.toString('hex'), name);
  assert.ok(zip.length > 300 * 1024);

  // The same bid by ggzy bid pack, to the same opening certificate.
  const cli = path.join(work, 'cli.p7m');
  execFileSync(bin, ['bid', 'pack', '--documents', path.join(work, 'documents'), '--schedule', path.join(work, 'price.json'),
    '--cert', cert, '--key', key, '--opening-cert', opCert, '--out', cli], { env: { ...process.env, GGZY_LOG: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const cliEnv = path.join(work, 'env-cli.der');
  verify(cli, cliEnv);
  const cliInner = path.join(work, 'inner-cli.der');
  openssl('cms', '-decrypt', '-inform', 'DER', '-in', cliEnv, '-binary', '-inkey', opKey, '-recip', opCert, '-out', cliInner);
  // Layer by layer, the same structure: the signatures (outer and inner)
  // but for OpenSSL's smimeCapabilities, the encryption but for the key
  // transport's algorithm (checked apart: RSA-OAEP with SHA-256).
  const signedShape = (f) => texts(cut(skeleton(f), /OBJECT\s*:S\/MIME Capabilities/));
  assert.deepEqual(signedShape(file), signedShape(cli), 'the outer SignedData');
  assert.deepEqual(signedShape(inner), signedShape(cliInner), 'the inner SignedData');
  const envShape = (f) => texts(cut(skeleton(f), /OBJECT\s*:(rsaEncryption|rsaesOaep)/, 'KEY-TRANSPORT'));
  assert.deepEqual(envShape(env), envShape(cliEnv), 'the AuthEnvelopedData');
  const oaep = texts(skeleton(env)).join('\n');
  assert.match(oaep, /OBJECT\s*:rsaesOaep[\s\S]*OBJECT\s*:sha256[\s\S]*OBJECT\s*:mgf1[\s\S]*OBJECT\s*:sha256/);
  const raw = openssl('asn1parse', '-inform', 'DER', '-in', env).toString();
  assert.match(raw, /:aes-256-gcm\s*\n.*cons: SEQUENCE.*\n.*l=\s*12 prim: OCTET STRING.*\n.*prim: INTEGER\s*:10\s*\n/, 'GCM with a 12-byte nonce and a 16-byte tag');
  assert.ok(texts(skeleton(inner)).some((l) => /OBJECT\s*:signingTime/.test(l)), 'a signing time');
});
