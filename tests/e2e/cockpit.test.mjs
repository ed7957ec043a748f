// A supervisor's cockpit (#/supervision), in a real (headless) Chromium,
// against a running ggzy with demo data: the NNG supervisor signs in with
// its certificate and key files, sees the supervision feed go live and
// filters it by a tender; an alert is raised through the API (a bidder of
// the finished demo tender raises a 质疑 on its result and an operator of
// the league answers it, after the bid deadline: "operator action after
// the deadline"), appears without a reload and is acknowledged with a
// note; the tender's timeline merges its sources and the committee draw's
// record verifies in the page. Screenshots in Chinese and English.
// Every action the server puts on the audit record (read from src/**/*.rs)
// has a name in Chinese and in English (frontend/src/i18n/actions.json), and
// every action in the demo's record (listed through the API) is shown by
// that name, its code beside it, in the audit events, the feed and the
// timeline, in both languages.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder: its
// demo keys under pki-demo, and `ggzy users add` for the accounts that
// raise the alert), GGZY_BIN (the ggzy binary, default
// ../../target/debug/ggzy); CHROMIUM (default /usr/bin/chromium);
// GGZY_SCREENSHOTS=dir saves pictures of the pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { account as newAccount, call, demoSupervisor, launch, need, watch } from './harness.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder');
const supervisor = demoSupervisor(path.join(data, 'pki-demo'));
const shots = process.env.GGZY_SCREENSHOTS;
if (shots) mkdirSync(shots, { recursive: true });

const root = new URL('../..', import.meta.url).pathname;
const actionNames = JSON.parse(readFileSync(path.join(root, 'frontend/src/i18n/actions.json'), 'utf8'));

let browser, context, page;
const problems = [];

const api = (method, p, token, body) => call(base, method, p, token, body);
const account = (name, role, org) => newAccount(data, name, role, org);

async function shot(name) {
  if (!shots) return;
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

before(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  // A page left while a request runs aborts it; nothing failed.
  watch(page, problems, { aborted: false, responses: true });
});

after(async () => browser?.close());

// The demo's finished procedure: opened, drawn, evaluated, awarded.
async function finishedTender() {
  for (let i = 0; i < 120; i++) {
    const list = await (await fetch(`${base}/api/v1/tenders?per_page=100`)).json();
    const t = list.items.find((x) => x.league_code === 'NNG' && ['awarded', 'closed'].includes(x.status));
    if (t) return t;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the demo\'s finished tender did not reach its award');
}

// Every action the server puts on the audit record, read from its source
// (src/**/*.rs), with where it is recorded: the action argument of each
// `audit::record(` call (and of a bare `record(` where a file imports
// `crate::audit::record`) — its string literals (`if … { "user.disable" }
// else { "user.enable" }` gives both), a `const NAME: &str = "…"` of the file
// it names, or a `format!` that `dynamic` expands from the code making its
// values. A call whose action cannot be read fails the test, so that a new
// kind of call is looked at, not skipped.
function recordedActions() {
  const src = path.join(root, 'src');
  const read = (rel) => readFileSync(path.join(src, rel), 'utf8');
  const all = (text, re) => [...text.matchAll(re)].map((m) => m[1]);
  const block = (text, start) => {
    const i = text.indexOf(start);
    if (i < 0) throw new Error(`${start} is not in the source any more: the test's reading of it needs a look`);
    return text.slice(i, text.indexOf('}', i));
  };
  const dynamic = {
    // A tender's lifecycle transition: `tender.<Action>` (src/tenders/lifecycle.rs).
    'tender.{}': () => all(block(read('tenders/lifecycle.rs'), 'pub enum Action {'), /= "([a-z_]+)"/g),
    // A member leaving the committee: `committee.<MemberStatus of Leaving::status()>`.
    'committee.{}': () => {
      const text = read('experts/committee.rs');
      const code = Object.fromEntries([...block(text, 'pub enum MemberStatus {').matchAll(/(\w+) = "([a-z_]+)"/g)].map((m) => [m[1], m[2]]));
      const left = all(text, /Leaving::\w+ => MemberStatus::(\w+)/g);
      if (!left.length) throw new Error('Leaving::status() is not in src/experts/committee.rs any more');
      return left.map((v) => {
        if (!code[v]) throw new Error(`MemberStatus::${v} has no code`);
        return code[v];
      });
    },
    // A trade's event: `auction.<kind>` (src/auctions/engine.rs: the kinds
    // Event::kind gives).
    'auction.{}': () => {
      const text = readFileSync(path.join(src, 'auctions', 'engine.rs'), 'utf8');
      const body = text.slice(text.indexOf('pub fn kind(&self)'));
      return all(body.slice(0, body.indexOf('\n    }\n')), /=> "([a-z_]+)"/g);
    },
    // An evaluation room's event: `room.<kind>` (src/evaluation: the events
    // the room's state machine makes, and the kinds given to append_recorded).
    'room.{kind}': () => {
      const dir = path.join(src, 'evaluation');
      const kinds = new Set();
      for (const f of readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.rs') && !f.endsWith('tests.rs'))) {
        const text = readFileSync(path.join(dir, f), 'utf8');
        for (const k of all(text, /Event::new\(\s*"([a-z_.]+)"/g)) kinds.add(k);
        for (const k of all(text, /\bkind: "([a-z_.]+)"/g)) kinds.add(k);
        for (const m of text.matchAll(/\bappend_recorded\(/g)) {
          const k = callArgs(text, m.index + m[0].length)[3]?.trim().match(/^"([a-z_.]+)"$/);
          if (k) kinds.add(k[1]);
        }
      }
      return [...kinds];
    },
  };
  const found = new Map();
  for (const rel of readdirSync(src, { recursive: true }).filter((f) => f.endsWith('.rs'))) {
    const text = read(rel);
    const bare = /use crate::audit::(\{[^}]*\brecord\b[^}]*\}|record;)/.test(text);
    const calls = bare ? /(?<![\w.:])(?:(?:crate::)?audit::)?record\(/g : /(?<![\w:])(?:crate::)?audit::record\(/g;
    for (const m of text.matchAll(calls)) {
      if (/fn\s+$/.test(text.slice(Math.max(0, m.index - 10), m.index))) continue;
      const where = `src/${rel}:${text.slice(0, m.index).split('\n').length}`;
      const action = callArgs(text, m.index + m[0].length)[2] ?? '';
      const template = action.match(/format!\(\s*"([^"]*)"/);
      let actions;
      if (template && template[1].includes('{')) {
        const expand = dynamic[template[1]];
        if (!expand) throw new Error(`${where}: an action made by format!("${template[1]}"), which this test cannot enumerate yet`);
        const prefix = template[1].slice(0, template[1].indexOf('{'));
        actions = expand().map((v) => prefix + v);
      } else {
        actions = all(action, /"([^"]*)"/g);
        for (const name of action.match(/\b[A-Z][A-Z0-9_]+\b/g) ?? []) {
          const c = text.match(new RegExp(`const ${name}: &str = "([^"]+)"`));
          if (c) actions.push(c[1]);
        }
      }
      if (!actions.length) throw new Error(`${where}: cannot read the action of this audit::record call: ${action.trim()}`);
      for (const a of actions) if (!found.has(a)) found.set(a, where);
    }
  }
  return found;
}

// The top-level arguments, as text, of the call whose '(' ends just before
// `at` (string literals and // comments skipped, brackets nested).
function callArgs(text, at) {
  const list = [];
  let depth = 0, start = at;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '"') { for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++; continue; }
    if (c === '/' && text[i + 1] === '/') { i = text.indexOf('\n', i); continue; }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) { list.push(text.slice(start, i)); return list; }
      depth--;
    } else if (c === ',' && depth === 0) { list.push(text.slice(start, i)); start = i + 1; }
  }
  throw new Error('a call not closed in the source');
}

// An action's name as the catalogue gives it, checked to be one: Chinese in
// Chinese, and in English not the code itself.
function nameOf(action, lang) {
  const name = actionNames[lang]?.[action];
  assert.ok(typeof name === 'string' && name.trim(), `no ${lang} name for the action ${action}`);
  if (lang === 'zh') assert.match(name, /\p{Script=Han}/u, `the zh name of ${action} is not Chinese: ${name}`);
  else assert.ok(!/\p{Script=Han}/u.test(name) && name !== action && !/^[a-z_.]+$/.test(name), `the en name of ${action} is no English name: ${name}`);
  return name;
}

test('every action the server records has a name in Chinese and in English', () => {
  const recorded = recordedActions();
  // The scan finds what it should (a reading that found little would pass
  // for the wrong reason): the calls with literals, the constants, both
  // sides of an if, and each of the format!s.
  for (const a of ['tender.create', 'bid.file_removed', 'user.disable', 'user.enable', 'supervision.alert_raised',
    'tender.publish', 'tender.start_opening', 'committee.no_show', 'room.score.given', 'room.member.signed_in', 'room.room.closed']) {
    assert.ok(recorded.has(a), `the scan of src found no ${a}`);
  }
  assert.ok(recorded.size > 100, `only ${recorded.size} actions found in src`);
  const missing = [];
  for (const [a, where] of recorded) {
    for (const lang of ['zh', 'en']) if (!actionNames[lang]?.[a]) missing.push(`${a} (${lang}, recorded at ${where})`);
  }
  assert.deepEqual(missing, [], 'actions with no name in frontend/src/i18n/actions.json');
  for (const a of recorded.keys()) { nameOf(a, 'zh'); nameOf(a, 'en'); }
});

let tender, token;

test('a supervisor signs in and sees the feed go live, then filters it by a tender', async () => {
  tender = await finishedTender();
  await page.goto(`${base}/#/sign-in?next=%2Fsupervision`);
  await page.setInputFiles('#signin-cert', supervisor.cert);
  await page.setInputFiles('#signin-key', supervisor.key);
  await page.click('#signin-submit');
  await page.waitForURL(/#\/supervision/);
  await page.locator('#nav-cockpit').waitFor();
  token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('ggzy.session')).token);
  await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=feed] tbody tr').first().waitFor();
  assert.ok(await page.locator('[data-testid=feed] tbody tr').count() > 0);

  await page.click('#feed-tender');
  await page.getByRole('option', { name: new RegExp(tender.title) }).click();
  await page.click('#feed-apply');
  await page.waitForURL(new RegExp(`tender=${tender.id}`));
  await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=feed] tbody tr').first().waitFor();
  const tenders = await page.locator('[data-testid=feed] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.tender));
  assert.ok(tenders.length > 0);
  assert.deepEqual([...new Set(tenders)], [tender.id], 'only the chosen tender\'s events');

  // The feed numbers its events by their event number (seq), as the audit
  // events, the alerts' evidence and the timeline do, not by the log's
  // position (a different count): each row's number is the seq the audit
  // events API gives the same event.
  assert.equal((await page.locator('[data-testid=feed] thead th').first().textContent()).trim(), '事件号');
  const numbered = await page.locator('[data-testid=feed] tbody tr').evaluateAll((rows) => rows.slice(0, 5).map((r) => ({
    shown: r.querySelector('td').textContent.trim(), action: r.dataset.action,
  })));
  for (const row of numbered) {
    const seq = Number(row.shown.replace(/^#/, ''));
    assert.equal(row.shown, `#${seq}`, `a feed row's number: ${row.shown}`);
    const got = (await api('GET', `/api/v1/audit/events?tender_id=${tender.id}&after_seq=${seq - 1}&per_page=1`, token)).json.items[0];
    assert.equal(got?.seq, seq, `event #${seq} in the audit events`);
    assert.equal(got.action, row.action, `event #${seq} is the feed's ${row.action}`);
  }
});

test('an alert raised meanwhile appears without a reload and is acknowledged with a note', async () => {
  // A bidder of the tender raises a 质疑 on its result; an operator of the
  // league answers it, after the bid deadline.
  const before = new Set((await api('GET', '/api/v1/supervision/alerts', token)).json.items.map((a) => a.id));
  const bidders = (await api('GET', `/api/v1/tenders/${tender.id}/bids`, token)).json.items;
  const bidder = account('驾驶舱测试投标员', 'bidder', bidders[0].bidder_name);
  const operator = account('驾驶舱测试运维', 'operator');
  const raised = await api('POST', `/api/v1/tenders/${tender.id}/objections`, bidder, { subject: 'result', text: '对中标结果有疑问（驾驶舱测试）' });
  assert.equal(raised.status, 201, JSON.stringify(raised.json));
  const answered = await api('POST', `/api/v1/tenders/${tender.id}/objections/${raised.json.id}/answer`, operator, { answer: '经核查，结果无误。' });
  assert.equal(answered.status, 200, JSON.stringify(answered.json));

  // The new alert, shown without a reload.
  const shown = await page.waitForFunction((old) => [...document.querySelectorAll('[data-testid=alert]')]
    .map((n) => n.dataset.alert).find((id) => !old.includes(id)), [...before], { timeout: 30_000 });
  const id = await shown.jsonValue();
  const card = page.locator(`[data-alert="${id}"]`);
  // Said in the page's language from its key and params: the operator by
  // its name, the action by its name, the time in Beijing time.
  const raisedNow = (await api('GET', `/api/v1/supervision/alerts?tender_id=${tender.id}`, token)).json.items.find((a) => a.id === id);
  assert.equal(raisedNow.reason, 'alert.operator-action-after-deadline', JSON.stringify(raisedNow));
  const { at } = raisedNow.params;
  assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
  assert.deepEqual(raisedNow.params, { operator: '驾驶舱测试运维', audit_action: 'objection.answered', at });
  const when = `${at.slice(0, 10)} ${at.slice(11, 19)}`;
  const said = card.locator('[data-testid=alert-text]');
  assert.equal(await said.textContent(), `运营人员 驾驶舱测试运维 在投标截止时间后进行了操作“答复异议”（${when} 北京时间）`);
  assert.equal(await said.getAttribute('lang'), null);
  // The alert joined the feed too (the filter keeps the tender's events).
  await page.locator(`[data-testid=feed] tr[data-action="supervision.alert_raised"]`).first().waitFor({ timeout: 30_000 });
  await card.getByRole('button', { name: /查看依据|Show evidence/ }).click();
  const evidence = card.locator('.evidence li', { hasText: 'objection.answered' });
  await evidence.waitFor();
  // The operator by its name (its id on hover), not its UUID.
  const actor = evidence.locator('[data-testid=evidence-actor]');
  assert.equal(await actor.textContent(), '驾驶舱测试运维');
  assert.match(await actor.getAttribute('title'), /^[0-9a-f]{8}-[0-9a-f]{4}-/);
  assert.doesNotMatch(await evidence.textContent(), /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/);
  await shot('cockpit-zh');

  await card.locator('textarea').fill('已核查：运营人员代为答复质疑，属正常处理。');
  await card.locator('.ack-submit').click();
  await page.locator('.ok-note[role=status]').waitFor();
  await page.locator(`[data-alert="${id}"]`).waitFor({ state: 'detached' });
  const alerts = (await api('GET', `/api/v1/supervision/alerts?tender_id=${tender.id}`, token)).json.items;
  const acked = alerts.find((a) => a.id === id);
  assert.ok(acked.acknowledged_at, JSON.stringify(acked));
  assert.match(acked.note, /已核查/);

  await page.click('#lang-toggle');
  await page.locator('#feed-state', { hasText: 'Live' }).waitFor();
  await page.locator('label.el-checkbox', { has: page.locator('#alerts-all') }).click();
  await page.locator(`[data-alert="${id}"] [data-testid=alert-acknowledged]`).waitFor();
  // Shown with the acknowledged ones, under their own heading, not among the open alerts.
  assert.equal(await page.locator(`[data-testid=open-alerts] [data-alert="${id}"]`).count(), 0, 'an acknowledged alert is not listed as open');
  assert.equal(await page.locator(`[data-testid=acked-alerts] [data-alert="${id}"].acked`).count(), 1);
  assert.equal((await page.locator('#acked-alerts-heading').textContent()).trim(), 'Acknowledged alerts');
  assert.equal(await page.locator('[data-testid=open-alerts] [data-alert].acked').count(), 0);
  assert.equal(await page.locator(`[data-alert="${id}"] [data-testid=alert-text]`).textContent(),
    `Operator 驾驶舱测试运维 acted after the bid deadline: “Objection answered” (${when} Beijing time (UTC+8))`);
  await shot('cockpit-en');
  await page.click('#lang-toggle');
});

// The timeline's entries as the page shows them: each one's source, code,
// title and detail (the sentence), the record's names in the detail marked
// Chinese, and whether its payload is kept behind Details.
async function timelineEntries() {
  while (await page.locator('#timeline-more').count()) await page.click('#timeline-more');
  return page.locator('[data-testid=timeline] li[data-source]').evaluateAll((items) => items.map((i) => ({
    source: i.dataset.source,
    code: i.querySelector('.tl-code')?.textContent.trim() ?? null,
    title: i.querySelector('.tl-line strong')?.textContent.trim() ?? '',
    detail: i.querySelector('.tl-detail')?.textContent.trim() ?? '',
    zh: [...i.querySelectorAll('.tl-detail [lang=zh-CN]')].map((n) => n.textContent),
    payload: !!i.querySelector('details summary'),
  })));
}

// What the hall's, the room's and the audit record's entries must say, from
// the record as the API gives it: a few kinds word for word, in each language.
async function expectedSentences() {
  const hall = (await api('GET', `/api/v1/tenders/${tender.id}/hall/events`, token)).json.items;
  const res = await fetch(`${base}/api/v1/tenders/${tender.id}/evaluation/room/events`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/jsonl' } });
  const room = (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)).filter((e) => e.type === 'event');
  const opened = room.find((e) => e.kind === 'room.opened');
  const nameOfExpert = (id) => opened.payload.members.find((m) => m.expert === id).name;
  const completed = hall.find((e) => e.kind === 'opening.completed').payload;
  const chair = nameOfExpert(room.find((e) => e.kind === 'chair.elected').payload.expert);
  const bid = hall.find((e) => e.kind === 'opening.bid_opened').payload;
  const publish = (await api('GET', `/api/v1/audit/events?tender_id=${tender.id}&action=tender.publish`, token)).json.items[0];
  const role = { zh: { agent: '代理机构', tenderer: '招标人' }, en: { agent: 'agent', tenderer: 'tenderer' } };
  assert.ok(role.zh[publish.actor_role], `the demo's tender is published by ${publish.actor_role}`);
  // Who published it, by name (its organisation's: the user acts for it), not by its id.
  const org = { agent: '广西华信招标代理有限公司', tenderer: '南宁市教育局' };
  assert.equal(publish.actor_name, org[publish.actor_role], JSON.stringify(publish));
  return {
    bidder: bid.bidder_name,
    zh: {
      'tender.status': '发布招标公告：项目状态由“草稿”变为“招标中”。',
      'opening.completed': `开启投标文件 ${completed.bids} 份，其中有效 ${completed.valid_bids} 份。`,
      'chair.elected': `${chair} 当选评标委员会组长。`,
      'tender.publish': `${role.zh[publish.actor_role]}（${publish.actor_name}）操作，对象：本项目；事件号 #${publish.seq}。`,
    },
    en: {
      'tender.status': 'Tender published: the tender went from “Draft” to “Open for bids”.',
      'opening.completed': `${completed.bids} bid(s) opened, ${completed.valid_bids} valid.`,
      'chair.elected': `${chair} was elected chair of the committee.`,
      'tender.publish': `By the ${role.en[publish.actor_role]} (${publish.actor_name}), on this tender; event #${publish.seq}.`,
    },
  };
}

// Every hall and room entry is said in a sentence of the page's language
// (never as `action: publish · from: draft`), the few kinds above word for
// word; the payload stays behind Details; the bidders' names are marked
// Chinese in an English sentence.
// A payload's field shown as `key: value` (as `action: publish · from: draft`
// was): the hall's and the room's field names, or any snake_case one.
const CODE_SUMMARY = /(^|[\s·;；（(])(action|from|to|reason|notice_seq|custodian|released|threshold|ready|shares|outcome|bidder_name|bids|valid_bids|result|expert|candidate|round|lot|bid|item|pass|ground|criterion|points|mean|topic|question|answer|sha256|signature|dissent|venue|[a-z]+_[a-z_]+): /;

function assertSentences(entries, expected, lang) {
  const said = entries.filter((e) => ['hall', 'room', 'audit'].includes(e.source));
  assert.ok(said.length > 50, `the timeline has the hall's, the room's and the audit record's entries (${said.length})`);
  for (const e of said) {
    assert.ok(e.detail, `${e.source} ${e.code}: said in a sentence`);
    assert.doesNotMatch(e.detail, CODE_SUMMARY, `${e.source} ${e.code} (${lang}): a code summary: ${e.detail}`);
    if (e.source !== 'audit') assert.ok(e.payload, `${e.source} ${e.code}: its payload behind Details`);
  }
  const first = (source, code) => said.find((e) => e.source === source && e.code === code)?.detail;
  assert.equal(first('hall', 'tender.status'), expected[lang]['tender.status']);
  assert.equal(first('hall', 'opening.completed'), expected[lang]['opening.completed']);
  assert.equal(first('room', 'chair.elected'), expected[lang]['chair.elected']);
  assert.equal(first('audit', 'tender.publish'), expected[lang]['tender.publish']);
  const opened = said.find((e) => e.source === 'hall' && e.code === 'opening.bid_opened' && e.detail.includes(expected.bidder));
  // The audit record's entry of the same opening names the bid by its bidder, not by its id.
  const audited = said.filter((e) => e.source === 'audit' && e.code === 'opening.bid_opened').map((e) => e.detail);
  const onBid = lang === 'zh' ? `对象：投标（${expected.bidder}）；` : `on the bid (${expected.bidder});`;
  assert.equal(audited.filter((d) => d.includes(onBid)).length, 1, `${onBid} in ${audited.join(' | ')}`);
  assert.ok(opened, `the opening of ${expected.bidder}'s bid`);
  assert.match(opened.detail, lang === 'zh' ? /的投标文件：有效。投标总价 ¥[\d,]+\.\d\d。/ : /^The bid of .*: valid\. Total price ¥[\d,]+\.\d\d\./);
  assert.deepEqual(opened.zh, [expected.bidder], 'the bidder\'s name, marked zh-CN');
}

test('the tender\'s timeline merges its record and the draw record verifies in the page', async () => {
  await page.goto(`${base}/#/supervision/tenders/${tender.id}`);
  await page.locator('#draw-verified[data-verified=true]').waitFor({ timeout: 30_000 });
  const failed = await page.locator('[data-check].check-bad').count();
  assert.equal(failed, 0);
  // The draw check names the log's entries by their position in the log
  // (its leaf index), never as an event number or a bare "第 N 条".
  const entries = (await page.locator('[data-part=log] [data-check]').allTextContents()).map((x) => x.replace(/\s+/g, ' ').trim());
  const committed = entries.find((x) => x.includes('draw.committed') && /位置/.test(x));
  assert.match(committed ?? '', /审计日志位置 \d+ 的条目为 draw\.committed，所载值与记录完全一致/, entries.join('\n'));
  assert.ok(!entries.some((x) => /第 \d+ 条/.test(x)), entries.join('\n'));
  await shot('timeline-zh');
  while (await page.locator('#timeline-more').count()) await page.click('#timeline-more');
  const sources = await page.locator('[data-testid=timeline] [data-source]').evaluateAll((items) => [...new Set(items.map((i) => i.dataset.source))]);
  for (const s of ['notice', 'hall', 'bid', 'committee', 'room', 'audit', 'alert']) assert.ok(sources.includes(s), `${s} in ${sources}`);
  const times = await page.locator('[data-testid=timeline] .tl-time').allTextContents();
  assert.deepEqual([...times].sort(), times, 'merged by time');
  assert.equal(await page.locator('#watch-room').getAttribute('href'), `#/rooms/${tender.id}`);
  assert.match(await page.locator('pre.command').textContent(), new RegExp(`ggzy draw verify --url .* --tender ${tender.id}`));
  const expected = await expectedSentences();
  assertSentences(await timelineEntries(), expected, 'zh');
  // The payload as it came, behind Details.
  const status = page.locator('[data-testid=timeline] li[data-source=hall]', { has: page.locator('.tl-code', { hasText: 'tender.status' }) }).first();
  await status.locator('details summary').click();
  assert.match(await status.locator('pre.payload').textContent(), /"action": "publish"/);
  // In English, after the switch without a reload, then loaded in English.
  await page.click('#lang-toggle');
  await page.locator('#draw-verified', { hasText: 'Every check in the page holds' }).waitFor({ timeout: 30_000 });
  assertSentences(await timelineEntries(), expected, 'en');
  await page.goto(`${base}/#/supervision/tenders/${tender.id}`);
  await page.locator('#draw-verified', { hasText: 'Every check in the page holds' }).waitFor({ timeout: 30_000 });
  assertSentences(await timelineEntries(), expected, 'en');
  // The tender's Chinese title, on an English page, is marked Chinese.
  assert.equal(await page.locator('h1.page-title [lang=zh-CN]').textContent(), tender.title);
  await shot('timeline-en');
  await page.click('#lang-toggle');
  assert.deepEqual(problems, []);
});

test('every action in the demo\'s audit record is shown by its name, its code beside it, in Chinese and in English', async () => {
  // The actions the supervisor's record holds, every page of it.
  const events = async (query) => {
    const r = await api('GET', `/api/v1/audit/events?${new URLSearchParams(query)}`, token);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };
  const pages = [];
  for (let p = 1; ; p++) {
    const got = await events({ per_page: 100, page: p });
    pages.push(got.items);
    if (p * got.per_page >= got.total || !got.items.length) break;
  }
  const present = [...new Set(pages.flat().map((e) => e.action))].sort();
  // The demo ran a whole procedure: its record is no short one.
  for (const a of ['tender.publish', 'opening.share_released', 'draw.drawn', 'room.score.given', 'supervision.alert_raised']) {
    assert.ok(present.includes(a), `${a} in the demo's record: ${present}`);
  }
  for (const a of present) { nameOf(a, 'zh'); nameOf(a, 'en'); }

  // The audit events, page by page, in each language: each row's action by
  // its catalogue name, the code beside it.
  for (const lang of ['zh', 'en']) {
    const seen = new Set();
    for (const [i, items] of pages.entries()) {
      await page.goto(`${base}/?lang=${lang}#/audit/events?per_page=100&page=${i + 1}`);
      await page.waitForFunction((seqs) => {
        const rows = [...document.querySelectorAll('#ev-table tbody tr')].map((r) => Number(r.dataset.seq));
        return rows.length === seqs.length && rows.every((s, j) => s === seqs[j]);
      }, items.map((e) => e.seq), { timeout: 15_000 });
      const rows = await page.locator('#ev-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
        code: tr.querySelector('code.action')?.textContent.trim(),
        name: tr.querySelector('.action-name')?.textContent.trim() ?? null,
      })));
      for (const [j, row] of rows.entries()) {
        assert.equal(row.code, items[j].action);
        assert.equal(row.name, nameOf(row.code, lang), `the ${lang} page's row for ${row.code}`);
        seen.add(row.code);
      }
    }
    assert.deepEqual([...seen].sort(), present);
    if (lang === 'en') await shot('audit-events-en');
  }

  // The cockpit's feed (the tender's events, from the earlier test's filter
  // reset) and the tender's timeline, in Chinese, then in English without a
  // reload.
  await page.goto(`${base}/?lang=zh#/supervision`);
  await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=feed] tbody tr').first().waitFor();
  const feed = async (lang) => {
    const rows = await page.locator('[data-testid=feed] tbody tr').evaluateAll((trs) => trs.map((tr) => ({
      code: tr.dataset.action, shown: tr.querySelector('code.action')?.textContent.trim(),
      name: tr.querySelector('.action-name')?.textContent.trim() ?? null,
    })));
    assert.ok(rows.length > 0);
    for (const r of rows) {
      assert.equal(r.shown, r.code);
      assert.equal(r.name, nameOf(r.code, lang), `the ${lang} feed's row for ${r.code}`);
    }
  };
  await feed('zh');
  await page.click('#lang-toggle');
  await page.locator('#feed-state', { hasText: 'Live' }).waitFor();
  await feed('en');
  await page.click('#lang-toggle');

  await page.goto(`${base}/?lang=zh#/supervision/tenders/${tender.id}`);
  await page.locator('[data-testid=timeline] [data-source=audit]').first().waitFor({ timeout: 30_000 });
  while (await page.locator('#timeline-more').count()) await page.click('#timeline-more');
  const timeline = async (lang) => {
    const rows = await page.locator('[data-testid=timeline] [data-source=audit]').evaluateAll((items) => items.map((i) => ({
      title: i.querySelector('.tl-line strong')?.textContent.trim(), code: i.querySelector('.tl-code')?.textContent.trim() ?? null,
    })));
    assert.ok(rows.length > 0);
    for (const r of rows) {
      assert.ok(r.code, `an audit entry shown without its name: ${r.title}`);
      assert.equal(r.title, nameOf(r.code, lang), `the ${lang} timeline's entry for ${r.code}`);
    }
  };
  await timeline('zh');
  await page.click('#lang-toggle');
  await page.locator('#draw-verified', { hasText: 'Every check in the page holds' }).waitFor({ timeout: 30_000 });
  await timeline('en');
  await shot('timeline-actions-en');
  await page.click('#lang-toggle');
  assert.deepEqual(problems, []);
});

test('an action is chosen by its name: the feed filters by its code as a prefix, the audit events by the code exactly', async () => {
  const code = 'tender.publish';
  const name = actionNames.zh[code];
  await page.goto(`${base}/?lang=zh#/supervision`);
  await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await page.click('#feed-action');
  await page.keyboard.type(name.slice(0, 4));
  const option = page.locator('.action-picker-popper li', { hasText: name });
  await option.first().waitFor();
  assert.equal(await option.first().locator('.ap-code').textContent(), code);
  await option.first().click();
  assert.equal((await page.locator('.cf .action-picker').innerText()).trim(), `${name} · ${code}`);
  assert.match(await page.locator('#feed-action-hint').textContent(), /开头/);
  await page.click('#feed-apply');
  await page.waitForURL(/action=tender\.publish/);
  await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=feed] tbody tr').first().waitFor();
  const feedActions = await page.locator('[data-testid=feed] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.action));
  assert.ok(feedActions.length > 0);
  assert.deepEqual([...new Set(feedActions)], [code], 'the feed keeps the chosen action');

  await page.goto(`${base}/?lang=zh#/audit/events`);
  await page.locator('#ev-table tbody tr').first().waitFor();
  await page.click('#ev-action');
  await page.keyboard.type(name.slice(0, 4));
  await page.locator('.action-picker-popper li:visible', { hasText: name }).first().click();
  assert.equal((await page.locator('.events-filters .action-picker').innerText()).trim(), `${name} · ${code}`);
  assert.match(await page.locator('#ev-action-hint').textContent(), /完整的操作代码/);
  await page.click('#ev-search');
  await page.waitForURL(/action=tender\.publish/);
  const total = (await api('GET', `/api/v1/audit/events?action=${code}&per_page=1`, token)).json.total;
  await page.waitForFunction((n) => document.querySelectorAll('#ev-table tbody tr').length === Math.min(n, 20), total, { timeout: 15_000 });
  const rows = await page.locator('#ev-table tbody tr code.action').allTextContents();
  assert.deepEqual([...new Set(rows)], [code]);
});

test('at a tablet\'s width the feed and the audit events are cards: no sideways scroll, no row taller than a few lines', async () => {
  await page.setViewportSize({ width: 768, height: 1000 });
  try {
    await page.goto(`${base}/?lang=zh#/supervision`);
    await page.locator('#feed-state[data-state=live]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=feed] tbody tr').first().waitFor();
    const feed = await page.locator('[data-testid=feed]').evaluate((table) => {
      const wrap = table.closest('.table-wrap');
      const rows = [...table.querySelectorAll('tbody tr')].slice(0, 100);
      const hidden = [...table.querySelectorAll('tbody tr:first-child td')].filter((td) => td.getBoundingClientRect().right > wrap.getBoundingClientRect().right + 1).length;
      return { overflow: wrap.scrollWidth - wrap.clientWidth, tallest: Math.max(...rows.map((r) => r.getBoundingClientRect().height)), hidden };
    });
    assert.ok(feed.overflow <= 1, `the feed scrolls sideways by ${feed.overflow} px`);
    assert.equal(feed.hidden, 0, 'every field of a row is in view');
    // Four lines (number, time and actor; action; object; tender), one more
    // where a contract's long name wraps: not a column of one character.
    assert.ok(feed.tallest <= 160, `a feed row ${feed.tallest} px tall`);

    await page.goto(`${base}/?lang=zh#/audit/events?per_page=20`);
    await page.locator('#ev-table tbody tr').first().waitFor();
    const events = await page.locator('#ev-table').evaluate((table) => {
      const wrap = table.closest('.table-wrap');
      const rows = [...table.querySelectorAll('tbody tr')];
      return { overflow: wrap.scrollWidth - wrap.clientWidth, tallest: Math.max(...rows.map((r) => r.getBoundingClientRect().height)), count: rows.length };
    });
    assert.equal(events.count, 20);
    assert.ok(events.overflow <= 1, `the audit events scroll sideways by ${events.overflow} px`);
    assert.ok(events.tallest <= 200, `an audit event ${events.tallest} px tall`);
    await shot('cockpit-events-768');
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
});

test('operators have one Chinese name: 运营人员, in alerts and everywhere else', () => {
  const dir = path.join(root, 'frontend/src/i18n');
  const files = [...readdirSync(dir).filter((f) => f.endsWith('.json')), ...readdirSync(path.join(dir, 'messages')).map((f) => `messages/${f}`)];
  const other = files.filter((f) => readFileSync(path.join(dir, f), 'utf8').includes('运维人员'));
  assert.deepEqual(other, []);
  assert.match(JSON.stringify(JSON.parse(readFileSync(path.join(dir, 'alerts.json'), 'utf8'))), /运营人员 \{operator\}/);
});

test('before its draw a tender\'s timeline and room ask for nothing that is not there, and say the room is not open yet', async () => {
  const list = await (await fetch(`${base}/api/v1/tenders?per_page=100`)).json();
  let early = null;
  for (const x of list.items.filter((x) => x.league_code === 'NNG' && x.status === 'published')) {
    const c = (await api('GET', `/api/v1/tenders/${x.id}/committee`, token)).json;
    if (c?.stage !== 'drawn') { early = x; break; }
  }
  assert.ok(early, 'the demo has an NNG tender before its draw');
  const seen = [];
  const log = (r) => { if (r.status() >= 400) seen.push(`${r.status()} ${r.url()}`); };
  const errors = [];
  const onConsole = (m) => { if (m.type() === 'error') errors.push(m.text()); };
  page.on('response', log);
  page.on('console', onConsole);
  try {
    await page.goto(`${base}/?lang=zh#/supervision/tenders/${early.id}`);
    await page.locator('[data-testid=timeline] [data-source]').first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    assert.equal(await page.locator('#watch-room').count(), 0, 'no room to watch before there is one');
    await page.goto(`${base}/?lang=zh#/rooms/${early.id}`);
    await page.locator('[data-testid=room-not-yet]').waitFor();
    assert.match(await page.locator('[data-testid=room-not-yet]').textContent(), /评标室尚未开启。开标时间为 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 北京时间/);
    assert.equal(await page.locator('[data-testid=room-role]').count(), 0);
    assert.equal(await page.locator('#room-back').textContent(), '← 返回项目时间线');
    // The cockpit left at once: its sockets close without a word.
    await page.goto(`${base}/?lang=zh#/supervision`);
    await page.goto(`${base}/?lang=zh#/audit/events`);
    await page.locator('#ev-table tbody tr').first().waitFor();
  } finally {
    page.off('response', log);
    page.off('console', onConsole);
  }
  assert.deepEqual(seen, []);
  assert.deepEqual(errors, []);
});
