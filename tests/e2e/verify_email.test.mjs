// A user verifies an e-mail address by the link the platform sent, in a real
// (headless) Chromium, against a running ggzy: the account is made with the
// server's own command line, the address set over the API, the link read
// from the message the platform wrote (its inbox copy; the e-mail is the
// same text), and the page at #/verify-email/<token> asked to verify. The
// page sends nothing until the user presses (a mail scanner that fetches the
// link verifies nothing); a used link says why it does not work. The link is
// read from the e-mail, the .eml file the platform writes under
// <data>/mail when no SMTP server is configured: it is never in the inbox.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder, for
// `ggzy users add`), GGZY_BIN (the ggzy binary, default ../../target/debug/ggzy);
// CHROMIUM (default /usr/bin/chromium); GGZY_SCREENSHOT=/path/stem saves
// pictures of the page; GGZY_SCREENSHOTS=<folder> saves them there, with the
// page in Chinese and English at 1280 and 375 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { account, call as callApi, launch, need, watch } from './harness.mjs';
import { NARROW, assertNoOverflow, screenshot } from './layout.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder');

let browser, page, token;
const problems = [];

const call = (method, p, body) => callApi(base, method, p, token, body);

before(async () => {
  token = account(data, '验证测试', 'bidder', '南宁验证测试有限公司');
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch(page, problems, { console: false });
});

after(async () => browser?.close());

async function shot(name) {
  if (process.env.GGZY_SCREENSHOT) await page.screenshot({ path: `${process.env.GGZY_SCREENSHOT}-${name}.png`, fullPage: true });
  await screenshot(page, `verify-email-${name}`);
}

// The plain-text part of the newest e-mail to `to` (lettre writes it base64).
async function mailTo(to) {
  const dir = path.join(data, 'mail');
  for (let i = 0; i < 100; i++) {
    const files = (() => { try { return readdirSync(dir); } catch { return []; } })()
      .filter((f) => f.endsWith('.eml'))
      .map((f) => path.join(dir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    for (const f of files) {
      const eml = readFileSync(f, 'utf8');
      if (!eml.includes(`To: ${to}`)) continue;
      const part = eml.slice(eml.indexOf('Content-Type: text/plain'));
      const body = part.slice(part.indexOf('\r\n\r\n') + 4).split(/\r\n--/)[0];
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no e-mail to ${to} in ${dir}`);
}

test('the link in the message verifies the address, once, when the user presses', async () => {
  const set = await call('PUT', '/api/v1/me/email', { address: 'yanzheng@example.com' });
  assert.equal(set.status, 202, JSON.stringify(set.json));
  const text = await mailTo('yanzheng@example.com');
  const link = text.match(/https?:\/\/\S+#\/verify-email\/[A-Za-z0-9_]+/)?.[0];
  assert.ok(link, text);
  const inbox = await call('GET', '/api/v1/me/notifications');
  assert.ok(!inbox.json.items.some((m) => m.kind === 'email_verification'), 'the link is not in the inbox');
  // The link names the platform's public URL; the page is the same here.
  const hash = link.slice(link.indexOf('#'));

  await page.goto(base + '/' + hash);
  await page.getByRole('heading', { name: '验证电子邮件地址' }).waitFor();
  let settings = await call('GET', '/api/v1/me/notification-settings');
  assert.equal(settings.json.email_verified, false, 'opening the page alone verifies nothing');
  await shot('before');
  await page.getByRole('button', { name: '确认验证' }).click();
  await page.getByText('电子邮件地址已验证').waitFor();
  await shot('done');
  settings = await call('GET', '/api/v1/me/notification-settings');
  assert.equal(settings.json.email_verified, true);
  assert.equal(settings.json.email, 'yanzheng@example.com');

  // Used: the page says so, in the user's language, and changes nothing.
  await page.goto(base + '/?lang=en' + hash);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('alert').getByText('Not verified').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /used already/);
  await shot('used');
  await page.goto(base + '/?lang=zh#/verify-email/');
  await page.getByText('链接不完整').waitFor();
  assert.deepEqual(problems, []);
});

// The page as the link opens it, in each language: pictures at laptop and
// phone widths, and nothing wider than a phone's or a tablet's window.
// Opening it sends nothing, so any token does.
test('the page fits phones and tablets, in Chinese and English', async () => {
  for (const [lang, button] of [['zh', '确认验证'], ['en', 'Verify']]) {
    for (const width of [1280, ...NARROW]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${base}/?lang=${lang}#/verify-email/layoutcheck`);
      await page.getByRole('button', { name: button }).waitFor();
      await assertNoOverflow(page, `the verification page (${lang})`);
      if (width !== 768) await screenshot(page, `verify-email-${lang}-${width}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(problems, []);
});
