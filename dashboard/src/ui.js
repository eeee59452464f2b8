// Small DOM helpers and formatters. Text always goes in as text nodes: no
// data from the API or the chain is ever parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

export function loading(what = 'Loading…') {
  return h('p', { class: 'state loading', role: 'status' }, what);
}

export function empty(what) {
  return h('p', { class: 'state empty', role: 'status' }, what);
}

export function errorBox(err, retry) {
  const source = err && err.source;
  const hint = {
    coordinator: 'The coordinator is not answering. Is outlayer-coordinator (or outlayer dev) running?',
    rpc: 'The NEAR RPC is not answering or refused the call.',
    signer: 'The development signer of outlayer dev is not answering.',
    wallet: 'The wallet did not sign.',
  }[source];
  return h('div', { class: 'state error', role: 'alert' },
    h('strong', {}, hint || 'Something went wrong.'), ' ',
    h('span', { class: 'detail' }, err && err.message ? err.message : String(err)),
    retry ? h('button', { type: 'button', class: 'btn small', onclick: retry }, 'Retry') : null);
}

// yoctoNEAR string -> "0.001234 NEAR" with exact digits (no float rounding).
export function near(yocto, decimals = 6) {
  if (yocto === null || yocto === undefined || yocto === '') return '–';
  let s = String(yocto);
  let neg = false;
  if (s.startsWith('-')) {
    neg = true;
    s = s.slice(1);
  }
  if (!/^\d+$/.test(s)) return '–';
  s = s.padStart(25, '0');
  const whole = s.slice(0, -24).replace(/^0+(?=\d)/, '');
  let frac = s.slice(-24, -24 + decimals);
  if (/^0*$/.test(frac) && /[1-9]/.test(s.slice(-24))) {
    // smaller than the shown precision: show its first significant digits
    const full = s.slice(-24);
    const i = full.search(/[1-9]/);
    frac = full.slice(0, Math.min(24, i + 2));
  }
  frac = frac.replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? '.' + frac : ''} NEAR`;
}

export function yoctoSub(a, b) {
  try {
    return (BigInt(a) - BigInt(b)).toString();
  } catch {
    return null;
  }
}

// "1.5" NEAR -> yocto string, by padding (never through floats).
export function nearToYocto(text) {
  const m = /^\s*(\d+)(?:\.(\d{0,24}))?\s*$/.exec(text);
  if (!m) return null;
  return (BigInt(m[1]) * 10n ** 24n + BigInt((m[2] || '').padEnd(24, '0') || '0')).toString();
}

export function compact(n) {
  const x = Number(n);
  if (!Number.isFinite(x)) return '–';
  const units = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [v, u] of units) if (Math.abs(x) >= v) return `${(x / v).toFixed(x / v >= 100 ? 0 : 1)}${u}`;
  return String(Math.round(x));
}

export function ms(n) {
  if (n === null || n === undefined) return '–';
  const x = Number(n);
  return x >= 10000 ? `${(x / 1000).toFixed(1)} s` : `${x} ms`;
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(typeof iso === 'number' ? iso : String(iso).replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) return String(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

export function short(s, n = 12) {
  if (!s) return '–';
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

// A table that becomes a list of cards under 640 px (see style.css):
// each cell carries its column name in data-label.
export function table(columns, rows, { caption, rowAttrs } = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      caption ? h('caption', { class: 'sr-only' }, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {},
        columns.map((c) => h('td', { 'data-label': c.label }, c.cell(r))))))));
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}

export const STATUS_LABEL = {
  completed: ['Done', 'ok'],
  access_denied: ['Access denied', 'warn'],
  compilation_failed: ['Compilation failed', 'bad'],
  execution_failed: ['Execution failed', 'bad'],
  insufficient_payment: ['Insufficient payment', 'warn'],
  custom: ['Invalid request', 'warn'],
  failed: ['Infrastructure error', 'bad'],
  in_progress: ['Running', 'info'],
  pending: ['Pending', 'info'],
};

export function statusBadge(status) {
  const [label, kind] = STATUS_LABEL[status] || [status || 'unknown', ''];
  return badge(label, kind);
}

export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', {}, hint) : null);
}

export function copyable(text) {
  return h('code', { class: 'mono break' }, text || '–');
}
