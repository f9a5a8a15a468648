// Browser test of the hotline's side of the staff console against the real server: the queue, the
// contact form, search and a contact's detail for counsellors, the statistics for a statistician.
//
// Before the server starts, `baove admin` creates two provincial units under the root (Hà Nội and
// Đà Nẵng), a counsellor in each (scope: unit), a second counsellor in Hà Nội and a statistician;
// each completes the first login (own password, TOTP) through the API. `baove serve` then runs with
// Hà Nội as the unit that receives public reports. Contacts of 2022 are recorded through the API
// as the statistics' data; three reports come in through the public form's POST /report.
//
// Then, in Debian's /usr/bin/chromium (headless, through playwright-core), as people would:
//   - the Hà Nội counsellor logs in with password and TOTP and lands on the queue: the child in
//     danger first, then the younger child; an item another counsellor took meanwhile answers
//     "someone else took it"; they take one, release it, take the urgent one, classify it with the
//     keyboard category picker (typed without diacritics) and save it; record an in-depth call
//     from 0912 345 678, then a call from +84 912 345 678 that shows the repeat-contact notice;
//     search by phone and by receipt code, and open a contact;
//   - the Đà Nẵng counsellor cannot open either contact (page and API: not found);
//   - the statistician opens the table for 2022 (counts equal to the contacts recorded), the
//     charts, exports CSV (public and internal) and XLSX, and sees this year's three calls.
// axe-core checks every new page in Vietnamese and English and must find no violation; no script
// error or Content-Security-Policy violation may happen. The time until the queue is drawn is
// reported as a diagnostic, not judged (bench/ measures speed).
//
// Run (from the repository root, after `npm ci` in web/ and a build of baove):
//   BAOVE_BIN=build/release/src/cli/baove node --test web/tests/hotline.test.mjs
// CTest runs it as the test `web_hotline` (label `browser`). Optional: BAOVE_CHROMIUM overrides the
// browser path, BAOVE_TEST_HEADED=1 shows the window.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import {
  BAOVE_BIN,
  CHROMIUM,
  StaffClient,
  addUnit,
  addUser,
  admin,
  axeViolations,
  scenario,
  skipReason,
  startServer,
  totpClock,
} from './lib/harness.mjs';

const require = createRequire(import.meta.url);

const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;
const vietnamYear = (iso) => new Date(Date.parse(iso) + VIETNAM_OFFSET_MS).getUTCFullYear();

// The contacts of the statistics: 2022 in Viet Nam time, and two just outside it.
const SEEDS = [
  { channel: 'phone', start: '2022-02-03T03:00:00Z', duration_s: 600, recorded: true, categories: ['sexual_abuse'], indepth: true, outcome: 'indepth_counselling', child: { age_band: '11_14', gender: 'girl', province: 'ha_noi' } },
  { channel: 'phone', start: '2022-03-10T10:00:00Z', duration_s: 900, recorded: true, categories: ['grooming', 'sexual_abuse'], outcome: 'intervention', child: { age_band: '15_17', gender: 'girl', province: 'ha_noi' } },
  { channel: 'zalo', start: '2022-05-01T12:00:00Z', duration_s: 300, recorded: true, categories: ['violence_bullying'], outcome: 'counselled', child: { age_band: '6_10', gender: 'boy', province: 'da_nang' } },
  { channel: 'web', start: '2022-12-31T16:30:00Z', duration_s: 120, recorded: true, categories: ['safe_use'], outcome: 'information', child: { age_band: 'unknown', gender: 'unknown', province: 'ha_noi' } },
  ...Array.from({ length: 6 }, (_, i) => ({ channel: 'phone', start: `2022-07-0${i + 1}T07:00:00Z`, duration_s: 20, recorded: false, outcome: 'no_action' })),
  // 2023-01-01 00:30 and 2021-12-31 23:59 in Viet Nam: not 2022.
  { channel: 'phone', start: '2022-12-31T17:30:00Z', duration_s: 30, recorded: false },
  { channel: 'phone', start: '2021-12-31T16:59:00Z', duration_s: 30, recorded: false },
];

test('hotline console in Chromium against baove serve', { skip: skipReason(), timeout: 290000 }, async (t) => {
  const { chromium } = require('playwright-core');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'baove-hotline-'));
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'baove-hotline-dl-'));
  let server;
  let browser;
  const sc = scenario(t);
  const { step, watch, pageErrors, cspViolations } = sc;
  const axeRuns = [];

  const assertAccessible = async (page, what) => {
    const v = await axeViolations(page);
    assert.deepEqual(v, [], `axe-core violations on ${what}:\n${JSON.stringify(v, null, 2)}`);
    axeRuns.push(what);
  };
  const noHorizontalScroll = async (page, what) => {
    const { scroll, client, wide } = await page.evaluate(() => {
      const client = document.documentElement.clientWidth;
      // The outermost elements that stick out, to name in the message.
      const wide = [];
      for (const el of document.body.querySelectorAll('*')) {
        if (el.getBoundingClientRect().right > client + 0.5 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > client + 0.5)) {
          wide.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''}`);
        }
      }
      return { scroll: document.documentElement.scrollWidth, client, wide: wide.slice(0, 8) };
    });
    assert.ok(scroll <= client, `${what}: the page scrolls sideways (${scroll} > ${client}): ${wide.join(', ')}`);
  };
  // axe in Vietnamese, then in English (the page switches in place), then back.
  const checkBothLanguages = async (page, what, englishText) => {
    await assertAccessible(page, `${what} (vi)`);
    await page.getByRole('button', { name: 'English', exact: true }).click();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    if (englishText) await page.locator('main').getByText(englishText, { exact: false }).first().waitFor();
    await assertAccessible(page, `${what} (en)`);
    await page.getByRole('button', { name: 'Tiếng Việt', exact: true }).click();
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  };

  try {
    // ---- the people and the data ----
    admin(BAOVE_BIN, dataDir, ['bootstrap']);
    const hanoi = addUnit(BAOVE_BIN, dataDir, 'Hà Nội', 'provincial_department');
    const danang = addUnit(BAOVE_BIN, dataDir, 'Đà Nẵng', 'provincial_department');
    const root = JSON.parse(admin(BAOVE_BIN, dataDir, ['unit', 'list', '--json'])).find((u) => !u.parent_id || u.parent_id === '-').id;
    const people = {
      hn: { username: 'tuvan.hanoi', ...addUser(BAOVE_BIN, dataDir, 'tuvan.hanoi', hanoi, ['counsellor:unit']) },
      hn2: { username: 'tuvan2.hanoi', ...addUser(BAOVE_BIN, dataDir, 'tuvan2.hanoi', hanoi, ['counsellor:unit']) },
      dn: { username: 'tuvan.danang', ...addUser(BAOVE_BIN, dataDir, 'tuvan.danang', danang, ['counsellor:unit']) },
      stat: { username: 'thongke', ...addUser(BAOVE_BIN, dataDir, 'thongke', root, ['statistician:all']) },
    };
    server = startServer(BAOVE_BIN, dataDir, { env: { BAOVE_INTAKE_UNIT: hanoi, BAOVE_REPORT_RATE_PER_HOUR: '1000' } });
    const { url: base } = await server.ready;
    const nextCode = totpClock();
    const clients = {};
    await Promise.all(
      Object.entries(people).map(async ([k, p]) => {
        clients[k] = new StaffClient(base);
        p.newPassword = `mật khẩu riêng của ${p.username}`;
        p.secret = await clients[k].firstLogin(p.username, p.password, p.newPassword, nextCode);
      }),
    );
    for (const s of SEEDS) await clients.hn.ok('POST', '/api/v1/contacts', s);

    // Three reports through the public form: an older child, a child in danger now, a younger child.
    const sendReport = async (fields) => {
      const fd = new FormData();
      for (const [k, v] of Object.entries({ lang: 'vi', ...fields })) fd.set(k, v);
      const res = await fetch(`${base}/report`, { method: 'POST', body: fd });
      const html = await res.text();
      assert.equal(res.status, 201, html.slice(0, 500));
      const code = (/id="receipt-code"[^>]*>\s*([^<\s]+)/.exec(html) || [])[1];
      assert.ok(code, 'the receipt shows a report code');
      return code;
    };
    const older = await sendReport({ category: 'money_fraud', description: 'Em bị lừa nạp thẻ game.', age_band: '11_14', province: 'ha_noi' });
    const urgent = await sendReport({ category: 'grooming', description: 'Có người lạ hẹn gặp em tối nay.', age_band: '11_14', province: 'ha_noi', danger_now: '1', links: 'https://example.com/nguoi-la' });
    const younger = await sendReport({ category: 'violence_bullying', description: 'Bạn cùng lớp quay video bắt nạt em.', age_band: '6_10', province: 'ha_noi' });
    // More than a page of the queue: reports that say nothing of the child's age come last.
    const EXTRA = 110;
    for (let i = 0; i < EXTRA; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, EXTRA - i) }, (_, j) => sendReport({ category: 'other', description: `Báo cáo thêm số ${i + j + 1}.` })));
    }
    const waiting = 3 + EXTRA;

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: !process.env.BAOVE_TEST_HEADED, args: ['--no-sandbox'] });
    const newPage = async (who) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', acceptDownloads: true });
      context.setDefaultTimeout(20000);
      const page = await context.newPage();
      watch(page, who);
      return page;
    };
    const login = async (page, p) => {
      await page.goto(`${base}/console/`);
      await page.getByLabel('Tên đăng nhập').fill(p.username);
      await page.getByLabel('Mật khẩu', { exact: true }).fill(p.newPassword);
      await page.getByLabel('Mã xác thực 6 chữ số').fill(await nextCode(p.secret));
      await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    };

    const page = await newPage('Hà Nội counsellor');
    const h1 = page.locator('main h1');
    const status = page.locator('#status');
    const alert = page.locator('#errors');
    const rows = page.locator('table.queue tbody tr');
    const rowOf = (code) => rows.filter({ has: page.locator('th', { hasText: code }) });
    const combo = page.getByRole('combobox', { name: 'Loại vấn đề', exact: true });
    const listbox = page.getByRole('listbox', { name: 'Các loại vấn đề khớp' });
    const savedId = async () => (await page.locator('code.contact-id').innerText()).trim();
    const contactIds = [];

    await step('the counsellor logs in with password and TOTP and lands on the queue, most urgent first', async () => {
      await login(page, people.hn);
      await h1.filter({ hasText: 'Hàng chờ xử lý' }).waitFor();
      assert.match(page.url(), /#\/queue$/);
      const nav = page.getByRole('navigation', { name: 'Các mục của bảng điều khiển' });
      assert.deepEqual(await nav.getByRole('link').allInnerTexts(), ['Hàng chờ', 'Ghi nhận cuộc gọi', 'Tra cứu']);
      await rows.nth(2).waitFor();
      const codes = await rows.locator('th').allInnerTexts();
      assert.deepEqual(codes.slice(0, 3).map((c) => c.trim()), [urgent, younger, older], 'danger now first, then the younger child');
      const top = await rows.first().innerText();
      assert.match(top, /Nguy hiểm ngay lúc này/);
      assert.match(top, /Dụ dỗ, gạ gẫm trẻ em trên mạng/);
      assert.match(top, /Biểu mẫu trên web/);
      assert.match(top, /11 đến 14 tuổi/);
      assert.match(top, /Chưa ai nhận/);
      assert.match(top, /dưới 1 phút|\d+ phút/);
      assert.doesNotMatch(await rowOf(younger).innerText(), /Nguy hiểm/);
      // One page is drawn; "Show more" adds the next and moves the focus to it.
      await page.locator('.page-status', { hasText: `Đang hiển thị 100 trên ${waiting} mục đang chờ` }).waitFor();
      assert.equal(await rows.count(), 100);
      await checkBothLanguages(page, 'the queue', `100 of ${waiting} waiting items shown`);
      await page.getByRole('button', { name: 'Xem thêm' }).click();
      await page.locator('.page-status', { hasText: `Đang hiển thị ${waiting} trên ${waiting} mục đang chờ` }).waitFor();
      assert.equal(await rows.count(), waiting);
      assert.equal(await page.getByRole('button', { name: 'Xem thêm' }).count(), 0, 'nothing more to show');
      assert.equal(await page.evaluate(() => document.activeElement.closest('tr') && document.activeElement.closest('tr').rowIndex), 101);
      const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.reportId));
      assert.equal(new Set(ids).size, waiting, 'no item twice');
      assert.match(await rows.first().innerText(), /dưới 1 phút|\d+ phút/);
    });

    await step('the queue is drawn on a fresh load (time reported, not judged)', async () => {
      await page.reload();
      await rows.first().waitFor();
      const timing = await page.evaluate(() => {
        const mark = performance.getEntriesByName('baove:queue-rendered')[0];
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return { queue: mark ? mark.startTime : null, fcp: fcp ? fcp.startTime : null };
      });
      assert.ok(timing.queue !== null, 'the queue marks when it is drawn');
      t.diagnostic(`queue drawn ${timing.queue.toFixed(0)} ms after navigation start (first contentful paint ${timing.fcp === null ? 'n/a' : `${timing.fcp.toFixed(0)} ms`})`);
    });

    await step('the queue refreshes by itself without taking the keyboard focus', async () => {
      const take = rowOf(younger).getByRole('button', { name: `Nhận xử lý báo cáo ${younger}` });
      await take.focus();
      const before = await page.locator('main .note').innerText();
      await page.waitForResponse((r) => r.url().includes('/api/v1/queue?') && r.request().method() === 'GET', { timeout: 20000 });
      await page.waitForFunction((b) => document.querySelector('main .note').textContent !== b, before);
      assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), `Nhận xử lý báo cáo ${younger}`);
    });

    // Right after a refresh: the next one is 15 seconds away.
    await step('an item another counsellor took meanwhile: "someone else took it", and the queue refreshes', async () => {
      const itemId = await rowOf(older).getAttribute('data-report-id');
      await clients.hn2.ok('POST', `/api/v1/queue/${itemId}/claim`);
      await rowOf(older).getByRole('button', { name: `Nhận xử lý báo cáo ${older}` }).click();
      await alert.filter({ hasText: 'Một tư vấn viên khác vừa nhận mục này' }).waitFor();
      await rowOf(older).filter({ hasText: 'Tư vấn viên khác' }).waitFor();
      assert.equal(await rowOf(older).getByRole('button').count(), 0, 'no Take button on an item someone else holds');
      assert.equal(await h1.innerText(), 'Hàng chờ xử lý');
      await assertAccessible(page, 'the queue with a conflict message');
    });

    await step('take an item, then release it back to the queue', async () => {
      await rowOf(younger).getByRole('button', { name: `Nhận xử lý báo cáo ${younger}` }).click();
      await h1.filter({ hasText: 'Ghi nhận cuộc liên hệ' }).waitFor();
      await page.getByRole('heading', { name: `Báo cáo ${younger}` }).waitFor();
      await page.getByRole('link', { name: 'Hàng chờ', exact: true }).click();
      await rowOf(younger).filter({ hasText: 'Bạn' }).waitFor();
      await rowOf(younger).getByRole('button', { name: `Trả báo cáo ${younger} về hàng chờ` }).click();
      await status.filter({ hasText: `Đã trả báo cáo ${younger} về hàng chờ.` }).waitFor();
      await rowOf(younger).filter({ hasText: 'Chưa ai nhận' }).waitFor();
    });

    await step('take the urgent item and classify it with the keyboard category picker', async () => {
      await rowOf(urgent).getByRole('button', { name: `Nhận xử lý báo cáo ${urgent}` }).click();
      await h1.filter({ hasText: 'Ghi nhận cuộc liên hệ' }).waitFor();
      const context = page.getByRole('region', { name: `Báo cáo ${urgent}` });
      await context.waitFor();
      assert.match(await context.innerText(), /Có người lạ hẹn gặp em tối nay/);
      assert.match(await context.innerText(), /Nguy hiểm ngay lúc này/);
      // Prefilled from the report: its channel, its category as a chip, the child, the link.
      assert.equal(await page.getByLabel('Kênh', { exact: true }).inputValue(), 'web');
      const chips = page.locator('ul.chips li');
      assert.deepEqual(await chips.locator('span').allInnerTexts(), ['Dụ dỗ, gạ gẫm trẻ em trên mạng']);
      assert.equal(await page.getByLabel('Độ tuổi của trẻ').inputValue(), '11_14');
      assert.match(await page.getByLabel('Tài khoản hoặc đường link liên quan').inputValue(), /example\.com\/nguoi-la/);

      // Typed without diacritics; the first match is highlighted; Enter adds it.
      await combo.click();
      await combo.pressSequentially('xam hai', { delay: 30 });
      const option = listbox.getByRole('option', { name: 'Xâm hại tình dục trẻ em trên mạng' });
      await option.waitFor();
      assert.equal(await combo.getAttribute('aria-expanded'), 'true');
      assert.equal(await combo.getAttribute('aria-activedescendant'), await option.getAttribute('id'));
      await assertAccessible(page, 'the contact form with the category list open');
      await combo.press('Enter');
      await chips.nth(1).waitFor();
      assert.deepEqual(await chips.locator('span').allInnerTexts(), ['Dụ dỗ, gạ gẫm trẻ em trên mạng', 'Xâm hại tình dục trẻ em trên mạng']);
      assert.equal(await combo.inputValue(), '');
      assert.equal(await combo.getAttribute('aria-expanded'), 'false');
      assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'combobox');

      // Arrows move the highlight; Escape closes the list without adding.
      await combo.pressSequentially('lua', { delay: 30 });
      const options = listbox.getByRole('option');
      await options.nth(1).waitFor();
      const ids = await options.evaluateAll((els) => els.map((e) => e.id));
      assert.equal(await combo.getAttribute('aria-activedescendant'), ids[0]);
      await combo.press('ArrowDown');
      assert.equal(await combo.getAttribute('aria-activedescendant'), ids[1]);
      assert.equal(await options.nth(1).getAttribute('aria-selected'), 'true');
      await combo.press('ArrowUp');
      assert.equal(await combo.getAttribute('aria-activedescendant'), ids[0]);
      await combo.press('Escape');
      assert.equal(await combo.getAttribute('aria-expanded'), 'false');
      assert.equal(await chips.count(), 2);
      await combo.fill('');

      // A chip can be removed (and added back) from the keyboard.
      await page.getByRole('button', { name: 'Bỏ loại Dụ dỗ, gạ gẫm trẻ em trên mạng' }).press('Enter');
      assert.deepEqual(await chips.locator('span').allInnerTexts(), ['Xâm hại tình dục trẻ em trên mạng']);
      await combo.pressSequentially('du do ga gam', { delay: 20 });
      await listbox.getByRole('option', { name: 'Dụ dỗ, gạ gẫm trẻ em trên mạng' }).waitFor();
      await combo.press('Enter');
      await chips.nth(1).waitFor();

      await page.getByLabel('Kết quả', { exact: true }).selectOption({ label: 'Chuyển đến thành viên mạng lưới' });
      await page.getByLabel('Giới tính của trẻ').selectOption({ label: 'Nữ' });
      await checkBothLanguages(page, 'the contact form for a report', 'Record a contact');
      await page.getByRole('button', { name: 'Lưu', exact: true }).click();
      await status.filter({ hasText: /Đã lưu cuộc liên hệ c[0-9a-f]+\./ }).waitFor();
      const id = await savedId();
      assert.match(await status.innerText(), new RegExp(id));
      contactIds.push(id);

      const saved = await clients.hn.ok('GET', `/api/v1/contacts/${id}`);
      assert.deepEqual([...saved.categories].sort(), ['grooming', 'sexual_abuse']);
      assert.equal(saved.outcome, 'referred');
      assert.equal(saved.channel, 'web');
      assert.deepEqual(saved.child, { age_band: '11_14', gender: 'girl', province: 'ha_noi' });
      assert.equal(saved.report_ids.length, 1);
      // The report has left the queue.
      const q = await clients.hn.ok('GET', '/api/v1/queue');
      assert.equal(q.total, waiting - 1);
      assert.ok(!q.items.some((i) => i.code === urgent), 'the answered report is no longer waiting');
      await assertAccessible(page, 'the contact form after saving');
      await page.setViewportSize({ width: 375, height: 740 });
      await noHorizontalScroll(page, 'the contact form on a phone');
      await assertAccessible(page, 'the contact form on a phone');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    // "Record another contact" after saving: the new form has the same heading as the saved one, so
    // wait for that one to be replaced before touching the form.
    const anotherContact = async () => {
      const savedForm = await h1.elementHandle();
      await page.getByRole('button', { name: 'Ghi nhận cuộc liên hệ mới' }).click();
      await page.waitForFunction((el) => !el.isConnected, savedForm);
      await h1.filter({ hasText: 'Ghi nhận cuộc liên hệ' }).waitFor();
    };

    await step('record an in-depth counselling call from 0912 345 678 (phone channel, call timer)', async () => {
      await anotherContact();
      await page.getByLabel('Kênh', { exact: true }).waitFor();
      assert.equal(await page.getByLabel('Kênh', { exact: true }).inputValue(), 'phone');
      assert.equal(await page.locator('ul.chips li').count(), 0);
      // The timer runs and fills the duration.
      await page.waitForFunction(() => document.querySelector('.call-clock').textContent !== '0:00', null, { timeout: 5000 });
      assert.match(await page.getByLabel('Thời lượng (phút:giây)').inputValue(), /^\d+:\d{2}$/);

      const phone = page.getByLabel('Số điện thoại người gọi');
      await phone.fill('0912 345 678');
      await phone.press('Tab');
      await page.locator('.repeats', { hasText: 'Chưa có liên hệ nào trước đây' }).waitFor();
      // Typed fast and Enter at once, before the matches arrive: the best match is added.
      await combo.focus();
      await combo.pressSequentially('an toan');
      await combo.press('Enter');
      await page.locator('ul.chips li', { hasText: 'Hỏi cách dùng internet an toàn' }).waitFor();
      await page.getByRole('checkbox', { name: 'Tư vấn chuyên sâu' }).check();
      await page.getByLabel('Kết quả', { exact: true }).selectOption({ label: 'Tư vấn chuyên sâu' });
      await page.getByLabel('Độ tuổi của trẻ').selectOption({ label: '15 đến 17 tuổi' });
      await page.getByLabel('Tỉnh, thành phố của trẻ').selectOption({ label: 'Hà Nội' });
      await page.getByLabel('Thời lượng (phút:giây)').fill('25:00');
      const notes = page.getByLabel('Ghi chú');
      await notes.fill('Em lo lắng vì bị chia sẻ ảnh. Hẹn gọi lại sau một tuần.');
      // Ctrl+Enter saves from anywhere in the form.
      await notes.press('Control+Enter');
      await status.filter({ hasText: /Đã lưu cuộc liên hệ c[0-9a-f]+\./ }).waitFor();
      const id = await savedId();
      contactIds.push(id);
      assert.match(await page.locator('.contact-result').innerText(), /Chưa có liên hệ nào trước đây/);
      const saved = await clients.hn.ok('GET', `/api/v1/contacts/${id}`);
      assert.equal(saved.indepth, true);
      assert.equal(saved.outcome, 'indepth_counselling');
      assert.equal(saved.duration_s, 1500);
      assert.equal(saved.has_caller_phone, true);
      assert.equal(saved.notes, 'Em lo lắng vì bị chia sẻ ảnh. Hẹn gọi lại sau một tuần.');
    });

    await step('a call from +84 912 345 678 shows the repeat-contact notice as soon as the number is typed', async () => {
      await anotherContact();
      const phone = page.getByLabel('Số điện thoại người gọi');
      await phone.waitFor();
      await phone.fill('+84 912 345 678');
      await phone.press('Tab');
      const notice = page.locator('.repeats .repeat-notice');
      await notice.waitFor();
      assert.match(await notice.innerText(), /Người này đã liên hệ 111 trước đây: 1 lần\./);
      await notice.locator(`tr[data-contact-id="${contactIds[1]}"] a`).waitFor();
      await assertAccessible(page, 'the contact form with the repeat-contact notice');
      // A wrong number is marked where it was typed.
      await phone.fill('không phải số');
      await phone.press('Tab');
      await page.locator('.field-error', { hasText: 'Số điện thoại không hợp lệ.' }).waitFor();
      assert.equal(await phone.getAttribute('aria-invalid'), 'true');
      // Saving it anyway: the server refuses it and names the field, which is marked and focused.
      await page.getByRole('button', { name: 'Lưu', exact: true }).click();
      await alert.filter({ hasText: 'Một số trường chưa hợp lệ' }).waitFor();
      assert.match(await alert.innerText(), /Số điện thoại người gọi/);
      assert.equal(await phone.getAttribute('aria-invalid'), 'true');
      assert.equal(await page.evaluate(() => document.activeElement.name), 'caller_phone');
      await assertAccessible(page, 'the contact form with a field the server refused');
      await phone.fill('+84 912 345 678');
      await phone.press('Tab');
      await notice.waitFor();
      assert.equal(await phone.getAttribute('aria-invalid'), null);
      await page.getByLabel('Kết quả', { exact: true }).selectOption({ label: 'Tư vấn' });
      await page.getByRole('button', { name: 'Lưu', exact: true }).click();
      await status.filter({ hasText: /Đã lưu cuộc liên hệ c[0-9a-f]+\./ }).waitFor();
      contactIds.push(await savedId());
      const result = page.locator('.contact-result');
      assert.match(await result.innerText(), /Người này đã liên hệ 111 trước đây: 1 lần\./);
      await result.locator(`tr[data-contact-id="${contactIds[1]}"]`).waitFor();
      // "Next in queue" takes the most urgent waiting item and opens the form for it.
      await page.getByRole('button', { name: 'Nhận mục tiếp theo trong hàng chờ' }).click();
      await page.getByRole('heading', { name: `Báo cáo ${younger}` }).waitFor();
      const q = await clients.hn.ok('GET', '/api/v1/queue');
      assert.ok(q.items.find((i) => i.code === younger).mine, 'the next item is now held by the counsellor');
    });

    await step('search by phone number finds the earlier contacts; by receipt code, the report', async () => {
      await page.getByRole('link', { name: 'Tra cứu', exact: true }).click();
      await h1.filter({ hasText: 'Tra cứu' }).waitFor();
      const box = page.getByLabel('Mã báo cáo, số điện thoại hoặc tài khoản');
      await box.fill('0912345678');
      await page.locator('.hint', { hasText: 'Sẽ tìm theo: Số điện thoại' }).waitFor();
      await page.getByRole('button', { name: 'Tìm', exact: true }).click();
      await page.locator('.page-status', { hasText: 'Tìm theo Số điện thoại: 2 cuộc liên hệ, 0 báo cáo.' }).waitFor();
      const found = await page.locator('table.contacts tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.contactId));
      assert.deepEqual(found, [contactIds[2], contactIds[1]], 'newest first');
      assert.equal(await page.evaluate(() => document.activeElement.className), 'page-status');
      assert.ok(!page.url().includes('0912'), 'the phone number stays out of the address');
      await checkBothLanguages(page, 'search results', 'Contacts found, newest first');

      await box.fill(urgent.toLowerCase());
      await page.locator('.hint', { hasText: 'Sẽ tìm theo: Mã báo cáo' }).waitFor();
      await page.getByRole('button', { name: 'Tìm', exact: true }).click();
      await page.locator('.page-status', { hasText: 'Tìm theo Mã báo cáo: 0 cuộc liên hệ, 1 báo cáo.' }).waitFor();
      const report = page.locator('table.reports tbody tr');
      assert.match(await report.innerText(), new RegExp(urgent));
      assert.match(await report.innerText(), /Đang xem xét/);

      // The kind can be set by hand: the same digits as an account find nothing.
      await box.fill('0912345678');
      await page.getByRole('radio', { name: 'Tài khoản hoặc đường link' }).check();
      await page.getByRole('button', { name: 'Tìm', exact: true }).click();
      await page.locator('.page-status', { hasText: 'Tìm theo Tài khoản hoặc đường link: 0 cuộc liên hệ, 0 báo cáo.' }).waitFor();
    });

    await step('a contact opens with its notes and its repeat contacts', async () => {
      await page.goto(`${base}/console/#/contact/${contactIds[1]}`);
      await h1.filter({ hasText: 'Cuộc liên hệ' }).waitFor();
      const facts = page.locator('dl.facts');
      await facts.waitFor();
      assert.match(await facts.innerText(), /Tư vấn chuyên sâu/);
      assert.match(await facts.innerText(), /Hỏi cách dùng internet an toàn/);
      assert.match(await facts.innerText(), /25:00/);
      await page.getByText('Em lo lắng vì bị chia sẻ ảnh. Hẹn gọi lại sau một tuần.').waitFor();
      await checkBothLanguages(page, 'the contact detail', 'About this contact');
    });

    await step('the Đà Nẵng counsellor can open neither contact (page and API: not found)', async () => {
      const other = await newPage('Đà Nẵng counsellor');
      await login(other, people.dn);
      await other.locator('main h1', { hasText: 'Hàng chờ xử lý' }).waitFor();
      await other.locator('.queue-empty', { hasText: 'Hàng chờ trống' }).waitFor();
      await assertAccessible(other, 'an empty queue');
      await other.setViewportSize({ width: 375, height: 740 });
      await noHorizontalScroll(other, 'the queue on a phone');
      await other.setViewportSize({ width: 1280, height: 900 });
      await other.goto(`${base}/console/#/contact/${contactIds[1]}`);
      await other.locator('main h1', { hasText: 'Không tìm thấy cuộc liên hệ' }).waitFor();
      assert.match(await other.locator('main').innerText(), /Không tìm thấy cuộc liên hệ này, hoặc bạn không có quyền xem\./);
      assert.doesNotMatch(await other.locator('main').innerText(), /Em lo lắng/);
      await assertAccessible(other, 'a contact that is not found');
      // The address form without the slash leads to the same answer.
      await other.goto(`${base}/console/#contact/${contactIds[2]}`);
      await other.reload();
      await other.locator('main h1', { hasText: 'Không tìm thấy cuộc liên hệ' }).waitFor();
      for (const id of contactIds) {
        const res = await other.request.get(`${base}/api/v1/contacts/${id}`);
        assert.equal(res.status(), 404, `contact ${id}`);
        const rep = await other.request.get(`${base}/api/v1/contacts/${id}/repeats`);
        assert.equal(rep.status(), 404, `repeats of ${id}`);
      }
      const search = await clients.dn.ok('POST', '/api/v1/contacts/search', { phone: '0912 345 678' });
      assert.equal(search.contacts.length, 0);
      await other.context().close();
    });

    await step('the statistician sees the table for 2022, its charts, and exports it', async () => {
      const stat = await newPage('statistician');
      await login(stat, people.stat);
      const sh1 = stat.locator('main h1');
      await sh1.filter({ hasText: 'Thống kê Tổng đài 111' }).waitFor();
      assert.match(stat.url(), /#\/stats$/);
      const nav = stat.getByRole('navigation', { name: 'Các mục của bảng điều khiển' });
      assert.deepEqual(await nav.getByRole('link').allInnerTexts(), ['Thống kê']);

      const year = SEEDS.filter((s) => vietnamYear(s.start) === 2022);
      const expected = {
        total_calls: year.length,
        recorded_calls: year.filter((s) => s.recorded).length,
        indepth_counselling: year.filter((s) => s.indepth).length,
        intervention_cases: year.filter((s) => s.outcome === 'intervention').length,
        oc_sexual_abuse: year.filter((s) => s.outcome !== 'intervention' && (s.categories || []).includes('sexual_abuse')).length,
      };
      await stat.getByLabel('Năm', { exact: true }).selectOption('2022');
      await stat.getByRole('button', { name: 'Xem thống kê' }).click();
      const table = stat.locator('table.stats');
      await table.locator('caption', { hasText: 'năm 2022' }).waitFor();
      await stat.locator('.stats-results[aria-busy="false"]').waitFor();
      const count = async (key) => Number((await table.locator(`tr[data-key="${key}"] td`).innerText()).replace(/\D/g, ''));
      for (const [key, n] of Object.entries(expected)) assert.equal(await count(key), n, key);
      assert.match(await table.locator('tr[data-key="total_calls"] th').innerText(), /Tổng cuộc gọi đến/);
      assert.match(await table.locator('tr[data-key="oc_sexual_abuse"] th').getAttribute('class'), /depth-2/);
      assert.match(await table.locator('tr[data-key="online_counselling"] th').getAttribute('class'), /depth-1/);

      // Four charts, each an image named by its caption, with the numbers in a table.
      const charts = stat.locator('figure.chart');
      assert.equal(await charts.count(), 4);
      for (const name of ['Số cuộc liên hệ theo loại vấn đề, theo năm', 'Số cuộc liên hệ theo kênh', 'Số cuộc liên hệ có hồ sơ theo tỉnh, thành phố của trẻ', 'Số cuộc liên hệ có hồ sơ theo độ tuổi của trẻ']) {
        await stat.getByRole('img', { name, exact: true }).waitFor();
      }
      const channelTable = charts.nth(1).locator('table');
      const zalo = year.filter((s) => s.channel === 'zalo').length;
      assert.match(await channelTable.locator('tr', { hasText: 'Zalo' }).innerText(), new RegExp(`\\b${zalo}\\b`));
      const provinceBars = await charts.nth(2).locator('svg text.cat').allTextContents();
      assert.deepEqual(provinceBars, ['Hà Nội', 'Đà Nẵng'], 'provinces with contacts, most first');
      const trendHead = await charts.nth(0).locator('thead th').allTextContents();
      assert.deepEqual(trendHead.slice(1), ['2020', '2021', '2022']);
      await checkBothLanguages(stat, 'the statistics', 'Total incoming calls');

      // Export for publication: the header, a count as the page shows it, a small count hidden.
      const save = async (buttonName) => {
        const [dl] = await Promise.all([stat.waitForEvent('download'), stat.getByRole('button', { name: buttonName }).click()]);
        const file = path.join(downloads, `${Date.now()}-${dl.suggestedFilename()}`);
        await dl.saveAs(file);
        return { name: dl.suggestedFilename(), bytes: fs.readFileSync(file) };
      };
      const publicBox = stat.getByRole('checkbox', { name: 'Để công bố (ẩn các số nhỏ)' });
      assert.equal(await publicBox.isChecked(), true);
      const csv = await save('Tải CSV');
      assert.equal(csv.name, 'hotline-2022.csv');
      await stat.locator('#status', { hasText: 'Đã tải tệp hotline-2022.csv.' }).waitFor();
      const lines = csv.bytes.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
      assert.equal(lines[0], 'key,parent,label_vi,label_en,2022');
      const cell = (ls, key) => (ls.find((l) => l.startsWith(`${key},`)) || '').split(',').pop();
      assert.equal(cell(lines, 'total_calls'), String(await count('total_calls')));
      assert.equal(await count('indepth_counselling'), 1);
      assert.equal(cell(lines, 'indepth_counselling'), '<5', 'a count of 1 is suppressed for publication');
      await publicBox.uncheck();
      const internal = await save('Tải CSV');
      const ilines = internal.bytes.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
      assert.equal(cell(ilines, 'indepth_counselling'), '1');
      assert.equal(cell(ilines, 'recorded_calls'), String(await count('recorded_calls')));
      const xlsx = await save('Tải XLSX (Excel)');
      assert.equal(xlsx.name, 'hotline-2022.xlsx');
      assert.equal(xlsx.bytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX file is a ZIP archive');
      await assertAccessible(stat, 'the statistics after exports');
      await stat.setViewportSize({ width: 375, height: 740 });
      await noHorizontalScroll(stat, 'the statistics on a phone');
      await assertAccessible(stat, 'the statistics on a phone');
      await stat.setViewportSize({ width: 1280, height: 900 });

      // The same year as dates: the same counts, and the categories month by month.
      await stat.getByRole('radio', { name: 'Theo khoảng ngày' }).check();
      await stat.getByLabel('Từ ngày').fill('2022-01-01');
      await stat.getByLabel('Đến hết ngày').fill('2022-12-31');
      await stat.getByRole('button', { name: 'Xem thống kê' }).click();
      await table.locator('caption', { hasText: 'từ 01/01/2022 đến hết 31/12/2022' }).waitFor();
      await stat.locator('.stats-results[aria-busy="false"]').waitFor();
      for (const [key, n] of Object.entries(expected)) assert.equal(await count(key), n, `${key} (dates)`);
      await stat.getByRole('img', { name: 'Số cuộc liên hệ theo loại vấn đề, theo tháng', exact: true }).waitFor();
      const months = await charts.nth(0).locator('thead th').allTextContents();
      assert.deepEqual(months.slice(1), Array.from({ length: 12 }, (_, i) => `${String(i + 1).padStart(2, '0')}/2022`));
      await stat.getByRole('radio', { name: 'Theo năm' }).check();

      // This year holds the three calls recorded in the browser today.
      const thisYear = vietnamYear(new Date().toISOString());
      await stat.getByLabel('Năm', { exact: true }).selectOption(String(thisYear));
      await stat.getByRole('button', { name: 'Xem thống kê' }).click();
      await table.locator('caption', { hasText: `năm ${thisYear}` }).waitFor();
      await stat.locator('.stats-results[aria-busy="false"]').waitFor();
      assert.equal(await count('total_calls'), 3);
      assert.equal(await count('indepth_counselling'), 1);
      await stat.context().close();
    });

    await step('no script error and no Content-Security-Policy violation happened', async () => {
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(cspViolations, []);
      t.diagnostic(`axe-core ran ${axeRuns.length} times with 0 violations`);
    });
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) {
      server.proc.kill('SIGTERM');
      const timer = setTimeout(() => server.proc.kill('SIGKILL'), 20000);
      await server.exited;
      clearTimeout(timer);
      if (sc.failed && server.log.text) {
        t.diagnostic('server output (last 4000 characters):');
        for (const line of server.log.text.slice(-4000).split('\n')) t.diagnostic(line);
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(downloads, { recursive: true, force: true });
  }
});
