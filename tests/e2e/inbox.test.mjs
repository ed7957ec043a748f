// A signed-in user's messages and notification settings in a real
// (headless) Chromium, against a running demo ggzy: the demo bidder
// 广西建工集团 (a verified demo address, and messages about the tenders it
// took the documents of or follows) signs in with its demo certificate,
// sees its unread count in the header, opens its inbox, filters the unread
// ones, reads one (the count drops, as the API says), mutes an optional kind
// and follows a category (as the API then says), and finds the procedural
// kinds locked; in Chinese and in English, and at 375 px nothing wider than
// the window; at 375 px the folded menu's button carries the unread count
// and says it.
//
// Environment: GGZY_BASE (the server), GGZY_DATA (its data folder, for the
// demo's keys); CHROMIUM (default /usr/bin/chromium); GGZY_SCREENSHOTS=<folder>
// saves pictures of the pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call as callApi, demoEnterprise, demoPkiIn, launch, need, watch } from './harness.mjs';
import { assertNoOverflow, screenshot } from './layout.mjs';
import { signInWith } from './bidding.mjs';

const base = process.env.GGZY_BASE ?? 'http://127.0.0.1:8080';
const data = need('GGZY_DATA', 'the server\'s data folder');
const pki = await demoPkiIn(data);
const bidder = demoEnterprise(pki, '91450000MA5L13579M');

let browser;
before(async () => { browser = await launch(); });
after(async () => browser?.close());

const WORDS = {
  zh: { badAddress: '须为一个电子邮件地址', inbox: '我的消息', settings: '通知设置', unreadOnly: '只看未读', locked: '已锁定', verified: '已验证', saved: '设置已保存。', followed: '关注已更新。', category: '土地矿业权', menuUnread: (n) => new RegExp(`^菜单\\s*${n}\\s*条未读消息$`) },
  en: { badAddress: 'One e-mail address (name@example.com)', inbox: 'My messages', settings: 'Notification settings', unreadOnly: 'Unread only', locked: 'Locked', verified: 'Verified', saved: 'Settings saved.', followed: 'Followed categories updated.', category: 'Land & mining rights', menuUnread: (n) => new RegExp(`^Menu\\s*${n}\\s*unread messages$`) },
};

for (const lang of ['zh', 'en']) {
  test(`the demo bidder reads its messages and chooses what it gets (${lang})`, async () => {
    const w = WORDS[lang];
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'America/New_York' });
    const page = await context.newPage();
    const problems = watch(page, [], { allow: ['422'] });
    const token = await signInWith(page, base, lang, bidder, '/inbox');
    const call = (method, p, body) => callApi(base, method, p, token, body);

    // The count in the header is the API's.
    const before = (await call('GET', '/api/v1/me/notifications/unread-count')).json.unread;
    assert.ok(before > 0, 'the demo bidder has unread messages');
    await page.getByRole('heading', { level: 1, name: w.inbox }).waitFor();
    await page.locator('[data-testid=unread-badge]', { hasText: String(before) }).waitFor();
    // At 375 px the menu is folded behind its button, the inbox's link and
    // its count with it: the button carries the count and says it.
    await page.setViewportSize({ width: 375, height: 800 });
    const menu = page.locator('#menu-toggle');
    await menu.waitFor();
    assert.ok(!(await page.locator('[data-testid=unread-badge]').isVisible()), 'the folded menu hides the inbox\'s own count');
    assert.ok(await menu.locator('[data-testid=menu-unread-badge]', { hasText: String(before) }).isVisible(), 'the count on the menu button');
    await page.getByRole('button', { name: w.menuUnread(before) }).waitFor();
    await screenshot(page, `inbox-menu-badge-375-${lang}`);
    await assertNoOverflow(page, `the header with its count (${lang})`);
    await menu.click();
    await page.locator('[data-testid=unread-badge]', { hasText: String(before) }).waitFor();
    await menu.click();
    await page.setViewportSize({ width: 1280, height: 900 });
    const items = page.locator('[data-testid=inbox-list] li');
    const all = (await call('GET', '/api/v1/me/notifications?per_page=20')).json;
    assert.equal(await items.count(), all.items.length);
    assert.equal(await items.first().getAttribute('data-id'), all.items[0].id, 'newest first, as the API');

    // Only the unread ones.
    await page.locator('label', { has: page.locator('#inbox-unread-only') }).click();
    assert.ok(await page.getByLabel(w.unreadOnly).isChecked());
    await page.waitForURL((u) => u.hash.includes('unread=true'));
    await page.locator('[data-testid=inbox-list] li[data-unread=false]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid=inbox-list] li').count(), Math.min(before, 20));
    await screenshot(page, `inbox-list-${lang}`);

    // One read: its text and its tender, and the count drops.
    const first = page.locator('[data-testid=inbox-list] li').first();
    const id = await first.getAttribute('data-id');
    const message = (await call('GET', `/api/v1/me/notifications/${id}`)).json;
    await first.locator('a').click();
    await page.waitForURL((u) => u.hash === `#/inbox/${id}`);
    await page.getByRole('heading', { level: 1, name: message.subject }).waitFor();
    assert.equal((await page.locator('[data-testid=message-body]').textContent()).trim(), message.body_text.trim());
    if (message.tender_id) assert.equal(await page.locator('#message-tender').getAttribute('href'), `#/tenders/${message.tender_id}`);
    if (before > 1) await page.locator('[data-testid=unread-badge]', { hasText: String(before - 1) }).waitFor();
    else await page.locator('[data-testid=unread-badge]').waitFor({ state: 'detached' });
    assert.equal((await call('GET', '/api/v1/me/notifications/unread-count')).json.unread, before - 1, 'the message is marked read');
    assert.ok((await call('GET', `/api/v1/me/notifications/${id}`)).json.read_at);
    await screenshot(page, `inbox-message-${lang}`);
    await page.setViewportSize({ width: 375, height: 800 });
    await assertNoOverflow(page, `a message (${lang})`);
    await page.setViewportSize({ width: 1280, height: 900 });

    // The settings: its verified address, a procedural kind locked.
    await page.goto(`${base}/?lang=${lang}#/settings/notifications`);
    await page.getByRole('heading', { level: 1, name: w.settings }).waitFor();
    const settings = (await call('GET', '/api/v1/me/notification-settings')).json;
    await page.locator('[data-testid=email-current]', { hasText: settings.email }).waitFor();
    assert.equal(await page.locator('[data-testid=email-state]').getAttribute('data-verified'), 'true');
    assert.equal((await page.locator('[data-testid=email-state]').textContent()).trim(), w.verified);
    const receipt = page.locator('[data-kind=bid_receipt]');
    assert.equal((await receipt.locator('[data-testid=locked]').textContent()).trim(), w.locked);
    assert.ok(await page.locator('#ns-kind-bid_receipt').isDisabled(), 'a procedural kind cannot be unticked');
    assert.ok(await page.locator('#ns-kind-bid_receipt').isChecked());

    // An address that is not one: refused, with its reason in the page's language.
    await page.locator('#ns-address').fill('not an address');
    await page.locator('#ns-send-link').click();
    await page.locator('[data-testid=problem]', { hasText: w.badAddress }).waitFor();
    const still = (await call('GET', '/api/v1/me/notification-settings')).json;
    assert.equal(still.email, settings.email);
    assert.equal(still.email_verified, true, 'the verified address is kept');

    // An optional kind muted.
    const kind = lang === 'zh' ? 'opening_record' : 'evaluation_finished';
    const was = settings.kinds.find((k) => k.kind === kind);
    assert.equal(was.class, 'optional');
    assert.equal(was.by_email, true, `${kind} is not muted yet`);
    assert.ok(await page.locator(`#ns-kind-${kind}`).isChecked());
    await page.locator('label', { has: page.locator(`#ns-kind-${kind}`) }).click();
    assert.ok(!(await page.locator(`#ns-kind-${kind}`).isChecked()));
    await page.locator('#ns-save').click();
    await page.getByText(w.saved).waitFor();
    const after = (await call('GET', '/api/v1/me/notification-settings')).json;
    assert.equal(after.kinds.find((k) => k.kind === kind).by_email, false, `${kind} muted`);
    assert.equal(after.kinds.find((k) => k.kind === 'bid_receipt').by_email, true);

    // A category followed, in every trading centre.
    const had = (await call('GET', '/api/v1/me/subscriptions')).json;
    assert.ok(!had.some((s) => s.category === 'land_mining_rights'), 'not followed yet');
    await page.focus('#ns-category');
    await page.keyboard.press('Enter');
    await page.getByRole('option', { name: w.category, exact: true }).click();
    await page.locator('#ns-follow').click();
    await page.getByText(w.followed).waitFor();
    await page.locator('[data-testid=follows] li[data-category=land_mining_rights][data-league="*"]').waitFor();
    const subs = (await call('GET', '/api/v1/me/subscriptions')).json;
    assert.ok(subs.some((s) => s.category === 'land_mining_rights' && s.league === '*'), JSON.stringify(subs));
    await screenshot(page, `notification-settings-${lang}`);

    // At 375 px: nothing wider than the window (once the category list has
    // closed: its closing animation, still at the wide page's place, is not
    // the page).
    await page.waitForFunction(() => [...document.querySelectorAll('.el-select__popper')].every((p) => getComputedStyle(p).display === 'none'));
    await page.setViewportSize({ width: 375, height: 800 });
    await assertNoOverflow(page, `the notification settings (${lang})`);
    await page.goto(`${base}/?lang=${lang}#/inbox`);
    await page.locator('[data-testid=inbox-list] li').first().waitFor();
    await assertNoOverflow(page, `the inbox (${lang})`);
    await screenshot(page, `inbox-375-${lang}`);

    // Back to following nothing, so that the other language starts the same.
    await page.goto(`${base}/?lang=${lang}#/settings/notifications`);
    await page.locator('[data-testid=follows] li[data-category=land_mining_rights] button').click();
    await page.locator('[data-testid=follows] li[data-category=land_mining_rights]').waitFor({ state: 'detached' });
    assert.ok(!(await call('GET', '/api/v1/me/subscriptions')).json.some((s) => s.category === 'land_mining_rights'));

    assert.deepEqual(problems, []);
    await context.close();
  });
}
