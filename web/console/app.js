// The staff console: login, the first-login steps (own password, TOTP enrolment), the hotline's
// sections (queue, contact form, search, statistics) and the administration sections. Plain ES
// modules, no build step; served by `baove serve` at /console/.

import { api, ApiError, setCsrf } from './api.js';
import { contactView } from './contact.js';
import {
  announce,
  clearInvalid,
  clearMessages,
  field,
  h,
  showError,
  showLocalErrors,
} from './dom.js';
import { prefetchQueue, queueView } from './queue.js';
import { lang, setLang, setPageTitle, setText, storedLang, t } from './i18n.js';

// In this order: a user lands on the first section one of their roles may open, so counsellors
// start at the queue and statisticians at the statistics. `nav` (default: roles) are the roles
// that see the section in the navigation.
//
// The queue and the contact form come with the console (a counsellor's first screen); the other
// sections' modules are fetched when first opened (`load`), so the queue's first paint does not
// wait for their code.
const SECTIONS = [
  { id: 'queue', key: 'section_queue', roles: ['counsellor', 'supervisor'], view: queueView },
  { id: 'contact', key: 'section_contact', roles: ['counsellor', 'supervisor'], nav: ['counsellor'], view: contactView },
  { id: 'search', key: 'section_search', roles: ['counsellor', 'supervisor'], load: () => import('./search.js').then((m) => m.searchView) },
  { id: 'stats', key: 'section_stats', roles: ['statistician', 'supervisor'], load: () => import('./stats.js').then((m) => m.statsView) },
  { id: 'users', key: 'section_users', roles: ['administrator', 'security_officer'], load: () => import('./users.js').then((m) => m.usersView) },
  { id: 'units', key: 'section_units', roles: ['administrator', 'security_officer'], load: () => import('./units.js').then((m) => m.unitsView) },
  { id: 'keys', key: 'section_keys', roles: ['administrator', 'security_officer'], load: () => import('./keys.js').then((m) => m.keysView) },
  { id: 'audit', key: 'section_audit', roles: ['security_officer'], load: () => import('./audit.js').then((m) => m.auditView) },
];

const state = {
  session: null, // the Session JSON, or null when logged out
  renderToken: 0, // guards against a slow view finishing after another one started
};

const $ = (id) => document.getElementById(id);

function viewRoot() {
  return $('view');
}

// Puts a new view in place and moves focus to its heading (not on the first paint, so that the
// skip link stays the first thing a keyboard reaches).
function show(node, { focus = true, title = '' } = {}) {
  viewRoot().replaceChildren(node);
  setPageTitle(title);
  if (focus) {
    const heading = node.querySelector('h1');
    if (heading) heading.focus();
  }
}

function sessionArrived(session) {
  state.session = session;
  setCsrf(session.csrf_token);
  const who = $('whoami');
  setText(who, 'signed_in_as', { name: session.username });
  who.hidden = false;
  $('logout').hidden = false;
}

function sessionGone() {
  state.session = null;
  setCsrf('');
  $('whoami').hidden = true;
  $('logout').hidden = true;
  $('nav').hidden = true;
}

// The context handed to each section view. params: the parts of the address after the section
// ("#/contact/new/ID" gives ['new', 'ID']).
function context(token) {
  return {
    session: () => state.session,
    isAdmin: () => hasRole('administrator'),
    hasRole,
    params: currentParams(),
    current: () => token === state.renderToken,
    // Draws the current section again (the address did not change).
    reload: () => {
      if (token === state.renderToken) {
        clearMessages();
        route();
      }
    },
    fail,
    // Re-reads the session (one's own grants changed) and redraws the navigation to match.
    refreshSession: async () => {
      const alive = await refreshSession();
      if (!alive) loginScreen('session_ended');
      else if (token === state.renderToken) renderNav(currentSectionId());
      return alive;
    },
  };
}

function hasRole(role) {
  return !!state.session && state.session.grants.some((g) => g.role === role);
}

// Re-reads the session (grants may have changed). Returns false when it has ended.
async function refreshSession() {
  try {
    const s = await api('GET', '/api/v1/session');
    sessionArrived(s);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      sessionGone();
      return false;
    }
    throw err;
  }
}

// The one error handler of every call after login. A 401 means the session may have ended:
// when the session is indeed gone, back to the login screen; otherwise (a 401 that is about the
// request itself, such as a wrong current password) the error is shown.
async function fail(err, form, overrideKey) {
  if (err instanceof ApiError && err.status === 401) {
    let alive = false;
    try {
      alive = await refreshSession();
    } catch {
      alive = false;
    }
    if (!alive) {
      sessionGone();
      loginScreen('session_ended');
      return;
    }
  }
  showError(err instanceof ApiError ? err : new ApiError(0, 'network'), form, overrideKey);
}

// Where a session goes next: the first-login steps, then the console.
function route({ focus = true } = {}) {
  const s = state.session;
  if (!s) return loginScreen(undefined, { focus });
  $('nav').hidden = true;
  if (s.must_change_password) return passwordScreen({ focus });
  if (s.must_enrol_totp) return totpScreen({ focus });
  return consoleScreen({ focus });
}

// ---- login ----

function loginScreen(messageKey, { focus = true } = {}) {
  state.renderToken += 1;
  sessionGone();
  clearMessages();
  if (messageKey) announce(messageKey);
  const user = field({ name: 'username', label: 'username', required: true, attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' } });
  const pass = field({ name: 'password', label: 'password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } });
  const code = field({
    name: 'totp_code',
    label: 'totp_code',
    hint: 'totp_code_hint',
    attrs: { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]{6}', class: 'short' },
  });
  const submit = h('button', { type: 'submit', t: 'login_submit' });
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'login-h' }, user.wrap, pass.wrap, code.wrap, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearInvalid(form);
    clearMessages();
    const problems = [];
    if (!user.input.value.trim()) problems.push([user.input, 'err_required']);
    if (!pass.input.value) problems.push([pass.input, 'err_required']);
    const c = code.input.value.replace(/\s+/g, '');
    if (c && !/^[0-9]{6}$/.test(c)) problems.push([code.input, 'err_code_format']);
    if (problems.length) return showLocalErrors(form, problems);
    const body = { username: user.input.value.trim(), password: pass.input.value };
    if (c) body.totp_code = c;
    submit.disabled = true;
    try {
      const s = await api('POST', '/api/v1/session', body);
      clearMessages();
      sessionArrived(s);
      route();
    } catch (err) {
      pass.input.value = '';
      code.input.value = '';
      // One message for every failed login: it never says which part was wrong.
      const generic = err.status === 401 || err.code === 'unauthenticated';
      showError(err, generic ? null : form, generic ? 'err_login_failed' : undefined);
    } finally {
      submit.disabled = false;
    }
  });
  show(
    h('section', { class: 'screen', 'aria-labelledby': 'login-h' },
      h('h1', { id: 'login-h', tabindex: '-1', t: 'login_title' }),
      h('p', { t: 'login_intro' }),
      form),
    { focus, title: 'login_title' },
  );
}

// ---- first login: own password ----

function passwordScreen({ focus = true } = {}) {
  state.renderToken += 1;
  const oldPw = field({ name: 'old_password', label: 'current_password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } });
  const newPw = field({ name: 'new_password', label: 'new_password', type: 'password', required: true, hint: 'new_password_hint', attrs: { autocomplete: 'new-password', minlength: '12' } });
  const again = field({ name: 'confirm_password', label: 'confirm_password', type: 'password', required: true, attrs: { autocomplete: 'new-password' } });
  const submit = h('button', { type: 'submit', t: 'change_password_submit' });
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'pw-h' }, oldPw.wrap, newPw.wrap, again.wrap, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const problems = [];
    if (!oldPw.input.value) problems.push([oldPw.input, 'err_required']);
    if ([...newPw.input.value].length < 12) problems.push([newPw.input, 'err_password_short']);
    else if (newPw.input.value !== again.input.value) problems.push([again.input, 'err_password_mismatch']);
    if (problems.length) return showLocalErrors(form, problems);
    clearInvalid(form);
    clearMessages();
    submit.disabled = true;
    try {
      await api('POST', '/api/v1/session/password', { old_password: oldPw.input.value, new_password: newPw.input.value });
      clearMessages();
      const alive = await refreshSession();
      if (!alive) return loginScreen('password_changed_login_again');
      announce('password_changed');
      route();
    } catch (err) {
      await fail(err, form);
    } finally {
      submit.disabled = false;
    }
  });
  show(
    h('section', { class: 'screen', 'aria-labelledby': 'pw-h' },
      h('h1', { id: 'pw-h', tabindex: '-1', t: 'change_password_title' }),
      h('p', { t: 'change_password_intro' }),
      form),
    { focus, title: 'change_password_title' },
  );
}

// ---- first login: TOTP enrolment ----

function base64Utf8(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

async function totpScreen({ focus = true } = {}) {
  state.renderToken += 1;
  const token = state.renderToken;
  const heading = h('h1', { id: 'totp-h', tabindex: '-1', t: 'totp_title' });
  const body = h('div', {}, h('p', { t: 'totp_loading' }));
  show(h('section', { class: 'screen', 'aria-labelledby': 'totp-h' }, heading, h('p', { t: 'totp_intro' }), body), { focus, title: 'totp_title' });
  let enrolment;
  try {
    enrolment = await api('POST', '/api/v1/session/totp');
  } catch (err) {
    if (token === state.renderToken) await fail(err);
    return;
  }
  if (token !== state.renderToken) return;
  const grouped = enrolment.secret.replace(/\s+/g, '').match(/.{1,4}/g).join(' ');
  const img = h('img', { class: 'qr', src: `data:image/svg+xml;base64,${base64Utf8(enrolment.qr_svg)}`, width: '240', height: '240', 'attr:alt': 'totp_qr_alt' });
  const secretId = 'totp-secret';
  const code = field({ name: 'code', label: 'totp_code', required: true, attrs: { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]{6}', class: 'short' } });
  const submit = h('button', { type: 'submit', t: 'totp_confirm_submit' });
  const form = h('form', { class: 'card narrow', novalidate: true, 'aria-labelledby': 'totp-step3' }, code.wrap, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const c = code.input.value.replace(/\s+/g, '');
    if (!/^[0-9]{6}$/.test(c)) return showLocalErrors(form, [[code.input, 'err_code_format']]);
    clearInvalid(form);
    clearMessages();
    submit.disabled = true;
    try {
      await api('POST', '/api/v1/session/totp/confirm', { code: c });
      clearMessages();
      const alive = await refreshSession();
      if (!alive) return loginScreen('session_ended');
      announce('totp_enrolled');
      route();
    } catch (err) {
      code.input.value = '';
      await fail(err, form);
    } finally {
      submit.disabled = false;
    }
  });
  body.replaceChildren(
    h('ol', { class: 'steps' },
      h('li', { t: 'totp_step1' }),
      h('li', {},
        h('span', { t: 'totp_step2' }),
        h('div', { class: 'qr-wrap' }, img),
        h('p', { class: 'secret-line' }, h('span', { t: 'totp_secret' }), ' ', h('code', { id: secretId, class: 'secret' }, grouped))),
      h('li', { id: 'totp-step3', t: 'totp_step3' })),
    form,
  );
}

// ---- the console ----

function visibleSections() {
  return SECTIONS.filter((s) => s.roles.some((r) => hasRole(r)));
}

// The section named by the address: "#/queue", "#/contact/ID" (or "#contact/ID").
function currentSectionId() {
  const m = /^#\/?([a-z]+)(?:\/|$)/.exec(window.location.hash);
  return m && SECTIONS.some((s) => s.id === m[1]) ? m[1] : '';
}

function currentParams() {
  const parts = window.location.hash.replace(/^#\/?/, '').split('/');
  return parts.slice(1).filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
}

function renderNav(activeId) {
  const list = $('nav-list');
  list.replaceChildren(
    ...visibleSections()
      .filter((s) => (s.nav || s.roles).some((r) => hasRole(r)))
      .map((s) => h('li', {}, h('a', { href: `#/${s.id}`, t: s.key, 'aria-current': s.id === activeId ? 'page' : false }))),
  );
  $('nav').hidden = false;
}

async function consoleScreen({ focus = true } = {}) {
  state.renderToken += 1;
  const token = state.renderToken;
  const sections = visibleSections();
  if (!sections.length) {
    renderNav('');
    show(h('section', { class: 'screen' }, h('h1', { tabindex: '-1', t: 'app_title' }), h('p', { t: 'no_sections' })), { focus });
    return;
  }
  let section = sections.find((s) => s.id === currentSectionId());
  if (!section) {
    section = sections[0];
    window.history.replaceState(null, '', `#/${section.id}`);
  }
  renderNav(section.id);
  let view = section.view;
  if (!view) {
    try {
      view = await section.load();
    } catch {
      if (token === state.renderToken) showError(new ApiError(0, 'network'));
      return;
    }
    // Another screen was asked for while the module came.
    if (token !== state.renderToken) return;
  }
  const node = view(context(token));
  show(node, { focus, title: section.key });
}

async function navigate() {
  if (!state.session) return;
  clearMessages();
  try {
    const alive = await refreshSession();
    if (!alive) return loginScreen('session_ended');
  } catch (err) {
    return showError(err);
  }
  route();
}

async function logout() {
  try {
    await api('DELETE', '/api/v1/session');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) {
      showError(err);
      return;
    }
  }
  if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  loginScreen('logged_out');
}

function toggleLanguage() {
  const next = lang() === 'vi' ? 'en' : 'vi';
  setLang(next);
  const btn = $('lang-toggle');
  btn.lang = next === 'vi' ? 'en' : 'vi';
  btn.textContent = t('switch_language');
}

async function boot() {
  const l = storedLang();
  setLang(l);
  const btn = $('lang-toggle');
  btn.lang = l === 'vi' ? 'en' : 'vi';
  btn.textContent = t('switch_language');
  btn.addEventListener('click', toggleLanguage);
  $('logout').addEventListener('click', logout);
  $('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    $('main').focus();
  });
  window.addEventListener('hashchange', () => {
    if (currentSectionId()) navigate();
  });
  // The queue's data is asked for beside the session when the address names the queue.
  if (/^#\/?queue(?:\/|$)/.test(window.location.hash)) prefetchQueue();
  try {
    const s = await api('GET', '/api/v1/session');
    sessionArrived(s);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) showError(err);
    sessionGone();
  }
  route({ focus: false });
}

boot();
