// Checks of a page's layout shared by the browser tests: nothing wider than
// the window (a phone must not scroll sideways), and pictures of the pages
// saved for people to look at.
//
// GGZY_SCREENSHOTS=<folder> saves the pictures there (made if missing).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** The widths a page must fit: a phone and a tablet. */
export const NARROW = [375, 768];

/** Fails when the page is wider than its window. */
export async function assertNoOverflow(page, what) {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(scroll <= inner, `${what} at ${inner} px is ${scroll} px wide`);
}

/** Saves a full-page picture as <GGZY_SCREENSHOTS>/<name>.png when asked. */
export async function screenshot(page, name) {
  const dir = process.env.GGZY_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
