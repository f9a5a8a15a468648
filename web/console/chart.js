// Small SVG charts built with DOM calls (no library, no inline style: colours are SVG presentation
// attributes and CSS classes, which the Content-Security-Policy allows). Each chart is a <figure>
// with a caption, the SVG as an image named by that caption and described in words, and the same
// numbers in a visually hidden table for screen readers. Labels follow the console's language.

import { h, uid } from './dom.js';
import { setNumber, setTerm, setText } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';

// Colours with at least 3:1 contrast on white, told apart by markers and dashes too.
export const PALETTE = ['#0b4f8a', '#a4161a', '#2f6b2f', '#8a4f00', '#6b3fa0', '#006d77', '#b5179e', '#4a5360', '#7d5a00', '#1d3557'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

// A round upper bound for the axis and its step.
function scale(max) {
  if (!(max > 0)) return { top: 1, step: 1 };
  const rough = max / 4;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const n = rough / mag;
  const step = Math.max(1, (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag);
  return { top: Math.ceil(max / step) * step, step };
}

function marker(i, x, y, colour) {
  const kind = i % 4;
  const size = 4;
  if (kind === 0) return s('circle', { cx: x, cy: y, r: size, fill: colour });
  if (kind === 1) return s('rect', { x: x - size, y: y - size, width: 2 * size, height: 2 * size, fill: colour });
  if (kind === 2) return s('path', { d: `M${x} ${y - size - 1}L${x + size + 1} ${y + size}L${x - size - 1} ${y + size}Z`, fill: colour });
  return s('path', { d: `M${x} ${y - size - 1}L${x + size + 1} ${y}L${x} ${y + size + 1}L${x - size - 1} ${y}Z`, fill: colour });
}

// A label: a server term, a string key ([key, args]) or plain text.
function labelInto(el, label) {
  if (label && typeof label === 'object' && !Array.isArray(label)) setTerm(el, label);
  else if (Array.isArray(label)) setText(el, label[0], label[1]);
  else el.textContent = String(label);
  return el;
}

function frame(title, descKey, svg, table) {
  const capId = uid('chart-cap');
  const descId = uid('chart-desc');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-labelledby', capId);
  svg.setAttribute('aria-describedby', descId);
  svg.setAttribute('class', 'chart-svg');
  svg.setAttribute('focusable', 'false');
  return h('figure', { class: 'chart card' },
    h('figcaption', { id: capId, t: title }),
    h('p', { id: descId, class: 'visually-hidden', t: descKey }),
    // On a narrow screen the chart keeps a readable size and scrolls sideways in its own box.
    h('div', { class: 'chart-scroll', tabindex: '0', role: 'group', 'aria-labelledby': capId }, svg),
    h('div', { class: 'visually-hidden' }, table));
}

function dataTable(title, head, rows) {
  return h('table', {},
    h('caption', { t: title }),
    h('thead', {}, h('tr', {}, head.map((c) => labelInto(h('th', { scope: 'col' }), c)))),
    h('tbody', {}, rows.map(([label, values]) =>
      h('tr', {}, labelInto(h('th', { scope: 'row' }), label), values.map((v) => setNumber(h('td', { class: 'num' }), v))))));
}

// Horizontal bars: items [{label, value}] (label: a term, [key, args] or text).
// opts: title [key, args], xLabel and yLabel (string keys).
export function barChart({ title, xLabel, yLabel, items }) {
  const width = 640;
  const left = 210;
  const right = 64;
  const top = 28; // room for the title of the labels' axis
  const rowH = 26;
  const plotH = Math.max(1, items.length) * rowH;
  const height = top + plotH + 48;
  const max = Math.max(0, ...items.map((i) => i.value));
  const { top: axisTop, step } = scale(max);
  const x = (v) => left + (v / axisTop) * (width - left - right);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, preserveAspectRatio: 'xMinYMin meet' });
  const grid = s('g', { class: 'grid' });
  for (let v = 0; v <= axisTop; v += step) {
    grid.append(s('line', { x1: x(v), x2: x(v), y1: top, y2: top + plotH, class: 'gridline' }));
    grid.append(setNumber(s('text', { x: x(v), y: top + plotH + 16, 'text-anchor': 'middle', class: 'tick' }), v));
  }
  svg.append(grid);
  items.forEach((item, i) => {
    const y = top + i * rowH;
    svg.append(labelInto(s('text', { x: left - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'cat' }), item.label));
    const w = Math.max(item.value > 0 ? 2 : 0, x(item.value) - left);
    svg.append(s('rect', { x: left, y: y + 4, width: w, height: rowH - 8, fill: PALETTE[0], class: 'bar' }));
    svg.append(setNumber(s('text', { x: left + w + 6, y: y + rowH / 2 + 4, class: 'value' }), item.value));
  });
  svg.append(s('line', { x1: left, x2: left, y1: top, y2: top + plotH, class: 'axis' }));
  svg.append(setText(s('text', { x: (left + width - right) / 2, y: height - 8, 'text-anchor': 'middle', class: 'axis-title' }), xLabel));
  svg.append(setText(s('text', { x: left - 8, y: top - 10, 'text-anchor': 'end', class: 'axis-title' }), yLabel));
  const table = dataTable(title, [[yLabel], [xLabel]], items.map((i) => [i.label, [i.value]]));
  return frame(title, 'chart_bar_desc', svg, table);
}

// Lines over periods: periods [label], series [{label, values}] (values in period order).
// opts: title [key, args], xLabel, yLabel and seriesLabel (what a series is) as string keys.
export function lineChart({ title, xLabel, yLabel, seriesLabel, periods, series }) {
  const width = 640;
  const height = 320;
  const left = 64;
  const right = 20;
  const top = 16;
  const bottom = 64;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(0, ...series.flatMap((sr) => sr.values));
  const { top: axisTop, step } = scale(max);
  const n = periods.length;
  const x = (i) => left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v) => top + plotH - (v / axisTop) * plotH;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, preserveAspectRatio: 'xMinYMin meet' });
  const grid = s('g', { class: 'grid' });
  for (let v = 0; v <= axisTop; v += step) {
    grid.append(s('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'gridline' }));
    grid.append(setNumber(s('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }), v));
  }
  periods.forEach((p, i) => {
    grid.append(labelInto(s('text', { x: x(i), y: top + plotH + 18, 'text-anchor': 'middle', class: 'tick' }), p));
  });
  svg.append(grid);
  series.forEach((sr, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const g = s('g', { class: 'series' });
    if (n > 1) {
      const d = sr.values.map((v, j) => `${j ? 'L' : 'M'}${x(j).toFixed(1)} ${y(v).toFixed(1)}`).join('');
      g.append(s('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2, 'stroke-dasharray': DASHES[Math.floor(i / 4) % DASHES.length] || null }));
    }
    sr.values.forEach((v, j) => g.append(marker(i, x(j), y(v), colour)));
    svg.append(g);
  });
  svg.append(s('line', { x1: left, x2: width - right, y1: top + plotH, y2: top + plotH, class: 'axis' }));
  svg.append(s('line', { x1: left, x2: left, y1: top, y2: top + plotH, class: 'axis' }));
  svg.append(setText(s('text', { x: left + plotW / 2, y: height - 24, 'text-anchor': 'middle', class: 'axis-title' }), xLabel));
  svg.append(setText(s('text', { x: 12, y: top + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${top + plotH / 2})`, class: 'axis-title' }), yLabel));
  const legend = h('ul', { class: 'legend', 'aria-hidden': 'true' },
    series.map((sr, i) => {
      const colour = PALETTE[i % PALETTE.length];
      const swatch = s('svg', { width: 28, height: 12, viewBox: '0 0 28 12', 'aria-hidden': 'true', focusable: 'false' },
        s('line', { x1: 0, x2: 28, y1: 6, y2: 6, stroke: colour, 'stroke-width': 2, 'stroke-dasharray': DASHES[Math.floor(i / 4) % DASHES.length] || null }),
        marker(i, 14, 6, colour));
      return h('li', {}, swatch, labelInto(h('span'), sr.label));
    }));
  const table = dataTable(title, [[seriesLabel], ...periods], series.map((sr) => [sr.label, sr.values]));
  const fig = frame(title, 'chart_line_desc', svg, table);
  fig.querySelector('.chart-scroll').after(legend);
  return fig;
}
