// What the browser tests share: the executable and browser they run, `baove serve` started on a
// free port with its own data directory, and axe-core run inside a page.

import fs from 'node:fs';
import { spawn } from 'node:child_process';
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
// listens (password: the first start's one-time password, when `wantPassword`).
export function startServer(bin, dataDir, { wantPassword = false } = {}) {
  const proc = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
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
