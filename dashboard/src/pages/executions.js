// Executions: the job history with filters, and one execution in detail
// (hashes, instructions, time, cost and refund from the chain, the
// transaction, the attestation record and whether it verifies).
import { coord, txStatus, getConfig, ApiError } from '../api.js';
import { readRequestTx, verifyAttestation, verifyAgainstChain } from '../chain.js';
import { h, loading, empty, errorBox, table, statusBadge, near, compact, ms, when, short, field, copyable, STATUS_LABEL } from '../ui.js';

const PAGE = 50;

function cost(j) {
  if (j.actual_cost_yocto) return near(j.actual_cost_yocto);
  return '–';
}

export function executionsPage() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const state = { offset: 0, user: params.get('user') || '', status: '', type: '' };
  const user = h('input', { type: 'search', placeholder: 'account.near', value: state.user, autocomplete: 'off', spellcheck: 'false' });
  const status = h('select', {}, h('option', { value: '' }, 'any status'),
    Object.entries(STATUS_LABEL).map(([k, [label]]) => h('option', { value: k }, label)));
  const type = h('select', {}, h('option', { value: '' }, 'any type'), h('option', { value: 'execute' }, 'execute'), h('option', { value: 'compile' }, 'compile'));
  const out = h('div', { class: 'results', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn small ghost' }, '← Newer');
  const next = h('button', { type: 'button', class: 'btn small ghost' }, 'Older →');
  const pager = h('div', { class: 'pager' }, prev, h('span', { class: 'muted', id: 'page-info' }), next);

  async function load() {
    out.replaceChildren(loading('Loading executions…'));
    prev.disabled = next.disabled = true;
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(state.offset) });
    if (state.user) q.set('user_account_id', state.user);
    let jobs;
    try {
      jobs = await coord(`/public/jobs?${q}`);
    } catch (e) {
      out.replaceChildren(errorBox(e, load));
      return;
    }
    const shown = jobs.filter((j) => (!state.status || j.status === state.status) && (!state.type || j.job_type === state.type));
    pager.querySelector('#page-info').textContent = jobs.length ? `jobs ${state.offset + 1}–${state.offset + jobs.length}` : '';
    prev.disabled = state.offset === 0;
    next.disabled = jobs.length < PAGE;
    if (!shown.length) {
      out.replaceChildren(empty(jobs.length ? 'No execution on this page matches the filters.'
        : state.user ? `No executions for ${state.user} yet.` : 'No executions yet. Send one from the Playground.'));
      return;
    }
    // The actual charge is on chain (see an execution's details); a
    // coordinator that records it gets a Cost column.
    const withCost = shown.some((j) => j.actual_cost_yocto);
    out.replaceChildren(table([
      { label: 'ID', cell: (j) => h('a', { href: `#/executions/${j.job_id}`, 'aria-label': `execution ${j.job_id} details` }, `#${j.job_id}`) },
      { label: 'Type', cell: (j) => j.job_type },
      { label: 'Status', cell: (j) => statusBadge(j.status) },
      { label: 'User', cell: (j) => j.user_account_id ? h('a', { href: `#/account/${encodeURIComponent(j.user_account_id)}` }, short(j.user_account_id, 18)) : '–' },
      { label: 'Program', cell: (j) => j.github_repo ? short(j.github_repo.replace(/^https?:\/\//, ''), 28) : 'WASM' },
      { label: 'Worker', cell: (j) => short(j.worker_id, 16) },
      { label: 'Time', cell: (j) => j.job_type === 'compile' ? ms(j.compile_time_ms) : ms(j.execution_time_ms) },
      { label: 'Instructions', cell: (j) => j.job_type === 'execute' && j.instructions_used != null ? compact(j.instructions_used) : '–' },
      { label: 'Attached', cell: (j) => (j.job_type === 'execute' ? near(j.near_payment_yocto, 4) : '–') },
      withCost && { label: 'Cost', cell: (j) => cost(j) },
      { label: 'Created', cell: (j) => when(j.created_at) },
    ].filter(Boolean), shown, { caption: 'Executions', rowAttrs: (j) => ({ 'data-job': j.job_id }) }));
  }

  const apply = (ev) => {
    ev.preventDefault();
    state.user = user.value.trim();
    state.status = status.value;
    state.type = type.value;
    state.offset = 0;
    load();
  };
  prev.addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); load(); });
  next.addEventListener('click', () => { state.offset += PAGE; load(); });
  status.addEventListener('change', apply);
  type.addEventListener('change', apply);
  const form = h('form', { class: 'filters', role: 'search', onsubmit: apply },
    field('User', user), field('Status', status), field('Type', type),
    h('button', { type: 'submit', class: 'btn' }, 'Filter'));
  load();
  return {
    title: 'Executions',
    el: h('section', {}, h('h1', {}, 'Executions'), h('p', { class: 'muted' }, 'Every compile and execute job, newest first.'), form, out, pager),
  };
}

async function findJob(id) {
  // /public/jobs has no single-job route: page through the history.
  for (let offset = 0; offset < 2000; offset += 100) {
    const jobs = await coord(`/public/jobs?limit=100&offset=${offset}`);
    const j = jobs.find((x) => x.job_id === id);
    if (j) return { job: j, siblings: jobs.filter((x) => x.data_id === j.data_id) };
    if (jobs.length < 100) break;
  }
  return null;
}

const EXPLORER = { testnet: 'https://testnet.nearblocks.io', mainnet: 'https://nearblocks.io' };

function explorerTx(hash) {
  const base = EXPLORER[getConfig().network];
  return base ? h('a', { href: `${base}/txns/${hash}`, target: '_blank', rel: 'noopener noreferrer', class: 'mono break' }, hash) : copyable(hash);
}

function dl(rows) {
  return h('dl', { class: 'kv' }, rows.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function checkList(checks) {
  return h('ul', { class: 'checks' }, checks.map((c) => h('li', { class: c.ok === true ? 'ok' : c.ok === false ? 'bad' : 'info' },
    h('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok === true ? '✔' : c.ok === false ? '✘' : 'ℹ'),
    h('span', { class: 'sr-only' }, c.ok === true ? 'passed: ' : c.ok === false ? 'failed: ' : 'note: '),
    h('strong', {}, c.name), ' ', h('code', { class: 'mono break' }, c.detail))));
}

export function executionDetailPage(id) {
  const el = h('section', {}, h('p', {}, h('a', { href: '#/executions' }, '← All executions')), h('h1', {}, `Execution #${id}`));
  const body = h('div', {}, loading('Loading the execution…'));
  el.append(body);

  async function load() {
    body.replaceChildren(loading('Loading the execution…'));
    let found;
    try {
      found = await findJob(id);
    } catch (e) {
      body.replaceChildren(errorBox(e, load));
      return;
    }
    if (!found) {
      body.replaceChildren(empty(`No job #${id} in the coordinator's history.`));
      return;
    }
    const { job: j, siblings } = found;
    const compile = siblings.find((s) => s.job_type === 'compile');
    const chainBox = h('div', {}, loading('Reading the transaction from the chain…'));
    const attBox = h('div', {}, j.job_type === 'execute' ? loading('Loading the attestation…') : empty('Compile jobs have no execution attestation.'));
    body.replaceChildren(
      h('div', { class: 'grid2' },
        h('article', { class: 'card' }, h('h2', {}, 'Job'), dl([
          ['Status', statusBadge(j.status)],
          ['Type', j.job_type],
          ['Request', `${j.request_id} (data id ${short(j.data_id, 16)})`],
          ['User', j.user_account_id || '–'],
          ['Worker', j.worker_id || '–'],
          ['Program', j.github_repo ? `${j.github_repo} @ ${j.github_commit || '?'}` : 'WASM URL'],
          ['Instructions', j.instructions_used != null ? `${Number(j.instructions_used).toLocaleString()} (${compact(j.instructions_used)})` : '–'],
          ['Execution time', ms(j.execution_time_ms)],
          ['Compile time', ms(compile ? compile.compile_time_ms : j.compile_time_ms)],
          ['Attached', near(j.near_payment_yocto)],
          ['Created', when(j.created_at)],
          j.error_details && ['Error', h('pre', { class: 'pre' }, j.error_details)],
        ])),
        h('article', { class: 'card' }, h('h2', {}, 'On chain'), chainBox)),
      h('article', { class: 'card' }, h('h2', {}, 'Attestation'), attBox));

    let chain = null;
    if (j.transaction_hash && j.user_account_id) {
      try {
        const tx = await txStatus(j.transaction_hash, j.user_account_id, 'NONE');
        chain = readRequestTx(tx);
        const c = chain.completed;
        chainBox.replaceChildren(dl([
          ['Transaction', explorerTx(j.transaction_hash)],
          ['State', chain.finished ? (chain.failure ? `failed: ${chain.failure}` : 'resolved') : 'waiting for the worker'],
          c && ['Charged', near(c.payment_charged)],
          c && ['Refunded', near(c.payment_refunded)],
          c && c.resources_used && ['Measured', `${compact(c.resources_used.instructions)} instructions, ${ms(c.resources_used.time_ms)}`],
          c && c.error_message && ['Error', c.error_message],
          chain.request && ['Input', h('pre', { class: 'pre' }, chain.request.input_data == null ? '(none)' : String(chain.request.input_data))],
          chain.outputText != null && ['Output', h('pre', { class: 'pre', id: 'exec-output' }, chain.outputText)],
        ]));
      } catch (e) {
        chainBox.replaceChildren(errorBox(e, load));
      }
    } else {
      chainBox.replaceChildren(empty('No transaction recorded for this job.'));
    }

    if (j.job_type !== 'execute') return;
    try {
      const key = localStorage.getItem('outlayer-api-key') || 'not-required';
      const a = await coord(`/attestations/${j.job_id}`, { headers: { 'X-API-Key': key } });
      const checks = [...(await verifyAttestation(a)), ...(chain ? await verifyAgainstChain(a, chain) : [])];
      const ok = checks.every((c) => c.ok !== false);
      attBox.replaceChildren(
        h('p', { class: ok ? 'verdict ok' : 'verdict bad', role: 'status' }, ok ? '✔ The attestation record verifies' : '✘ The attestation record does not verify'),
        checkList(checks),
        dl([
          ['Task', `${a.task_type} #${a.task_id}`],
          ['Worker measurement', copyable(a.worker_measurement)],
          ['WASM hash', copyable(a.wasm_hash)],
          ['Input hash', copyable(a.input_hash)],
          ['Output hash', copyable(a.output_hash)],
          ['Block height', a.block_height != null ? String(a.block_height) : '–'],
          ['Recorded', when(a.timestamp ? a.timestamp * 1000 : null)],
        ]));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) attBox.replaceChildren(empty('No attestation found for this job.'));
      else if (e instanceof ApiError && (e.status === 401 || e.status === 403)) attBox.replaceChildren(apiKeyForm(load, e));
      else attBox.replaceChildren(errorBox(e, load));
    }
  }
  load();
  return { title: `Execution #${id}`, el };
}

function apiKeyForm(reload, err) {
  const input = h('input', { type: 'password', autocomplete: 'off', placeholder: 'X-API-Key' });
  return h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); localStorage.setItem('outlayer-api-key', input.value.trim()); reload(); } },
    h('p', {}, `This coordinator needs an API key to show attestations (${err.message}).`),
    field('API key', input), h('button', { class: 'btn', type: 'submit' }, 'Use key'));
}
