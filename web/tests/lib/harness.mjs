// What the browser tests share: the executable and browser they run, `baove serve` started on a
// free port with its own data directory, and axe-core run inside a page.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const CHROMIUM = process.env.BAOVE_CHROMIUM || '/usr/bin/chromium';
export const BAOVE_BIN = process.env.BAOVE_BIN || '';

// Why the test cannot run here, or false.
export function skipReason() {
  if (!BAOVE_BIN) return 'BAOVE_BIN is not set (path of the baove executable)';
  if (!fs.existsSync(BAOVE_BIN)) return `BAOVE_BIN ${BAOVE_BIN} does not exist`;
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  return false;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
const FIRST_START = /first start: user \\?"admin\\?" one-time password: ([^\s"\\]+)/;

// Starts `bin serve` on 127.0.0.1 with a free port. `ready` resolves to { url, password } once it
// listens (password: the first start's one-time password, when `wantPassword`). `env`: settings
// added to the environment (BAOVE_<KEY>).
export function startServer(bin, dataDir, { wantPassword = false, env = {} } = {}) {
  const proc = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const log = { text: '' };
  const keep = (d) => {
    log.text += d.toString();
    if (log.text.length > 200000) log.text = log.text.slice(-100000);
  };
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    let url = '';
    let password = '';
    const timer = setTimeout(() => reject(new Error(`server not ready within 60 s; output:\n${out}\n${log.text}`)), 60000);
    proc.stdout.on('data', (d) => {
      keep(d);
      out += d.toString();
      url = url || (LISTENING.exec(out) || [])[1] || '';
      password = password || (FIRST_START.exec(out) || [])[1] || '';
      if (url && (password || !wantPassword)) {
        clearTimeout(timer);
        resolve({ url, password });
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal}); output:\n${out}\n${log.text}`));
    });
  });
  return { proc, ready, exited, log };
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core's violations on the page. axe is put into the page through the DevTools protocol, which
// the page's Content-Security-Policy (script-src 'self', no inline scripts) does not apply to; the
// policy itself stays in force for everything the page does.
export async function axeViolations(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const has = await cdp.send('Runtime.evaluate', { expression: 'typeof window.axe', returnByValue: true });
    if (has.result.value !== 'object') {
      const r = await cdp.send('Runtime.evaluate', { expression: AXE_SOURCE });
      if (r.exceptionDetails) throw new Error(`axe-core did not load: ${JSON.stringify(r.exceptionDetails)}`);
    }
    const res = await cdp.send('Runtime.evaluate', {
      expression: `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + n.failureSummary) })))`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (res.exceptionDetails) throw new Error(`axe.run failed: ${JSON.stringify(res.exceptionDetails)}`);
    return res.result.value;
  } finally {
    await cdp.detach();
  }
}

// ---- `baove admin` on a data directory (before the server starts) ----

// Runs `bin admin --data-dir DIR ARGS...` and returns its standard output.
export function admin(bin, dataDir, args) {
  return execFileSync(bin, ['admin', '--data-dir', dataDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// Adds a unit; returns its id.
export function addUnit(bin, dataDir, name, kind, parent) {
  const out = admin(bin, dataDir, ['unit', 'add', '--name', name, '--kind', kind, ...(parent ? ['--parent', parent] : [])]);
  const id = out.trim().split('\n').pop().trim();
  if (!/^unit-[0-9a-f]+$/.test(id)) throw new Error(`unit add printed: ${out}`);
  return id;
}

// Adds a user with grants ("role:scope"); returns { id, password } (its one-time password).
export function addUser(bin, dataDir, username, unit, grants) {
  const out = admin(bin, dataDir, ['user', 'add', '--username', username, '--unit', unit, ...grants.flatMap((g) => ['--grant', g])]);
  const id = (/user id: (\S+)/.exec(out) || [])[1];
  const password = (/one-time password: (\S+)/.exec(out) || [])[1];
  if (!id || !password) throw new Error(`user add printed: ${out}`);
  return { id, password };
}

// ---- TOTP (RFC 6238: HMAC-SHA1, 30 s, 6 digits) ----

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

// The server refuses a code of a time step it has already accepted for that account, so each use
// of a secret waits for a step not used with it yet.
export function totpClock() {
  const last = new Map();
  return async (secret) => {
    for (;;) {
      const now = Date.now();
      const step = Math.floor(now / 30000);
      if (step > (last.get(secret) ?? -1)) {
        last.set(secret, step);
        return totp(secret, step);
      }
      await new Promise((r) => setTimeout(r, (step + 1) * 30000 - now + 250));
    }
  };
}

// ---- a staff member's API session from Node (cookie and CSRF token kept) ----

export class StaffClient {
  constructor(base) {
    this.base = base;
    this.cookie = '';
    this.csrf = '';
  }

  // Calls the API; returns { status, body, headers, text }.
  async call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.cookie) headers.Cookie = this.cookie;
    if (method !== 'GET' && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
    const set = res.headers.get('set-cookie');
    const m = set && /baove_session=([^;]*)/.exec(set);
    if (m) this.cookie = m[1] ? `baove_session=${m[1]}` : '';
    const text = await res.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (parsed && parsed.csrf_token) this.csrf = parsed.csrf_token;
    return { status: res.status, body: parsed, headers: res.headers, text };
  }

  async ok(method, path, body) {
    const r = await this.call(method, path, body);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  }

  // First login with a one-time password: sets `newPassword`, enrols TOTP and returns its secret.
  async firstLogin(username, oneTimePassword, newPassword, nextCode) {
    await this.ok('POST', '/api/v1/session', { username, password: oneTimePassword });
    await this.ok('POST', '/api/v1/session/password', { old_password: oneTimePassword, new_password: newPassword });
    const s = await this.call('GET', '/api/v1/session');
    if (s.status === 401) await this.ok('POST', '/api/v1/session', { username, password: newPassword });
    const enrolment = await this.ok('POST', '/api/v1/session/totp');
    const secret = enrolment.secret.replace(/\s+/g, '');
    await this.ok('POST', '/api/v1/session/totp/confirm', { code: await nextCode(secret) });
    await this.ok('GET', '/api/v1/session');
    return secret;
  }
}

// ---- a test's steps and what its pages must not do ----

// Steps that depend on each other (after a failure the rest are reported as skipped), and the
// script errors and Content-Security-Policy refusals seen on watched pages. `failed` tells the
// test's cleanup whether to show the server's output.
export function scenario(t) {
  const sc = { failed: false, pageErrors: [], cspViolations: [] };
  sc.step = async (name, fn) => {
    if (sc.failed) return t.test(name, { skip: 'an earlier step failed' }, () => {});
    return t.test(name, async () => {
      try {
        await fn();
      } catch (e) {
        sc.failed = true;
        throw e;
      }
    });
  };
  sc.watch = (page, who) => {
    page.on('pageerror', (e) => sc.pageErrors.push(`${who}: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) sc.cspViolations.push(`${who}: ${m.text()}`);
    });
  };
  return sc;
}
