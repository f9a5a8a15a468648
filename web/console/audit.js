// The audit viewer: filters (object, actor, unit, address, action, outcome, time range), a table
// of events newest first in Vietnam time, and paging through the server's `next` cursor.

import { api, query } from './api.js';
import { clearInvalid, clearMessages, field, h, lbl, option, select, showLocalErrors, uid } from './dom.js';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, OBJECT_TYPES, setAttrText, setTime } from './i18n.js';
import { unitOptions } from './users.js';

const PAGE_SIZE = 50;
const VIETNAM_OFFSET_MS = 7 * 3600 * 1000; // Asia/Ho_Chi_Minh is UTC+7 all year

// A datetime-local value read as Vietnam time, as an RFC 3339 UTC time ('' when empty, null when
// not a time).
export function vietnamLocalToUtc(value) {
  if (!value) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) - VIETNAM_OFFSET_MS;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function auditView(ctx) {
  // pages: the `after` cursor of each page seen so far (undefined for the first).
  const st = { filters: {}, pages: [undefined], users: new Map() };
  const heading = h('h1', { tabindex: '-1', t: 'audit_title' });
  // aria-busy is true while a page of events is on its way.
  const resultSlot = h('div', { class: 'audit-results', 'aria-busy': 'true' });

  const listId = uid('otypes');
  const datalist = h('datalist', { id: listId });
  for (const ty of OBJECT_TYPES) {
    const o = h('option', { value: ty });
    setAttrText(o, 'label', `otype_${ty}`);
    datalist.append(o);
  }
  const objectType = field({ name: 'object_type', label: 'f_object_type', attrs: { list: listId, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' } });
  const objectId = field({ name: 'object_id', label: 'f_object_id', attrs: { autocomplete: 'off', spellcheck: 'false' } });
  const actor = field({ name: 'actor', label: 'f_actor', attrs: { autocomplete: 'off', spellcheck: 'false' } });
  const unit = field({ name: 'unit', label: 'f_unit', control: select([{ value: '', key: 'any' }]) });
  const address = field({ name: 'address', label: 'f_address', attrs: { autocomplete: 'off', spellcheck: 'false' } });
  const action = field({ name: 'action', label: 'f_action', control: select([{ value: '', key: 'any' }, ...AUDIT_ACTIONS.map((a) => ({ value: a, label: ['action', a] }))]) });
  const outcome = field({ name: 'outcome', label: 'f_outcome', control: select([{ value: '', key: 'any' }, ...AUDIT_OUTCOMES.map((o) => ({ value: o, label: ['outcome', o] }))]) });
  const since = field({ name: 'since', label: 'f_since', type: 'datetime-local', attrs: { step: '1' } });
  const until = field({ name: 'until', label: 'f_until', type: 'datetime-local', attrs: { step: '1' } });
  const submit = h('button', { type: 'submit', t: 'audit_search' });
  const clear = h('button', { type: 'reset', class: 'secondary', t: 'audit_clear' });
  const form = h('form', { class: 'card filters', novalidate: true, role: 'search', 'aria-labelledby': 'audit-filters-h' },
    h('h2', { id: 'audit-filters-h', t: 'audit_filters' }),
    h('div', { class: 'grid' }, objectType.wrap, objectId.wrap, actor.wrap, unit.wrap, address.wrap, action.wrap, outcome.wrap, since.wrap, until.wrap),
    datalist,
    h('div', { class: 'actions' }, submit, clear));

  const root = h('div', { class: 'screen' }, heading, h('p', { t: 'audit_intro' }), form, resultSlot);

  function readFilters() {
    const problems = [];
    const s = vietnamLocalToUtc(since.input.value);
    const u = vietnamLocalToUtc(until.input.value);
    if (s === null) problems.push([since.input, 'err_field_invalid']);
    if (u === null) problems.push([until.input, 'err_field_invalid']);
    if (problems.length) {
      showLocalErrors(form, problems);
      return null;
    }
    return {
      object_type: objectType.input.value.trim(),
      object_id: objectId.input.value.trim(),
      actor: actor.input.value.trim(),
      unit: unit.input.value,
      address: address.input.value.trim(),
      action: action.input.value,
      outcome: outcome.input.value,
      since: s,
      until: u,
    };
  }

  function actorCell(id) {
    const name = st.users.get(id);
    if (!name) return h('td', {}, h('code', {}, id || '—'));
    return h('td', {}, name, h('br'), h('code', { class: 'small-id' }, id));
  }

  function renderPage(page) {
    const pageNo = st.pages.length;
    const status = h('p', { class: 'page-status' },
      h('span', { t: ['audit_page', { n: pageNo }] }), ' · ', h('span', { t: ['audit_count', { n: page.events.length }] }));
    const nav = h('div', { class: 'actions pager' });
    if (pageNo > 1) {
      nav.append(
        h('button', { type: 'button', class: 'secondary', t: 'audit_first', onclick: () => go([undefined]) }),
        h('button', { type: 'button', class: 'secondary', t: 'audit_prev', onclick: () => go(st.pages.slice(0, -1)) }),
      );
    }
    if (page.next !== undefined && page.next !== null) {
      nav.append(h('button', { type: 'button', t: 'audit_next', onclick: () => go([...st.pages, page.next]) }));
    }
    if (!page.events.length) {
      resultSlot.replaceChildren(status, h('p', { t: 'audit_empty' }), nav);
      return;
    }
    const rows = page.events.map((ev) => {
      const details = [];
      if (ev.fields && ev.fields.length) details.push(ev.fields.join(', '));
      const detailCell = h('td', {}, details.join(' '));
      if (ev.row_count !== undefined && ev.row_count !== null) {
        if (details.length) detailCell.append(' · ');
        detailCell.append(h('span', { t: ['audit_rows', { n: ev.row_count }] }));
      }
      return h('tr', { 'data-seq': String(ev.seq) },
        h('th', { scope: 'row' }, setTime(h('time'), ev.time)),
        actorCell(ev.actor),
        lbl('td', 'action', ev.action),
        h('td', {}, lbl('span', 'otype', ev.object_type), ev.object_id ? [h('br'), h('code', { class: 'small-id' }, ev.object_id)] : null),
        h('td', {}, lbl('span', 'outcome', ev.outcome, { class: `badge ${ev.outcome === 'allowed' ? 'on' : 'off'}` })),
        h('td', {}, ev.address ? h('code', {}, ev.address) : '—'),
        h('td', {}, ev.reason || '—'),
        detailCell,
        h('td', { class: 'num' }, String(ev.seq)));
    });
    const table = h('table', { class: 'audit' },
      h('caption', { t: 'audit_caption' }),
      h('thead', {}, h('tr', {}, ...['col_time', 'col_actor', 'col_action', 'col_object', 'col_outcome', 'col_address', 'col_reason', 'audit_fields_col', 'col_seq'].map((k) => h('th', { scope: 'col', t: k })))),
      h('tbody', {}, rows));
    resultSlot.replaceChildren(status, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'attr:aria-label': 'audit_caption' }, table), nav);
  }

  let requestNo = 0;
  async function go(pages, focusResults = true) {
    st.pages = pages;
    const after = pages[pages.length - 1];
    requestNo += 1;
    const mine = requestNo;
    resultSlot.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await api('GET', `/api/v1/audit/events${query({ ...st.filters, limit: PAGE_SIZE, after })}`);
    } catch (err) {
      if (mine === requestNo) resultSlot.setAttribute('aria-busy', 'false');
      await ctx.fail(err, form);
      return;
    }
    // Only the latest request may draw.
    if (!ctx.current() || mine !== requestNo) return;
    clearMessages();
    renderPage(page);
    resultSlot.setAttribute('aria-busy', 'false');
    if (focusResults) {
      const target = resultSlot.querySelector('.page-status');
      target.setAttribute('tabindex', '-1');
      target.focus();
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearInvalid(form);
    const f = readFilters();
    if (!f) return;
    st.filters = f;
    go([undefined]);
  });
  form.addEventListener('reset', () => {
    clearInvalid(form);
    st.filters = {};
    go([undefined], false);
  });

  (async () => {
    // Names for the actor column and the unit filter; both are optional niceties.
    const [units, users] = await Promise.all([
      api('GET', '/api/v1/units').catch(() => null),
      api('GET', '/api/v1/users').catch(() => null),
    ]);
    if (!ctx.current()) return;
    if (units) {
      const opts = [{ value: '', key: 'any' }, ...unitOptions(units.units)];
      unit.input.replaceChildren(...opts.map(option));
    }
    if (users) for (const u of users.users) st.users.set(u.id, u.username);
    await go([undefined], false);
  })();
  return root;
}

