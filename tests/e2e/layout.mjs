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
  const [scroll, inner, wide] = await page.evaluate(() => {
    // What reaches past the window, outermost first, to name in a failure.
    const past = [...document.body.querySelectorAll('*')].filter((el) => {
      const b = el.getBoundingClientRect();
      return b.width > 0 && b.right > innerWidth + 1 && getComputedStyle(el).visibility !== 'hidden';
    });
    const outermost = past.filter((el) => !past.includes(el.parentElement)).slice(0, 5);
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : ''} (to ${Math.round(el.getBoundingClientRect().right)} px: "${(el.textContent ?? '').trim().slice(0, 40)}")`;
    return [document.documentElement.scrollWidth, innerWidth, outermost.map(name)];
  });
  assert.ok(scroll <= inner, `${what} at ${inner} px is ${scroll} px wide: ${wide.join('; ')}`);
}

/** Saves a full-page picture as <GGZY_SCREENSHOTS>/<name>.png when asked. */
export async function screenshot(page, name) {
  const dir = process.env.GGZY_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
