// Custodians release their opening-key shares from the web page, in a real
// (headless) Chromium: each one opens the tender, follows "release my key
// share", picks a certificate and a private key file (and its password), and
// presses the button; the page signs in, decrypts the share with WebCrypto and
// releases it.
//
// Driven by tests/api/browser.rs, which makes the tender, the bids and the
// custodians' files and checks the platform's side afterwards. Input, from the
// environment: GGZY_BASE (the server), GGZY_TENDER (the tender's id) and
// GGZY_ATTEMPTS, a JSON list of { cert, key, password, expect, says }: expect is
// "released" or "failed", says a text the outcome must contain. CHROMIUM names
// the browser (default /usr/bin/chromium); GGZY_SCREENSHOT=/path/stem saves
// a picture of each attempt's end. Prints one JSON line per attempt; exits 1
// when an attempt does not end as expected.
import { launch } from './harness.mjs';

const base = process.env.GGZY_BASE;
const tender = process.env.GGZY_TENDER;
const attempts = JSON.parse(process.env.GGZY_ATTEMPTS ?? '[]');
if (!base || !tender || !attempts.length) {
  console.error('GGZY_BASE, GGZY_TENDER and GGZY_ATTEMPTS are needed');
  process.exit(2);
}

const browser = await launch();
let failures = 0;
try {
  for (const [i, a] of attempts.entries()) {
    // A fresh profile each time: nothing carries over between custodians.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    let result;
    try {
      await page.goto(`${base}/?lang=en#/tenders/${tender}`);
      await page.locator('#release-link').click();
      await page.locator('form.release-form').waitFor();
      await page.setInputFiles('#share-cert', a.cert);
      await page.setInputFiles('#share-key', a.key);
      if (a.password) await page.fill('#share-password', a.password);
      await page.locator('form.release-form button[type=submit]').click();
      const outcome = page.locator('#release-outcome[data-state]');
      await outcome.waitFor({ timeout: 30_000 });
      // The page ends the session once the share is out (or refused).
      await page.locator('form.release-form button[type=submit]:enabled').waitFor();
      result = {
        state: await outcome.getAttribute('data-state'),
        outcome: (await outcome.textContent()).trim(),
        steps: await page.locator('#release-steps li').allTextContents(),
        progress: (await page.locator('#opening-progress').textContent()).trim(),
      };
    } catch (e) {
      result = { state: 'broken', outcome: String(e.message).split('\n')[0], page: (await page.locator('#app').textContent()).trim() };
    }
    const ok = result.state === a.expect && (!a.says || result.outcome.includes(a.says)) && !errors.length;
    if (!ok) failures++;
    if (process.env.GGZY_SCREENSHOT) await page.screenshot({ path: `${process.env.GGZY_SCREENSHOT}-${i}.png`, fullPage: true });
    console.log(JSON.stringify({ attempt: i, ...result, errors, expected: a.expect, says: a.says ?? null, ok }));
    await context.close();
  }
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
