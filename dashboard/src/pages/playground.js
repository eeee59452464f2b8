// Playground: pick an example program (or a WASM URL + hash, or a repository
// + commit), edit the input, limits and response format, send
// request_execution, and watch it go queued → compiling → running → resolved.
import { callContract, coord, currentAccount, getConfig, sha256Hex, txStatus } from '../api.js';
import { readRequestTx } from '../chain.js';
import { h, field, errorBox, near, compact, ms, nearToYocto, loading } from '../ui.js';

const STAGES = ['queued', 'compiling', 'running', 'resolved'];

function stepper() {
  const items = STAGES.map((s) => h('li', { 'data-stage': s }, s));
  const el = h('ol', { class: 'stepper', 'aria-label': 'Request progress' }, items);
  return {
    el,
    set(stage, failed) {
      const k = STAGES.indexOf(stage);
      items.forEach((li, i) => {
        li.className = i < k ? 'done' : i === k ? (failed ? 'current bad' : stage === 'resolved' ? 'done' : 'current') : '';
        if (i === k) li.setAttribute('aria-current', 'step');
        else li.removeAttribute('aria-current');
      });
    },
  };
}

export function playgroundPage() {
  const cfg = getConfig();
  const srcKinds = [['example', 'Example program'], ['url', 'WASM URL + hash'], ['repo', 'Repository + commit']];
  const radios = srcKinds.map(([v, label], i) => h('label', { class: 'radio' },
    h('input', { type: 'radio', name: 'src', value: v, checked: i === 0 }), ' ', label));
  const example = h('select', { id: 'pg-example' }, h('option', { value: '' }, 'Loading examples…'));
  const exampleInfo = h('small', { class: 'muted' });
  const wasmUrl = h('input', { type: 'url', id: 'pg-url', placeholder: 'https://…/program.wasm' });
  const wasmHash = h('input', { type: 'text', id: 'pg-hash', placeholder: '64 hex digits', spellcheck: 'false' });
  const calc = h('button', { type: 'button', class: 'btn small ghost' }, 'Calculate hash');
  const repo = h('input', { type: 'text', id: 'pg-repo', placeholder: 'https://github.com/owner/repo' });
  const commit = h('input', { type: 'text', id: 'pg-commit', placeholder: 'main or a commit id', value: 'main' });
  const target = h('select', { id: 'pg-target' }, h('option', { value: 'wasm32-wasip1' }, 'wasm32-wasip1'), h('option', { value: 'wasm32-wasip2' }, 'wasm32-wasip2'));
  const input = h('textarea', { id: 'pg-input', rows: 4, spellcheck: 'false' });
  const format = h('select', { id: 'pg-format' }, ['Text', 'Json', 'Bytes'].map((f) => h('option', { value: f }, f)));
  const maxInstr = h('input', { type: 'number', id: 'pg-instr', min: 1, value: 1000000000 });
  const maxMem = h('input', { type: 'number', id: 'pg-mem', min: 1, max: 4096, value: 128 });
  const maxSec = h('input', { type: 'number', id: 'pg-sec', min: 1, max: 180, value: 60 });
  const profile = h('input', { type: 'text', id: 'pg-profile', placeholder: 'none' });
  const owner = h('input', { type: 'text', id: 'pg-owner', placeholder: 'secrets owner (default: you)' });
  const deposit = h('input', { type: 'text', id: 'pg-deposit', value: '0.1', inputmode: 'decimal' });
  const submit = h('button', { type: 'submit', class: 'btn', id: 'pg-submit' }, 'Send request_execution');
  const status = h('div', { class: 'run', 'aria-live': 'polite' });
  let examples = [];
  let stopped = false;

  const cacheInfo = h('small', { class: 'muted', 'aria-live': 'polite' });
  const checkCache = h('button', { type: 'button', class: 'btn small ghost' }, 'Check WASM cache');
  checkCache.addEventListener('click', async () => {
    cacheInfo.textContent = 'Checking…';
    try {
      const { args } = buildArgs();
      const cs = args.code_source;
      let r;
      if (cs.WasmUrl) r = await coord(`/public/wasm/exists/${cs.WasmUrl.hash}`);
      else r = await coord(`/public/wasm/info?${new URLSearchParams({ repo_url: cs.GitHub.repo, commit_hash: cs.GitHub.commit, build_target: cs.GitHub.build_target })}`);
      cacheInfo.textContent = r.exists
        ? `In the coordinator's cache${r.created_at ? ` since ${new Date(r.created_at).toLocaleString()}` : ''}: no compile step.`
        : 'Not cached: the first request fetches or builds it.';
    } catch (e) {
      cacheInfo.textContent = `Cannot check: ${e.message}`;
    }
  });
  const panes = {
    example: h('div', { class: 'pane' }, field('Program', example), exampleInfo),
    url: h('div', { class: 'pane', hidden: true }, field('WASM URL', wasmUrl), field('SHA-256', wasmHash), calc),
    repo: h('div', { class: 'pane', hidden: true }, field('Repository', repo), field('Commit or branch', commit), field('Build target', target)),
  };
  const kind = () => radios.map((r) => r.querySelector('input')).find((r) => r.checked).value;
  for (const r of radios) r.querySelector('input').addEventListener('change', () => {
    for (const [k, p] of Object.entries(panes)) p.hidden = k !== kind();
  });

  function pickExample() {
    const ex = examples.find((e) => e.name === example.value);
    if (!ex) return;
    exampleInfo.textContent = `${ex.description} · ${ex.size.toLocaleString()} bytes · sha256 ${ex.sha256.slice(0, 16)}…`;
    input.value = ex.input;
    format.value = ex.format;
  }
  example.addEventListener('change', pickExample);
  coord('/examples/index.json').then((list) => {
    examples = list || [];
    example.replaceChildren(...examples.map((e) => h('option', { value: e.name }, e.name)));
    const pre = new URLSearchParams(location.hash.split('?')[1] || '').get('example');
    example.value = examples.some((e) => e.name === pre) ? pre : examples.some((e) => e.name === 'hello') ? 'hello' : (examples[0] || {}).name || '';
    pickExample();
  }).catch((e) => {
    example.replaceChildren(h('option', { value: '' }, 'examples unavailable'));
    exampleInfo.replaceChildren(errorBox(e));
  });

  calc.addEventListener('click', async () => {
    calc.disabled = true;
    calc.textContent = 'Downloading…';
    try {
      const r = await fetch(wasmUrl.value);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      wasmHash.value = await sha256Hex(new Uint8Array(await r.arrayBuffer()));
    } catch (e) {
      status.replaceChildren(errorBox(new Error(`cannot download ${wasmUrl.value}: ${e.message}`)));
    } finally {
      calc.disabled = false;
      calc.textContent = 'Calculate hash';
    }
  });

  function buildArgs() {
    let codeSource;
    const k = kind();
    if (k === 'example') {
      const ex = examples.find((e) => e.name === example.value);
      if (!ex) throw new Error('choose an example program');
      codeSource = { WasmUrl: { url: new URL(`/${ex.file}`, location.origin).href, hash: ex.sha256, build_target: 'wasm32-wasip1' } };
    } else if (k === 'url') {
      if (!/^https?:\/\/\S+$/.test(wasmUrl.value)) throw new Error('the WASM URL must be an http(s) URL');
      if (!/^[0-9a-fA-F]{64}$/.test(wasmHash.value.trim())) throw new Error('the hash must be 64 hex digits (use Calculate hash)');
      codeSource = { WasmUrl: { url: wasmUrl.value, hash: wasmHash.value.trim().toLowerCase(), build_target: 'wasm32-wasip1' } };
    } else {
      if (!repo.value.trim()) throw new Error('the repository is required');
      codeSource = { GitHub: { repo: repo.value.trim(), commit: commit.value.trim() || 'main', build_target: target.value } };
    }
    const raw = input.value;
    let inputData = raw;
    try {
      inputData = JSON.stringify(JSON.parse(raw)); // compact if it is JSON
    } catch {
      inputData = raw;
    }
    const limits = { max_instructions: Number(maxInstr.value), max_memory_mb: Number(maxMem.value), max_execution_seconds: Number(maxSec.value) };
    for (const [k2, v] of Object.entries(limits)) if (!Number.isInteger(v) || v <= 0) throw new Error(`${k2} must be a positive whole number`);
    const args = { code_source: codeSource, resource_limits: limits, input_data: inputData, response_format: format.value };
    if (profile.value.trim()) {
      const acc = currentAccount();
      args.secrets_ref = { profile: profile.value.trim(), account_id: owner.value.trim() || (acc ? acc.accountId : '') };
      if (!args.secrets_ref.account_id) throw new Error('name the secrets owner');
    }
    const dep = nearToYocto(deposit.value);
    if (!dep) throw new Error('the deposit must be an amount of NEAR like 0.1');
    return { args, dep };
  }

  async function follow(hash, signer, steps, out) {
    const deadline = Date.now() + 180000;
    while (!stopped && Date.now() < deadline) {
      let chain = null;
      try {
        chain = readRequestTx(await txStatus(hash, signer, 'NONE'));
      } catch {
        chain = null; // not visible yet
      }
      let jobs = [];
      try {
        jobs = (await coord(`/public/jobs?limit=20&user_account_id=${encodeURIComponent(signer)}`)).filter((j) => j.transaction_hash === hash);
      } catch {
        jobs = [];
      }
      if (chain && chain.finished && (chain.completed || chain.failure)) {
        const c = chain.completed;
        const failed = !!chain.failure || (c && c.success === false);
        steps.set('resolved', failed);
        const exec = jobs.find((j) => j.job_type === 'execute');
        out.replaceChildren(h('dl', { class: 'kv result' },
          h('dt', {}, 'Output'), h('dd', {}, h('pre', { class: 'pre', id: 'pg-output' }, chain.outputText ?? (c && c.error_message) ?? chain.failure ?? '')),
          c && [h('dt', {}, 'Success'), h('dd', {}, String(c.success))],
          c && c.error_message && [h('dt', {}, 'Error'), h('dd', {}, c.error_message)],
          c && [h('dt', {}, 'Cost'), h('dd', { id: 'pg-cost' }, near(c.payment_charged, 7))],
          c && [h('dt', {}, 'Refund'), h('dd', { id: 'pg-refund' }, near(c.payment_refunded, 7))],
          c && c.resources_used && [h('dt', {}, 'Used'), h('dd', {}, `${compact(c.resources_used.instructions)} instructions, ${ms(c.resources_used.time_ms)}`)],
          h('dt', {}, 'Transaction'), h('dd', {}, h('code', { class: 'mono break' }, hash)),
          exec && [h('dt', {}, 'Execution'), h('dd', {}, h('a', { href: `#/executions/${exec.job_id}` }, `#${exec.job_id} details →`))]));
        return;
      }
      const exec = jobs.find((j) => j.job_type === 'execute');
      const comp = jobs.find((j) => j.job_type === 'compile');
      steps.set(exec ? 'running' : comp ? 'compiling' : 'queued');
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!stopped) out.replaceChildren(errorBox(new Error('no result after 3 minutes; the request stays on chain and shows under Executions when it resolves')));
  }

  const form = h('form', { class: 'playground', id: 'pg-form', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    let built;
    try {
      built = buildArgs();
    } catch (e) {
      status.replaceChildren(h('p', { class: 'state error', role: 'alert' }, e.message));
      return;
    }
    const steps = stepper();
    const out = h('div', {}, loading('Signing and sending…'));
    status.replaceChildren(steps.el, out);
    submit.disabled = true;
    try {
      const r = await callContract({ method: 'request_execution', args: built.args, deposit: built.dep, wait: 'INCLUDED' });
      if (r.status === 'failure') throw Object.assign(new Error(`the contract refused: ${r.failure}`), { source: 'rpc' });
      steps.set('queued');
      out.replaceChildren(loading(`Transaction ${r.transaction_hash} sent; waiting for a worker…`));
      await follow(r.transaction_hash, r.signer_id, steps, out);
    } catch (e) {
      out.replaceChildren(errorBox(e));
    } finally {
      submit.disabled = false;
    }
  } },
  h('fieldset', {}, h('legend', {}, 'Program'), h('div', { class: 'radios' }, radios), panes.example, panes.url, panes.repo,
    h('div', { class: 'cache-row' }, checkCache, ' ', cacheInfo)),
  h('fieldset', {}, h('legend', {}, 'Request'),
    field('Input (stdin)', input, 'JSON is sent compact; anything else as it is.'),
    h('div', { class: 'row3' }, field('Response format', format), field('Deposit (NEAR)', deposit, 'unused part refunded')),
    h('div', { class: 'row3' }, field('Max instructions', maxInstr), field('Max memory (MB)', maxMem), field('Max seconds', maxSec)),
    h('div', { class: 'row3' }, field('Secrets profile', profile), field('Secrets owner', owner))),
  submit);

  return {
    title: 'Playground',
    el: h('section', {}, h('h1', {}, 'Playground'),
      h('p', { class: 'muted' }, `Sends request_execution to ${cfg.contract_id}${cfg.signer_url ? ', signed by the outlayer dev account' : ' from your wallet'}.`),
      h('div', { class: 'grid2 wide-left' }, form, h('div', {}, h('h2', {}, 'Result'), status))),
    cleanup: () => { stopped = true; },
  };
}
