// The counsellors' queue (#/queue): reports waiting for a counsellor, most urgent first, each with
// its badges (child in danger now, known material), channel, category, the child's age band, how
// long it has waited and who holds it. "Take" claims an item and opens the contact form for it.
//
// The list refreshes every 15 seconds in place: rows are keyed by report id, unchanged rows keep
// their elements (and the keyboard focus), and only the waiting times are rewritten. Only the first
// page (100 items) is drawn, built off-document in one DocumentFragment; "Show more" adds the next.

import { api, ApiError } from './api.js';
import { announce, h } from './dom.js';
import { formatTime, setText } from './i18n.js';
import { loadTaxonomy, termEl } from './contact.js';

const PAGE = 100;
// The first drawing of the page holds this many rows (the most urgent, more than a screen's worth);
// the rest of the page follows in the next task, so a counsellor sees the top of the queue at once.
const FIRST_ROWS = 20;
const MAX_PAGE = 1000; // the server's largest page
const REFRESH_MS = 15000;
// Without a key press or a click for this long the queue stops refreshing itself, so that an
// unattended console lets its session end at the server's idle timeout.
const IDLE_MS = 10 * 60 * 1000;

let lastActivity = Date.now();
for (const type of ['keydown', 'pointerdown']) {
  window.addEventListener(type, () => {
    lastActivity = Date.now();
  }, { capture: true, passive: true });
}

// How long an item has waited, as a string key and its arguments ("12 min").
export function waitingText(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  if (s < 60) return ['wait_under_min'];
  const m = Math.floor(s / 60);
  if (m < 60) return ['wait_min', { n: m }];
  const hours = Math.floor(m / 60);
  if (hours < 48) return ['wait_hours', { h: hours, m: m % 60 }];
  return ['wait_days', { n: Math.floor(hours / 24) }];
}

// The first page's requests started before the session is known (see prefetchQueue()).
let early = null;

// Starts the queue's first page and the vocabulary while app.js still checks the session, so that
// the queue's first paint waits for one round of requests, not two. Used within a few seconds by
// the queue view's first load, or not at all (a 401 then changes nothing: the login form shows).
export function prefetchQueue() {
  const page = api('GET', `/api/v1/queue?limit=${PAGE}&offset=0`);
  const tax = loadTaxonomy();
  page.catch(() => {});
  tax.catch(() => {});
  early = { at: Date.now(), page, tax };
}

function takeEarly() {
  const e = early;
  early = null;
  return e && Date.now() - e.at < 5000 ? e : null;
}

const COLUMNS = ['col_report', 'col_priority', 'col_channel', 'col_category', 'col_age_band', 'col_waiting', 'col_holder', 'col_actions'];

export function queueView(ctx) {
  const st = {
    tax: null,
    items: [],
    total: 0,
    rows: new Map(), // report id -> { tr, sig, wait }
    loading: false,
    painted: false,
    timer: 0,
  };
  const heading = h('h1', { tabindex: '-1', t: 'queue_title' });
  const summary = h('p', { class: 'page-status', tabindex: '-1' });
  const updated = h('p', { class: 'note' });
  const refreshBtn = h('button', { type: 'button', class: 'secondary small', t: 'queue_refresh' });
  const tbody = h('tbody', {});
  const table = h('table', { class: 'queue' },
    h('caption', { t: 'queue_caption' }),
    h('thead', {}, h('tr', {}, COLUMNS.map((k) => h('th', { scope: 'col', t: k })))),
    tbody);
  const wrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'attr:aria-label': 'queue_caption', hidden: true }, table);
  const empty = h('p', { class: 'queue-empty', t: 'queue_empty', hidden: true });
  const more = h('button', { type: 'button', class: 'secondary', t: 'queue_show_more', hidden: true });
  const results = h('div', { class: 'queue-results', 'aria-busy': 'true' }, h('p', { t: 'loading' }));
  const root = h('div', { class: 'screen' },
    heading,
    h('p', { t: 'queue_intro' }),
    h('div', { class: 'toolbar' }, summary, refreshBtn),
    updated,
    results);

  function cells(item) {
    const tax = st.tax;
    const code = item.code || item.report_id;
    const badges = h('td', { class: 'badges' });
    if (item.danger_now) badges.append(h('span', { class: 'badge danger', t: 'badge_danger' }));
    if (item.priority === 'high') badges.append(h('span', { class: 'badge known', t: 'badge_known' }));
    if (!badges.childNodes.length) badges.append(h('span', { class: 'muted', t: 'priority_normal' }));
    let holder;
    if (!item.owner_id) holder = h('td', { class: 'muted', t: 'holder_none' });
    else if (item.mine) holder = h('td', { t: 'holder_me' });
    else holder = h('td', {}, h('span', { t: 'holder_other' }), h('br'), h('code', { class: 'small-id' }, item.owner_id));
    const actions = h('td', { class: 'row-actions' });
    if (!item.owner_id || item.mine) {
      actions.append(h('button', {
        type: 'button',
        class: 'small',
        'data-action': 'take',
        t: item.mine ? 'queue_continue' : 'queue_take',
        'attr:aria-label': [item.mine ? 'queue_continue_label' : 'queue_take_label', { code }],
      }));
    }
    // A supervisor may also give back what another counsellor holds (one who went home).
    if (item.mine || (item.owner_id && ctx.hasRole('supervisor'))) {
      actions.append(' ', h('button', { type: 'button', class: 'small secondary', 'data-action': 'release', t: 'queue_release', 'attr:aria-label': ['queue_release_label', { code }] }));
    }
    const wait = h('td', { class: 'num wait', t: waitingText(item.waiting_s) });
    return {
      list: [
        h('th', { scope: 'row' }, h('code', {}, code)),
        badges,
        termEl('td', tax, 'channels', item.channel),
        termEl('td', tax, 'categories', item.category),
        item.age_band ? termEl('td', tax, 'age_bands', item.age_band) : termEl('td', tax, 'age_bands', 'unknown'),
        wait,
        holder,
        actions,
      ],
      wait,
    };
  }

  // What a row shows apart from the waiting time: a row whose signature is unchanged is kept.
  const signature = (i) => [i.code, i.priority, i.danger_now, i.channel, i.category, i.age_band, i.owner_id, i.mine].join('|');

  function buildRow(item) {
    const tr = h('tr', { 'data-report-id': item.report_id, 'data-priority': item.priority });
    const c = cells(item);
    // The first row drawn carries an Element Timing name, so the moment the queue is first on the
    // screen can be measured (bench/queue_paint.mjs).
    if (!st.painted && st.rows.size === 0) c.list[0].setAttribute('elementtiming', 'queue-first-row');
    tr.append(...c.list);
    const row = { tr, sig: signature(item), wait: c.wait };
    st.rows.set(item.report_id, row);
    return row;
  }

  function updateRow(row, item) {
    const sig = signature(item);
    if (sig === row.sig) {
      setText(row.wait, ...waitingText(item.waiting_s));
      return;
    }
    const c = cells(item);
    row.tr.replaceChildren(...c.list);
    row.tr.dataset.priority = item.priority;
    row.sig = sig;
    row.wait = c.wait;
  }

  function render() {
    const active = document.activeElement;
    const focusRow = active && tbody.contains(active) ? active.closest('tr') : null;
    const focusAction = focusRow && active.dataset ? active.dataset.action : '';
    const sameOrder = tbody.children.length === st.items.length &&
      st.items.every((it, i) => tbody.children[i].dataset.reportId === it.report_id);
    if (sameOrder) {
      for (const it of st.items) updateRow(st.rows.get(it.report_id), it);
    } else {
      const keep = new Set(st.items.map((it) => it.report_id));
      for (const id of Array.from(st.rows.keys())) if (!keep.has(id)) st.rows.delete(id);
      const rowsOf = (list) => {
        const frag = document.createDocumentFragment();
        for (const it of list) {
          const row = st.rows.get(it.report_id);
          if (row) {
            updateRow(row, it);
            frag.append(row.tr);
          } else frag.append(buildRow(it).tr);
        }
        return frag;
      };
      const now = st.painted ? st.items.length : Math.min(FIRST_ROWS, st.items.length);
      tbody.replaceChildren(rowsOf(st.items.slice(0, now)));
      if (now < st.items.length) {
        const items = st.items;
        // After the frame holding the first rows is painted (a task queued from an animation
        // frame callback runs once that frame is out), unless a newer answer has been drawn
        // meanwhile (it then drew every row itself).
        requestAnimationFrame(() =>
          setTimeout(() => {
            if (st.items === items && tbody.children.length === now) tbody.append(rowsOf(items.slice(now)));
          }, 0));
      }
    }
    setText(summary, st.total ? 'queue_summary' : 'queue_summary_none', { shown: { $num: st.items.length }, total: { $num: st.total } });
    wrap.hidden = st.items.length === 0;
    empty.hidden = st.items.length !== 0;
    more.hidden = st.items.length >= st.total || st.items.length >= MAX_PAGE;
    if (results.getAttribute('aria-busy') !== 'false') {
      results.replaceChildren(wrap, empty, h('div', { class: 'actions' }, more));
      results.setAttribute('aria-busy', 'false');
    }
    // The keyboard focus stays where it was: on the same button of the same row when that row is
    // still there, else on the summary (never pulled elsewhere while a person is working).
    if (focusRow) {
      if (focusRow.isConnected) {
        const target = focusRow.querySelector(`button[data-action="${focusAction}"]`) || focusRow.querySelector('button');
        if (target && document.activeElement !== target) target.focus({ preventScroll: true });
      } else if (document.activeElement === document.body || !document.activeElement) {
        summary.focus({ preventScroll: true });
      }
    }
    if (!st.painted) {
      st.painted = true;
      performance.mark('baove:queue-rendered');
    }
  }

  async function load({ append = false, quiet = false } = {}) {
    if (st.loading) return false;
    st.loading = true;
    const offset = append ? st.items.length : 0;
    const limit = append ? PAGE : Math.min(MAX_PAGE, Math.max(PAGE, st.items.length));
    let r;
    try {
      const e = !append && offset === 0 && limit === PAGE ? takeEarly() : null;
      const [tax, page] = await Promise.all([
        st.tax || (e ? e.tax : loadTaxonomy()),
        e ? e.page : api('GET', `/api/v1/queue?limit=${limit}&offset=${offset}`),
      ]);
      st.tax = tax;
      r = page;
    } catch (err) {
      st.loading = false;
      if (!ctx.current()) return false;
      if (quiet && !(err instanceof ApiError && err.status === 401)) {
        setText(updated, 'queue_update_failed', { time: formatTime(new Date().toISOString()) });
        return false;
      }
      if (results.getAttribute('aria-busy') !== 'false') results.replaceChildren();
      await ctx.fail(err);
      return false;
    }
    st.loading = false;
    if (!ctx.current()) return false;
    if (append) {
      const have = new Set(st.items.map((i) => i.report_id));
      st.items = st.items.concat((r.items || []).filter((i) => !have.has(i.report_id)));
    } else st.items = r.items || [];
    st.total = r.total || 0;
    const first = !st.painted;
    render();
    const stamp = () => setText(updated, 'queue_updated', { time: formatTime(new Date().toISOString()) });
    // On the first drawing the time follows the rows' frame: the page's first date format loads
    // the locale's data, which the rows need not wait for.
    if (first) requestAnimationFrame(() => setTimeout(stamp, 0));
    else stamp();
    return true;
  }

  async function take(id, code, btn) {
    btn.disabled = true;
    try {
      await api('POST', `/api/v1/queue/${encodeURIComponent(id)}/claim`);
    } catch (err) {
      btn.disabled = false;
      if (err instanceof ApiError && err.status === 409) {
        await ctx.fail(err, null, 'queue_taken');
        await load();
        return;
      }
      await ctx.fail(err);
      return;
    }
    window.location.hash = `#/contact/new/${encodeURIComponent(id)}`;
  }

  async function release(id, code, btn) {
    btn.disabled = true;
    try {
      await api('POST', `/api/v1/queue/${encodeURIComponent(id)}/release`);
    } catch (err) {
      btn.disabled = false;
      await ctx.fail(err, null, err instanceof ApiError && err.status === 409 ? 'queue_release_conflict' : undefined);
      await load();
      return;
    }
    announce('queue_released', { code });
    await load();
  }

  // One listener for every row's buttons.
  tbody.addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-action]');
    if (!btn) return;
    const tr = btn.closest('tr');
    const id = tr.dataset.reportId;
    const item = st.items.find((i) => i.report_id === id);
    const code = (item && item.code) || id;
    if (btn.dataset.action === 'take') take(id, code, btn);
    else if (btn.dataset.action === 'release') release(id, code, btn);
  });
  refreshBtn.addEventListener('click', async () => {
    refreshBtn.disabled = true;
    const ok = await load();
    refreshBtn.disabled = false;
    if (ok) announce('queue_refreshed', { shown: { $num: st.items.length }, total: { $num: st.total } });
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    const before = st.items.length;
    await load({ append: true });
    more.disabled = false;
    // The first new row's first button (or its report code) takes the focus.
    const first = tbody.children[before];
    if (first) {
      const target = first.querySelector('button') || first.querySelector('th');
      if (target.tagName === 'TH') target.setAttribute('tabindex', '-1');
      target.focus();
    }
  });

  st.timer = setInterval(() => {
    if (!ctx.current() || !root.isConnected) {
      clearInterval(st.timer);
      return;
    }
    if (document.hidden) return;
    if (Date.now() - lastActivity > IDLE_MS) {
      if (updated.dataset.i18n !== 'queue_paused_idle') setText(updated, 'queue_paused_idle');
      return;
    }
    load({ quiet: true });
  }, REFRESH_MS);
  load();
  return root;
}
