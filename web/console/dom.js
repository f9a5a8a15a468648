// Small DOM helpers: element building, labelled form fields, error and status messages, the
// one-time secret box and the confirmation dialog. Text always goes in through textContent (never
// HTML), and nothing sets a style attribute (the Content-Security-Policy forbids inline styles).

import { setAttrText, setLabel, setText, t } from './i18n.js';

// h('tag', {props}, ...children). Props: class, text (plain text), t (string key or [key, args]),
// on<event> (listener), attribute name -> value (true: present, false/null: absent), and
// 'attr:NAME' -> string key (or [key, args]) for a translated attribute.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 't') {
      if (Array.isArray(v)) setText(el, v[0], v[1]);
      else setText(el, v);
    } else if (k.startsWith('attr:')) {
      if (Array.isArray(v)) setAttrText(el, k.slice(5), v[0], v[1]);
      else setAttrText(el, k.slice(5), v);
    } else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'style') throw new Error('inline styles are not allowed');
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// An element showing an enumerated value's translated label.
export function lbl(tag, prefix, value, props) {
  return setLabel(h(tag, props), prefix, value);
}

let nextId = 0;
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

// A labelled form control. opts: name (the JSON field name, for server errors), label (string
// key) or labelArgs, type, required, hint (string key), control (an existing <select> or
// <textarea>), attrs (more attributes). Returns {wrap, input}.
export function field(opts) {
  const id = uid(`f-${opts.name}`);
  const input =
    opts.control ||
    h('input', {
      type: opts.type || 'text',
      ...(opts.attrs || {}),
    });
  input.id = id;
  input.name = opts.name;
  input.dataset.field = opts.name;
  if (opts.required) input.required = true;
  // The required mark is drawn by CSS (label.required::after) and kept out of the accessible
  // name; the control's `required` attribute says it to assistive technology.
  const lab = h('label', { for: id, class: opts.required ? 'required' : null }, h('span', { t: opts.labelArgs ? [opts.label, opts.labelArgs] : opts.label }));
  const wrap = h('div', { class: 'field' }, lab);
  if (opts.hint) {
    const hint = h('p', { class: 'hint', id: `${id}-hint`, t: opts.hint });
    input.setAttribute('aria-describedby', hint.id);
    input.dataset.hint = hint.id;
    wrap.append(hint);
  }
  wrap.append(input);
  return { wrap, input };
}

// A <select> with options [{value, key} | {value, label: [prefix, value]} | {value, text}].
export function select(options, props) {
  const s = h('select', props);
  for (const o of options) s.append(option(o));
  return s;
}

export function option(o) {
  const el = h('option', { value: o.value });
  if (o.key) setText(el, o.key, o.args);
  else if (o.label) setLabel(el, o.label[0], o.label[1]);
  else el.textContent = o.text;
  return el;
}

// ---- messages ----

function errorsRegion() {
  return document.getElementById('errors');
}
function statusRegion() {
  return document.getElementById('status');
}

// A polite announcement (success, progress).
export function announce(key, args) {
  const r = statusRegion();
  r.replaceChildren(h('p', { t: [key, args] }));
}

export function clearMessages() {
  errorsRegion().replaceChildren();
  statusRegion().replaceChildren();
}

// Removes every invalid mark under root.
export function clearInvalid(root) {
  for (const el of root.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const hint = el.dataset.hint;
    if (hint) el.setAttribute('aria-describedby', hint);
    else el.removeAttribute('aria-describedby');
  }
  for (const el of root.querySelectorAll('.field-error')) el.remove();
}

// Marks a control (or every control of a group) invalid with a message that it describes.
export function markInvalid(el, key, args) {
  const group = el.tagName === 'FIELDSET';
  const anchor = group ? el.querySelector('legend') : el;
  const errId = `${el.id || uid('grp')}-err`;
  if (!el.id) el.id = errId.slice(0, -4);
  let msg = document.getElementById(errId);
  if (!msg) {
    msg = h('p', { class: 'field-error', id: errId });
    anchor.after(msg);
  }
  setText(msg, key, args);
  const controls = group ? Array.from(el.querySelectorAll('input, select, textarea')) : [el];
  for (const c of controls) {
    c.setAttribute('aria-invalid', 'true');
    const ids = [c.dataset.hint, errId].filter(Boolean);
    c.setAttribute('aria-describedby', ids.join(' '));
  }
  return controls[0];
}

// The control of a form that a server field name ("grants[0].role", "unit_id") designates.
function controlFor(form, name) {
  const candidates = [name, name.split(/[.[]/)[0]];
  for (const c of candidates) {
    const el = form.querySelector(`[data-field="${CSS.escape(c)}"]`);
    if (el) return el;
  }
  return null;
}

// The label text of a control, for the error summary.
function labelOf(el) {
  if (el.tagName === 'FIELDSET') return el.querySelector('legend')?.textContent || '';
  const l = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"] span`) : null;
  return l ? l.textContent : el.name || '';
}

// Shows an error in the alert region; marks the fields it names in `form` invalid and moves focus
// to the first. `overrideKey` replaces the message chosen from the error code.
export function showError(err, form, overrideKey) {
  const region = errorsRegion();
  statusRegion().replaceChildren();
  const box = h('div', { class: 'error-box' });
  let key = overrideKey;
  if (!key) {
    if (err.status === 0) key = 'err_network';
    else if (err.code && t(`err_${err.code}`) !== `err_${err.code}`) key = `err_${err.code}`;
    else key = 'err_unknown';
  }
  box.append(h('p', { class: 'error-main', t: [key, { status: err.status }] }));
  let first = null;
  const names = [];
  if (form && err.fields && err.fields.length) {
    clearInvalid(form);
    for (const f of err.fields) {
      const el = controlFor(form, f);
      if (!el) {
        names.push(f);
        continue;
      }
      const c = markInvalid(el, 'err_field_invalid');
      first = first || c;
      names.push(labelOf(el));
    }
  } else if (err.fields && err.fields.length) {
    names.push(...err.fields);
  }
  if (names.length) box.append(h('p', { t: ['err_fields', { fields: [...new Set(names)].join(', ') }] }));
  if (err.serverMessage && !overrideKey) box.append(h('p', { class: 'detail', t: ['err_server_said', { message: err.serverMessage }] }));
  region.replaceChildren(box);
  if (first) first.focus();
}

// A local (client-side) check failed: mark the controls and say so.
export function showLocalErrors(form, problems) {
  clearInvalid(form);
  let first = null;
  const box = h('div', { class: 'error-box' });
  box.append(h('p', { class: 'error-main', t: 'err_validation_failed' }));
  for (const [el, key] of problems) {
    const c = markInvalid(el, key);
    first = first || c;
    box.append(h('p', { t: key }));
  }
  statusRegion().replaceChildren();
  errorsRegion().replaceChildren(box);
  if (first) first.focus();
}

// ---- the one-time secret box ----

// A panel that shows a secret once, with a copy button. opts: title [key, args], value, note (key).
export function secretBox(opts, onClose) {
  const headingId = uid('secret-h');
  const valueId = uid('secret-v');
  const code = h('code', { class: 'secret', id: valueId, 'data-secret': '' }, opts.value);
  const copyBtn = h('button', {
    type: 'button',
    class: 'secondary',
    't': 'copy',
    'aria-describedby': headingId,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(opts.value);
        announce('copied');
      } catch {
        const sel = window.getSelection();
        const range = document.createRange();
        range.selectNodeContents(code);
        sel.removeAllRanges();
        sel.addRange(range);
        announce('copy_failed');
      }
    },
  });
  const box = h(
    'section',
    { class: 'secret-box', 'aria-labelledby': headingId },
    h('h2', { id: headingId, tabindex: '-1', t: opts.title }),
    h('p', { class: 'secret-line' }, code, ' ', copyBtn),
    h('p', { class: 'warning', t: 'shown_once' }),
    opts.note ? h('p', { t: opts.note }) : null,
    h('button', {
      type: 'button',
      class: 'secondary',
      t: 'close',
      onclick: () => {
        box.remove();
        if (onClose) onClose();
      },
    }),
  );
  return box;
}

// ---- confirmation ----

// Asks in a modal <dialog>; resolves true when confirmed.
export function confirmDialog(key, args, confirmKey) {
  return new Promise((resolve) => {
    const titleId = uid('dlg-h');
    const msgId = uid('dlg-m');
    const opener = document.activeElement;
    let answered = false;
    const dialog = h('dialog', { 'aria-labelledby': titleId, 'aria-describedby': msgId, class: 'confirm' });
    const finish = (v) => {
      if (answered) return;
      answered = true;
      dialog.close();
      dialog.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(v);
    };
    dialog.append(
      h('h2', { id: titleId, t: 'confirm' }),
      h('p', { id: msgId, t: [key, args] }),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', t: 'cancel', onclick: () => finish(false) }),
        h('button', { type: 'button', class: 'danger', t: confirmKey || 'confirm', onclick: () => finish(true) }),
      ),
    );
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// The visible name of a role/scope pair, kept translatable: use as args {role:{$t}, scope:{$t}}.
export function grantArgs(g, extra) {
  return { role: { $t: `role_${g.role}` }, scope: { $t: `scope_${g.scope}` }, ...(extra || {}) };
}

// Loads a section's data, then draws it. A failure empties `slot` and is reported through the
// section's context; nothing is drawn when the user has left the section meanwhile.
export async function loadThenDraw(ctx, slot, load, draw) {
  try {
    await load();
  } catch (err) {
    if (ctx.current()) {
      slot.replaceChildren();
      await ctx.fail(err);
    }
    return;
  }
  if (!ctx.current()) return;
  draw();
}
