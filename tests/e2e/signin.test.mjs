// Signing in with a certificate in the portal, in a real (headless) Chromium,
// against a running ggzy with its demo data: the demo trust fabric's keys
// (<data>/pki-demo, listed in manifest.json) sign the server's challenge in
// the page — RSA, P-256 and SM2 PEM keys, a PKCS#12 file, an encrypted
// PKCS#8 made here with the openssl command line — and the refusals are said
// in the user's language: a wrong password, a key that is not the
// certificate's (the server's refusal), a legacy 3DES/RC2 PKCS#12 (the
// command that converts it). Then the session: its countdown in the header,
// sign-out, a revoked session noticed on return, expiry, and `?next=`
// bringing the user back to the page that asked.
//
// Mutual TLS is tried on a second server this test starts over HTTPS (its
// own data folder and demo keys), the browser presenting a demo certificate.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder, for the
// demo keys); GGZY_BIN (the ggzy binary, default ../../target/debug/ggzy,
// for the HTTPS server); CHROMIUM (default /usr/bin/chromium);
// GGZY_SCREENSHOT=/path/stem saves pictures of the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import https from 'node:https';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bin, freshPage, launch, manifestOf, need, shotAt, watch } from './harness.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder, for its pki-demo');
const pki = path.join(data, 'pki-demo');
// The server writes its demo keys while it starts: wait for them (a minute at most).
for (let i = 0; i < 240 && !existsSync(path.join(pki, 'manifest.json')); i++) await new Promise((r) => setTimeout(r, 250));
const manifest = manifestOf(pki);
const P12_PASSWORD = manifest.pkcs12_password ?? 'demo';
const file = (rel) => path.join(pki, rel);
function holder(league, kind, algorithm, withP12 = false) {
  const c = manifest.certificates.find((x) => x.league === league && x.kind === kind && !x.revoked
    && x.key_algorithm.startsWith(algorithm) && (!withP12 || x.pkcs12));
  assert.ok(c, `the demo has a ${league} ${kind} with a ${algorithm} key`);
  return c;
}
const rsa = holder('LZH', 'expert', 'rsa');
const p256 = holder('GX', 'expert', 'ecdsa-p256');
const sm2 = holder('NNG', 'expert', 'sm2');
const enterprise = holder('NNG', 'enterprise', 'ecdsa-p256', true);
const sm2Enterprise = holder('NNG', 'enterprise', 'sm2', true);
const otherRsa = manifest.certificates.find((x) => x.league === 'LZH' && x.kind === 'expert' && x.key_algorithm.startsWith('rsa') && x.cert !== rsa.cert);

let browser;
let work;
let tlsServer;
const problems = [];

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ggzy-signin-'));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  tlsServer?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

// A fresh browser context (its own sessionStorage): one user each. Refusals
// that a test provokes are answered with an HTTP error, which Chromium logs
// on the console; only those statuses are allowed there.
const newPage = (options) => freshPage(browser, problems, options);

const shot = shotAt;

async function openSignIn(page, next = '/audit') {
  await page.goto(`${base}/#/sign-in?next=${encodeURIComponent(next)}`);
  await page.locator('#signin-submit').waitFor();
}

async function fill(page, { cert, key, p12, password = '' }) {
  if (p12) {
    await page.getByRole('radio', { name: /PKCS#12/ }).check();
    await page.locator('#signin-p12').setInputFiles(p12);
  } else {
    await page.getByRole('radio', { name: /两个文件|two files/ }).check();
    await page.locator('#signin-cert').setInputFiles(cert);
    await page.locator('#signin-key').setInputFiles(key);
  }
  await page.locator('#signin-password').fill(password);
  await page.locator('#signin-submit').click();
}

// Signed in: the header names the user and counts down to the expiry, and
// the page that asked for the sign-in is back.
async function signedIn(page, name, next = '/audit') {
  const who = page.getByTestId('session');
  await who.waitFor({ timeout: 20_000 });
  assert.match(await who.textContent(), new RegExp(`已登录：.*${name}|Signed in: .*${name}`));
  assert.match(await page.getByTestId('session-expiry').textContent(), /后到期|expires in/);
  await page.waitForFunction((n) => location.hash === `#${n}`, next);
}

async function refusal(page, pattern) {
  const alert = page.getByTestId('problem');
  await alert.waitFor({ timeout: 20_000 });
  const text = await alert.textContent();
  assert.match(text, pattern);
  return text;
}

const token = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session') ?? 'null')?.token ?? null);

test('an RSA key (PEM) signs in, and the page that asked comes back', async () => {
  const page = await newPage();
  await openSignIn(page);
  assert.equal(await page.getByTestId('signin-next').isVisible(), true);
  assert.equal(await page.locator('#signin-mtls').count(), 0, 'no mutual TLS over plain HTTP');
  await shot(page, 'form');
  await fill(page, { cert: file(rsa.cert), key: file(rsa.key) });
  await signedIn(page, rsa.name);
  assert.match(await token(page), /^ggzy_/);
  await page.context().close();
});

// The browser's own file input speaks the browser's language ("Choose File
// / No file chosen" in an English Chromium on a Chinese page): the page
// shows its own button and the file's name in the page's language, both
// switching with it, and the button is a real one, reached and pressed from
// the keyboard, named by the field's label, described by the file's name.
// The server's first screen (src/demo/welcome.rs) lists every demo person
// and enterprise whose certificate is not revoked, with its .cert.pem and
// .key.pem under pki-demo: each pair, chosen as it is in the page, signs
// in, and between them every role the demo has (the platform operator,
// whose certificate the platform's staff CA issued, supervisor, expert,
// tenderer, agent, bidder) is reached.
test('every demo account\'s two files, as found in pki-demo, sign in through the page', async () => {
  const listed = manifest.certificates.filter((c) => ['operator', 'enterprise', 'expert', 'supervisor'].includes(c.kind) && !c.revoked);
  assert.ok(listed.length >= 10, `demo accounts in the manifest: ${listed.length}`);
  const roles = new Set();
  for (const c of listed) {
    const page = await newPage();
    await openSignIn(page);
    await fill(page, { cert: file(c.cert), key: file(c.key) });
    await signedIn(page, c.kind === 'enterprise' ? '' : c.name);
    const me = await (await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${await token(page)}` } })).json();
    assert.ok(me.roles?.length, `${c.cert}: signed in with roles (${JSON.stringify(me)})`);
    for (const r of me.roles) roles.add(r);
    await page.context().close();
  }
  for (const r of ['operator', 'supervisor', 'expert', 'tenderer', 'agent', 'bidder']) assert.ok(roles.has(r), `a demo account signs in as ${r}: ${[...roles]}`);
});

test('the key files are chosen with a button in the page\'s language, from the keyboard too', async () => {
  const words = { zh: ['选择文件', '未选择文件', '数字证书（PEM 或 DER）'], en: ['Choose file', 'No file chosen', 'Certificate (PEM or DER)'] };
  const page = await newPage({ lang: 'zh' });
  const chosen = [];
  page.on('filechooser', (c) => chosen.push(c));
  await openSignIn(page);
  for (const lang of ['zh', 'en']) {
    const [choose, none, label] = words[lang];
    assert.equal((await page.locator('#signin-cert-choose').textContent()).trim(), choose);
    assert.equal((await page.locator('#signin-key-choose').textContent()).trim(), choose);
    assert.equal((await page.locator('#signin-key-name').textContent()).trim(), none);
    // The button's name is the field's label and its own word.
    await page.getByRole('button', { name: `${label} ${choose}`, exact: true }).waitFor();
    assert.equal(await page.locator('#signin-cert-choose').getAttribute('aria-describedby'), 'signin-cert-name');
    // The input itself: labelled, out of sight and out of the tab order.
    assert.equal(await page.locator('label[for=signin-cert]').textContent(), label);
    assert.equal(await page.locator('#signin-cert').getAttribute('tabindex'), '-1');
    assert.ok((await page.locator('#signin-cert').boundingBox()).width <= 1, 'the native input is not seen');
    if (lang === 'zh') {
      await page.click('#lang-toggle');
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    }
  }
  // From the keyboard: Enter on the button opens the file chooser of its input.
  await page.locator('#signin-cert-choose').focus();
  await page.keyboard.press('Enter');
  for (let i = 0; i < 50 && !chosen.length; i++) await page.waitForTimeout(100);
  assert.equal(chosen.length, 1, 'Enter on the button opens the file chooser');
  assert.equal(await chosen[0].element().getAttribute('id'), 'signin-cert');
  await chosen[0].setFiles(file(rsa.cert));
  assert.equal(await page.locator('#signin-cert-name').textContent(), path.basename(rsa.cert));
  assert.equal(await page.locator('#signin-cert-name').getAttribute('aria-live'), 'polite');
  await page.locator('#signin-key').setInputFiles(file(rsa.key));
  assert.equal(await page.locator('#signin-key-name').textContent(), path.basename(rsa.key));
  await shot(page, 'files-chosen-en');
  await page.locator('#signin-submit').click();
  await signedIn(page, rsa.name);
  await page.context().close();
});

test('a P-256 key (PEM) signs in, its certificate given as DER', async () => {
  const der = path.join(work, 'p256.cert.der');
  execFileSync('openssl', ['x509', '-in', file(p256.cert), '-outform', 'DER', '-out', der]);
  const page = await newPage();
  await openSignIn(page);
  await fill(page, { cert: der, key: file(p256.key) });
  await signedIn(page, p256.name);
  await page.context().close();
});

test('an SM2 key signs with SM3 and the standard signer ID, as openssl does', async () => {
  const page = await newPage({ lang: 'en' });
  await openSignIn(page, '/');
  await fill(page, { cert: file(sm2.cert), key: file(sm2.key) });
  await signedIn(page, sm2.name, '/');
  await shot(page, 'sm2');
  await page.context().close();
});

test('a PKCS#12 file signs in with its password; a wrong one is said to be wrong', async () => {
  const page = await newPage();
  await openSignIn(page);
  await fill(page, { p12: file(enterprise.pkcs12), password: 'not-the-password' });
  await refusal(page, /口令不正确/);
  await shot(page, 'p12-wrong-password');
  await fill(page, { p12: file(enterprise.pkcs12), password: '' });
  await refusal(page, /请输入口令/);
  await fill(page, { p12: file(enterprise.pkcs12), password: P12_PASSWORD });
  await signedIn(page, enterprise.name);
  await page.context().close();
});

test('an SM2 key inside a PKCS#12 file signs in', async () => {
  const page = await newPage();
  await openSignIn(page);
  await fill(page, { p12: file(sm2Enterprise.pkcs12), password: P12_PASSWORD });
  await signedIn(page, sm2Enterprise.name);
  await page.context().close();
});

test('an encrypted PKCS#8 (PBES2, AES-256-CBC) made by openssl signs in with its password', async () => {
  const encrypted = path.join(work, 'encrypted.key.pem');
  execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', file(p256.key),
    '-passout', 'pass:口令 geheim', '-out', encrypted]);
  const page = await newPage();
  await openSignIn(page);
  await fill(page, { cert: file(p256.cert), key: encrypted, password: '' });
  await refusal(page, /请输入口令/);
  await fill(page, { cert: file(p256.cert), key: encrypted, password: 'wrong' });
  await refusal(page, /口令不正确/);
  await fill(page, { cert: file(p256.cert), key: encrypted, password: '口令 geheim' });
  await signedIn(page, p256.name);
  await page.context().close();
});

test('a key that is not the certificate\'s: the server refuses, and the page says so', async () => {
  const page = await newPage({ allow: [401, 403] });
  await openSignIn(page);
  await fill(page, { cert: file(rsa.cert), key: file(otherRsa.key) });
  // The refusal's code and reason, both in the page's language.
  const text = await refusal(page, /证书未通过验证/);
  assert.match(text, /私钥与证书匹配/);
  assert.equal(await page.getByTestId('session').count(), 0);
  await shot(page, 'key-mismatch');
  await page.context().close();
});

test('a legacy PKCS#12 (openssl -legacy: RC2 and 3DES) is refused with the command that converts it', async () => {
  const legacy = path.join(work, 'legacy.p12');
  execFileSync('openssl', ['pkcs12', '-export', '-legacy', '-in', file(rsa.cert), '-inkey', file(rsa.key),
    '-passout', 'pass:demo', '-out', legacy]);
  const page = await newPage({ lang: 'en' });
  await openSignIn(page);
  await fill(page, { p12: legacy, password: 'demo' });
  const text = await refusal(page, /legacy encryption/);
  assert.ok(text.includes('openssl pkcs12 -in old.p12 -nodes | openssl pkcs12 -export -out new.p12'), text);
  await shot(page, 'legacy-p12');
  await page.context().close();
});

test('sign-out ends the session on the server too', async () => {
  const page = await newPage({ allow: [] });
  await openSignIn(page);
  await fill(page, { cert: file(rsa.cert), key: file(rsa.key) });
  await signedIn(page, rsa.name);
  const bearer = await token(page);
  await page.locator('#sign-out').click();
  await page.locator('#sign-in-link').waitFor();
  assert.equal(await token(page), null);
  const res = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${bearer}` } });
  assert.equal(res.status, 401, 'the token no longer works');
  await page.context().close();
});

test('a session revoked elsewhere is noticed when the page comes back, and one that expires ends by itself', async () => {
  const page = await newPage({ allow: [401] });
  await openSignIn(page);
  await fill(page, { cert: file(p256.cert), key: file(p256.key) });
  await signedIn(page, p256.name);

  // The countdown moves: with 90 seconds left it counts seconds.
  await page.evaluate(() => {
    const r = JSON.parse(sessionStorage.getItem('ggzy.session'));
    r.session.expires_at = new Date(Date.now() + 90_000).toISOString();
    sessionStorage.setItem('ggzy.session', JSON.stringify(r));
  });
  await page.reload();
  const expiry = page.getByTestId('session-expiry');
  await expiry.waitFor();
  const first = await expiry.textContent();
  assert.match(first, /1 分 \d+ 秒后到期/);
  await page.waitForFunction((t) => document.querySelector('[data-testid=session-expiry]')?.textContent !== t, first);
  await shot(page, 'countdown');

  // Expiry: the session ends in the page at its time, and says so.
  await page.evaluate(() => {
    const r = JSON.parse(sessionStorage.getItem('ggzy.session'));
    r.session.expires_at = new Date(Date.now() + 2_000).toISOString();
    sessionStorage.setItem('ggzy.session', JSON.stringify(r));
  });
  await page.reload();
  await page.getByTestId('session').waitFor();
  await page.getByTestId('session-ended').waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('session').count(), 0);
  assert.equal(await token(page), null);

  // Revoked on the server (here: its own sign-out, called directly): the
  // page, reloaded with the session it kept, asks the server, is told 401,
  // and offers to sign in again, back to where the user was.
  await openSignIn(page, '/audit');
  await fill(page, { cert: file(p256.cert), key: file(p256.key) });
  await signedIn(page, p256.name);
  const bearer = await token(page);
  const res = await fetch(`${base}/api/v1/auth/session`, { method: 'DELETE', headers: { Authorization: `Bearer ${bearer}` } });
  assert.equal(res.status, 200);
  await page.reload();
  const ended = page.getByTestId('session-ended');
  await ended.waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('session').count(), 0);
  await shot(page, 'revoked');
  await ended.getByRole('link', { name: '重新登录' }).click();
  await page.waitForFunction(() => location.hash.startsWith('#/sign-in?next=') && location.hash.includes('audit'));
  await page.context().close();
});

// A free port on the loopback interface, for the HTTPS server.
const freePort = () => new Promise((resolve, reject) => {
  const srv = createServer();
  srv.once('error', reject);
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
});
const readyOverTls = (url) => new Promise((resolve) => {
  https.get(url, { rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode === 200); })
    .on('error', () => resolve(false));
});

test('over HTTPS, the certificate the browser presented on the connection signs in (mutual TLS)', async () => {
  const dir = path.join(work, 'tls');
  const serverCert = path.join(work, 'server.cert.pem');
  const serverKey = path.join(work, 'server.key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', serverKey, '-out', serverCert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const port = await freePort();
  const origin = `https://127.0.0.1:${port}`;
  tlsServer = spawn(bin, ['serve'], {
    env: { ...process.env, GGZY_DATA_DIR: dir, GGZY_LISTEN: `127.0.0.1:${port}`, GGZY_LOG: 'error',
      GGZY_TLS_CERT: serverCert, GGZY_TLS_KEY: serverKey },
    stdio: 'ignore',
  });
  let ready = false;
  for (let i = 0; i < 600 && !ready; i++) {
    ready = await readyOverTls(`${origin}/readyz`);
    if (!ready) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(ready, 'the HTTPS server is up');
  const theirs = manifestOf(path.join(dir, 'pki-demo'));
  const person = theirs.certificates.find((x) => x.league === 'LZH' && x.kind === 'expert' && !x.revoked);

  // Without a client certificate: the way in is offered, and its refusal said.
  const plain = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const first = await plain.newPage();
  first.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await first.goto(`${origin}/#/sign-in`);
  await first.locator('#signin-mtls').click();
  const said = await refusal(first, /需要登录/);
  assert.match(said, /没有客户端证书/);
  await plain.close();

  const context = await browser.newContext({
    ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 },
    clientCertificates: [{ origin, certPath: path.join(dir, 'pki-demo', person.cert), keyPath: path.join(dir, 'pki-demo', person.key) }],
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${origin}/#/sign-in?next=%2Faudit`);
  await shot(page, 'mtls');
  await page.locator('#signin-mtls').click();
  await signedIn(page, person.name);
  await context.close();
});

test('no page error, console error or failed request on the way', () => {
  assert.deepEqual(problems, []);
});
