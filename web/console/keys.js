// API keys: the list (never a secret), revocation, and the form that creates a key and shows its
// secret once.

import { api } from './api.js';
import {
  loadThenDraw,
  announce,
  clearInvalid,
  clearMessages,
  confirmDialog,
  field,
  h,
  secretBox,
  select,
  showLocalErrors,
} from './dom.js';
import { unitOptions } from './users.js';

const SCOPE = /^[a-z_]+:(read|write)$/;

export function keysView(ctx) {
  const st = { keys: [], units: [] };
  const heading = h('h1', { tabindex: '-1', t: 'keys_title' });
  const secretSlot = h('div', { class: 'secret-slot' });
  const tableSlot = h('div', {}, h('p', { t: 'loading' }));
  const createSlot = h('div', {});
  const root = h('div', { class: 'screen' }, heading, h('p', { t: 'keys_intro' }), secretSlot, tableSlot, createSlot);

  const unitName = (id) => st.units.find((u) => u.id === id)?.name || id;

  async function load() {
    const [k, u] = await Promise.all([api('GET', '/api/v1/api-keys'), api('GET', '/api/v1/units')]);
    st.keys = k.keys;
    st.units = u.units;
  }

  function renderTable() {
    if (!st.keys.length) {
      tableSlot.replaceChildren(h('p', { t: 'keys_empty' }));
      return;
    }
    const keys = [...st.keys].sort((a, b) => Number(a.revoked) - Number(b.revoked) || a.name.localeCompare(b.name));
    const rows = keys.map((k) =>
      h('tr', { 'data-key-id': k.id },
        h('th', { scope: 'row' }, k.name),
        h('td', {}, unitName(k.unit_id)),
        h('td', {}, k.scopes.flatMap((s, i) => (i ? [' ', h('code', {}, s)] : [h('code', {}, s)]))),
        h('td', { class: 'num' }, String(k.rate_limit_per_minute)),
        h('td', {}, h('span', { class: k.revoked ? 'badge off' : 'badge on', t: k.revoked ? 'key_revoked' : 'key_active' })),
        h('td', {},
          !k.revoked && ctx.isAdmin()
            ? h('button', {
              type: 'button',
              class: 'danger small',
              t: 'revoke_key',
              'attr:aria-label': ['revoke_key_label', { name: k.name }],
              onclick: async () => {
                if (!(await confirmDialog('confirm_revoke_key', { name: k.name }, 'revoke_key'))) return;
                try {
                  await api('DELETE', `/api/v1/api-keys/${encodeURIComponent(k.id)}`);
                } catch (err) {
                  await ctx.fail(err);
                  return;
                }
                clearMessages();
                announce('key_revoked_msg', { name: k.name });
                await refresh();
                heading.focus();
              },
            })
            : null)));
    const table = h('table', {},
      h('caption', { t: 'keys_caption' }),
      h('thead', {}, h('tr', {}, ...['col_key_name', 'col_unit', 'col_scopes', 'col_rate', 'col_status', 'col_actions'].map((k) => h('th', { scope: 'col', t: k })))),
      h('tbody', {}, rows));
    tableSlot.replaceChildren(h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'attr:aria-label': 'keys_caption' }, table));
  }

  async function refresh() {
    try {
      await load();
    } catch (err) {
      await ctx.fail(err);
      return;
    }
    if (ctx.current()) renderTable();
  }

  function renderCreate() {
    if (!ctx.isAdmin()) {
      createSlot.replaceChildren();
      return;
    }
    const name = field({ name: 'name', label: 'key_name', required: true, attrs: { maxlength: '200', autocomplete: 'off' } });
    const unit = field({ name: 'unit_id', label: 'key_unit', required: true, control: select(unitOptions(st.units)) });
    const scopes = field({ name: 'scopes', label: 'key_scopes', required: true, hint: 'key_scopes_hint', attrs: { autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' } });
    const rate = field({ name: 'rate_limit_per_minute', label: 'key_rate', required: true, type: 'number', attrs: { min: '1', step: '1', inputmode: 'numeric', class: 'short' } });
    rate.input.value = '600';
    const submit = h('button', { type: 'submit', t: 'create_key_submit' });
    const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'create-key-h' },
      h('p', { class: 'hint', t: 'required_hint' }), name.wrap, unit.wrap, scopes.wrap, rate.wrap, h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const n = name.input.value.trim();
      const list = scopes.input.value.split(/[\s,]+/).filter(Boolean);
      const limit = Number(rate.input.value);
      const problems = [];
      if (!n) problems.push([name.input, 'err_required']);
      if (!list.length || !list.every((s) => SCOPE.test(s))) problems.push([scopes.input, list.length ? 'key_scopes_hint' : 'err_required']);
      if (!Number.isInteger(limit) || limit < 1) problems.push([rate.input, 'err_field_invalid']);
      if (problems.length) return showLocalErrors(form, problems);
      clearInvalid(form);
      submit.disabled = true;
      let created;
      try {
        created = await api('POST', '/api/v1/api-keys', { unit_id: unit.input.value, name: n, scopes: list, rate_limit_per_minute: limit });
      } catch (err) {
        await ctx.fail(err, form);
        return;
      } finally {
        submit.disabled = false;
      }
      clearMessages();
      announce('key_created', { name: created.key.name });
      form.reset();
      rate.input.value = '600';
      const box = secretBox({ title: ['key_secret_title', { name: created.key.name }], value: created.secret, note: 'key_secret_note' }, () => heading.focus());
      secretSlot.replaceChildren(box);
      box.querySelector('h2').focus();
      await refresh();
    });
    createSlot.replaceChildren(h('section', { 'aria-labelledby': 'create-key-h' }, h('h2', { id: 'create-key-h', t: 'create_key_title' }), form));
  }

  loadThenDraw(ctx, tableSlot, load, () => {
    renderTable();
    renderCreate();
  });
  return root;
}
