// Search (#/search): one box for a receipt code (BV-XXXXX-XXXXX), a phone number or an account
// name or link. The kind is chosen from what is typed and can be set by hand. The query goes in a
// POST body (never in the address, so a phone number stays out of history and logs); contacts and
// reports found are listed, each contact linking to its detail.

import { api } from './api.js';
import { clearInvalid, clearMessages, field, h, showLocalErrors, uid } from './dom.js';
import { setText, setTime } from './i18n.js';
import { contactsTable, loadTaxonomy, termEl } from './contact.js';

const KINDS = ['auto', 'receipt', 'phone', 'account'];

// What the text most likely is: a receipt code, a phone number, or an account.
export function guessKind(text) {
  const v = text.trim();
  if (/^BV[-\s]?[0-9A-Z]{5}[-\s]?[0-9A-Z]{5}$/i.test(v)) return 'receipt';
  const digits = v.replace(/\D/g, '');
  if (/^[+\d\s().-]+$/.test(v) && digits.length >= 6) return 'phone';
  return 'account';
}

function reportsTable(tax, reports) {
  const rows = document.createDocumentFragment();
  for (const r of reports) {
    rows.append(
      h('tr', { 'data-report-id': r.id },
        h('th', { scope: 'row' }, h('code', {}, r.code)),
        h('td', {}, setTime(h('time'), r.received_at)),
        termEl('td', tax, 'channels', r.channel),
        termEl('td', tax, 'categories', r.category),
        h('td', { t: `report_state_${r.state}` }),
        h('td', {}, r.danger_now ? h('span', { class: 'badge danger', t: 'badge_danger' }) : null,
          r.priority === 'high' ? h('span', { class: 'badge known', t: 'badge_known' }) : null),
        h('td', {}, h('a', { href: `#/contact/new/${encodeURIComponent(r.id)}`, t: 'report_record_contact', 'attr:aria-label': ['report_record_contact_label', { code: r.code }] }))),
    );
  }
  const cap = 'search_reports_caption';
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'attr:aria-label': cap },
    h('table', { class: 'reports' },
      h('caption', { t: cap }),
      h('thead', {}, h('tr', {}, ...['col_report', 'col_received', 'col_channel', 'col_category', 'col_state', 'col_priority', 'col_actions'].map((k) => h('th', { scope: 'col', t: k })))),
      h('tbody', {}, rows)));
}

export function searchView(ctx) {
  const heading = h('h1', { tabindex: '-1', t: 'search_title' });
  const q = field({ name: 'q', label: 'search_label', hint: 'search_hint', required: true, attrs: { type: 'search', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' } });
  const guess = h('p', { class: 'hint', 'aria-live': 'polite' });
  const radios = h('div', { class: 'radios' });
  const legendId = uid('kind-legend');
  const group = h('fieldset', { class: 'kind' }, h('legend', { id: legendId, t: 'search_kind' }), radios);
  group.dataset.field = 'kind';
  const name = uid('kind');
  for (const k of KINDS) {
    const id = uid(`kind-${k}`);
    radios.append(h('div', { class: 'check' },
      h('input', { type: 'radio', id, name, value: k, checked: k === 'auto' }),
      h('label', { for: id, t: `search_kind_${k}` })));
  }
  const submit = h('button', { type: 'submit', t: 'search_submit' });
  const form = h('form', { class: 'card', role: 'search', novalidate: true, 'aria-labelledby': 'search-form-h' },
    h('h2', { id: 'search-form-h', class: 'visually-hidden', t: 'search_title' }),
    q.wrap, guess, group, h('div', { class: 'actions' }, submit));
  const results = h('div', { class: 'search-results', 'aria-busy': 'false' });
  const root = h('div', { class: 'screen' }, heading, h('p', { t: 'search_intro' }), form, results);

  const chosenKind = () => {
    const picked = form.querySelector(`input[name="${name}"]:checked`).value;
    return picked === 'auto' ? guessKind(q.input.value) : picked;
  };
  const showGuess = () => {
    if (!q.input.value.trim()) {
      guess.replaceChildren();
      return;
    }
    setText(guess, 'search_will_use', { kind: { $t: `search_kind_${chosenKind()}` } });
  };
  q.input.addEventListener('input', showGuess);
  radios.addEventListener('change', showGuess);

  let seq = 0;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearInvalid(form);
    clearMessages();
    const text = q.input.value.trim();
    if (!text) return showLocalErrors(form, [[q.input, 'err_required']]);
    const kind = chosenKind();
    const body = { [kind]: text };
    seq += 1;
    const mine = seq;
    submit.disabled = true;
    results.setAttribute('aria-busy', 'true');
    let tax;
    let r;
    try {
      [tax, r] = await Promise.all([loadTaxonomy(), api('POST', '/api/v1/contacts/search', body)]);
    } catch (err) {
      submit.disabled = false;
      results.setAttribute('aria-busy', 'false');
      if (mine !== seq) return;
      results.replaceChildren();
      // The server names the body field it refused: that is the search box.
      if (err.fields && err.fields.length) err.fields = ['q'];
      await ctx.fail(err, form);
      return;
    }
    submit.disabled = false;
    if (mine !== seq || !ctx.current()) return;
    const contacts = r.contacts || [];
    const reports = r.reports || [];
    const summary = h('p', { class: 'page-status', tabindex: '-1', t: ['search_found', { contacts: contacts.length, reports: reports.length, kind: { $t: `search_kind_${kind}` } }] });
    results.replaceChildren(
      ...[
        summary,
        reports.length ? reportsTable(tax, reports) : null,
        contacts.length ? contactsTable(tax, contacts, 'search_contacts_caption') : null,
      ].filter(Boolean),
    );
    results.setAttribute('aria-busy', 'false');
    summary.focus();
  });

  return root;
}
