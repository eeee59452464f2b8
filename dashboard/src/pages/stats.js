// Stats (cards, the outcome breakdown, charts of requests, instructions and
// cost over time, top programs) and Pricing.
import { coord } from '../api.js';
import { barChart, rankChart, bucketByTime } from '../charts.js';
import { h, loading, empty, errorBox, near, compact, ms, table, short } from '../ui.js';

// The contract's formula (docs/contract.md): base + instructions × fee per
// million + time × fee per ms. Used where a job carries no actual cost.
function estimateCost(j, p) {
  try {
    return BigInt(p.base_fee) + (BigInt(j.instructions_used || 0) * BigInt(p.per_instruction_fee)) / 1000000n
      + BigInt(j.execution_time_ms || 0) * BigInt(p.per_ms_fee);
  } catch {
    return 0n;
  }
}

const toNear = (yocto) => Number(yocto) / 1e24;

async function recentJobs(pages = 3) {
  const all = [];
  for (let i = 0; i < pages; i++) {
    const jobs = await coord(`/public/jobs?limit=100&offset=${i * 100}`);
    all.push(...jobs);
    if (jobs.length < 100) break;
  }
  return all;
}

async function programOf(jobs) {
  // GitHub jobs name their repository; WASM URL jobs are named by the hash
  // in their attestation (read for the newest few).
  const key = localStorage.getItem('outlayer-api-key') || 'not-required';
  const names = new Map();
  await Promise.all(jobs.filter((j) => !j.github_repo).slice(0, 40).map(async (j) => {
    try {
      const a = await coord(`/attestations/${j.job_id}`, { headers: { 'X-API-Key': key } });
      if (a.wasm_hash) names.set(j.job_id, `wasm ${a.wasm_hash.slice(0, 12)}…`);
    } catch {
      /* no attestation: counted as "other WASM" */
    }
  }));
  return (j) => j.github_repo ? short(j.github_repo.replace(/^https?:\/\/(www\.)?/, ''), 40) : names.get(j.job_id) || 'other WASM';
}

export function statsPage() {
  const box = h('div', { 'aria-live': 'polite' }, loading('Loading statistics…'));
  let timer = null;
  let stopped = false;

  async function load(first) {
    let s, repos, pricing, jobs;
    try {
      [s, repos, pricing, jobs] = await Promise.all([coord('/public/stats'), coord('/public/repos/popular'), coord('/public/pricing'), recentJobs()]);
    } catch (e) {
      box.replaceChildren(errorBox(e, () => load(true)));
      return;
    }
    const total = s.total_executions || 0;
    const rate = total ? `${(((total - (s.failed_executions || 0)) / total) * 100).toFixed(1)}%` : '–';
    const cards = [
      ['Total executions', String(total)],
      ['Success rate', rate, 'only infrastructure errors count as failures'],
      ['Active workers', h('a', { href: '#/queue' }, String(s.active_workers ?? 0))],
      ['Unique users', String(s.unique_users ?? 0)],
      ['Instructions', compact(s.total_instructions_used)],
      ['Average execution', ms(s.average_execution_time_ms)],
      ['NEAR paid', near(s.total_near_paid_yocto, 4)],
    ];
    const breakdown = [
      ['Successful', s.successful_executions], ['Infrastructure errors', s.failed_executions],
      ['Access denied', s.access_denied_executions], ['Compilation failed', s.compilation_failed_executions],
      ['Execution failed', s.execution_failed_executions], ['Insufficient payment', s.insufficient_payment_executions],
      ['Invalid request', s.custom_executions],
    ];
    const exec = jobs.filter((j) => j.job_type === 'execute');
    const parts = [
      h('div', { class: 'tiles' }, cards.map(([k, v, t]) => h('div', { class: 'tile', title: t || null }, h('span', { class: 'tile-v' }, v), h('span', { class: 'tile-k' }, k)))),
      h('h2', {}, 'Outcomes'),
      rankChart({ title: 'Executions by outcome', rows: breakdown.map(([label, value]) => ({ label, value: value || 0 })) }),
    ];
    if (!exec.length) {
      parts.push(empty('No executions yet: the charts appear after the first request.'));
    } else {
      const buckets = bucketByTime(exec, (j) => new Date(j.created_at).getTime());
      const getProgram = await programOf(exec);
      const top = new Map();
      for (const j of exec) top.set(getProgram(j), (top.get(getProgram(j)) || 0) + 1);
      parts.push(h('h2', {}, `Recent activity (last ${exec.length} executions)`), h('div', { class: 'charts' },
        barChart({ title: 'Requests over time', points: buckets.map((b) => ({ label: b.label, value: b.items.length })) }),
        barChart({ title: 'Instructions over time', points: buckets.map((b) => ({ label: b.label, value: b.items.reduce((n, j) => n + Number(j.instructions_used || 0), 0) })), format: compact, color: 'var(--accent2)' }),
        barChart({
          title: 'Cost per request (NEAR, average)',
          points: buckets.map((b) => ({
            label: b.label,
            value: b.items.length ? b.items.reduce((n, j) => n + toNear(j.actual_cost_yocto ? BigInt(j.actual_cost_yocto) : estimateCost(j, pricing)), 0) / b.items.length : 0,
          })),
          format: (v) => v.toFixed(v && v < 0.01 ? 5 : 3),
          color: 'var(--accent3)',
        }),
        rankChart({ title: 'Top programs', rows: [...top.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([label, value]) => ({ label, value })) })));
    }
    const shownRepos = (repos || []).filter((r) => (r.successful_executions ?? r.total_executions) > 0);
    parts.push(h('h2', {}, 'Popular repositories'), shownRepos.length ? table([
      { label: 'Repository', cell: (r) => r.github_repo || r.repo || '–' },
      { label: 'Executions', cell: (r) => String(r.total_executions ?? 0) },
      { label: 'Successful', cell: (r) => String(r.successful_executions ?? 0) },
      { label: 'Last commit', cell: (r) => (r.last_commit || '').slice(0, 8) || '–' },
    ], shownRepos, { caption: 'Popular repositories' }) : empty('No program from a repository has run yet.'));
    box.replaceChildren(...parts);
    if (!stopped && first !== false) timer = setTimeout(() => load(), 30000);
  }
  load(true);
  return {
    title: 'Stats',
    el: h('section', {}, h('h1', {}, 'Stats'), h('p', { class: 'muted' }, 'Refreshed every 30 seconds. Costs without an actual charge on record are estimated from the pricing.'), box),
    cleanup: () => { stopped = true; clearTimeout(timer); },
  };
}

export function pricingPage() {
  const box = h('div', {}, loading('Loading pricing…'));
  async function load() {
    try {
      const p = await coord('/public/pricing');
      const perM = BigInt(p.per_instruction_fee);
      const example = BigInt(p.base_fee) + (10000000n * perM) / 1000000n + 100n * BigInt(p.per_ms_fee);
      box.replaceChildren(table([
        { label: 'Item', cell: (r) => r[0] },
        { label: 'Price or limit', cell: (r) => r[1] },
      ], [
        ['Base fee per request', near(p.base_fee)],
        ['Per million instructions', near(p.per_instruction_fee, 10)],
        ['Per millisecond of execution', near(p.per_ms_fee, 10)],
        ['Per millisecond of compilation', near(p.per_compile_ms_fee, 10)],
        ['Most instructions', `${compact(p.max_instructions)} (${Number(p.max_instructions).toLocaleString()})`],
        ['Longest execution', `${p.max_execution_seconds} s`],
        ['Longest compilation', `${p.max_compilation_seconds} s`],
      ], { caption: 'Pricing' }),
      h('p', {}, 'Example: 10 M instructions in 100 ms cost ', h('strong', {}, near(example.toString())),
        '. The unused part of the attached deposit is refunded to the payer; when a program fails, everything but the base fee is refunded.'));
    } catch (e) {
      box.replaceChildren(errorBox(e, load));
    }
  }
  load();
  return { title: 'Pricing', el: h('section', {}, h('h1', {}, 'Pricing'), h('p', { class: 'muted' }, 'What a request costs, read from the contract by the coordinator.'), box) };
}
