// Statistics (#/stats): the ministry's yearly table of hotline 111 for a year (2020 to this year)
// or for dates chosen, with charts (categories over the years or months, channels, provinces, the
// children's age bands) and, for statisticians, CSV and XLSX exports, with small counts
// suppressed when the file is for publication.

import { api, ApiError, query } from './api.js';
import { announce, clearInvalid, clearMessages, field, h, option, showLocalErrors, uid } from './dom.js';
import { setNumber, setTerm } from './i18n.js';
import { barChart, lineChart } from './chart.js';

const FIRST_YEAR = 2020;
const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;

// This year in Viet Nam.
function vietnamYear() {
  return new Date(Date.now() + VIETNAM_OFFSET_MS).getUTCFullYear();
}

// YYYY-MM-DD plus `days`.
function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// "2022-03" -> "03/2022"; other period names as they are.
function periodLabel(p) {
  const m = /^(\d{4})-(\d{2})$/.exec(p || '');
  return m ? `${m[2]}/${m[1]}` : p;
}

// "2022-03-04" -> "04/03/2022".
function dayLabel(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : d;
}

// Rows of a breakdown for one period, in the server's order.
function itemsOf(rows) {
  return rows.map((r) => ({ label: r, value: r.count }));
}

// A file from the server (the session cookie goes with it), saved under the name it gives.
async function download(path) {
  let res;
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (!res.ok) {
    let e = {};
    try {
      e = (await res.json()).error || {};
    } catch {
      e = {};
    }
    throw new ApiError(res.status, e.code, e.message, e.fields);
  }
  const blob = await res.blob();
  const cd = res.headers.get('Content-Disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  const name = m ? decodeURIComponent(m[1]) : 'hotline-export';
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}

export function statsView(ctx) {
  const thisYear = vietnamYear();
  const heading = h('h1', { tabindex: '-1', t: 'stats_title' });

  // -- the period --
  const modeName = uid('mode');
  const modeYear = h('input', { type: 'radio', name: modeName, value: 'year', id: uid('mode-year'), checked: true });
  const modeRange = h('input', { type: 'radio', name: modeName, value: 'range', id: uid('mode-range') });
  const years = [];
  for (let y = thisYear; y >= FIRST_YEAR; y--) years.push({ value: String(y), text: String(y) });
  const year = field({ name: 'year', label: 'stats_year', control: h('select', {}, ...years.map(option)) });
  const from = field({ name: 'from', label: 'stats_from', type: 'date', attrs: { min: `${FIRST_YEAR}-01-01` } });
  const to = field({ name: 'to', label: 'stats_to', hint: 'stats_to_hint', type: 'date', attrs: { min: `${FIRST_YEAR}-01-01` } });
  const rangeBox = h('div', { class: 'inline-form', hidden: true }, from.wrap, to.wrap);
  const yearBox = h('div', { class: 'inline-form' }, year.wrap);
  const submit = h('button', { type: 'submit', t: 'stats_show' });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'stats-period-h' },
    h('h2', { id: 'stats-period-h', t: 'stats_period' }),
    h('fieldset', { class: 'kind' }, h('legend', { t: 'stats_period_kind' }),
      h('div', { class: 'radios' },
        h('div', { class: 'check' }, modeYear, h('label', { for: modeYear.id, t: 'stats_by_year' })),
        h('div', { class: 'check' }, modeRange, h('label', { for: modeRange.id, t: 'stats_by_dates' })))),
    yearBox, rangeBox,
    h('div', { class: 'actions' }, submit));
  const syncMode = () => {
    rangeBox.hidden = !modeRange.checked;
    yearBox.hidden = modeRange.checked;
  };
  modeYear.addEventListener('change', syncMode);
  modeRange.addEventListener('change', syncMode);

  // -- exports (statisticians) --
  const canExport = ctx.hasRole('statistician');
  const publicId = uid('public');
  const exportPeriod = h('p', {});
  const publicBox = h('input', { type: 'checkbox', id: publicId, checked: true });
  const csvBtn = h('button', { type: 'button', class: 'secondary', t: 'export_csv' });
  const xlsxBtn = h('button', { type: 'button', class: 'secondary', t: 'export_xlsx' });
  const exportsBox = canExport
    ? h('section', { class: 'card exports', 'aria-labelledby': 'stats-export-h' },
      h('h2', { id: 'stats-export-h', t: 'export_title' }),
      exportPeriod,
      h('div', { class: 'check' }, publicBox, h('label', { for: publicId, t: 'export_public' })),
      h('p', { class: 'hint', t: 'export_public_hint' }),
      h('div', { class: 'actions' }, csvBtn, xlsxBtn))
    : null;

  const results = h('div', { class: 'stats-results', 'aria-busy': 'true' }, h('p', { t: 'loading' }));
  const root = h('div', { class: 'screen' }, heading, h('p', { t: 'stats_intro' }), form, exportsBox, results);

  const st = { period: { year: String(thisYear) }, caption: ['stats_caption_year', { year: thisYear }], seq: 0 };

  function readPeriod() {
    if (!modeRange.checked) {
      return { period: { year: year.input.value }, caption: ['stats_caption_year', { year: year.input.value }], years: [Number(year.input.value), Number(year.input.value)] };
    }
    const problems = [];
    const f = from.input.value;
    const t = to.input.value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f)) problems.push([from.input, 'err_date']);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) problems.push([to.input, 'err_date']);
    else if (f && t < f) problems.push([to.input, 'err_date_order']);
    if (problems.length) {
      showLocalErrors(form, problems);
      return null;
    }
    return {
      period: { from: f, to: addDays(t, 1) },
      caption: ['stats_caption_range', { from: dayLabel(f), to: dayLabel(t) }],
      years: [Number(f.slice(0, 4)), Number(t.slice(0, 4))],
    };
  }

  function tableOf(data) {
    const parents = new Map(data.rows.map((r) => [r.key, r.parent]));
    const depth = (key) => {
      let d = 0;
      let p = parents.get(key);
      while (p && d < 8) {
        d += 1;
        p = parents.get(p);
      }
      return d;
    };
    const body = document.createDocumentFragment();
    for (const r of data.rows) {
      const d = depth(r.key);
      const head = h('th', { scope: 'row', class: `depth-${Math.min(d, 3)}` });
      if (d > 0) head.append(h('span', { class: 'visually-hidden', t: 'stats_of_which' }), ' ');
      head.append(setTerm(h('span'), r));
      if (r.additive === false) head.append(' ', h('span', { class: 'note', t: 'stats_not_additive' }));
      body.append(h('tr', { 'data-key': r.key }, head, setNumber(h('td', { class: 'num' }), r.count)));
    }
    const captionId = uid('stats-cap');
    return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': captionId },
      h('table', { class: 'stats' },
        h('caption', { id: captionId }, h('span', { t: 'stats_table_caption' }), ' — ', h('span', { t: st.caption })),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', t: 'stats_col_row' }), h('th', { scope: 'col', class: 'num', t: 'stats_col_count' }))),
        h('tbody', {}, body)));
  }

  function trendChart(data, byKey) {
    const periods = [];
    const series = new Map();
    for (const r of data.rows) {
      if (!periods.includes(r.period)) periods.push(r.period);
      if (!series.has(r.key)) series.set(r.key, { label: r, values: new Map() });
      series.get(r.key).values.set(r.period, r.count);
    }
    return lineChart({
      title: ['chart_trend_title', { by: { $t: byKey } }],
      xLabel: byKey === 'chart_by_year' ? 'chart_axis_year' : 'chart_axis_month',
      yLabel: 'chart_axis_contacts',
      seriesLabel: 'col_category',
      periods: periods.map(periodLabel),
      series: Array.from(series.values()).map((sr) => ({ label: sr.label, values: periods.map((p) => sr.values.get(p) || 0) })),
    });
  }

  async function load() {
    st.seq += 1;
    const mine = st.seq;
    results.setAttribute('aria-busy', 'true');
    submit.disabled = true;
    // The trend: year by year from 2020 to the chosen year, or over the dates chosen (by year
    // when they span several years, else by month).
    const p = st.period;
    let trendPeriod;
    let by;
    if (p.year) {
      trendPeriod = { from: `${FIRST_YEAR}-01-01`, to: `${Number(p.year) + 1}-01-01` };
      by = 'year';
    } else {
      trendPeriod = { from: p.from, to: p.to };
      by = st.years[0] === st.years[1] ? 'month' : 'year';
    }
    const b = (dimension, extra, period) => api('GET', `/api/v1/stats/breakdown${query({ dimension, ...extra, ...period })}`);
    let table;
    let trend;
    let channels;
    let provinces;
    let ages;
    try {
      [table, trend, channels, provinces, ages] = await Promise.all([
        api('GET', `/api/v1/stats/hotline${query(p)}`),
        b('category', { by }, trendPeriod),
        b('channel', { by: 'whole' }, p),
        b('province', { by: 'whole' }, p),
        b('age_band', { by: 'whole' }, p),
      ]);
    } catch (err) {
      submit.disabled = false;
      if (mine !== st.seq || !ctx.current()) return;
      results.setAttribute('aria-busy', 'false');
      await ctx.fail(err, form);
      return;
    }
    submit.disabled = false;
    if (mine !== st.seq || !ctx.current()) return;
    const byKey = by === 'year' ? 'chart_by_year' : 'chart_by_month';
    const provinceItems = itemsOf(provinces.rows).filter((i) => i.value > 0).sort((x, y) => y.value - x.value);
    results.replaceChildren(
      h('p', { class: 'page-status', tabindex: '-1' }, h('span', { t: 'stats_showing' }), ' ', h('span', { t: st.caption })),
      tableOf(table),
      h('h2', { t: 'charts_title' }),
      h('div', { class: 'charts' },
        trendChart(trend, byKey),
        barChart({ title: 'chart_channels_title', xLabel: 'chart_axis_contacts', yLabel: 'col_channel', items: itemsOf(channels.rows) }),
        provinceItems.length
          ? barChart({ title: 'chart_provinces_title', xLabel: 'chart_axis_contacts', yLabel: 'child_province', items: provinceItems })
          : h('figure', { class: 'chart card' }, h('figcaption', { t: 'chart_provinces_title' }), h('p', { t: 'chart_no_data' })),
        barChart({ title: 'chart_ages_title', xLabel: 'chart_axis_contacts', yLabel: 'col_age_band', items: itemsOf(ages.rows) })),
    );
    results.setAttribute('aria-busy', 'false');
    exportPeriod.replaceChildren(h('span', { t: 'export_period' }), ' ', h('span', { t: st.caption }));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearInvalid(form);
    clearMessages();
    const r = readPeriod();
    if (!r) return;
    st.period = r.period;
    st.caption = r.caption;
    st.years = r.years;
    await load();
    const status = results.querySelector('.page-status');
    if (status) status.focus();
  });

  async function exportAs(format, btn) {
    clearMessages();
    btn.disabled = true;
    try {
      const name = await download(`/api/v1/stats/hotline/export${query({ ...st.period, format, public: publicBox.checked ? 'true' : 'false' })}`);
      announce('export_done', { file: name });
    } catch (err) {
      await ctx.fail(err);
    } finally {
      btn.disabled = false;
    }
  }
  csvBtn.addEventListener('click', () => exportAs('csv', csvBtn));
  xlsxBtn.addEventListener('click', () => exportAs('xlsx', xlsxBtn));

  st.years = [thisYear, thisYear];
  load();
  return root;
}
