// Units: the tree (nested lists) and the form that creates a unit under a parent.

import { api } from './api.js';
import { announce, clearInvalid, clearMessages, field, h, lbl, loadThenDraw, select, showLocalErrors } from './dom.js';
import { UNIT_KINDS } from './i18n.js';
import { unitOptions } from './users.js';

function tree(units) {
  const ids = new Set(units.map((u) => u.id));
  const byParent = new Map();
  for (const u of units) {
    const p = u.parent_id && ids.has(u.parent_id) ? u.parent_id : '';
    if (!byParent.has(p)) byParent.set(p, []);
    byParent.get(p).push(u);
  }
  for (const list of byParent.values()) list.sort((a, b) => a.name.localeCompare(b.name));
  const build = (parent) => {
    const kids = byParent.get(parent) || [];
    if (!kids.length) return null;
    return h('ul', { class: parent ? 'tree' : 'tree root' },
      kids.map((u) =>
        h('li', { 'data-unit-id': u.id },
          h('span', { class: 'unit-name' }, u.name), ' ',
          h('span', { class: 'unit-kind' }, '(', lbl('span', 'kind', u.kind), ')'), ' ',
          h('span', { class: 'unit-id', t: ['unit_id_label', { id: u.id }] }),
          build(u.id))));
  };
  return build('');
}

export function unitsView(ctx) {
  const st = { units: [] };
  const heading = h('h1', { tabindex: '-1', t: 'units_title' });
  const treeSlot = h('div', {}, h('p', { t: 'loading' }));
  const createSlot = h('div', {});
  const root = h('div', { class: 'screen' }, heading,
    h('section', { 'aria-labelledby': 'units-tree-h', class: 'card' }, h('h2', { id: 'units-tree-h', t: 'units_tree_title' }), treeSlot),
    createSlot);

  async function load() {
    const r = await api('GET', '/api/v1/units');
    st.units = r.units;
  }

  function renderTree() {
    treeSlot.replaceChildren(st.units.length ? tree(st.units) : h('p', { t: 'units_empty' }));
  }

  function renderCreate() {
    if (!ctx.isAdmin()) {
      createSlot.replaceChildren();
      return;
    }
    const name = field({ name: 'name', label: 'unit_name', required: true, attrs: { maxlength: '200', autocomplete: 'off' } });
    const kind = field({ name: 'kind', label: 'unit_kind', required: true, control: select(UNIT_KINDS.map((k) => ({ value: k, label: ['kind', k] }))) });
    kind.input.value = 'provincial_department';
    const parent = field({
      name: 'parent_id',
      label: 'unit_parent',
      control: select([...unitOptions(st.units), { value: '', key: 'unit_no_parent' }]),
    });
    const submit = h('button', { type: 'submit', t: 'create_unit_submit' });
    const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'create-unit-h' },
      h('p', { class: 'hint', t: 'required_hint' }), name.wrap, kind.wrap, parent.wrap, h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const n = name.input.value.trim();
      if (!n) return showLocalErrors(form, [[name.input, 'err_required']]);
      clearInvalid(form);
      submit.disabled = true;
      let created;
      try {
        created = await api('POST', '/api/v1/units', { name: n, kind: kind.input.value, parent_id: parent.input.value });
      } catch (err) {
        await ctx.fail(err, form);
        return;
      } finally {
        submit.disabled = false;
      }
      clearMessages();
      try {
        await load();
      } catch (err) {
        await ctx.fail(err);
        return;
      }
      if (!ctx.current()) return;
      renderTree();
      renderCreate();
      announce('unit_created', { name: created.name });
      createSlot.querySelector('input').focus();
    });
    createSlot.replaceChildren(h('section', { 'aria-labelledby': 'create-unit-h' }, h('h2', { id: 'create-unit-h', t: 'create_unit_title' }), form));
  }

  loadThenDraw(ctx, treeSlot, load, () => {
    renderTree();
    renderCreate();
  });
  return root;
}
