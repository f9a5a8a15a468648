// Browser test of the public report pages against the real server.
//
// It starts `$BAOVE_BIN serve --listen 127.0.0.1:0 --data-dir <fresh temp dir>`, reads the address
// from its output, and drives Debian's /usr/bin/chromium (headless, through playwright-core) on a
// phone-sized screen (360 x 740) as a child or a parent would:
//   1. in Vietnamese with JavaScript: fill the form, attach a picture and a link, send it, watch the
//      upload progress, get the receipt (report code and secret), then follow the report with them
//      and read its state in plain words; a wrong secret is refused;
//   2. the same with JavaScript disabled (plain HTML form posts);
//   3. in English, reached through the language link;
//   4. a mistake: no category chosen; the error summary appears, links to the field, and what was
//      typed is kept (with and without JavaScript); then the report goes through;
// and a missing file (404). axe-core checks every page and must find no violation; the pages
// must not scroll sideways, and no script error or Content-Security-Policy violation may happen.
//
// Run (from the repository root, after `npm ci` in web/ and a build of baove):
//   BAOVE_BIN=build/release/src/cli/baove node --test web/tests/report.test.mjs
// CTest runs it as the test `web_report` (label `browser`) when node, /usr/bin/chromium and
// web/node_modules are present. Optional: BAOVE_CHROMIUM overrides the browser path,
// BAOVE_TEST_HEADED=1 shows the window.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';

import { BAOVE_BIN, CHROMIUM, axeViolations, skipReason, startServer, scenario } from './lib/harness.mjs';

const require = createRequire(import.meta.url);

// ---- a real picture to attach: a small PNG of random colours ----

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function makePng(width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0]), crypto.randomBytes(width * 3));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- accessibility ----

// ---- the test ----

const PHONE = { width: 360, height: 740 };

test('public report pages in Chromium against baove serve', { skip: skipReason(), timeout: 280000 }, async (t) => {
  const { chromium } = require('playwright-core');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'baove-report-'));
  const server = startServer(BAOVE_BIN, dataDir);
  let browser;
  const sc = scenario(t);
  const { step, watch, pageErrors, cspViolations } = sc;
  let axeRuns = 0;
  const picture = makePng(96, 96);



  try {
    const { url: base } = await server.ready;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: !process.env.BAOVE_TEST_HEADED,
      args: ['--no-sandbox'],
    });

    const newPage = async (who, javaScriptEnabled) => {
      const context = await browser.newContext({ viewport: PHONE, locale: 'vi-VN', javaScriptEnabled });
      context.setDefaultTimeout(20000);
      const page = await context.newPage();
      watch(page, who);
      return page;
    };
    const js = await newPage('with JavaScript', true);
    const nojs = await newPage('without JavaScript', false);
    // axe-core needs script; a page of the no-JavaScript context is checked as a copy in this
    // page, where report.js is blocked so that the copy stays as the server sent it.
    const axePage = await newPage('axe copy', true);
    await axePage.route('**/assets/report.js', (route) => route.abort());

    // Checks the page as it is now: axe-core, no sideways scrolling, the 111 banner, one h1.
    const checkPage = async (page, what) => {
      let target = page;
      if (page === nojs) {
        const html = await nojs.content();
        const url = nojs.url();
        await axePage.route(url, (route) =>
          route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
        );
        await axePage.goto(url);
        await axePage.unroute(url);
        target = axePage;
      }
      const v = await axeViolations(target);
      assert.deepEqual(v, [], `axe-core violations on ${what}:\n${JSON.stringify(v, null, 2)}`);
      axeRuns++;
      const { scroll, client } = await target.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      assert.ok(scroll <= client, `${what}: the page scrolls sideways (${scroll} > ${client})`);
      assert.equal(await page.locator('h1').count(), 1, `${what}: one h1`);
      const call = page.locator('header a[href="tel:111"]');
      assert.equal(await call.count(), 1, `${what}: the 111 banner`);
      assert.ok(await call.isVisible(), `${what}: the 111 link is visible`);
    };
    const heading = (page) => page.locator('main h1');

    // Fills the form as a person would; `labels` are in the page's language.
    const fillReport = async (page, labels, values) => {
      if (values.category) await page.getByLabel(labels.category, { exact: true }).check();
      await page.getByLabel(labels.description).fill(values.description);
      if (values.platform) await page.getByLabel(labels.platform).selectOption({ label: values.platform });
      if (values.link) await page.getByLabel(labels.links).fill(values.link);
      if (values.age) await page.getByLabel(labels.age).selectOption({ label: values.age });
      if (values.province) await page.getByLabel(labels.province).selectOption({ label: values.province });
      if (values.file) await page.getByLabel(labels.files).setInputFiles(values.file);
      if (values.phone) {
        await page.getByLabel(labels.callback).check();
        await page.getByLabel(labels.phone, { exact: true }).fill(values.phone);
        await page.getByLabel(labels.consent).check();
      }
    };
    const vi = {
      category: 'Dụ dỗ, gạ gẫm trẻ em trên mạng',
      description: 'Kể lại chuyện đã xảy ra',
      platform: 'Chuyện xảy ra ở đâu?',
      links: 'Đường link đến nội dung hoặc tài khoản',
      age: 'Em nhỏ bao nhiêu tuổi?',
      province: 'Em nhỏ sống ở tỉnh, thành phố nào?',
      files: 'Ảnh chụp màn hình hoặc video (nếu có)',
      callback: 'Có, hãy liên hệ lại với tôi',
      phone: 'Số điện thoại',
      consent: /Tôi đồng ý/,
      send: 'Gửi báo cáo',
    };
    const en = {
      category: 'Grooming or enticing a child online',
      description: 'What happened, in your own words',
      platform: 'Where did it happen?',
      links: 'Links to the content or the account',
      age: 'How old is the child?',
      province: 'Which province or city does the child live in?',
      files: 'Screenshots or videos (if you have them)',
      callback: 'Yes, please contact me',
      phone: 'Phone number',
      consent: /I agree/,
      send: 'Send the report',
    };
    const file = { name: 'anh-chup-man-hinh.png', mimeType: 'image/png', buffer: picture };

    // Reads the receipt; returns { code, secret }.
    const readReceipt = async (page) => {
      const code = (await page.locator('#receipt-code').innerText()).trim();
      const secret = (await page.locator('#receipt-secret').innerText()).trim();
      assert.ok(code.length >= 6, `report code "${code}"`);
      assert.ok(secret.length >= 8, 'secret too short');
      assert.notEqual(code, secret);
      return { code, secret };
    };

    // Follows a report: the status form, then its answer.
    const checkStatus = async (page, lang, receipt, what) => {
      const L =
        lang === 'vi'
          ? { code: 'Mã báo cáo', secret: 'Mã bí mật', check: 'Xem tình trạng', title: 'Tình trạng báo cáo' }
          : { code: 'Report code', secret: 'Secret', check: 'Check', title: 'Report status' };
      await page.getByLabel(L.code, { exact: true }).fill(receipt.code);
      await page.getByLabel(L.secret, { exact: true }).fill(receipt.secret);
      await checkPage(page, `the status form (${what})`);
      await page.getByRole('button', { name: L.check, exact: true }).click();
      await heading(page).filter({ hasText: L.title }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      await checkPage(page, `the status page (${what})`);
      return (await page.locator('.state-name').innerText()).trim();
    };

    await step('home page in Vietnamese leads to the form', async () => {
      await js.goto(`${base}/?lang=vi`);
      assert.equal(await js.getAttribute('html', 'lang'), 'vi');
      await heading(js).filter({ hasText: 'Báo cáo xâm hại trẻ em trên mạng' }).waitFor();
      assert.match(await js.locator('header').innerText(), /đang gặp nguy hiểm ngay lúc này/);
      await checkPage(js, 'the home page (vi)');
      // The skip link is the first stop of the keyboard and moves focus to the main content.
      await js.keyboard.press('Tab');
      assert.equal(await js.evaluate(() => document.activeElement.className), 'skip-link');
      await js.keyboard.press('Enter');
      assert.equal(await js.evaluate(() => document.activeElement.id), 'main');
      await js.getByRole('link', { name: 'Gửi báo cáo', exact: true }).first().click();
      await heading(js).filter({ hasText: 'Gửi báo cáo' }).waitFor();
      assert.match(js.url(), /\/report\?lang=vi$/);
      await checkPage(js, 'the report form (vi)');
    });

    let receiptVi;
    await step('1. Vietnamese, with JavaScript: send with a picture and a link, see progress and the receipt', async () => {
      await fillReport(js, vi, {
        category: true,
        description: 'Có người lạ trên Zalo nhắn tin cho em gái tôi và đòi gửi ảnh.',
        platform: 'Zalo',
        link: 'https://zalo.me/example-account',
        age: '11 đến 14 tuổi',
        province: 'Đà Nẵng',
        file,
      });
      // The script's hints: characters left, files chosen; contact boxes hidden until asked for.
      assert.match(await js.locator('#description-counter').innerText(), /^Còn \d+ ký tự\.$/);
      assert.equal(await js.locator('#files-chosen').innerText(), 'Đã chọn 1 tệp.');
      assert.equal(await js.getByLabel('Số điện thoại', { exact: true }).isVisible(), false);
      await checkPage(js, 'the filled report form (vi)');

      // A slow upload, so that the progress can be seen.
      const cdp = await js.context().newCDPSession(js);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 20,
        downloadThroughput: -1,
        uploadThroughput: Math.ceil(picture.length / 3),
      });
      await js.getByRole('button', { name: vi.send, exact: true }).click();
      await js.locator('#upload-progress').waitFor({ state: 'visible' });
      assert.equal(await js.getByRole('button', { name: vi.send, exact: true }).isDisabled(), true);
      await js.waitForFunction(() => {
        const bar = document.getElementById('upload-bar');
        return bar && bar.value > 0 && bar.value < 100;
      });
      assert.match(await js.locator('#upload-status').innerText(), /^Đang gửi… \d{1,2}%$/);
      assert.equal(await js.locator('#upload-status').getAttribute('aria-live'), 'polite');
      await heading(js).filter({ hasText: 'Đã nhận báo cáo của bạn' }).waitFor({ timeout: 60000 });
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await cdp.detach();

      assert.equal(await js.getAttribute('html', 'lang'), 'vi');
      receiptVi = await readReceipt(js);
      const text = await js.locator('main').innerText();
      assert.match(text, /Mã bí mật chỉ hiện một lần này/);
      assert.match(text, /Chúng tôi đã nhận 1 tệp\./);
      // The script put the focus on the receipt's heading.
      assert.equal(await js.evaluate(() => document.activeElement.id), 'receipt-title');
      await checkPage(js, 'the receipt (vi, JavaScript)');
    });

    await step('1. ... then follow the report with its code and secret: "Đã nhận"', async () => {
      await js.getByRole('link', { name: 'Xem tình trạng báo cáo', exact: true }).first().click();
      await heading(js).filter({ hasText: 'Xem tình trạng báo cáo' }).waitFor();
      const state = await checkStatus(js, 'vi', receiptVi, 'vi, JavaScript');
      assert.equal(state, 'Đã nhận');
      assert.match(await js.locator('main').innerText(), /Chúng tôi đã nhận báo cáo và sẽ sớm đọc\./);
      assert.match(await js.locator('.times').innerText(), /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
      // A wrong secret finds nothing, says so, and marks the fields.
      await js.goto(`${base}/report/status?lang=vi`);
      await js.getByLabel('Mã báo cáo', { exact: true }).fill(receiptVi.code);
      await js.getByLabel('Mã bí mật', { exact: true }).fill(`${receiptVi.secret}x`);
      await js.getByRole('button', { name: 'Xem tình trạng', exact: true }).click();
      const alert = js.getByRole('alert').filter({ hasText: 'Không có báo cáo nào với mã báo cáo và mã bí mật này' });
      await alert.waitFor();
      assert.equal(await js.getByLabel('Mã bí mật', { exact: true }).getAttribute('aria-invalid'), 'true');
      assert.equal(await js.getByLabel('Mã bí mật', { exact: true }).inputValue(), '');
      await checkPage(js, 'the status form, not found (vi)');
    });

    await step('2. Vietnamese, without JavaScript: the same report as plain HTML posts', async () => {
      await nojs.goto(`${base}/report?lang=vi`);
      await heading(nojs).filter({ hasText: 'Gửi báo cáo' }).waitFor();
      // Without the script everything is shown at once.
      assert.ok(await nojs.getByLabel('Số điện thoại', { exact: true }).isVisible());
      assert.equal(await nojs.locator('#description-counter').isVisible(), false);
      await checkPage(nojs, 'the report form (vi, no JavaScript)');
      await fillReport(nojs, vi, {
        category: true,
        description: 'Em bị bạn cùng lớp đăng ảnh lên Facebook để chế giễu.',
        platform: 'Facebook',
        link: 'https://facebook.com/example/posts/1',
        age: '15 đến 17 tuổi',
        province: 'Hà Nội',
        file,
        phone: '0912345678',
      });
      await nojs.getByRole('button', { name: vi.send, exact: true }).click();
      await heading(nojs).filter({ hasText: 'Đã nhận báo cáo của bạn' }).waitFor({ timeout: 60000 });
      const receipt = await readReceipt(nojs);
      assert.notEqual(receipt.code, receiptVi.code);
      assert.match(await nojs.locator('main').innerText(), /Chúng tôi đã nhận 1 tệp\./);
      // The copy buttons need the script: hidden here.
      assert.equal(await nojs.locator('button[data-copy]').first().isVisible(), false);
      await checkPage(nojs, 'the receipt (vi, no JavaScript)');
      await nojs.goto(`${base}/report/status?lang=vi`);
      assert.equal(await checkStatus(nojs, 'vi', receipt, 'vi, no JavaScript'), 'Đã nhận');
    });

    await step('3. English, through the language link', async () => {
      await js.goto(`${base}/?lang=vi`);
      await js.getByRole('link', { name: 'English', exact: true }).click();
      await heading(js).filter({ hasText: 'Report harm to children online' }).waitFor();
      assert.equal(await js.getAttribute('html', 'lang'), 'en');
      assert.match(await js.locator('header').innerText(), /If a child is in danger right now/);
      await checkPage(js, 'the home page (en)');
      await js.getByRole('link', { name: 'Make a report', exact: true }).first().click();
      await heading(js).filter({ hasText: 'Make a report' }).waitFor();
      assert.match(js.url(), /\/report\?lang=en$/);
      await checkPage(js, 'the report form (en)');
      // The switch keeps the page: the form, now in Vietnamese, and back.
      await js.getByRole('link', { name: 'Tiếng Việt', exact: true }).click();
      await heading(js).filter({ hasText: 'Gửi báo cáo' }).waitFor();
      assert.match(js.url(), /\/report\?lang=vi$/);
      await js.getByRole('link', { name: 'English', exact: true }).click();
      await heading(js).filter({ hasText: 'Make a report' }).waitFor();
      await fillReport(js, en, {
        category: true,
        description: 'Someone keeps sending my son messages asking him to meet.',
        platform: 'An online game',
        age: '6 to 10',
      });
      await js.getByRole('button', { name: en.send, exact: true }).click();
      await heading(js).filter({ hasText: 'We have received your report' }).waitFor({ timeout: 60000 });
      assert.equal(await js.getAttribute('html', 'lang'), 'en');
      const receipt = await readReceipt(js);
      assert.match(await js.locator('main').innerText(), /The secret is shown only this once/);
      await checkPage(js, 'the receipt (en)');
      await js.getByRole('link', { name: 'Check the report', exact: true }).click();
      await heading(js).filter({ hasText: 'Check a report' }).waitFor();
      await checkPage(js, 'the status form (en)');
      assert.equal(await checkStatus(js, 'en', receipt, 'en'), 'Received');
    });

    await step('4. a mistake: no category; the summary points to it and the description is kept', async () => {
      for (const page of [js, nojs]) {
        const what = page === js ? 'JavaScript' : 'no JavaScript';
        await page.goto(`${base}/report?lang=vi`);
        const typed = `Tôi không biết chọn mục nào <b>"${what}"</b>`;
        await page.getByLabel(vi.description).fill(typed);
        await page.getByRole('button', { name: vi.send, exact: true }).click();
        const summary = page.locator('#error-summary');
        await summary.waitFor();
        assert.equal(await summary.getAttribute('role'), 'alert');
        assert.match(await summary.innerText(), /Chuyện gì đã xảy ra: Hãy chọn điều gần nhất với chuyện đã xảy ra\./);
        assert.equal(await page.getByLabel(vi.description).inputValue(), typed);
        const first = page.getByLabel(vi.category, { exact: true });
        assert.equal(await first.getAttribute('aria-invalid'), 'true');
        const described = (await first.getAttribute('aria-describedby')).split(' ');
        assert.match(await page.locator(`#${described[0]}`).innerText(), /Hãy chọn điều gần nhất/);
        assert.match(await page.title(), /^Lỗi: /);
        await checkPage(page, `the form with an error (${what})`);
        if (page === js) {
          // The script focuses the summary; its link moves focus to the first choice.
          assert.equal(await page.evaluate(() => document.activeElement.id), 'error-summary');
          await summary.getByRole('link').first().click();
          assert.equal(await page.evaluate(() => document.activeElement.name), 'category');
        }
        // Corrected, it goes through.
        await first.check();
        await page.getByRole('button', { name: vi.send, exact: true }).click();
        await heading(page).filter({ hasText: 'Đã nhận báo cáo của bạn' }).waitFor({ timeout: 60000 });
        await readReceipt(page);
      }
    });

    await step('a missing file gets a friendly page with the 111 banner', async () => {
      const res = await js.goto(`${base}/assets/khong-co-tep-nay.css?lang=vi`);
      assert.equal(res.status(), 404);
      await heading(js).waitFor();
      assert.equal(await js.getAttribute('html', 'lang'), 'vi');
      assert.match(await heading(js).innerText(), /Không tìm thấy trang/);
      await checkPage(js, 'the 404 page (vi)');
    });

    await step('the pages are served with a strict Content-Security-Policy and their own assets', async () => {
      const res = await js.goto(`${base}/report?lang=en`);
      const csp = res.headers()['content-security-policy'] || '';
      assert.match(csp, /script-src 'self'/, `CSP: "${csp}"`);
      assert.doesNotMatch(csp, /unsafe-inline/);
      for (const [name, type] of [
        ['report.css', /^text\/css/],
        ['report.js', /^text\/javascript/],
      ]) {
        const asset = await js.request.get(`${base}/assets/${name}`);
        assert.equal(asset.status(), 200, name);
        assert.match(asset.headers()['content-type'] || '', type, name);
      }
    });

    await step('no script error and no Content-Security-Policy violation happened', async () => {
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(cspViolations, []);
      t.diagnostic(`axe-core ran ${axeRuns} times with 0 violations`);
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
