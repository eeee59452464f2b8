// Queue and workers, refreshed every 3 s: task states from /metrics, each
// worker's status, last heartbeat and jobs done, and the TEE measurement
// its latest attestation carries.
import { coord, coordText } from '../api.js';
import { h, loading, empty, errorBox, table, badge, when, compact } from '../ui.js';

function parseMetrics(text) {
  const m = {};
  for (const line of text.split('\n')) {
    const r = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.e+-]+)$/.exec(line);
    if (r) m[r[1] + (r[2] || '')] = Number(r[3]);
  }
  return m;
}

function uptime(s) {
  if (s == null) return '–';
  const hrs = Math.floor(s / 3600);
  const min = Math.floor((s % 3600) / 60);
  return hrs ? `${hrs}h ${min}m` : `${min}m ${s % 60}s`;
}

function ago(iso) {
  const t = new Date(iso).getTime();
  if (!Number.isFinite(t)) return '–';
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : when(iso);
}

const measurements = new Map(); // worker_id -> measurement (from its newest attestation)

async function latestMeasurements(jobs) {
  const key = localStorage.getItem('outlayer-api-key') || 'not-required';
  for (const j of jobs) {
    if (j.job_type !== 'execute' || !j.worker_id || measurements.has(j.worker_id)) continue;
    try {
      const a = await coord(`/attestations/${j.job_id}`, { headers: { 'X-API-Key': key } });
      measurements.set(j.worker_id, a.worker_measurement || '');
    } catch {
      measurements.set(j.worker_id, null);
    }
  }
}

export function queuePage() {
  const queueBox = h('div', { 'aria-live': 'polite' }, loading('Loading the queue…'));
  const workersBox = h('div', {}, loading('Loading workers…'));
  let timer = null;
  let stopped = false;

  async function refresh() {
    try {
      const [metricsText, workers, jobs] = await Promise.all([
        coordText('/metrics'), coord('/public/workers'), coord('/public/jobs?limit=50'),
      ]);
      const m = parseMetrics(metricsText);
      const tiles = [
        ['Queued', m['outlayer_tasks{state="queued"}']],
        ['Leased (running)', m['outlayer_tasks{state="leased"}']],
        ['Jobs in progress', m['outlayer_jobs{state="in_progress"}']],
        ['Done', m['outlayer_tasks{state="done"}']],
        ['Failed jobs', m['outlayer_jobs{state="failed"}']],
        ['Lease expiries', m.outlayer_lease_expiries_total],
        ['Cache', `${m.outlayer_cache_files ?? 0} files, ${compact(m.outlayer_cache_bytes ?? 0)}B`],
      ];
      queueBox.replaceChildren(h('div', { class: 'tiles' }, tiles.map(([k, v]) => h('div', { class: 'tile' }, h('span', { class: 'tile-v' }, v ?? 0), h('span', { class: 'tile-k' }, k)))));
      await latestMeasurements(jobs);
      if (!workers.length) {
        workersBox.replaceChildren(empty('No worker has reported to this coordinator yet.'));
      } else {
        workersBox.replaceChildren(table([
          { label: 'Worker', cell: (w) => h('span', { title: w.worker_id }, w.worker_name || w.worker_id) },
          { label: 'Status', cell: (w) => {
            const silent = Date.now() - new Date(w.last_heartbeat_at).getTime() > 60000;
            return silent ? badge('silent', 'warn') : badge(w.status, w.status === 'online' ? 'ok' : w.status === 'busy' ? 'info' : 'warn');
          } },
          { label: 'Last heartbeat', cell: (w) => ago(w.last_heartbeat_at) },
          { label: 'Jobs done', cell: (w) => String(w.total_tasks_completed ?? 0) },
          { label: 'Failed', cell: (w) => String(w.total_tasks_failed ?? 0) },
          { label: 'Uptime', cell: (w) => uptime(w.uptime_seconds) },
          { label: 'Current task', cell: (w) => w.current_task_id ?? '–' },
          { label: 'TEE measurement', cell: (w) => {
            const v = measurements.get(w.worker_id);
            return v ? h('code', { class: 'mono', title: v }, `${v.slice(0, 16)}…`) : v === '' ? 'none' : '–';
          } },
        ], workers, { caption: 'Workers' }));
      }
    } catch (e) {
      queueBox.replaceChildren(errorBox(e, refresh));
      workersBox.replaceChildren();
    }
    if (!stopped) timer = setTimeout(refresh, 3000);
  }
  refresh();
  return {
    title: 'Queue & workers',
    el: h('section', {}, h('h1', {}, 'Queue & workers'), h('p', { class: 'muted' }, 'Live: refreshed every 3 seconds.'),
      h('h2', {}, 'Queue'), queueBox, h('h2', {}, 'Workers'), workersBox),
    cleanup: () => { stopped = true; clearTimeout(timer); },
  };
}
