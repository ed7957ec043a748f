// An operator registers another league's CA and a recognition agreement in
// the page, after which an enterprise with a certificate from that CA signs
// in — in a real (headless) Chromium against a running ggzy.
//
// The other league is registered in the leagues page (a new code each run,
// so that the test runs again on the same server); its CA is made here with
// the openssl command line: a root and an enterprise certificate under it,
// for an enterprise whose account the operator makes in the accounts page
// in league NNG. Before NNG recognises the league's enterprise CAs the
// sign-in is refused with its reason; after the agreement is recorded in
// the recognition matrix, it goes through.
//
// The platform operator (the demo's account of no league) signs in like
// anyone, on the sign-in page with its two files under pki-demo/platform:
// its certificate, issued by the platform's staff CA (a `staff_ca` trust
// service of no league), and its key. It registers another staff CA (made
// here with openssl) on the trust page; a league operator, who signs in with
// the token `ggzy users add --league NNG --role operator` prints (the other
// way in the operators' page offers), is not offered the type.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder), GGZY_BIN
// (default ../../target/debug/ggzy); CHROMIUM; GGZY_SCREENSHOT=/path/stem
// saves the pages in Chinese and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { account, demoOperator, freshPage, launch, need, shotAt, switchLanguage, watch } from './harness.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder, for its pki-demo and `ggzy users add`');
const pki = path.join(data, 'pki-demo');
// The server writes its demo keys while it starts: wait for them (a minute at most).
for (let i = 0; i < 240 && !existsSync(path.join(pki, 'manifest.json')); i++) await new Promise((r) => setTimeout(r, 250));

let browser;
let work;
const problems = [];
const run = Date.now().toString(36).toUpperCase();

// A credit code with its check character (GB 32100-2015).
function creditCode(first17) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((s, c, i) => s + chars.indexOf(c) * w[i], 0);
  return first17 + chars[(31 - (sum % 31)) % 31];
}
const digits = String(Date.now()).slice(-6).replace(/[^0-9]/g, '0');
const CREDIT = creditCode(`914503${digits}A5N7X`);
const ENTERPRISE = `漓江测试建设有限公司${run}`;
const ROOT_CN = `Test Enterprise Root ${run}`;
const LEAGUE = `T${run.slice(-6)}`;
const STAFF_CN = `Test Staff CA ${run}`;

function openssl(args) { execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] }); }

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'ggzy-operator-'));
  // The other league's CA: a root, registered as an enterprise CA of the new league.
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'root.key']);
  openssl(['req', '-x509', '-new', '-key', 'root.key', '-utf8', '-subj', `/C=CN/O=测试交易中心${run}/CN=${ROOT_CN}`,
    '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', 'subjectKeyIdentifier=hash', '-out', 'root.pem']);
  // Another staff CA of the platform's (a new one, say, before the old expires).
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'staff.key']);
  openssl(['req', '-x509', '-new', '-key', 'staff.key', '-utf8', '-subj', `/C=CN/O=平台运营${run}/CN=${STAFF_CN}`,
    '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', 'subjectKeyIdentifier=hash', '-out', 'staff.pem']);
  // The enterprise's certificate under it (the league enterprise profile).
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ent.key']);
  openssl(['req', '-new', '-key', 'ent.key', '-utf8',
    '-subj', `/C=CN/ST=广西/L=桂林/O=${ENTERPRISE}/2.5.4.97=${CREDIT}/CN=${ENTERPRISE}`, '-out', 'ent.csr']);
  writeFileSync(path.join(work, 'ent.ext'), [
    'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,nonRepudiation',
    'extendedKeyUsage=clientAuth,emailProtection', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid',
  ].join('\n') + '\n');
  openssl(['x509', '-req', '-in', 'ent.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial',
    '-days', '20', '-extfile', 'ent.ext', '-out', 'ent.pem']);
  // Its CRL (nothing revoked), which the operator loads in the page: the
  // sign-in needs to know the enterprise's certificate is not revoked.
  writeFileSync(path.join(work, 'ca.cnf'), [
    '[ca]', 'default_ca = gln', '[gln]', 'database = index.txt', 'crlnumber = crlnumber',
    'default_md = sha256', 'default_crl_days = 7', 'crl_extensions = crl_ext', '[crl_ext]', 'authorityKeyIdentifier = keyid',
  ].join('\n') + '\n');
  writeFileSync(path.join(work, 'index.txt'), '');
  writeFileSync(path.join(work, 'crlnumber'), '01\n');
  openssl(['ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'root.key', '-cert', 'root.pem', '-out', 'root.crl']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const newPage = (options) => freshPage(browser, problems, options);

const shot = shotAt;

// The demo platform operator, signed in with its certificate and key files
// from the operators' page, which sends it to the portal's sign-in.
let operator;
async function operatorPage() {
  const op = demoOperator(pki);
  const page = await newPage({ allow: [403, 409, 422] });
  await page.goto(`${base}/#/operator`);
  await page.locator('#op-signin').click();
  await page.locator('#signin-submit').waitFor();
  await page.getByRole('radio', { name: /两个文件|two files/ }).check();
  await page.locator('#signin-cert').setInputFiles(op.cert);
  await page.locator('#signin-key').setInputFiles(op.key);
  await page.locator('#signin-submit').click();
  await page.locator('#operator-kind').waitFor({ timeout: 20_000 });
  assert.match(await page.locator('#operator-kind').textContent(), /平台运营人员/);
  assert.match(await page.getByTestId('session').textContent(), new RegExp(op.name));
  return page;
}

async function signInAsEnterprise(page) {
  await page.goto(`${base}/#/sign-in?next=${encodeURIComponent('/')}`);
  await page.locator('#signin-submit').waitFor();
  await page.getByRole('radio', { name: /两个文件|two files/ }).check();
  await page.locator('#signin-cert').setInputFiles(path.join(work, 'ent.pem'));
  await page.locator('#signin-key').setInputFiles(path.join(work, 'ent.key'));
  await page.locator('#signin-submit').click();
}

test('the platform operator makes the enterprise\'s account in the accounts page', async () => {
  operator = await operatorPage();
  await shot(operator, 'operator-zh-1280');
  await operator.locator('#tile-accounts').click();
  await operator.locator('#accounts-table').waitFor();
  await operator.locator('#new-name').fill(ENTERPRISE);
  await operator.locator('#new-role-bidder').check();
  await operator.locator('#new-league').selectOption('NNG');
  await operator.locator('#new-org').fill(ENTERPRISE);
  await operator.locator('#new-credit').fill(CREDIT);
  await operator.locator('#new-submit').click();
  await operator.locator('#account-created').waitFor();
  assert.match(await operator.locator('#account-created').textContent(), new RegExp(ENTERPRISE));
  // A second account with the same credit code is refused, with its reason.
  await operator.locator('#new-name').fill('重复账户');
  await operator.locator('#new-role-bidder').check();
  await operator.locator('#new-league').selectOption('NNG');
  await operator.locator('#new-org').fill(ENTERPRISE);
  await operator.locator('#new-credit').fill(CREDIT);
  await operator.locator('#new-submit').click();
  const refusal = operator.locator('#account-create ~ [data-testid="problem"]');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /此身份已绑定到另一个账户/);
  await shot(operator, 'operator-accounts-zh-1280');
});

test('the operator registers another league and its CA (made with openssl) in the pages', async () => {
  await operator.goto(`${base}/#/operator/leagues`);
  await operator.locator('#lg-code').fill(LEAGUE);
  await operator.locator('#lg-name').fill(`测试交易中心${run}`);
  await operator.locator('#lg-name-en').fill(`Test centre ${run}`);
  await operator.locator('#lg-submit').click();
  await operator.locator('#league-saved').waitFor();
  assert.match(await operator.locator('#leagues-table').textContent(), new RegExp(LEAGUE));
  await shot(operator, 'operator-leagues-zh-1280');
  await operator.goto(`${base}/#/operator/trust`);
  await operator.locator('#service-register').waitFor();
  await operator.locator('#reg-league').selectOption(LEAGUE);
  await operator.locator('#reg-type').selectOption('enterprise_ca');
  await operator.locator('#reg-cert-file').setInputFiles(path.join(work, 'root.pem'));
  await operator.waitForFunction(() => document.querySelector('#reg-cert')?.value.includes('BEGIN CERTIFICATE'));
  await operator.locator('#reg-reason').fill('新联盟的企业证书认证机构');
  await operator.locator('#reg-submit').click();
  await operator.locator('#service-registered').waitFor();
  assert.match(await operator.locator('#service-registered').textContent(), new RegExp(ROOT_CN));
  // Listed with its status history: granted, with the reason.
  const card = operator.locator(`#services li[data-subject*="${ROOT_CN}"]`);
  await operator.locator('#trust-league').selectOption(LEAGUE);
  await card.waitFor();
  assert.match(await card.textContent(), /有效/);
  await card.locator('summary').click();
  assert.match(await card.textContent(), /新联盟的企业证书认证机构/);
  // Its CRL, loaded in the page, is listed against it.
  await operator.locator('#crl-file').setInputFiles(path.join(work, 'root.crl'));
  await operator.locator('#crl-submit:not([disabled])').click();
  await operator.locator('#crl-loaded').waitFor();
  await card.getByText(/0 项撤销/).waitFor();
  await shot(operator, 'operator-trust-zh-1280');
});

test('the platform\'s staff CA is listed as the platform\'s, and the platform operator registers another', async () => {
  await operator.goto(`${base}/#/operator/trust`);
  await operator.locator('#service-register').waitFor();
  await operator.locator('#trust-league').selectOption('');
  // The demo's, which vouched for the operator's own sign-in.
  const demo = operator.locator('#services li[data-subject*="Platform Demo Staff CA"]');
  await demo.waitFor();
  assert.match(await demo.textContent(), /平台（不属于任何联盟）/);
  assert.match(await demo.textContent(), /平台工作人员证书认证机构/);
  await operator.locator('#reg-type').selectOption('staff_ca');
  assert.equal(await operator.locator('#reg-league').isDisabled(), true);
  assert.match(await operator.locator('#reg-league').textContent(), /平台（不属于任何联盟）/);
  await operator.locator('#reg-staff-hint').waitFor();
  await operator.locator('#reg-cert-file').setInputFiles(path.join(work, 'staff.pem'));
  await operator.waitForFunction(() => document.querySelector('#reg-cert')?.value.includes('BEGIN CERTIFICATE'));
  await operator.locator('#reg-reason').fill('平台新的工作人员证书认证机构');
  await operator.locator('#reg-submit').click();
  await operator.locator('#service-registered').waitFor();
  assert.match(await operator.locator('#service-registered').textContent(), new RegExp(STAFF_CN));
  const card = operator.locator(`#services li[data-subject*="${STAFF_CN}"]`);
  await card.waitFor();
  assert.match(await card.textContent(), /平台（不属于任何联盟）/);
  assert.match(await card.textContent(), /有效/);
  await card.scrollIntoViewIfNeeded();
  await shot(operator, 'operator-trust-staff-zh-1280');
});

test('a league operator (signed in with a token, the operators\' page\'s other way in) is not offered the staff CA', async () => {
  const token = account(data, `南宁运营${run}`, 'operator');
  const page = await newPage();
  await page.goto(`${base}/#/operator`);
  await page.locator('#op-token').fill(token);
  await page.locator('#op-token-submit').click();
  await page.locator('#operator-kind').waitFor();
  assert.match(await page.locator('#operator-kind').textContent(), /NNG/);
  await page.goto(`${base}/#/operator/trust`);
  await page.locator('#service-register').waitFor();
  const offered = await page.locator('#reg-type option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(offered.includes('enterprise_ca') && !offered.includes('staff_ca'), offered.join());
  await page.context().close();
});

test('before NNG recognises the league\'s enterprise CAs, the enterprise\'s sign-in is refused with its reason', async () => {
  const page = await newPage({ allow: [401, 403, 422] });
  await signInAsEnterprise(page);
  const alert = page.getByTestId('problem');
  await alert.waitFor({ timeout: 20_000 });
  // Its league NNG does not accept the other league's enterprise certificates (yet).
  assert.match(await alert.textContent(), new RegExp(`NNG 不接受联盟 ${LEAGUE}`));
  await page.context().close();
});

test('the operator records the recognition in the matrix, and the enterprise signs in', async () => {
  await operator.goto(`${base}/#/operator/recognitions`);
  await operator.locator('#recognition-create').waitFor();
  assert.ok(!(await operator.locator(`[data-cell="NNG>${LEAGUE}"]`).getAttribute('class') ?? '').includes('cell-on'));
  await operator.locator('#rec-league').selectOption('NNG');
  await operator.locator('#rec-other').selectOption(LEAGUE);
  await operator.locator('#rec-new-type').selectOption('enterprise_ca');
  await operator.locator('#rec-reason').fill('南宁与新联盟企业证书互认协议');
  await operator.locator('#rec-submit').click();
  await operator.locator('#recognition-saved').waitFor();
  await operator.locator(`[data-cell="NNG>${LEAGUE}"].cell-on`).waitFor();
  assert.match(await operator.locator(`[data-cell="NNG>${LEAGUE}"]`).textContent(), /自/);
  await shot(operator, 'operator-recognitions-zh-1280');

  const page = await newPage();
  await signInAsEnterprise(page);
  const who = page.getByTestId('session');
  await who.waitFor({ timeout: 20_000 });
  assert.match(await who.textContent(), new RegExp(ENTERPRISE));
  const me = await page.evaluate(async () => {
    const token = JSON.parse(sessionStorage.getItem('ggzy.session')).token;
    return (await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).json();
  });
  assert.equal(me.league, 'NNG');
  assert.deepEqual(me.roles, ['bidder']);
  await page.context().close();
});

test('the signed trust lists verify in the page and name the new CA and the agreement', async () => {
  await operator.goto(`${base}/#/operator/trust-lists`);
  const verdict = operator.locator('#list-verdict[data-verdict]');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-verdict'), 'verified');
  assert.match(await operator.locator(`#list-${LEAGUE}`).locator('..').textContent(), new RegExp(ROOT_CN));
  await shot(operator, 'operator-lists-zh-1280');
});

test('health, in both languages, at laptop and phone widths', async () => {
  await operator.goto(`${base}/#/operator/health`);
  await operator.locator('#health-figures [data-metric="ggzy_database_up"]').waitFor();
  assert.match(await operator.locator('#health-figures [data-metric="ggzy_database_up"]').textContent(), /是/);
  await shot(operator, 'operator-health-zh-1280');
  await operator.goto(`${base}/#/operator/experts`);
  await operator.locator('#experts li').first().waitFor();
  await shot(operator, 'operator-experts-zh-1280');
  await switchLanguage(operator);
  for (const [route, name] of [['/operator', 'operator'], ['/operator/accounts', 'operator-accounts'], ['/operator/trust', 'operator-trust'],
    ['/operator/recognitions', 'operator-recognitions'], ['/operator/experts', 'operator-experts'], ['/operator/trust-lists', 'operator-lists'],
    ['/operator/health', 'operator-health']]) {
    await operator.goto(`${base}/#${route}`);
    await operator.locator('main h1').waitFor();
    if (route === '/operator/health') await operator.locator('#health-figures [data-metric]').first().waitFor();
    await operator.waitForLoadState('networkidle');
    assert.doesNotMatch(await operator.locator('main').textContent(), /operator\.[a-z]+\.[a-z]/, `${route}: no message key shown`);
    await shot(operator, `${name}-en-1280`);
  }
  await operator.setViewportSize({ width: 375, height: 800 });
  await operator.goto(`${base}/#/operator/recognitions`);
  await operator.locator('#recognition-matrix').waitFor();
  const sideways = await operator.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(sideways, false, 'no sideways scroll of the page at 375 px (the matrix scrolls in its box)');
  await shot(operator, 'operator-recognitions-en-375');
});

test('no page error, console error or failed request on the way', () => {
  assert.deepEqual(problems, []);
});
