// What the browser tests share: the environment they need, the browser they
// drive (Debian's Chromium, or the one CHROMIUM names), the watch each page
// is under (a script error, a console error or a failed request fails a
// run), the API called with a token, and the demo's keys and accounts made
// with the server's own command line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** The demo NNG supervisor's certificate and key files, as paths. */
export function demoSupervisor(pki) {
  const s = manifestOf(pki).certificates.find((c) => c.kind === 'supervisor' && c.league === 'NNG');
  return { ...s, cert: path.join(pki, s.cert), key: path.join(pki, s.key) };
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
