// The counsellor's contact form (#/contact/new, #/contact/new/<report id>) and a contact's detail
// (#/contact/<id>), with what the queue, search and statistics screens share: the taxonomy (loaded
// once), labels of its terms, and a table of contacts.
//
// The form is made for a call in progress: it opens with the channel set to phone and a call timer
// running, every control is reachable by keyboard, categories are picked by typing (without
// diacritics if need be) and the arrow keys, earlier contacts of the same phone number or account
// are shown as soon as they are typed, and Ctrl+Enter saves.

import { api, ApiError } from './api.js';
import { announce, clearInvalid, clearMessages, field, h, markInvalid, option, showLocalErrors, uid } from './dom.js';
import { setPageTitle, setTerm, setText, setTime } from './i18n.js';

// ---- shared: the taxonomy ----

let taxonomyPromise = null;

// The vocabulary of GET /api/v1/taxonomy, fetched once per page load, with a lookup by list and key.
export function loadTaxonomy() {
  if (!taxonomyPromise) {
    taxonomyPromise = api('GET', '/api/v1/taxonomy').then((raw) => {
      const maps = {};
      for (const [name, list] of Object.entries(raw)) {
        if (Array.isArray(list)) maps[name] = new Map(list.map((term) => [term.key, term]));
      }
      return {
        ...raw,
        // The term of `key` in the list `name`; an unknown key stands for itself.
        term(name, key) {
          return (maps[name] && maps[name].get(key)) || { key, label_vi: key, label_en: key };
        },
      };
    });
    taxonomyPromise.catch(() => {
      taxonomyPromise = null;
    });
  }
  return taxonomyPromise;
}

// An element showing a taxonomy term in the current language.
export function termEl(tag, tax, list, key, props) {
  return setTerm(h(tag, props), tax.term(list, key));
}

// Options of a <select> for a taxonomy list, after an optional first option with a string key.
export function termOptions(tax, list, emptyKey) {
  const out = [];
  if (emptyKey) out.push(option({ value: '', key: emptyKey }));
  for (const term of tax[list] || []) out.push(setTerm(h('option', { value: term.key }), term));
  return out;
}

// Seconds as "m:ss" (or "h:mm:ss").
export function formatDuration(total) {
  const s = Math.max(0, Math.floor(total));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

// "m:ss", "h:mm:ss" or a number of minutes, as seconds; null when it is none of these.
export function parseDuration(text) {
  const v = text.trim();
  if (!v) return 0;
  if (/^\d+$/.test(v)) return Number(v) * 60;
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(v);
  if (!m || Number(m[3]) > 59 || (m[1] !== undefined && Number(m[2]) > 59)) return null;
  return Number(m[1] || 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

// An RFC 3339 UTC time without fractions.
export function rfc3339(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The categories of a contact as one line of labels.
function categoriesCell(tax, keys) {
  const td = h('td', {});
  if (!keys || !keys.length) {
    td.append(h('span', { t: 'none_recorded' }));
    return td;
  }
  keys.forEach((k, i) => {
    if (i) td.append('; ');
    td.append(termEl('span', tax, 'categories', k));
  });
  return td;
}

// A table of contacts, each linking to its detail.
export function contactsTable(tax, contacts, captionKey, captionArgs) {
  const rows = document.createDocumentFragment();
  for (const c of contacts) {
    rows.append(
      h('tr', { 'data-contact-id': c.id },
        h('th', { scope: 'row' }, h('a', { href: `#/contact/${encodeURIComponent(c.id)}` }, setTime(h('time'), c.start))),
        termEl('td', tax, 'channels', c.channel),
        categoriesCell(tax, c.categories),
        c.outcome ? termEl('td', tax, 'outcomes', c.outcome) : h('td', { t: 'none_recorded' }),
        h('td', { t: c.indepth ? 'yes' : 'no' }),
        h('td', { class: 'num' }, formatDuration(c.duration_s || 0))),
    );
  }
  const table = h('table', { class: 'contacts' },
    h('caption', { t: [captionKey, captionArgs] }),
    h('thead', {}, h('tr', {}, ...['col_contact_start', 'col_channel', 'col_categories', 'col_outcome', 'col_indepth', 'col_duration'].map((k) => h('th', { scope: 'col', t: k })))),
    h('tbody', {}, rows));
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'attr:aria-label': [captionKey, captionArgs] }, table);
}

// The earlier contacts of a caller: a sentence with their number, then their table.
function repeatsBlock(tax, contacts) {
  if (!contacts.length) return h('p', { class: 'repeat-none', t: 'repeats_none' });
  return h('div', { class: 'repeat-notice' },
    h('p', { class: 'repeat-summary', t: ['repeats_found', { n: contacts.length }] }),
    contactsTable(tax, contacts, 'repeats_caption'));
}

// ---- the section ----

export function contactView(ctx) {
  const [first, second] = ctx.params;
  if (first && first !== 'new') return detailView(ctx, first);
  return formView(ctx, first === 'new' ? second || '' : '');
}

// ---- the form ----

function checkbox(name, labelKey, checked) {
  const id = uid(`f-${name}`);
  const input = h('input', { type: 'checkbox', id, name, checked: !!checked });
  input.dataset.field = name;
  return { wrap: h('div', { class: 'check' }, input, h('label', { for: id, t: labelKey })), input };
}

function formView(ctx, reportId) {
  const root = h('div', { class: 'screen contact-screen' });
  const heading = h('h1', { tabindex: '-1', t: 'contact_new_title' });
  const slot = h('div', {}, h('p', { t: 'loading' }));
  root.append(heading, slot);

  (async () => {
    let tax;
    let report = null;
    try {
      [tax, report] = await Promise.all([
        loadTaxonomy(),
        reportId ? api('GET', `/api/v1/reports/${encodeURIComponent(reportId)}`) : Promise.resolve(null),
      ]);
    } catch (err) {
      if (!ctx.current()) return;
      slot.replaceChildren();
      if (err instanceof ApiError && err.status === 404) {
        slot.append(h('p', { class: 'not-found', t: 'report_not_found' }));
        return;
      }
      await ctx.fail(err);
      return;
    }
    if (!ctx.current()) return;
    slot.replaceChildren(...buildForm(ctx, tax, report));
  })();
  return root;
}

function reportContext(tax, r) {
  const facts = h('dl', { class: 'facts wrap-terms' });
  const fact = (key, value) => {
    if (value === null || value === undefined || value === '') return;
    facts.append(h('dt', { t: key }), value instanceof Node ? h('dd', {}, value) : h('dd', {}, String(value)));
  };
  fact('report_code', h('code', {}, r.code));
  fact('col_received', setTime(h('time'), r.received_at));
  fact('col_channel', termEl('span', tax, 'channels', r.channel));
  fact('report_category', termEl('span', tax, 'categories', r.category));
  if (r.age_band) fact('col_age_band', termEl('span', tax, 'age_bands', r.age_band));
  if (r.province) fact('child_province', termEl('span', tax, 'provinces', r.province));
  if (r.links && r.links.length) fact('report_links', h('ul', { class: 'plain' }, r.links.map((l) => h('li', {}, h('code', {}, l)))));
  if (r.accounts) fact('report_accounts', h('span', { class: 'pre' }, r.accounts));
  if (r.evidence) fact('report_evidence', String(r.evidence.length));
  const badges = h('p', { class: 'badges' });
  if (r.danger_now) badges.append(h('span', { class: 'badge danger', t: 'badge_danger' }));
  if (r.priority === 'high') badges.append(h('span', { class: 'badge known', t: 'badge_known' }));
  return h('section', { class: 'card report-context', 'aria-labelledby': 'report-context-h' },
    h('h2', { id: 'report-context-h', t: ['report_context_title', { code: r.code }] }),
    badges.childNodes.length ? badges : null,
    facts,
    r.description ? h('div', { class: 'report-description' }, h('h3', { t: 'report_description' }), h('p', { class: 'pre' }, r.description)) : null);
}

// The category picker: a combobox whose listbox holds the server's matches for what is typed.
function categoryPicker(ctx, tax, chosen) {
  const listId = uid('cat-list');
  const f = field({
    name: 'categories',
    label: 'categories_label',
    hint: 'categories_hint',
    attrs: {
      role: 'combobox',
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': listId,
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'none',
    },
  });
  const input = f.input;
  const list = h('ul', { id: listId, role: 'listbox', class: 'listbox', hidden: true, 'attr:aria-label': 'categories_matches' });
  const count = h('p', { class: 'visually-hidden', role: 'status' });
  const chips = h('ul', { class: 'chips', 'attr:aria-label': 'categories_chosen' });
  // stale: the text changed since the matches shown were asked for.
  const st = { matches: [], active: -1, seq: 0, timer: 0, enterPending: false, stale: false };

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    st.matches = [];
    st.active = -1;
  }

  function setActive(i) {
    st.active = i;
    for (const [j, li] of Array.from(list.children).entries()) li.setAttribute('aria-selected', j === i ? 'true' : 'false');
    if (i >= 0 && list.children[i]) {
      input.setAttribute('aria-activedescendant', list.children[i].id);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  function renderChips() {
    chips.replaceChildren(
      ...chosen.map((key) => {
        const term = tax.term('categories', key);
        const remove = h('button', { type: 'button', class: 'chip-remove', 'attr:aria-label': ['category_remove', { name: { $term: term } }] }, '×');
        remove.addEventListener('click', () => {
          const i = chosen.indexOf(key);
          if (i >= 0) chosen.splice(i, 1);
          renderChips();
          setText(count, 'category_removed', { name: { $term: term } });
          input.focus();
        });
        return h('li', { class: 'chip', 'data-category': key }, setTerm(h('span'), term), remove);
      }),
    );
    chips.hidden = chosen.length === 0;
  }

  function add(key) {
    if (!chosen.includes(key)) chosen.push(key);
    input.value = '';
    close();
    renderChips();
    setText(count, 'category_added', { name: { $term: tax.term('categories', key) } });
  }

  function show(keys) {
    st.stale = false;
    st.matches = keys.filter((k) => !chosen.includes(k));
    if (!st.matches.length) {
      close();
      setText(count, 'categories_no_match');
      return;
    }
    list.replaceChildren(
      ...st.matches.map((key, i) => {
        const li = h('li', { id: `${listId}-${i}`, role: 'option', 'aria-selected': 'false', 'data-category': key });
        setTerm(li, tax.term('categories', key));
        // mousedown keeps the focus in the text box.
        li.addEventListener('mousedown', (e) => e.preventDefault());
        li.addEventListener('click', () => add(key));
        return li;
      }),
    );
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    setActive(0);
    setText(count, 'categories_count', { n: st.matches.length });
  }

  async function lookup() {
    st.seq += 1;
    const mine = st.seq;
    const q = input.value.trim();
    let r;
    try {
      r = await api('GET', `/api/v1/categories?q=${encodeURIComponent(q)}`);
    } catch (err) {
      if (mine === st.seq) await ctx.fail(err);
      return;
    }
    if (mine !== st.seq || document.activeElement !== input) return;
    show(r.categories.map((c) => c.key));
    // Enter pressed before the matches arrived picks the best one.
    if (st.enterPending) {
      st.enterPending = false;
      if (st.matches.length) add(st.matches[st.active]);
    }
  }

  input.addEventListener('input', () => {
    st.enterPending = false;
    st.stale = true;
    clearTimeout(st.timer);
    st.timer = setTimeout(lookup, 120);
  });
  input.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const open = !list.hidden && st.matches.length > 0;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) lookup();
      else setActive((st.active + 1) % st.matches.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (open) setActive((st.active - 1 + st.matches.length) % st.matches.length);
    } else if (e.key === 'Enter') {
      // Enter picks the highlighted category; it never submits the form.
      e.preventDefault();
      if (open && !st.stale && st.active >= 0) add(st.matches[st.active]);
      else if (input.value.trim()) {
        st.enterPending = true;
        clearTimeout(st.timer);
        lookup();
      }
    } else if (e.key === 'Escape') {
      if (open) {
        e.preventDefault();
        close();
      } else if (input.value) {
        e.preventDefault();
        input.value = '';
      }
    } else if (e.key === 'Tab') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== input) close();
  }, 0));

  renderChips();
  f.wrap.classList.add('combo');
  f.wrap.append(list, count, chips);
  return { wrap: f.wrap, input, renderChips };
}

function buildForm(ctx, tax, report) {
  const st = {
    start: new Date(),
    durationEdited: false,
    categories: [],
    timer: 0,
    saved: false,
    repeatsSeq: 0,
    lastCaller: '',
  };

  // -- the call --
  const channel = field({ name: 'channel', label: 'col_channel', required: true, control: h('select', {}, ...termOptions(tax, 'channels')) });
  const startTime = setTime(h('time'), rfc3339(st.start));
  const clock = h('span', { class: 'call-clock' }, '0:00');
  const stopTimer = h('button', { type: 'button', class: 'secondary small', t: 'timer_stop' });
  const timerLine = h('div', { class: 'timer-line' },
    h('p', {}, h('span', { t: 'call_started' }), ' ', startTime, ' · ', h('span', { t: 'call_elapsed' }), ' ', clock), stopTimer);
  const duration = field({ name: 'duration_s', label: 'duration_label', hint: 'duration_hint', attrs: { inputmode: 'numeric', autocomplete: 'off', class: 'short', value: '0:00' } });
  const recorded = checkbox('recorded', 'recorded_label', true);

  // -- the child --
  const ageBand = field({ name: 'child.age_band', label: 'col_age_band', control: h('select', {}, ...termOptions(tax, 'age_bands', 'not_recorded')) });
  const gender = field({ name: 'child.gender', label: 'child_gender', control: h('select', {}, ...termOptions(tax, 'genders', 'not_recorded')) });
  const province = field({ name: 'child.province', label: 'child_province', control: h('select', {}, ...termOptions(tax, 'provinces', 'not_recorded')) });

  // -- classification --
  const picker = categoryPicker(ctx, tax, st.categories);
  const indepth = checkbox('indepth', 'indepth_label', false);
  const outcome = field({ name: 'outcome', label: 'col_outcome', control: h('select', {}, ...termOptions(tax, 'outcomes', 'outcome_none')) });
  const clips = field({ name: 'clip_notices', label: 'clip_notices_label', hint: 'clip_notices_hint', type: 'number', attrs: { min: '0', step: '1', value: '0', class: 'short', inputmode: 'numeric' } });
  const notes = field({ name: 'notes', label: 'notes_label', hint: 'notes_hint', control: h('textarea', { rows: '5' }) });

  // -- the caller --
  const phone = field({ name: 'caller_phone', label: 'caller_phone_label', hint: 'caller_phone_hint', type: 'tel', attrs: { autocomplete: 'off', inputmode: 'tel' } });
  const accounts = field({ name: 'accounts', label: 'accounts_label', hint: 'accounts_hint', control: h('textarea', { rows: '3', spellcheck: 'false', autocapitalize: 'none' }) });
  const repeats = h('div', { class: 'repeats', 'aria-live': 'polite' });

  const save = h('button', { type: 'submit', t: 'contact_save' });
  const form = h('form', { class: 'contact-form', novalidate: true, 'aria-labelledby': 'contact-form-h' },
    h('h2', { id: 'contact-form-h', class: 'visually-hidden', t: 'contact_form_label' }),
    h('p', { class: 'hint', t: 'contact_keyboard_hint' }),
    h('fieldset', { class: 'card' }, h('legend', { t: 'legend_call' }), timerLine, channel.wrap, duration.wrap, recorded.wrap),
    h('fieldset', { class: 'card' }, h('legend', { t: 'legend_child' }), h('div', { class: 'grid3' }, ageBand.wrap, gender.wrap, province.wrap)),
    h('fieldset', { class: 'card' }, h('legend', { t: 'legend_classification' }), picker.wrap, indepth.wrap, outcome.wrap, clips.wrap, notes.wrap),
    h('fieldset', { class: 'card' }, h('legend', { t: 'legend_caller' }), phone.wrap, accounts.wrap, repeats),
    h('div', { class: 'actions' }, save, h('span', { class: 'hint', t: 'contact_save_hint' })));

  // Prefilled from the report being answered.
  const reportIds = [];
  if (report) {
    reportIds.push(report.id);
    if ((tax.channels || []).some((c) => c.key === report.channel)) channel.input.value = report.channel;
    if (report.category && report.category !== 'other' && (tax.categories || []).some((c) => c.key === report.category)) st.categories.push(report.category);
    if (report.age_band) ageBand.input.value = report.age_band;
    if (report.province) province.input.value = report.province;
    const acc = [...(report.links || [])];
    if (report.accounts) acc.push(...report.accounts.split(/\r?\n/).map((a) => a.trim()).filter(Boolean));
    accounts.input.value = acc.join('\n');
    if (report.contact && report.contact.phone) phone.input.value = report.contact.phone;
    picker.renderChips();
  } else {
    channel.input.value = (tax.channels || []).some((c) => c.key === 'phone') ? 'phone' : channel.input.value;
  }

  // -- the call timer: fills the duration until the counsellor edits it --
  const tick = () => {
    if (!ctx.current() || !form.isConnected) {
      clearInterval(st.timer);
      return;
    }
    const s = (Date.now() - st.start.getTime()) / 1000;
    clock.textContent = formatDuration(s);
    if (!st.durationEdited) duration.input.value = formatDuration(s);
  };
  st.timer = setInterval(tick, 1000);
  const stop = () => {
    tick();
    clearInterval(st.timer);
    st.timer = 0;
    stopTimer.disabled = true;
    setText(stopTimer, 'timer_stopped');
  };
  stopTimer.addEventListener('click', stop);
  duration.input.addEventListener('input', () => {
    st.durationEdited = true;
  });
  outcome.input.addEventListener('change', () => {
    if (outcome.input.value === 'indepth_counselling') indepth.input.checked = true;
  });

  // -- repeat contacts, as soon as the phone number or an account is typed --
  const accountList = () => accounts.input.value.split(/\r?\n/).map((a) => a.trim()).filter(Boolean);
  async function checkRepeats() {
    const body = { caller_phone: phone.input.value.trim(), accounts: accountList() };
    const key = JSON.stringify(body);
    if (key === st.lastCaller) return;
    st.lastCaller = key;
    clearInvalid(phone.wrap);
    clearInvalid(accounts.wrap);
    st.repeatsSeq += 1;
    const mine = st.repeatsSeq;
    if (!body.caller_phone && !body.accounts.length) {
      repeats.replaceChildren();
      return;
    }
    let r;
    try {
      r = await api('POST', '/api/v1/contacts/repeats', body);
    } catch (err) {
      if (mine !== st.repeatsSeq || !ctx.current()) return;
      repeats.replaceChildren();
      if (err instanceof ApiError && err.status === 400 && err.fields.length) {
        for (const f of err.fields) {
          const el = f.startsWith('caller_phone') ? phone.input : f.startsWith('accounts') ? accounts.input : null;
          if (el) markInvalid(el, f.startsWith('caller_phone') ? 'err_phone_invalid' : 'err_account_invalid');
        }
        st.lastCaller = '';
        return;
      }
      await ctx.fail(err);
      return;
    }
    if (mine !== st.repeatsSeq || !ctx.current()) return;
    repeats.replaceChildren(repeatsBlock(tax, r.contacts || []));
  }
  phone.input.addEventListener('change', checkRepeats);
  accounts.input.addEventListener('change', checkRepeats);

  // -- keyboard: Enter in a one-line box never saves by accident; Ctrl+Enter saves --
  form.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      form.requestSubmit();
      return;
    }
    if (e.target.tagName === 'INPUT' && e.target.type !== 'checkbox' && e.target.type !== 'submit') e.preventDefault();
  });

  const resultSlot = h('div', { class: 'contact-result' });

  function body() {
    if (st.timer) tick();
    const problems = [];
    const dur = parseDuration(duration.input.value);
    if (dur === null) problems.push([duration.input, 'err_duration_format']);
    const clipCount = clips.input.value.trim() === '' ? 0 : Number(clips.input.value);
    if (!Number.isInteger(clipCount) || clipCount < 0) problems.push([clips.input, 'err_clip_notices']);
    if (outcome.input.value === 'indepth_counselling' && !indepth.input.checked) problems.push([indepth.input, 'err_indepth_flag']);
    if (problems.length) {
      showLocalErrors(form, problems);
      return null;
    }
    const b = {
      channel: channel.input.value,
      start: rfc3339(st.start),
      duration_s: dur,
      recorded: recorded.input.checked,
    };
    if (recorded.input.checked) {
      b.child = { age_band: ageBand.input.value, gender: gender.input.value, province: province.input.value };
      b.categories = [...st.categories];
      b.indepth = indepth.input.checked;
      b.clip_notices = clipCount;
      if (notes.input.value.trim()) b.notes = notes.input.value;
      if (phone.input.value.trim()) b.caller_phone = phone.input.value.trim();
      const acc = accountList();
      if (acc.length) b.accounts = acc;
      if (reportIds.length) b.report_ids = reportIds;
    }
    b.outcome = outcome.input.value;
    return b;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (st.saved) return;
    clearInvalid(form);
    clearMessages();
    const b = body();
    if (!b) return;
    save.disabled = true;
    let r;
    try {
      r = await api('POST', '/api/v1/contacts', b);
    } catch (err) {
      save.disabled = false;
      await ctx.fail(err, form);
      return;
    }
    if (!ctx.current()) return;
    st.saved = true;
    clearInterval(st.timer);
    for (const el of form.elements) el.disabled = true;
    showSaved(ctx, tax, r, resultSlot);
  });

  return [report ? reportContext(tax, report) : null, form, resultSlot].filter(Boolean);
}

// After saving: the new contact's id, its repeats, and where to go next.
function showSaved(ctx, tax, r, slot) {
  const c = r.contact;
  announce('contact_saved', { id: c.id });
  const next = h('button', { type: 'button', t: 'next_in_queue' });
  next.addEventListener('click', async () => {
    next.disabled = true;
    try {
      const q = await api('GET', '/api/v1/queue?limit=100&offset=0');
      const item = (q.items || []).find((i) => !i.owner_id || i.mine);
      if (!item) {
        window.location.hash = '#/queue';
        return;
      }
      await api('POST', `/api/v1/queue/${encodeURIComponent(item.report_id)}/claim`);
      window.location.hash = `#/contact/new/${encodeURIComponent(item.report_id)}`;
    } catch (err) {
      next.disabled = false;
      await ctx.fail(err, null, err instanceof ApiError && err.status === 409 ? 'queue_taken' : undefined);
    }
  });
  const another = h('button', { type: 'button', class: 'secondary', t: 'contact_new_another' });
  another.addEventListener('click', () => {
    if (window.location.hash === '#/contact/new') ctx.reload();
    else window.location.hash = '#/contact/new';
  });
  const headingId = uid('saved-h');
  slot.replaceChildren(
    h('section', { class: 'card saved', 'aria-labelledby': headingId },
      h('h2', { id: headingId, tabindex: '-1', t: 'contact_saved_title' }),
      h('p', {}, h('span', { t: 'contact_id' }), ' ', h('code', { class: 'contact-id' }, c.id), ' · ',
        h('a', { href: `#/contact/${encodeURIComponent(c.id)}`, t: 'contact_open' })),
      repeatsBlock(tax, r.repeats || []),
      h('div', { class: 'actions' }, next, another)),
  );
  slot.querySelector('h2').focus();
}

// ---- a contact's detail ----

function detailView(ctx, id) {
  const heading = h('h1', { tabindex: '-1', t: 'contact_detail_title' });
  const slot = h('div', { 'aria-busy': 'true' }, h('p', { t: 'loading' }));
  const root = h('div', { class: 'screen' }, heading, slot);

  (async () => {
    let tax;
    let c;
    let rep;
    try {
      [tax, c] = await Promise.all([loadTaxonomy(), api('GET', `/api/v1/contacts/${encodeURIComponent(id)}`)]);
      rep = await api('GET', `/api/v1/contacts/${encodeURIComponent(id)}/repeats`);
    } catch (err) {
      if (!ctx.current()) return;
      slot.setAttribute('aria-busy', 'false');
      if (err instanceof ApiError && err.status === 404) {
        setText(heading, 'contact_not_found_title');
        setPageTitle('contact_not_found_title');
        slot.replaceChildren(h('p', { class: 'not-found', t: 'contact_not_found' }), h('p', {}, h('a', { href: '#/search', t: 'go_search' })));
        return;
      }
      slot.replaceChildren();
      await ctx.fail(err);
      return;
    }
    if (!ctx.current()) return;
    setPageTitle('contact_detail_title');
    const facts = h('dl', { class: 'facts wrap-terms' });
    const fact = (key, ...value) => facts.append(h('dt', { t: key }), h('dd', {}, ...value));
    fact('contact_id', h('code', {}, c.id));
    fact('col_contact_start', setTime(h('time'), c.start));
    fact('col_channel', termEl('span', tax, 'channels', c.channel));
    fact('col_duration', formatDuration(c.duration_s || 0));
    fact('recorded_label', h('span', { t: c.recorded ? 'yes' : 'no' }));
    const child = c.child || {};
    fact('col_age_band', child.age_band ? termEl('span', tax, 'age_bands', child.age_band) : h('span', { t: 'none_recorded' }));
    fact('child_gender', child.gender ? termEl('span', tax, 'genders', child.gender) : h('span', { t: 'none_recorded' }));
    fact('child_province', child.province ? termEl('span', tax, 'provinces', child.province) : h('span', { t: 'none_recorded' }));
    fact('col_categories', ...(c.categories && c.categories.length
      ? [h('ul', { class: 'plain' }, c.categories.map((k) => termEl('li', tax, 'categories', k)))]
      : [h('span', { t: 'none_recorded' })]));
    fact('indepth_label', h('span', { t: c.indepth ? 'yes' : 'no' }));
    fact('col_outcome', c.outcome ? termEl('span', tax, 'outcomes', c.outcome) : h('span', { t: 'none_recorded' }));
    fact('clip_notices_label', String(c.clip_notices || 0));
    fact('linked_reports', ...(c.report_ids && c.report_ids.length ? [h('ul', { class: 'plain' }, c.report_ids.map((r) => h('li', {}, h('code', {}, r))))] : [h('span', { t: 'none_recorded' })]));
    fact('caller_phone_kept', h('span', { t: c.has_caller_phone ? 'yes' : 'no' }));
    fact('contact_created', setTime(h('time'), c.created));
    const notes = c.notes
      ? h('p', { class: 'pre notes' }, c.notes)
      : h('p', { t: 'none_recorded' });
    slot.replaceChildren(
      h('section', { class: 'card', 'aria-labelledby': 'contact-facts-h' }, h('h2', { id: 'contact-facts-h', t: 'contact_facts' }), facts),
      h('section', { class: 'card', 'aria-labelledby': 'contact-notes-h' }, h('h2', { id: 'contact-notes-h', t: 'notes_label' }), notes),
      h('section', { class: 'card', 'aria-labelledby': 'contact-repeats-h' }, h('h2', { id: 'contact-repeats-h', t: 'repeats_title' }), repeatsBlock(tax, rep.contacts || [])),
    );
    slot.setAttribute('aria-busy', 'false');
  })();
  return root;
}

