// What the browser tests share: the environment they need, the browser they
// drive (Debian's Chromium, or the one CHROMIUM names), the watch each page
// is under (a script error, a console error or a failed request fails a
// run), the API called with a token, and the demo's keys and accounts made
// with the server's own command line.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** The environment variable `name`; without it the run stops (exit 2), saying what it is. */
export function need(name, what) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} (${what}) is needed`);
    process.exit(2);
  }
  return value;
}

/** The ggzy binary: GGZY_BIN, or the debug build of this checkout. */
export const bin = process.env.GGZY_BIN ?? new URL('../../target/debug/ggzy', import.meta.url).pathname;

/** Headless Chromium, quiet: no sandbox (containers), no GPU, no QUIC, nothing fetched on its own. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Writes into `problems` (returned) what goes wrong in `page`: script
 * errors; console errors, unless `console` is false or the error is about a
 * response whose status `allow` lists (a refusal the test provokes);
 * requests that fail, unless `aborted` is false and they were aborted (a
 * page left while a request runs); with `responses`, every answer of 400
 * or more.
 */
export function watch(page, problems = [], { console: consoleErrors = true, allow = [], aborted = true, responses = false } = {}) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  if (consoleErrors) {
    page.on('console', (m) => {
      if (m.type() !== 'error' || allow.some((s) => m.text().includes(`status of ${s}`))) return;
      problems.push(`console: ${m.text()}`);
    });
  }
  page.on('requestfailed', (r) => {
    if (!aborted && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  if (responses) page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
  return problems;
}

/** Calls the API at `base` with a bearer token: its status and its JSON (null when none). */
export async function call(base, method, p, token, body) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/** Makes an account in the NNG league with `ggzy users add` on the server's data folder; its API token. */
export function account(data, name, role, org) {
  return execFileSync(bin, ['users', 'add', '--name', name, '--role', role, '--league', 'NNG', ...(org ? ['--org', org] : [])],
    { env: { ...process.env, GGZY_DATA_DIR: data, GGZY_LOG: 'error' }, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
}

/** The demo's keys (`<data dir>/pki-demo`, listed in manifest.json). */
export const manifestOf = (pki) => JSON.parse(readFileSync(path.join(pki, 'manifest.json'), 'utf8'));

/** The demo's keys folder in the server's data folder `data`, once the starting server has written it (up to a minute). */
export async function demoPkiIn(data) {
  const pki = path.join(data, 'pki-demo');
  for (let i = 0; i < 240 && !existsSync(path.join(pki, 'manifest.json')); i++) await new Promise((r) => setTimeout(r, 250));
  return pki;
}

/** A demo enterprise's certificate, key and seal files, as paths, found by its credit code. */
export function demoEnterprise(pki, creditCode) {
  const e = manifestOf(pki).certificates.find((c) => c.kind === 'enterprise' && c.credit_code === creditCode);
  const file = (suffix) => path.join(pki, e.cert.replace('.cert.pem', suffix));
  return { ...e, cert: path.join(pki, e.cert), key: file('.key.pem'), seal: file('.seal.der') };
}

/** The demo NNG supervisor's certificate and key files, as paths. */
export function demoSupervisor(pki) {
  const s = manifestOf(pki).certificates.find((c) => c.kind === 'supervisor' && c.league === 'NNG');
  return { ...s, cert: path.join(pki, s.cert), key: path.join(pki, s.key) };
}

/**
 * The demo platform operator's certificate and key files, as paths: issued by
 * the platform's staff CA (`pki-demo/platform`), for the platform's operator
 * account (of no league).
 */
export function demoOperator(pki) {
  const o = manifestOf(pki).certificates.find((c) => c.kind === 'operator' && c.league === '');
  return { ...o, cert: path.join(pki, o.cert), key: path.join(pki, o.key) };
}

/** Switches the page's language with the header's button; on a phone it is in the menu, opened for it and closed again. */
export async function switchLanguage(page) {
  const toggle = page.locator('#lang-toggle');
  const menu = page.locator('#menu-toggle');
  const folded = !(await toggle.isVisible()) && await menu.isVisible();
  if (folded) await menu.click();
  await toggle.click();
  if (folded) await menu.click();
}

/**
 * A page in a fresh context of `browser` (its own storage: one user each),
 * in `lang`, `width` px wide, watched into `problems`; `allow` lists the
 * statuses of the refusals a test provokes (Chromium logs them as errors).
 */
export async function freshPage(browser, problems, { lang = 'zh', width = 1280, allow = [] } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  await context.addInitScript((l) => { try { localStorage.setItem('ggzy.lang', l); } catch { /* */ } }, lang);
  const page = await context.newPage();
  watch(page, problems, { allow });
  return page;
}

/** Saves a full-page picture as <GGZY_SCREENSHOT>-<name>.png when GGZY_SCREENSHOT (a path and stem) is set. */
export async function shotAt(page, name) {
  if (process.env.GGZY_SCREENSHOT) await page.screenshot({ path: `${process.env.GGZY_SCREENSHOT}-${name}.png`, fullPage: true });
}
