// Users: the list, one user's details (grants, disable/enable, password and TOTP resets) and the
// form that creates a user and shows the one-time password once.

import { api } from './api.js';
import {
  loadThenDraw,
  announce,
  clearInvalid,
  clearMessages,
  confirmDialog,
  field,
  grantArgs,
  h,
  lbl,
  secretBox,
  select,
  showLocalErrors,
} from './dom.js';
import { ROLES, SCOPES } from './i18n.js';

const USERNAME = /^[a-z0-9._-]{3,64}$/;

// "Analyst (Unit)" as translatable pieces.
export function grantNode(g) {
  return h('span', { class: 'grant' }, lbl('span', 'role', g.role), ' (', lbl('span', 'scope', g.scope), ')');
}

// Unit <option>s indented by depth, roots first.
export function unitOptions(units) {
  const byParent = new Map();
  const ids = new Set(units.map((u) => u.id));
  for (const u of units) {
    const p = u.parent_id && ids.has(u.parent_id) ? u.parent_id : '';
    if (!byParent.has(p)) byParent.set(p, []);
    byParent.get(p).push(u);
  }
  for (const list of byParent.values()) list.sort((a, b) => a.name.localeCompare(b.name));
  const out = [];
  const walk = (parent, depth) => {
    for (const u of byParent.get(parent) || []) {
      out.push({ value: u.id, text: `${'\u2003'.repeat(depth)}${depth ? '└ ' : ''}${u.name}` });
      walk(u.id, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

export function usersView(ctx) {
  const st = { users: [], units: [], selected: '' };
  const heading = h('h1', { tabindex: '-1', t: 'users_title' });
  const secretSlot = h('div', { class: 'secret-slot' });
  const tableSlot = h('div', {}, h('p', { t: 'loading' }));
  const detailSlot = h('div', {});
  const createSlot = h('div', {});
  const root = h('div', { class: 'screen' }, heading, secretSlot, tableSlot, detailSlot, createSlot);

  const unitName = (id) => st.units.find((u) => u.id === id)?.name || id;

  function showSecret(titleArgs, value) {
    const box = secretBox({ title: ['otp_title', titleArgs], value, note: 'otp_note' }, () => heading.focus());
    secretSlot.replaceChildren(box);
    box.querySelector('h2').focus();
  }

  async function load() {
    const [u, un] = await Promise.all([api('GET', '/api/v1/users'), api('GET', '/api/v1/units')]);
    st.users = u.users;
    st.units = un.units;
  }

  function renderTable() {
    if (!st.users.length) {
      tableSlot.replaceChildren(h('p', { t: 'users_empty' }));
      return;
    }
    const users = [...st.users].sort((a, b) => a.username.localeCompare(b.username));
    const rows = users.map((u) =>
      h('tr', { 'data-user-id': u.id },
        h('th', { scope: 'row' }, u.username),
        h('td', {}, unitName(u.unit_id)),
        h('td', {}, u.grants.length ? u.grants.flatMap((g, i) => (i ? [', ', grantNode(g)] : [grantNode(g)])) : h('span', { t: 'none' })),
        h('td', {},
          h('span', { class: u.disabled ? 'badge off' : 'badge on', t: u.disabled ? 'status_disabled' : 'status_active' }),
          u.must_change_password && !u.disabled ? [' ', h('span', { class: 'note', t: 'status_must_change' })] : null),
        h('td', { t: u.totp_enrolled ? 'totp_on' : 'totp_off' }),
        h('td', {},
          h('button', {
            type: 'button',
            class: 'secondary small',
            t: 'manage',
            'attr:aria-label': ['manage_user_label', { name: u.username }],
            'aria-expanded': st.selected === u.id ? 'true' : 'false',
            onclick: () => {
              st.selected = u.id;
              clearMessages();
              renderTable();
              renderDetail(true);
            },
          }))));
    const table = h('table', {},
      h('caption', { t: 'users_caption' }),
      h('thead', {}, h('tr', {}, ...['col_username', 'col_unit', 'col_roles', 'col_status', 'col_totp', 'col_actions'].map((k) => h('th', { scope: 'col', t: k })))),
      h('tbody', {}, rows));
    tableSlot.replaceChildren(h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'attr:aria-label': 'users_caption' }, table));
  }

  async function reload() {
    await load();
    if (!ctx.current()) return;
    renderTable();
    renderDetail(false);
  }

  // Runs an administrative action, then reloads the list; errors go to the alert region.
  async function act(fn, form) {
    try {
      await fn();
    } catch (err) {
      await ctx.fail(err, form);
      return false;
    }
    try {
      await reload();
    } catch (err) {
      await ctx.fail(err);
    }
    // The control that was used may have been replaced: keep focus in the user's panel.
    const active = document.activeElement;
    if (!active || active === document.body || !active.isConnected) {
      (detailSlot.querySelector('h2') || heading).focus();
    }
    return true;
  }

  function renderDetail(focus) {
    const u = st.users.find((x) => x.id === st.selected);
    if (!u) {
      detailSlot.replaceChildren();
      return;
    }
    const hid = 'user-detail-h';
    const name = u.username;
    const grantsList = u.grants.length
      ? h('ul', { class: 'grants' },
        u.grants.map((g) =>
          h('li', {},
            grantNode(g), ' ',
            ctx.isAdmin()
              ? h('button', {
                type: 'button',
                class: 'danger small',
                t: 'revoke_grant',
                'attr:aria-label': ['revoke_grant_label', grantArgs(g)],
                onclick: async () => {
                  if (!(await confirmDialog('confirm_revoke_grant', grantArgs(g, { name }), 'revoke_grant'))) return;
                  const ok = await act(() => api('DELETE', `/api/v1/users/${encodeURIComponent(u.id)}/grants?role=${encodeURIComponent(g.role)}&scope=${encodeURIComponent(g.scope)}`));
                  if (ok) announce('grant_revoked', grantArgs(g));
                },
              })
              : null)))
      : h('p', { t: 'user_no_grants' });

    const parts = [
      h('h2', { id: hid, tabindex: '-1', t: ['user_detail_title', { name }] }),
      h('dl', { class: 'facts' },
        h('dt', { t: 'user_id' }), h('dd', {}, h('code', { class: 'user-id' }, u.id)),
        h('dt', { t: 'col_unit' }), h('dd', {}, unitName(u.unit_id)),
        h('dt', { t: 'col_status' }), h('dd', { t: u.disabled ? 'status_disabled' : 'status_active' }),
        h('dt', { t: 'col_totp' }), h('dd', { t: u.totp_enrolled ? 'totp_on' : 'totp_off' })),
      h('h3', { t: 'user_grants_title' }),
      grantsList,
    ];

    if (ctx.isAdmin()) {
      const role = field({ name: 'role', label: 'role', control: select(ROLES.map((r) => ({ value: r, label: ['role', r] }))) });
      const scope = field({ name: 'scope', label: 'scope', control: select(SCOPES.map((s) => ({ value: s, label: ['scope', s] }))) });
      scope.input.value = 'unit';
      const form = h('form', { class: 'inline-form', novalidate: true, 'aria-labelledby': 'add-grant-h' },
        role.wrap, scope.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', t: 'add_grant_submit' })));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearInvalid(form);
        const g = { role: role.input.value, scope: scope.input.value };
        const ok = await act(() => api('POST', `/api/v1/users/${encodeURIComponent(u.id)}/grants`, g), form);
        if (ok) {
          announce('grant_added', grantArgs(g));
          // One's own grants change what the console shows.
          if (u.id === ctx.session()?.user_id) await ctx.refreshSession().catch(() => false);
        }
      });
      const base = `/api/v1/users/${encodeURIComponent(u.id)}`;
      const toggle = u.disabled
        ? h('button', {
          type: 'button',
          class: 'secondary',
          t: 'enable_user',
          onclick: async () => {
            if (!(await confirmDialog('confirm_enable', { name }, 'enable_user'))) return;
            if (await act(() => api('POST', `${base}/enable`))) announce('user_enabled', { name });
          },
        })
        : h('button', {
          type: 'button',
          class: 'danger',
          t: 'disable_user',
          onclick: async () => {
            if (!(await confirmDialog('confirm_disable', { name }, 'disable_user'))) return;
            if (await act(() => api('POST', `${base}/disable`))) announce('user_disabled', { name });
          },
        });
      const resetPw = h('button', {
        type: 'button',
        class: 'secondary',
        t: 'reset_password',
        onclick: async () => {
          if (!(await confirmDialog('confirm_reset_password', { name }, 'reset_password'))) return;
          let otp = '';
          const ok = await act(async () => {
            const r = await api('POST', `${base}/reset-password`);
            otp = r.one_time_password;
          });
          if (ok) {
            announce('password_reset', { name });
            showSecret({ name }, otp);
          }
        },
      });
      const resetTotp = h('button', {
        type: 'button',
        class: 'secondary',
        t: 'reset_totp',
        onclick: async () => {
          if (!(await confirmDialog('confirm_reset_totp', { name }, 'reset_totp'))) return;
          if (await act(() => api('POST', `${base}/reset-totp`))) announce('totp_reset', { name });
        },
      });
      parts.push(
        h('h3', { id: 'add-grant-h', t: 'add_grant_title' }),
        form,
        h('h3', { t: 'account_actions' }),
        h('div', { class: 'actions' }, toggle, resetPw, resetTotp),
      );
    }
    detailSlot.replaceChildren(h('section', { class: 'card detail', 'aria-labelledby': hid }, ...parts));
    if (focus) detailSlot.querySelector('h2').focus();
  }

  function renderCreate() {
    if (!ctx.isAdmin()) {
      createSlot.replaceChildren();
      return;
    }
    const username = field({ name: 'username', label: 'username', required: true, hint: 'username_hint', attrs: { autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', maxlength: '64' } });
    const unit = field({ name: 'unit_id', label: 'user_unit', required: true, control: select(unitOptions(st.units)) });
    const own = ctx.session()?.unit_id;
    if (own && st.units.some((x) => x.id === own)) unit.input.value = own;
    const rows = ROLES.map((r) => {
      const cbId = `new-user-role-${r}`;
      const cb = h('input', { type: 'checkbox', id: cbId, value: r, 'data-role': r });
      const sc = select(SCOPES.map((s) => ({ value: s, label: ['scope', s] })), { id: `${cbId}-scope`, 'data-scope-for': r });
      sc.value = 'unit';
      return h('div', { class: 'grant-row' },
        h('span', { class: 'check' }, cb, h('label', { for: cbId }, lbl('span', 'role', r))),
        h('label', { for: sc.id, class: 'visually-hidden', t: ['scope_for', { role: { $t: `role_${r}` } }] }),
        sc);
    });
    const grants = h('fieldset', { class: 'grants-set', 'data-field': 'grants', id: 'new-user-grants' },
      h('legend', { t: 'grants_legend' }),
      h('p', { class: 'hint', t: 'grants_hint' }),
      rows);
    const submit = h('button', { type: 'submit', t: 'create_user_submit' });
    const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'create-user-h' },
      h('p', { class: 'hint', t: 'required_hint' }), username.wrap, unit.wrap, grants, h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = username.input.value.trim();
      const problems = [];
      if (!USERNAME.test(name)) problems.push([username.input, name ? 'username_hint' : 'err_required']);
      if (!unit.input.value) problems.push([unit.input, 'err_required']);
      if (problems.length) return showLocalErrors(form, problems);
      clearInvalid(form);
      const chosen = ROLES.filter((r) => form.querySelector(`[data-role="${r}"]`).checked).map((r) => ({
        role: r,
        scope: form.querySelector(`[data-scope-for="${r}"]`).value,
      }));
      submit.disabled = true;
      let created = null;
      try {
        created = await api('POST', '/api/v1/users', { username: name, unit_id: unit.input.value, grants: chosen });
      } catch (err) {
        await ctx.fail(err, form);
        return;
      } finally {
        submit.disabled = false;
      }
      clearMessages();
      announce('user_created', { name: created.user.username });
      form.reset();
      if (own && st.units.some((x) => x.id === own)) unit.input.value = own;
      for (const s of form.querySelectorAll('[data-scope-for]')) s.value = 'unit';
      showSecret({ name: created.user.username }, created.one_time_password);
      st.selected = created.user.id;
      try {
        await reload();
      } catch (err) {
        await ctx.fail(err);
      }
    });
    createSlot.replaceChildren(h('section', { 'aria-labelledby': 'create-user-h' }, h('h2', { id: 'create-user-h', t: 'create_user_title' }), form));
  }

  loadThenDraw(ctx, tableSlot, load, () => {
    renderTable();
    renderCreate();
  });
  return root;
}
