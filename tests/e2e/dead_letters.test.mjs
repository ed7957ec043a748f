// Dead letters on the operators' health page, made for real: this test
// runs its own ggzy (a fresh data folder, no demo data) whose e-mail goes
// through a small SMTP server the test runs on loopback. That server
// answers 550 to one recipient, so the address verification sent there is
// refused for good and becomes a dead letter at once (a permanent refusal is
// not retried). The platform operator finds it on #/operator/health with its
// recipient, kind, attempts, the server's answer and its time; the SMTP
// server then takes the address, and the operator sends the letter again
// from the page: the page says it was queued, the SMTP server receives it
// with the dead letter's Message-ID, and the API lists it no more. In
// Chinese and English, at 1280 and 375 px, nothing wider than the window.
//
// Environment: GGZY_BIN (default ../../target/debug/ggzy); CHROMIUM;
// GGZY_SCREENSHOTS=<folder> saves pictures of the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bin, call, freshPage, launch } from './harness.mjs';
import { assertNoOverflow, screenshot } from './layout.mjs';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ggzy-dead-letters-'));
const data = path.join(work, 'data');
const problems = [];
let browser;
let server;
let smtp;
let base;
let operator; // the platform operator's token

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

/**
 * An SMTP server on loopback that refuses (550) the recipients in `reject`
 * and keeps every message it takes, with the RCPT replies it gave.
 */
function smtpServer() {
  const state = { reject: new Set(), received: [], rcpts: [] };
  const srv = net.createServer((sock) => {
    let buf = '';
    let inData = false;
    let message = { rcpts: [], data: '' };
    const say = (line) => sock.write(`${line}\r\n`);
    say('220 test.invalid ESMTP');
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          message.data += buf.slice(0, end);
          buf = buf.slice(end + 5);
          inData = false;
          state.received.push(message);
          message = { rcpts: [], data: '' };
          say('250 2.0.0 queued');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250-test.invalid\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (verb === 'HELO') say('250 test.invalid');
        else if (verb === 'MAIL') { message = { rcpts: [], data: '' }; say('250 2.1.0 OK'); }
        else if (verb === 'RCPT') {
          const address = (/<([^>]*)>/.exec(line)?.[1] ?? '').toLowerCase();
          const refused = state.reject.has(address);
          state.rcpts.push([address, refused ? '550' : '250']);
          if (refused) say('550 5.1.1 no such mailbox here');
          else { message.rcpts.push(address); say('250 2.1.5 OK'); }
        } else if (verb === 'DATA') { inData = true; say('354 go ahead'); }
        else if (verb === 'QUIT') { say('221 bye'); sock.end(); return; }
        else if (verb === 'RSET') { message = { rcpts: [], data: '' }; say('250 OK'); }
        else if (verb === 'NOOP') say('250 OK');
        else say('502 not implemented');
      }
    });
    sock.on('error', () => {});
  });
  return { state, srv };
}

before(async () => {
  smtp = smtpServer();
  const smtpPort = await freePort();
  await new Promise((r) => smtp.srv.listen(smtpPort, '127.0.0.1', r));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve'], {
    env: { ...process.env, GGZY_DATA_DIR: data, GGZY_LISTEN: `127.0.0.1:${port}`, GGZY_LOG: 'warn', GGZY_DEMO_DATA: 'false',
      GGZY_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, GGZY_MAIL_RETRY_SECONDS: '1', GGZY_MAIL_MAX_ATTEMPTS: '3' },
    stdio: ['ignore', 'ignore', fs.openSync(path.join(work, 'server.log'), 'w')],
  });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* not yet */ }
    if (i > 240) throw new Error(`the server did not start: ${fs.readFileSync(path.join(work, 'server.log'), 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  operator = execFileSync(bin, ['users', 'add', '--name', '平台运营', '--role', 'operator'],
    { env: { ...process.env, GGZY_DATA_DIR: data, GGZY_LOG: 'error' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
  smtp?.srv.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const deadLetters = async () => {
  const r = await call(base, 'GET', '/api/v1/notifications/dead-letters?per_page=100', operator);
  assert.equal(r.status, 200);
  return r.json.items;
};
async function until(what, f, seconds = 20) {
  for (let i = 0; i < seconds * 4; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${seconds} s`);
}

const WORDS = {
  zh: { kind: '邮箱验证', queued: /已重新排队发送（状态：等待发送）/, none: '没有无法投递的邮件。', platform: /平台运营人员/ },
  en: { kind: 'Address verification', queued: /Queued to be sent again \(state: waiting to be sent\)/, none: 'No undeliverable e-mails.', platform: /platform/i },
};

for (const [lang, width] of [['zh', 1280], ['en', 375]]) {
  test(`an undeliverable e-mail is listed on the health page and sent again from it (${lang}, ${width} px)`, async () => {
    const w = WORDS[lang];
    const address = `nobody.${lang}.${Date.now().toString(36)}@example.com`;
    smtp.state.reject.add(address);
    // The operator's own address verification, sent to a mailbox the SMTP server refuses.
    const put = await call(base, 'PUT', '/api/v1/me/email', operator, { address });
    assert.equal(put.status, 202, JSON.stringify(put.json));
    const letter = await until('a dead letter', async () => (await deadLetters()).find((d) => d.address === address));
    assert.equal(letter.kind, 'email_verification');
    assert.deepEqual(smtp.state.rcpts.filter(([a]) => a === address), [[address, '550']], 'refused once, not retried');

    const page = await freshPage(browser, problems, { lang, width });
    await page.goto(`${base}/#/operator`);
    await page.locator('#op-token').fill(operator);
    await page.locator('#op-token-submit').click();
    await page.locator('#operator-kind', { hasText: w.platform }).waitFor();
    await page.locator('#tile-health').click();
    const row = page.locator(`#dead-letters tr[data-id="${letter.notification_id}"]`);
    await row.waitFor();
    const text = await row.textContent();
    assert.ok(text.includes(address), 'its recipient');
    assert.ok(text.includes(w.kind), 'its kind');
    assert.ok(text.includes(letter.message_id), 'its Message-ID');
    assert.match(text, /550/, 'the SMTP server\'s answer');
    assert.equal((await row.locator('td').nth(2).textContent()).trim(), String(letter.attempts), 'its attempts');
    assert.ok(await row.locator('time').getAttribute('datetime'), 'its time');
    await assertNoOverflow(page, `the health page with a dead letter (${lang})`);
    await screenshot(page, `health-dead-letter-${lang}-${width}`);

    // The mailbox is back: sent again from the page, delivered once, with the dead letter's Message-ID.
    smtp.state.reject.delete(address);
    await row.getByRole('button').click();
    await page.locator('#dead-retried', { hasText: w.queued }).waitFor();
    assert.equal(await page.locator('#dead-retried').getAttribute('data-id'), letter.notification_id);
    const got = await until('the e-mail sent again', () => smtp.state.received.find((m) => m.rcpts.includes(address)));
    assert.ok(got.data.includes(letter.message_id), 'the dead letter\'s Message-ID');
    await until('no longer a dead letter', async () => !(await deadLetters()).some((d) => d.notification_id === letter.notification_id));
    assert.equal(smtp.state.received.filter((m) => m.rcpts.includes(address)).length, 1, 'delivered once');
    await page.getByRole('button', { name: lang === 'zh' ? '刷新' : 'Refresh' }).click();
    await page.locator('#dead-none', { hasText: w.none }).waitFor();
    // A second retry is refused by the server (409): no longer a dead letter.
    assert.equal((await call(base, 'POST', `/api/v1/notifications/dead-letters/${letter.notification_id}/retry`, operator)).status, 409);
    await assertNoOverflow(page, `the health page after the retry (${lang})`);
    await screenshot(page, `health-dead-letter-retried-${lang}-${width}`);
    await page.context().close();
  });
}

test('signed out, the dead letters are refused (401)', async () => {
  const r = await fetch(`${base}/api/v1/notifications/dead-letters`);
  assert.equal(r.status, 401);
});

test('no page error, console error or failed request on the way', () => {
  assert.deepEqual(problems, []);
});
