// Browser test of the staff console against the real server.
//
// It starts `$BAOVE_BIN serve --listen 127.0.0.1:0 --data-dir <fresh temp dir>`, reads the
// address and the administrator's one-time password from its output, and drives Debian's
// /usr/bin/chromium (headless, through playwright-core) through the console as a person would:
// first login (own password, TOTP enrolment), a unit, a user with a grant, an API key (created,
// used, revoked), a disabled user whose open session ends, the audit viewer finding those
// actions, logout and a second login with password and TOTP. axe-core checks every screen in
// Vietnamese and in English (and on a phone-sized viewport) and must find no violation.
//
// Run (from the repository root, after `npm ci` in web/ and a build of baove):
//   BAOVE_BIN=build/release/src/cli/baove node --test web/tests/
// CTest runs it as the test `web_console` (label `browser`) when node, /usr/bin/chromium and
// web/node_modules are present. Optional: BAOVE_CHROMIUM overrides the browser path,
// BAOVE_TEST_HEADED=1 shows the window.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import {
  BAOVE_BIN,
  CHROMIUM,
  axeViolations,
  scenario,
  skipReason,
  startServer,
  totpClock,
} from './lib/harness.mjs';

const require = createRequire(import.meta.url);

// ---- accessibility ----

async function assertAccessible(page, what) {
  const v = await axeViolations(page);
  assert.deepEqual(v, [], `axe-core violations on ${what}:\n${JSON.stringify(v, null, 2)}`);
  return v.length;
}

// ---- the test ----

test('staff console in Chromium against baove serve', { skip: skipReason(), timeout: 280000 }, async (t) => {
  const { chromium } = require('playwright-core');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'baove-console-'));
  const server = startServer(BAOVE_BIN, dataDir, { wantPassword: true });
  let browser;
  const sc = scenario(t);
  const { step, watch, pageErrors, cspViolations } = sc;
  const axeRuns = [];



  try {
    const { url: base, password: firstPassword } = await server.ready;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: !process.env.BAOVE_TEST_HEADED,
      args: ['--no-sandbox'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    context.setDefaultTimeout(20000);
    const page = await context.newPage();
    watch(page, 'admin');
    const nextCode = totpClock();
    const alert = page.locator('#errors');
    const status = page.locator('#status');
    const h1 = page.locator('main h1');

    // axe in Vietnamese, then in English, then back: the page switches language in place.
    const checkBothLanguages = async (what, englishHeading) => {
      assert.equal(await page.getAttribute('html', 'lang'), 'vi');
      axeRuns.push(await assertAccessible(page, `${what} (vi)`));
      await page.getByRole('button', { name: 'English', exact: true }).click();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      if (englishHeading) await assert.doesNotReject(h1.filter({ hasText: englishHeading }).waitFor());
      axeRuns.push(await assertAccessible(page, `${what} (en)`));
      await page.getByRole('button', { name: 'Tiếng Việt', exact: true }).click();
      assert.equal(await page.getAttribute('html', 'lang'), 'vi');
    };

    const login = async (username, password, code) => {
      await page.getByLabel('Tên đăng nhập').fill(username);
      await page.getByLabel('Mật khẩu', { exact: true }).fill(password);
      await page.getByLabel('Mã xác thực 6 chữ số').fill(code || '');
      await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    };

    const confirmDialog = async (buttonName) => {
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await dialog.getByRole('button', { name: buttonName, exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
    };

    // Picks the option whose text contains `text` (unit options are indented by depth).
    const selectContaining = async (sel, text) => {
      const value = await sel.locator('option').filter({ hasText: text }).first().getAttribute('value');
      await sel.selectOption(value);
    };

    // The audit viewer marks its results aria-busy while a page is on its way.
    const auditSettled = () => page.locator('.audit-results[aria-busy="false"]').waitFor();

    const noHorizontalScroll = async (what) => {
      const { scroll, client } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      assert.ok(scroll <= client, `${what}: the page scrolls sideways (${scroll} > ${client})`);
    };

    let newPassword = '';
    let totpSecret = '';
    let userId = '';
    let userOtp = '';
    let keyId = '';
    let keySecret = '';
    let otherContext;
    let otherPage;
    const unitName = 'Sở Lao động – Thương binh và Xã hội Hà Nội';
    const username = 'tuvan.hanoi';

    await step('the console is served with its Content-Security-Policy, and /console leads to it', async () => {
      const res = await page.goto(`${base}/console`);
      assert.match(page.url(), /\/console\/(index\.html)?$/);
      const csp = res.headers()['content-security-policy'] || '';
      assert.match(csp, /script-src 'self'/, `CSP header of the console: "${csp}"`);
      assert.match(csp, /frame-ancestors 'none'/);
      await h1.filter({ hasText: 'Đăng nhập' }).waitFor();
      assert.equal(await page.title(), 'Đăng nhập — Bảng điều khiển nhân viên Baove');
    });

    await step('login screen: accessible in both languages and on a phone', async () => {
      await checkBothLanguages('the login screen', 'Log in');
      await page.setViewportSize({ width: 375, height: 740 });
      axeRuns.push(await assertAccessible(page, 'the login screen on a phone'));
      await noHorizontalScroll('login on a phone');
      await page.setViewportSize({ width: 1280, height: 900 });
      // After a fresh load the skip link is the first thing the keyboard reaches, and it moves
      // focus to the main content.
      await page.reload();
      await h1.filter({ hasText: 'Đăng nhập' }).waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'skip-link');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    });

    await step('a failed login does not say which part was wrong', async () => {
      await login('admin', 'not-the-password-1234');
      await alert.filter({ hasText: 'Đăng nhập không thành công' }).waitFor();
      const wrongPassword = (await alert.innerText()).trim();
      // Submitting clears the previous message, so the one awaited here is the new answer.
      await login('khong-co-nguoi-nay', 'not-the-password-1234');
      await alert.filter({ hasText: 'Đăng nhập không thành công' }).waitFor();
      const unknownUser = (await alert.innerText()).trim();
      assert.equal(unknownUser, wrongPassword, 'the message differs between a wrong password and an unknown user');
      assert.equal(await page.locator('[aria-invalid="true"]').count(), 0, 'a field is singled out');
      axeRuns.push(await assertAccessible(page, 'the login screen with an error'));
    });

    await step('first login with the one-time password asks for a new password', async () => {
      await login('admin', firstPassword);
      await h1.filter({ hasText: 'Đổi mật khẩu' }).waitFor();
      await checkBothLanguages('the change-password screen', 'Change password');
      newPassword = `Mật khẩu mới ${crypto.randomBytes(6).toString('hex')}`;
      // The server refuses a wrong current password and names the field: it is marked invalid.
      const current = page.getByLabel('Mật khẩu hiện tại (mật khẩu dùng một lần)');
      await current.fill('not the one-time password');
      await page.getByLabel('Mật khẩu mới', { exact: true }).fill(newPassword);
      await page.getByLabel('Nhập lại mật khẩu mới').fill(newPassword);
      await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
      await alert.filter({ hasText: 'Một số trường chưa hợp lệ' }).waitFor();
      assert.equal(await current.getAttribute('aria-invalid'), 'true');
      assert.match(await alert.innerText(), /Mật khẩu hiện tại/);
      // A mismatch is caught before sending, shown, and the field marked invalid with its message.
      await current.fill(firstPassword);
      await page.getByLabel('Nhập lại mật khẩu mới').fill(`${newPassword}x`);
      await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
      const again = page.getByLabel('Nhập lại mật khẩu mới');
      assert.equal(await again.getAttribute('aria-invalid'), 'true');
      assert.equal(await current.getAttribute('aria-invalid'), null, 'the earlier mark is cleared');
      const described = await again.getAttribute('aria-describedby');
      assert.ok(described, 'the invalid field names its message');
      const messages = await Promise.all(described.split(' ').map((id) => page.locator(`#${id}`).innerText()));
      assert.ok(messages.some((m) => m.includes('không giống nhau')), messages.join(' | '));
      await alert.filter({ hasText: 'không giống nhau' }).waitFor();
      axeRuns.push(await assertAccessible(page, 'the change-password screen with an invalid field'));
      await again.fill(newPassword);
      await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    });

    await step('TOTP enrolment shows a QR code and the secret, and takes a code', async () => {
      await h1.filter({ hasText: 'Thiết lập xác thực hai bước' }).waitFor();
      const qr = page.getByRole('img', { name: 'Mã QR để thêm tài khoản Baove vào ứng dụng xác thực' });
      await qr.waitFor();
      assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;base64,/);
      assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image did not render');
      totpSecret = (await page.locator('.secret-line code').innerText()).replace(/\s+/g, '');
      assert.match(totpSecret, /^[A-Z2-7]{16,}$/);
      await checkBothLanguages('the TOTP enrolment screen', 'Set up two-step verification');
      await page.getByLabel('Mã xác thực 6 chữ số').fill(await nextCode(totpSecret));
      await page.getByRole('button', { name: 'Xác nhận', exact: true }).click();
      await h1.filter({ hasText: 'Người dùng' }).waitFor();
      await page.getByRole('navigation', { name: 'Các mục của bảng điều khiển' }).waitFor();
      await page.locator('table').first().waitFor();
      await checkBothLanguages('the users screen', 'Users');
    });

    await step('create a unit under the root', async () => {
      await page.getByRole('link', { name: 'Đơn vị', exact: true }).click();
      await h1.filter({ hasText: 'Đơn vị' }).waitFor();
      await page.getByLabel('Tên đơn vị').fill(unitName);
      await page.getByLabel('Loại đơn vị').selectOption({ label: 'Sở cấp tỉnh' });
      await page.getByRole('button', { name: 'Tạo đơn vị' }).click();
      await status.filter({ hasText: `Đã tạo đơn vị ${unitName}.` }).waitFor();
      const item = page.locator('ul.tree ul li', { hasText: unitName });
      await item.waitFor();
      assert.match(await item.innerText(), /Sở cấp tỉnh/);
      await checkBothLanguages('the units screen', 'Units');
    });

    await step('create a user with a grant; the one-time password is shown once and works', async () => {
      await page.getByRole('link', { name: 'Người dùng', exact: true }).click();
      await h1.filter({ hasText: 'Người dùng' }).waitFor();
      await page.getByLabel('Tên đăng nhập').waitFor();
      await page.getByLabel('Tên đăng nhập').fill(username);
      await selectContaining(page.getByLabel('Đơn vị', { exact: true }), unitName);
      await page.getByRole('checkbox', { name: 'Tư vấn viên' }).check();
      await page.getByLabel('Phạm vi cho vai trò Tư vấn viên').selectOption({ label: 'Đơn vị' });
      await page.getByRole('button', { name: 'Tạo người dùng' }).click();
      const box = page.getByRole('region', { name: `Mật khẩu dùng một lần của ${username}` });
      await box.waitFor();
      userOtp = (await box.locator('code').innerText()).trim();
      assert.ok(userOtp.length >= 12, `one-time password too short: ${userOtp.length}`);
      assert.ok(await box.getByRole('button', { name: 'Sao chép' }).isVisible());
      await status.filter({ hasText: `Đã tạo người dùng ${username}.` }).waitFor();
      const row = page.locator('tbody tr', { has: page.locator('th', { hasText: username }) });
      assert.match(await row.innerText(), /Tư vấn viên \(Đơn vị\)/);
      assert.match(await row.innerText(), new RegExp(unitName));
      userId = (await page.locator('code.user-id').innerText()).trim();
      assert.ok(userId, 'the new user id is shown');
      await checkBothLanguages('the users screen with a one-time password', 'Users');
      // Closing the box removes the password for good.
      await box.getByRole('button', { name: 'Đóng' }).click();
      assert.equal(await page.getByText(userOtp).count(), 0);
      // The same name again is refused, and the refusal is shown.
      await page.getByLabel('Tên đăng nhập').fill(username);
      await page.getByRole('button', { name: 'Tạo người dùng' }).click();
      await alert.locator('.error-main').waitFor();
      assert.ok((await alert.innerText()).trim().length > 0);
      await page.getByLabel('Tên đăng nhập').fill('');

      // The new user logs in elsewhere with that password and is asked to change it.
      otherContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
      otherContext.setDefaultTimeout(20000);
      otherPage = await otherContext.newPage();
      watch(otherPage, username);
      await otherPage.goto(`${base}/console/`);
      await otherPage.getByLabel('Tên đăng nhập').fill(username);
      await otherPage.getByLabel('Mật khẩu', { exact: true }).fill(userOtp);
      await otherPage.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
      await otherPage.locator('main h1', { hasText: 'Đổi mật khẩu' }).waitFor();
    });

    await step('grant and revoke a role; the administrator takes the security-officer role', async () => {
      const row = page.locator('tbody tr', { has: page.locator('th', { hasText: username }) });
      await row.getByRole('button', { name: `Quản lý người dùng ${username}` }).click();
      const detail = page.getByRole('region', { name: `Người dùng: ${username}` });
      await detail.getByLabel('Vai trò', { exact: true }).selectOption({ label: 'Chuyên viên phân tích' });
      await detail.getByLabel('Phạm vi', { exact: true }).selectOption({ label: 'Đơn vị' });
      await detail.getByRole('button', { name: 'Cấp vai trò' }).click();
      await status.filter({ hasText: 'Đã cấp vai trò Chuyên viên phân tích (Đơn vị).' }).waitFor();
      await row.filter({ hasText: 'Chuyên viên phân tích (Đơn vị)' }).waitFor();
      await checkBothLanguages('the user detail panel', 'Users');
      await detail.getByRole('button', { name: 'Thu hồi vai trò Chuyên viên phân tích, phạm vi Đơn vị' }).click();
      axeRuns.push(await assertAccessible(page, 'the confirmation dialog'));
      await confirmDialog('Thu hồi');
      await status.filter({ hasText: 'Đã thu hồi vai trò Chuyên viên phân tích (Đơn vị).' }).waitFor();
      assert.doesNotMatch(await row.innerText(), /Chuyên viên phân tích/);

      const adminRow = page.locator('tbody tr', { has: page.locator('th', { hasText: /^admin$/ }) });
      await adminRow.getByRole('button', { name: 'Quản lý người dùng admin' }).click();
      const adminDetail = page.getByRole('region', { name: 'Người dùng: admin' });
      await adminDetail.getByLabel('Vai trò', { exact: true }).selectOption({ label: 'Cán bộ bảo mật' });
      await adminDetail.getByLabel('Phạm vi', { exact: true }).selectOption({ label: 'Toàn bộ' });
      await adminDetail.getByRole('button', { name: 'Cấp vai trò' }).click();
      await status.filter({ hasText: 'Đã cấp vai trò Cán bộ bảo mật (Toàn bộ).' }).waitFor();
      await page.getByRole('link', { name: 'Nhật ký kiểm toán' }).waitFor();
    });

    await step('create an API key: the secret is shown once and works until revoked', async () => {
      await page.getByRole('link', { name: 'Khóa API', exact: true }).click();
      await h1.filter({ hasText: 'Khóa API' }).waitFor();
      await page.getByLabel('Tên khóa').fill('nen-tang-kiem-thu');
      await selectContaining(page.getByLabel('Đơn vị sở hữu'), unitName);
      await page.getByLabel('Quyền', { exact: true }).fill('match:read, takedown:write');
      await page.getByLabel('Số yêu cầu tối đa mỗi phút').fill('120');
      await page.getByRole('button', { name: 'Tạo khóa' }).click();
      const box = page.getByRole('region', { name: 'Khóa bí mật của nen-tang-kiem-thu' });
      await box.waitFor();
      keySecret = (await box.locator('code').innerText()).trim();
      const m = /^bk_([^_]+)_[0-9a-f]{64}$/.exec(keySecret);
      assert.ok(m, `secret format: ${keySecret.slice(0, 8)}…`);
      keyId = m[1];
      const row = page.locator(`tr[data-key-id="${keyId}"]`);
      await row.filter({ hasText: 'Đang dùng' }).waitFor();
      assert.match(await row.innerText(), /match:read/);
      assert.match(await row.innerText(), /120/);
      await checkBothLanguages('the API keys screen with a secret', 'API keys');

      const who = await fetch(`${base}/api/v1/whoami`, { headers: { Authorization: `Bearer ${keySecret}` } });
      assert.equal(who.status, 200, 'the key shown works');
      assert.equal((await who.json()).kind, 'api_client');

      await row.getByRole('button', { name: 'Thu hồi khóa nen-tang-kiem-thu' }).click();
      await confirmDialog('Thu hồi');
      await status.filter({ hasText: 'Đã thu hồi khóa nen-tang-kiem-thu.' }).waitFor();
      await page.locator(`tr[data-key-id="${keyId}"]`).filter({ hasText: 'Đã thu hồi' }).waitFor();
      const after = await fetch(`${base}/api/v1/whoami`, { headers: { Authorization: `Bearer ${keySecret}` } });
      assert.equal(after.status, 401, 'a revoked key is refused');
    });

    await step('disable the user: their open session ends and their console returns to login', async () => {
      await page.getByRole('link', { name: 'Người dùng', exact: true }).click();
      const row = page.locator('tbody tr', { has: page.locator('th', { hasText: username }) });
      await row.getByRole('button', { name: `Quản lý người dùng ${username}` }).click();
      const detail = page.getByRole('region', { name: `Người dùng: ${username}` });
      await detail.getByRole('button', { name: 'Vô hiệu hóa' }).click();
      await confirmDialog('Vô hiệu hóa');
      await status.filter({ hasText: `Đã vô hiệu hóa ${username}.` }).waitFor();
      await row.filter({ hasText: 'Đã vô hiệu hóa' }).waitFor();
      await detail.getByRole('button', { name: 'Kích hoạt lại' }).waitFor();

      // The other browser still shows the change-password form; its next call meets a 401.
      await otherPage.getByLabel('Mật khẩu hiện tại (mật khẩu dùng một lần)').fill(userOtp);
      await otherPage.getByLabel('Mật khẩu mới', { exact: true }).fill('một mật khẩu rất dài');
      await otherPage.getByLabel('Nhập lại mật khẩu mới').fill('một mật khẩu rất dài');
      await otherPage.getByRole('button', { name: 'Đổi mật khẩu' }).click();
      await otherPage.locator('main h1', { hasText: 'Đăng nhập' }).waitFor();
      await otherPage.locator('#status', { hasText: 'Phiên làm việc đã kết thúc' }).waitFor();
      await otherContext.close();
    });

    await step('enable the user again, reset their password (a new one-time password) and TOTP', async () => {
      const row = page.locator('tbody tr', { has: page.locator('th', { hasText: username }) });
      const detail = page.getByRole('region', { name: `Người dùng: ${username}` });
      await detail.getByRole('button', { name: 'Kích hoạt lại' }).click();
      await confirmDialog('Kích hoạt lại');
      await status.filter({ hasText: `Đã kích hoạt lại ${username}.` }).waitFor();
      await row.filter({ hasText: 'Đang hoạt động' }).waitFor();

      await detail.getByRole('button', { name: 'Đặt lại mật khẩu' }).click();
      await confirmDialog('Đặt lại mật khẩu');
      const box = page.getByRole('region', { name: `Mật khẩu dùng một lần của ${username}` });
      await box.waitFor();
      const resetOtp = (await box.locator('code').innerText()).trim();
      assert.ok(resetOtp.length >= 12 && resetOtp !== userOtp, 'a new one-time password');
      await status.filter({ hasText: `Đã đặt lại mật khẩu của ${username}.` }).waitFor();
      axeRuns.push(await assertAccessible(page, 'the users screen after a password reset'));
      await box.getByRole('button', { name: 'Đóng' }).click();

      await detail.getByRole('button', { name: 'Đặt lại xác thực hai bước' }).click();
      await confirmDialog('Đặt lại xác thực hai bước');
      await status.filter({ hasText: `Đã đặt lại xác thực hai bước của ${username}.` }).waitFor();

      // The new one-time password works, the first one no longer does.
      const ctx2 = await browser.newContext();
      const p2 = await ctx2.newPage();
      watch(p2, `${username} again`);
      await p2.goto(`${base}/console/`);
      await p2.getByLabel('Tên đăng nhập').fill(username);
      await p2.getByLabel('Mật khẩu', { exact: true }).fill(userOtp);
      await p2.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
      await p2.locator('#errors', { hasText: 'Đăng nhập không thành công' }).waitFor();
      await p2.getByLabel('Mật khẩu', { exact: true }).fill(resetOtp);
      await p2.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
      await p2.locator('main h1', { hasText: 'Đổi mật khẩu' }).waitFor();
      await ctx2.close();
    });

    await step('the audit viewer finds the actions on the user and on the key', async () => {
      await page.getByRole('link', { name: 'Nhật ký kiểm toán' }).click();
      await h1.filter({ hasText: 'Nhật ký kiểm toán' }).waitFor();
      await auditSettled();
      await page.locator('table.audit').waitFor();
      await checkBothLanguages('the audit viewer', 'Audit log');

      await page.getByLabel('Loại đối tượng').fill('user');
      await page.getByLabel('Mã đối tượng').fill(userId);
      await page.getByRole('button', { name: 'Tìm', exact: true }).click();
      await auditSettled();
      await page.locator('.page-status', { hasText: 'Trang 1' }).waitFor();
      const rows = page.locator('table.audit tbody tr');
      await rows.first().waitFor();
      const texts = await rows.allInnerTexts();
      assert.ok(texts.every((r) => r.includes(userId)), 'every row is about the user');
      assert.ok(texts.some((r) => /\tTạo\t/.test(r)), `a creation event:\n${texts.join('\n')}`);
      assert.ok(texts.filter((r) => /\tCập nhật\t/.test(r)).length >= 6, `grant, revoke, disable, enable, resets:\n${texts.join('\n')}`);
      assert.ok(texts.every((r) => r.includes('Cho phép')));
      // Newest first, shown in Vietnam time (UTC+7).
      const times = await rows.locator('time').evaluateAll((els) => els.map((e) => [e.getAttribute('datetime'), e.textContent]));
      for (let i = 1; i < times.length; i++) assert.ok(Date.parse(times[i - 1][0]) >= Date.parse(times[i][0]), 'newest first');
      for (const [iso, shown] of times) {
        const d = new Date(iso);
        const hh = String((d.getUTCHours() + 7) % 24).padStart(2, '0');
        const mm = String(d.getUTCMinutes()).padStart(2, '0');
        assert.ok(shown.includes(`${hh}:${mm}`), `${iso} shown as ${shown}`);
      }

      await page.getByLabel('Loại đối tượng').fill('api_key');
      await page.getByLabel('Mã đối tượng').fill(keyId);
      await page.getByRole('button', { name: 'Tìm', exact: true }).click();
      await auditSettled();
      await rows.filter({ hasText: 'Xóa' }).first().waitFor();
      const keyRows = await rows.allInnerTexts();
      assert.ok(keyRows.some((r) => /\tTạo\t/.test(r)), keyRows.join('\n'));
      assert.ok(keyRows.some((r) => /\tXóa\t/.test(r)), keyRows.join('\n'));

      // Filtering by actor and outcome narrows the list the same way.
      const adminId = await page.evaluate(async () => (await (await fetch('/api/v1/session')).json()).user_id);
      await page.getByRole('button', { name: 'Xóa bộ lọc' }).click();
      await auditSettled();
      await page.getByLabel('Người thực hiện (mã người dùng hoặc mã khóa)').fill(adminId);
      await page.getByLabel('Kết quả').selectOption({ label: 'Cho phép' });
      await page.getByRole('button', { name: 'Tìm', exact: true }).click();
      await auditSettled();
      await page.locator('.page-status', { hasText: 'Trang 1' }).waitFor();
      await rows.first().waitFor();
      const actorRows = await rows.allInnerTexts();
      assert.ok(actorRows.every((r) => r.includes(adminId) || r.includes('admin')), 'rows of the chosen actor');
    });

    await step('the audit viewer pages through the next cursor', async () => {
      // Each listing of users is itself audited: make sure there is more than one page of 50.
      for (let i = 0; i < 60; i++) {
        const r = await page.request.get(`${base}/api/v1/users`);
        assert.equal(r.status(), 200);
      }
      await page.getByRole('button', { name: 'Xóa bộ lọc' }).click();
      await auditSettled();
      await page.locator('.page-status', { hasText: 'Hiển thị 50 sự kiện' }).waitFor();
      const rows = page.locator('table.audit tbody tr');
      const firstPage = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.seq)));
      await page.getByRole('button', { name: 'Trang sau' }).click();
      await auditSettled();
      await page.locator('.page-status', { hasText: 'Trang 2' }).waitFor();
      const secondPage = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.seq)));
      assert.ok(secondPage.length > 0);
      assert.ok(Math.max(...secondPage) < Math.min(...firstPage), 'the next page holds older events');
      await page.getByRole('button', { name: 'Trang trước' }).click();
      await auditSettled();
      await page.locator('.page-status', { hasText: 'Trang 1' }).waitFor();
      // On a phone the page itself never scrolls sideways; the wide table scrolls in its region.
      await page.setViewportSize({ width: 375, height: 740 });
      axeRuns.push(await assertAccessible(page, 'the audit viewer on a phone'));
      await noHorizontalScroll('the audit viewer on a phone');
      await page.getByRole('link', { name: 'Người dùng', exact: true }).click();
      await page.locator('tbody tr').first().waitFor();
      axeRuns.push(await assertAccessible(page, 'the users screen on a phone'));
      await noHorizontalScroll('the users screen on a phone');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await step('log out, then log in again with the new password and TOTP', async () => {
      await page.getByRole('button', { name: 'Đăng xuất' }).click();
      await h1.filter({ hasText: 'Đăng nhập' }).waitFor();
      await status.filter({ hasText: 'Bạn đã đăng xuất.' }).waitFor();
      const gone = await page.request.get(`${base}/api/v1/session`);
      assert.equal(gone.status(), 401, 'the session ended on the server');
      assert.equal(await page.getByRole('navigation', { name: 'Các mục của bảng điều khiển' }).count(), 0);

      await login('admin', newPassword, await nextCode(totpSecret));
      await h1.filter({ hasText: 'Người dùng' }).waitFor();
      await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
    });

    await step('English is one click away and the choice is kept', async () => {
      await page.getByRole('button', { name: 'English', exact: true }).click();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await h1.filter({ hasText: 'Users' }).waitFor();
      await page.reload();
      await h1.filter({ hasText: 'Users' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal(await page.title(), 'Users — Baove staff console');
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.locator('table.audit caption', { hasText: 'Audit events, newest first, Vietnam time' }).waitFor();
      await page.getByRole('button', { name: 'Log out' }).click();
      await h1.filter({ hasText: 'Log in' }).waitFor();
      await page.getByLabel('User name').fill('admin');
      await page.getByLabel('Password', { exact: true }).fill('wrong password here');
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await alert.filter({ hasText: 'Login failed' }).waitFor();
      axeRuns.push(await assertAccessible(page, 'the login screen with an error (en)'));
      await page.getByRole('button', { name: 'Tiếng Việt', exact: true }).click();
      assert.equal(await page.getAttribute('html', 'lang'), 'vi');
      assert.equal(await page.evaluate(() => window.localStorage.getItem('baove.console.lang')), 'vi');
    });

    await step('no script error and no Content-Security-Policy violation happened', async () => {
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(cspViolations, []);
      t.diagnostic(`axe-core ran ${axeRuns.length} times with 0 violations`);
    });
  } finally {
    if (browser) await browser.close().catch(() => {});
    server.proc.kill('SIGTERM');
    const timer = setTimeout(() => server.proc.kill('SIGKILL'), 20000);
    const { code, signal } = await server.exited;
    clearTimeout(timer);
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (!sc.failed) {
      await t.test('the server stops cleanly on SIGTERM', () => {
        assert.equal(signal, null, `server killed by ${signal}\n${server.log.text.slice(-4000)}`);
        assert.equal(code, 0, `server exit code ${code}\n${server.log.text.slice(-4000)}`);
      });
    } else if (server.log.text) {
      t.diagnostic('server output (last 4000 characters):');
      for (const line of server.log.text.slice(-4000).split('\n')) t.diagnostic(line);
    }
  }
});
