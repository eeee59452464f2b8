// Two small SVG charts, drawn from data (no chart library): vertical bars
// over time, and horizontal bars for rankings. Each scales to its box
// (viewBox), names itself for screen readers, and gives every bar a tooltip.
import { h, svg } from './ui.js';

export function barChart({ title, points, format = String, color = 'var(--accent)' }) {
  const W = 600, H = 220, L = 56, B = 28, T = 12;
  const max = Math.max(...points.map((p) => p.value)) || 1;
  const bw = (W - L - 8) / Math.max(1, points.length);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const label = `${title}: ${points.map((p) => `${p.label} ${format(p.value)}`).join(', ')}`;
  const ticks = [0, 0.5, 1].map((f) => max * f);
  const every = Math.ceil(points.length / 6);
  return h('figure', { class: 'chart' },
    h('figcaption', {}, title),
    svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' },
      ticks.map((t) => [
        svg('line', { x1: L, x2: W - 4, y1: y(t), y2: y(t), class: 'grid' }),
        svg('text', { x: L - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'axis' }, format(t)),
      ]),
      points.map((p, i) => svg('g', {},
        svg('rect', { x: L + i * bw + 2, y: y(p.value), width: Math.max(1, bw - 4), height: Math.max(0, H - B - y(p.value)), fill: color, rx: 2 },
          svg('title', {}, `${p.label}: ${format(p.value)}`)),
        i % every === 0 ? svg('text', { x: L + i * bw + bw / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis' }, p.label) : null))));
}

export function rankChart({ title, rows, format = String }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return h('figure', { class: 'chart rank' },
    h('figcaption', {}, title),
    h('ol', {}, rows.map((r) => h('li', {},
      h('span', { class: 'rank-label', title: r.label }, r.label),
      h('span', { class: 'rank-bar', 'aria-hidden': 'true' }, h('span', { style: `width:${(100 * r.value) / max}%` })),
      h('span', { class: 'rank-v' }, format(r.value))))));
}

// Buckets items by time into about `n` equal slots covering their span.
export function bucketByTime(items, timeOf, n = 12) {
  const ts = items.map(timeOf).filter(Number.isFinite);
  if (!ts.length) return [];
  const min = Math.min(...ts), max = Math.max(...ts);
  const steps = [10e3, 60e3, 5 * 60e3, 15 * 60e3, 3600e3, 6 * 3600e3, 86400e3, 7 * 86400e3];
  const step = steps.find((s) => (max - min) / s < n) || steps[steps.length - 1];
  const start = Math.floor(min / step) * step;
  const count = Math.floor((max - start) / step) + 1;
  const buckets = Array.from({ length: count }, (_, i) => ({ t: start + i * step, items: [] }));
  for (const it of items) {
    const t = timeOf(it);
    if (Number.isFinite(t)) buckets[Math.floor((t - start) / step)].items.push(it);
  }
  const fmt = (t) => {
    const d = new Date(t);
    return step >= 86400e3 ? d.toLocaleDateString([], { month: 'short', day: 'numeric' })
      : d.toLocaleTimeString([], step < 60e3 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
  };
  return buckets.map((b) => ({ label: fmt(b.t), items: b.items }));
}
