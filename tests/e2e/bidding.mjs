// A bidding enterprise's work in its own pages, for the tests that run a
// whole procedure: signing in with its certificate, a packed envelope
// uploaded with the connection lost after the first chunk and resumed in
// a new tab, and a small bid packed in the page itself.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { watch } from './harness.mjs';

/**
 * The body of `POST /api/v1/tenders` for an open government procurement
 * tender of goods scored by criteria: documents from an hour from now,
 * questions for 15 days, bids for 25 (more than 87号令 第16条's 20 days).
 */
export function goodsTender(title, description, now = Date.now()) {
  return {
    title, description,
    category: 'government_procurement', method: 'open_tendering',
    budget: { amount_fen: 100_000_000, currency: 'CNY' },
    evaluation: { method: 'comprehensive_scoring', price_formula: { kind: 'lowest_price_base' }, criteria: [
      { code: 'tech', name: '技术方案', kind: 'technical', weight: 50, requires_reason: true },
      { code: 'biz', name: '商务条款', kind: 'commercial', weight: 20 },
      { code: 'price', name: '价格', kind: 'price', weight: 30 }] },
    terms: { subject: 'goods', bid_validity_days: 90 },
    dates: { documents_available_at: new Date(now + 3600e3).toISOString(), clarification_deadline: new Date(now + 15 * 86400e3).toISOString(),
      bid_deadline: new Date(now + 25 * 86400e3).toISOString(), publicity_days: 3 },
  };
}

/** Signs `page` in at `base` with `who`'s certificate and key files and waits for `next` (a route): the session's token. */
export async function signInWith(page, base, lang, who, next) {
  await page.goto(`${base}/?lang=${lang}#/sign-in?next=${encodeURIComponent(next)}`);
  await page.setInputFiles('#signin-cert', who.cert);
  await page.setInputFiles('#signin-key', who.key);
  await page.click('#signin-submit');
  await page.waitForURL((u) => u.hash.startsWith('#' + next), { timeout: 30_000 });
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
}

/** Whether a problem `watch` wrote is an upload's own cut (an aborted chunk; Chromium's console line for it names no address). */
export const isTheCut = (p) => /ERR_CONNECTION_RESET/.test(p) && (/bid-uploads\/[0-9a-f-]+/.test(p) || /^console: Failed to load resource/.test(p));

/**
 * `who` uploads the envelope `file` on its page for `tender` in a tab of
 * `context`: after the first chunk (8 MiB) the connection is lost and the
 * tab closed; in a new tab the unfinished upload is taken up again with the
 * same file and finished. Returns the bid's id, after checking the page's
 * SHA-256, the server's offset after the cut and the receipt checked in the
 * page. What else goes wrong is added to `problems`.
 */
export async function uploadInterrupted(context, base, who, tender, file, problems) {
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  assert.ok(readFileSync(file).length > 8 * 1024 * 1024, 'the envelope is larger than one chunk');
  let page = await context.newPage();
  let own = watch(page, [], { aborted: false });
  const token = await signInWith(page, base, 'zh', who, `/bidder/tenders/${tender}`);
  let patches = 0;
  await page.route('**/api/v1/bid-uploads/*', (route) => {
    if (route.request().method() !== 'PATCH') return route.continue();
    patches += 1;
    return patches === 1 ? route.continue() : route.abort('connectionreset');
  });
  await page.setInputFiles('#bid-file', file);
  await page.click('#bid-submit');
  await page.locator('[data-testid=page-sha256]').waitFor({ timeout: 60_000 });
  assert.equal((await page.locator('[data-testid=page-sha256]').textContent()).replace('SHA-256', '').trim(), sha256);
  await page.locator('[data-testid=upload-progress][data-phase=reconnecting]').waitFor({ timeout: 60_000 });
  const [session] = await page.evaluate(() => JSON.parse(localStorage.getItem('ggzy.bid-uploads')));
  const held = await fetch(`${base}/api/v1/bid-uploads/${session.uploadId}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await held.json()).offset, 8 * 1024 * 1024, 'the server holds the first chunk');
  problems.push(...own.filter((p) => !isTheCut(p)));
  await page.close();

  page = await context.newPage();
  own = watch(page, problems);
  await signInWith(page, base, 'zh', who, `/bidder/tenders/${tender}`);
  const pending = page.locator('[data-testid=pending-upload]');
  await pending.waitFor();
  await pending.locator('input[type=file]').setInputFiles(file);
  await pending.locator('[data-testid=resume]').click();
  await page.locator('[data-testid=upload-progress][data-phase=done]').waitFor({ timeout: 120_000 });
  await page.locator('[data-testid=receipt-check][data-ok=true]').waitFor({ timeout: 30_000 });
  const bid = await page.locator('[data-testid=bid][data-status=submitted]').first().getAttribute('data-bid');
  await page.close();
  return bid;
}

/**
 * `who` packs a small bid in its page for `tender` (the documents `files`,
 * the price in yuan as typed, the duration in days) and uploads it; the
 * bid's id once the page has checked its receipt.
 */
export async function packInPage(context, base, who, tender, { files, price, days, terms }, problems) {
  const page = await context.newPage();
  watch(page, problems);
  await signInWith(page, base, 'zh', who, `/bidder/tenders/${tender}`);
  await page.locator('[data-testid=bid-pack] summary').click();
  for (const f of files) await page.setInputFiles('#pack-document', f);
  assert.equal(await page.locator('[data-testid=pack-documents] li').count(), files.length);
  await page.fill('#pack-price', price);
  await page.fill('#pack-days', String(days));
  await page.fill('#pack-terms', terms);
  await page.setInputFiles('#pack-cert', who.cert);
  await page.setInputFiles('#pack-key', who.key);
  await page.click('#pack-submit');
  await page.locator('[data-testid=upload-progress][data-phase=done]').waitFor({ timeout: 120_000 });
  await page.locator('[data-testid=receipt-check][data-ok=true]').waitFor({ timeout: 30_000 });
  const bid = await page.locator('[data-testid=bid][data-status=submitted]').first().getAttribute('data-bid');
  await page.close();
  return bid;
}
