// Secrets: list the account's secret profiles, and create, replace or
// delete one. The plaintext is sealed in this page (libsodium's
// crypto_box_seal to the keystore's key for the accessor and owner, blob
// format of docs/secrets.md) and never sent anywhere: only the blob goes on
// chain, and the key request carries "{}" as its secrets_json.
import { callContract, coord, coordPost, currentAccount, onAccountChange, view, b64encode } from '../api.js';
import { h, field, loading, empty, errorBox, near, when, short } from '../ui.js';

const OPS = ['Gte', 'Lte', 'Gt', 'Lt', 'Eq', 'Ne'];
const TYPES = ['AllowAll', 'Whitelist', 'AccountPattern', 'NearBalance', 'FtBalance', 'NftOwned', 'DaoMember', 'Logic', 'Not'];
const ACCOUNT_RE = /^(?=.{2,64}$)(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+$/;

// ---- the access condition: a tree of plain objects {type, ...fields} ----
function defaults(type) {
  switch (type) {
    case 'Whitelist': return { type, accounts: '' };
    case 'AccountPattern': return { type, pattern: '.*\\.near' };
    case 'NearBalance': return { type, operator: 'Gte', near: '1' };
    case 'FtBalance': return { type, contract: '', operator: 'Gte', value: '1' };
    case 'NftOwned': return { type, contract: '', token_id: '' };
    case 'DaoMember': return { type, dao_contract: '', role: '' };
    case 'Logic': return { type, operator: 'And', conditions: [{ type: 'AllowAll' }] };
    case 'Not': return { type, condition: { type: 'AllowAll' } };
    default: return { type: 'AllowAll' };
  }
}

function fromContract(c) {
  if (c === 'AllowAll' || !c) return { type: 'AllowAll' };
  const [type, v] = Object.entries(c)[0];
  switch (type) {
    case 'Whitelist': return { type, accounts: (v.accounts || []).join(', ') };
    case 'NearBalance': return { type, operator: v.operator, near: yoctoToNearText(v.value) };
    case 'NftOwned': return { type, contract: v.contract, token_id: v.token_id || '' };
    case 'Logic': return { type, operator: v.operator, conditions: (v.conditions || []).map(fromContract) };
    case 'Not': return { type, condition: fromContract(v.condition) };
    default: return { type, ...v };
  }
}

function yoctoToNearText(y) {
  const s = String(y || '0').padStart(25, '0');
  const frac = s.slice(-24).replace(/0+$/, '');
  return s.slice(0, -24).replace(/^0+(?=\d)/, '') + (frac ? `.${frac}` : '');
}

function nearTextToYocto(t) {
  const m = /^(\d+)(?:\.(\d{1,24}))?$/.exec(String(t).trim());
  if (!m) return null;
  return (BigInt(m[1]) * 10n ** 24n + BigInt((m[2] || '').padEnd(24, '0'))).toString();
}

// -> [contractJson, errors[]]
export function toContract(n, path = 'condition', errors = []) {
  const need = (ok, msg) => { if (!ok) errors.push(`${path}: ${msg}`); };
  switch (n.type) {
    case 'AllowAll': return ['AllowAll', errors];
    case 'Whitelist': {
      const accounts = n.accounts.split(/[\s,]+/).filter(Boolean);
      need(accounts.length > 0, 'list at least one account');
      for (const a of accounts) need(ACCOUNT_RE.test(a), `"${a}" is not a NEAR account id`);
      return [{ Whitelist: { accounts } }, errors];
    }
    case 'AccountPattern': {
      need(n.pattern.length > 0 && n.pattern.length <= 512, 'a pattern of 1–512 characters');
      try {
        new RegExp(n.pattern.replace(/\(\?i\)/g, ''));
      } catch {
        need(false, 'the pattern is not a valid regular expression');
      }
      return [{ AccountPattern: { pattern: n.pattern } }, errors];
    }
    case 'NearBalance': {
      const v = nearTextToYocto(n.near);
      need(v !== null, 'the amount must be a number of NEAR like 1 or 0.5');
      return [{ NearBalance: { operator: n.operator, value: v || '0' } }, errors];
    }
    case 'FtBalance':
      need(ACCOUNT_RE.test(n.contract), 'the token contract must be an account id');
      need(/^\d+$/.test(n.value), 'the amount must be a whole number of the token\'s smallest unit');
      return [{ FtBalance: { contract: n.contract, operator: n.operator, value: n.value } }, errors];
    case 'NftOwned':
      need(ACCOUNT_RE.test(n.contract), 'the NFT contract must be an account id');
      return [{ NftOwned: { contract: n.contract, token_id: n.token_id.trim() || null } }, errors];
    case 'DaoMember':
      need(ACCOUNT_RE.test(n.dao_contract), 'the DAO contract must be an account id');
      need(n.role.trim().length > 0, 'name the role');
      return [{ DaoMember: { dao_contract: n.dao_contract, role: n.role.trim() } }, errors];
    case 'Logic':
      return [{ Logic: { operator: n.operator, conditions: n.conditions.map((c, i) => toContract(c, `${path}.${n.operator}[${i + 1}]`, errors)[0]) } }, errors];
    case 'Not':
      return [{ Not: { condition: toContract(n.condition, `${path}.Not`, errors)[0] } }, errors];
    default:
      need(false, 'unknown type');
      return ['AllowAll', errors];
  }
}

function conditionEditor(node, onChange, depth = 0) {
  const wrap = h('div', { class: `cond depth${Math.min(depth, 3)}` });
  const draw = () => {
    const typeSel = h('select', { 'aria-label': 'condition type' }, TYPES.map((t) => h('option', { value: t }, t)));
    typeSel.value = node.type;
    typeSel.addEventListener('change', () => {
      for (const k of Object.keys(node)) delete node[k];
      Object.assign(node, defaults(typeSel.value));
      draw();
      onChange();
    });
    const text = (key, label, attrs = {}) => {
      const i = h('input', { type: 'text', value: node[key], spellcheck: 'false', ...attrs });
      i.addEventListener('input', () => { node[key] = i.value; onChange(); });
      return field(label, i);
    };
    const select = (key, label, options) => {
      const s = h('select', {}, options.map((o) => h('option', { value: o }, o)));
      s.value = node[key];
      s.addEventListener('change', () => { node[key] = s.value; onChange(); });
      return field(label, s);
    };
    const body = [];
    switch (node.type) {
      case 'Whitelist': body.push(text('accounts', 'Accounts (comma-separated)', { placeholder: 'alice.near, bob.near' })); break;
      case 'AccountPattern': body.push(text('pattern', 'Pattern (whole account id must match)')); break;
      case 'NearBalance': body.push(select('operator', 'Operator', OPS), text('near', 'Balance (NEAR)', { inputmode: 'decimal' })); break;
      case 'FtBalance': body.push(text('contract', 'Token contract'), select('operator', 'Operator', OPS), text('value', 'Amount (smallest unit)')); break;
      case 'NftOwned': body.push(text('contract', 'NFT contract'), text('token_id', 'Token id (empty: any token)')); break;
      case 'DaoMember': body.push(text('dao_contract', 'DAO contract'), text('role', 'Role')); break;
      case 'Logic': {
        body.push(select('operator', 'All or any', ['And', 'Or']));
        node.conditions.forEach((c, i) => {
          const rm = h('button', { type: 'button', class: 'btn small ghost', 'aria-label': `remove condition ${i + 1}` }, 'Remove');
          rm.addEventListener('click', () => {
            node.conditions.splice(i, 1);
            if (!node.conditions.length) node.conditions.push({ type: 'AllowAll' });
            draw();
            onChange();
          });
          body.push(h('div', { class: 'cond-item' }, conditionEditor(c, onChange, depth + 1), rm));
        });
        const add = h('button', { type: 'button', class: 'btn small ghost' }, '+ Add condition');
        add.addEventListener('click', () => { node.conditions.push({ type: 'AllowAll' }); draw(); onChange(); });
        body.push(add);
        break;
      }
      case 'Not': body.push(conditionEditor(node.condition, onChange, depth + 1)); break;
      default: body.push(h('small', { class: 'muted' }, 'Anyone who requests the program gets the secrets.'));
    }
    wrap.replaceChildren(field('Condition', typeSel), h('div', { class: 'cond-body' }, body));
  };
  draw();
  return wrap;
}

// KEY=VALUE lines or a JSON object of strings -> {map, errors}
export function parseSecrets(text, optional = false) {
  const errors = [];
  let map = {};
  const t = text.trim();
  if (!t && optional) return { map, errors };
  if (t.startsWith('{')) {
    try {
      map = JSON.parse(t);
    } catch {
      return { map: {}, errors: ['the secrets are not valid JSON'] };
    }
    if (typeof map !== 'object' || Array.isArray(map) || map === null) return { map: {}, errors: ['a JSON object of strings, please'] };
  } else {
    for (const [i, line] of t.split('\n').entries()) {
      if (!line.trim() || line.trim().startsWith('#')) continue;
      const eq = line.indexOf('=');
      if (eq < 0) { errors.push(`line ${i + 1}: expected NAME=VALUE`); continue; }
      map[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
  }
  const names = Object.keys(map);
  if (!names.length && !optional) errors.push('enter at least one secret (or a secret to generate)');
  for (const n of names) {
    if (typeof map[n] !== 'string') errors.push(`${n}: the value must be a string`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) || n.length > 128) errors.push(`${n}: names are letters, digits and _, not starting with a digit, at most 128`);
    if (n.startsWith('PROTECTED_')) errors.push(`${n}: PROTECTED_* names are only for secrets the keystore generates`);
    if (n.startsWith('NEAR_')) errors.push(`${n}: NEAR_* names are set by the worker`);
  }
  return { map, errors };
}

// 'o' 'l' 0x01 ‖ crypto_box_seal(plaintext, pk), standard base64.
export async function seal(plaintext, pubkeyHex) {
  const { default: sodium } = await import('libsodium-wrappers');
  await sodium.ready;
  const sealed = sodium.crypto_box_seal(new TextEncoder().encode(plaintext), sodium.from_hex(pubkeyHex));
  const blob = new Uint8Array(3 + sealed.length);
  blob.set([0x6f, 0x6c, 0x01]);
  blob.set(sealed, 3);
  return b64encode(blob);
}

function describeAccess(c) {
  if (c === 'AllowAll') return 'anyone';
  const [t, v] = Object.entries(c)[0];
  switch (t) {
    case 'Whitelist': return `whitelist: ${v.accounts.slice(0, 3).join(', ')}${v.accounts.length > 3 ? ` +${v.accounts.length - 3}` : ''}`;
    case 'AccountPattern': return `account matches ${v.pattern}`;
    case 'NearBalance': return `NEAR balance ${v.operator} ${yoctoToNearText(v.value)} NEAR`;
    case 'FtBalance': return `${v.contract} balance ${v.operator} ${v.value}`;
    case 'NftOwned': return `owns NFT ${v.contract}${v.token_id ? '#' + v.token_id : ''}`;
    case 'DaoMember': return `${v.role} of ${v.dao_contract}`;
    case 'Logic': return `(${v.conditions.map(describeAccess).join(v.operator === 'And' ? ' and ' : ' or ')})`;
    case 'Not': return `not ${describeAccess(v.condition)}`;
    default: return t;
  }
}

export function secretsPage() {
  const listBox = h('div', { 'aria-live': 'polite' }, loading('Loading your secrets…'));
  const kind = h('select', { id: 's-kind' }, h('option', { value: 'WasmHash' }, 'WASM hash'), h('option', { value: 'Repo' }, 'Repository'));
  const hash = h('input', { type: 'text', id: 's-hash', placeholder: '64 hex digits', spellcheck: 'false' });
  const repo = h('input', { type: 'text', id: 's-repo', placeholder: 'github.com/owner/repo' });
  const branch = h('input', { type: 'text', id: 's-branch', placeholder: 'any branch' });
  const profile = h('input', { type: 'text', id: 's-profile', value: 'default' });
  const secrets = h('textarea', { id: 's-secrets', rows: 4, spellcheck: 'false', autocomplete: 'off', placeholder: 'API_KEY=sk-…\nOTHER=…' });
  const preview = h('pre', { class: 'pre', id: 's-preview', 'aria-label': 'access condition JSON' });
  const problems = h('ul', { class: 'problems', role: 'alert' });
  const deposit = h('p', { class: 'muted', id: 's-deposit' }, 'Storage deposit: estimated before signing.');
  const submit = h('button', { type: 'submit', class: 'btn', id: 's-submit' }, 'Encrypt and store');
  const result = h('div', { 'aria-live': 'polite' });
  const exPick = h('select', { id: 's-example', 'aria-label': 'fill the hash of an example program' }, h('option', { value: '' }, 'or the hash of an example…'));
  exPick.addEventListener('change', () => { if (exPick.value) hash.value = exPick.value; });
  coord('/examples/index.json').then((list) => exPick.append(...(list || []).map((e) => h('option', { value: e.sha256 }, e.name)))).catch(() => { exPick.hidden = true; });
  const hashRow = h('div', {}, field('WASM hash', hash), exPick);
  const repoRow = h('div', { hidden: true }, field('Repository', repo), field('Branch (optional)', branch));
  // Secrets the keystore generates (PROTECTED_*): nobody, not even the
  // owner, ever sees them; the program gets them as environment variables.
  const GEN_TYPES = ['hex32', 'hex16', 'hex64', 'ed25519', 'ed25519_seed', 'password', 'password:64'];
  const genRows = [];
  const genBox = h('div', { class: 'gen-rows' });
  const drawGen = () => genBox.replaceChildren(...genRows.map((g, i) => {
    const name = h('input', { type: 'text', value: g.name, spellcheck: 'false', 'aria-label': `generated secret ${i + 1} name` });
    name.addEventListener('input', () => { g.name = name.value; });
    const type = h('select', { 'aria-label': `generated secret ${i + 1} type` }, GEN_TYPES.map((t) => h('option', { value: t }, t)));
    type.value = g.type;
    type.addEventListener('change', () => { g.type = type.value; });
    const rm = h('button', { type: 'button', class: 'btn small ghost', 'aria-label': `remove generated secret ${i + 1}` }, 'Remove');
    rm.addEventListener('click', () => { genRows.splice(i, 1); drawGen(); });
    return h('div', { class: 'gen-row' }, name, type, rm);
  }));
  const addGen = h('button', { type: 'button', class: 'btn small ghost' }, '+ Secret to generate');
  addGen.addEventListener('click', () => { genRows.push({ name: `PROTECTED_KEY${genRows.length ? genRows.length + 1 : ''}`, type: 'hex32' }); drawGen(); });
  let cond = { type: 'AllowAll' };
  const condBox = h('div');
  const stops = [];

  const refreshPreview = () => {
    const [json, errs] = toContract(cond);
    preview.textContent = JSON.stringify(json, null, 2);
    problems.replaceChildren(...errs.map((e) => h('li', {}, e)));
    return errs;
  };
  const drawCond = () => {
    condBox.replaceChildren(conditionEditor(cond, refreshPreview));
    refreshPreview();
  };
  drawCond();
  kind.addEventListener('change', () => {
    hashRow.hidden = kind.value !== 'WasmHash';
    repoRow.hidden = kind.value !== 'Repo';
  });

  function accessorInputs() {
    if (kind.value === 'WasmHash') {
      const hx = hash.value.trim().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hx)) throw new Error('the WASM hash must be 64 hex digits');
      return { type: 'WasmHash', hash: hx };
    }
    if (!repo.value.trim()) throw new Error('the repository is required');
    return { type: 'Repo', repo: repo.value.trim(), branch: branch.value.trim() || null };
  }

  async function loadList() {
    const acc = currentAccount();
    if (!acc) {
      listBox.replaceChildren(empty('Connect a wallet to see and store your secrets.'));
      return;
    }
    listBox.replaceChildren(loading('Loading your secrets…'));
    try {
      const list = (await view('list_user_secrets', { account_id: acc.accountId })) || [];
      if (!list.length) {
        listBox.replaceChildren(empty(`${acc.accountId} has no secrets stored yet.`));
        return;
      }
      listBox.replaceChildren(h('ul', { class: 'cards' }, list.map((s) => {
        const a = s.accessor.WasmHash ? `WASM ${s.accessor.WasmHash.hash.slice(0, 8)}…${s.accessor.WasmHash.hash.slice(-8)}`
          : `${s.accessor.Repo.repo}${s.accessor.Repo.branch ? ` @ ${s.accessor.Repo.branch}` : ''}`;
        const del = h('button', { type: 'button', class: 'btn small danger' }, 'Delete');
        del.addEventListener('click', async () => {
          if (!confirm(`Delete profile "${s.profile}" for ${a}? The storage deposit is refunded.`)) return;
          del.disabled = true;
          try {
            const r = await callContract({ method: 'delete_secrets', args: { accessor: s.accessor, profile: s.profile }, gas: '30000000000000', deposit: '0' });
            if (r.status === 'failure') throw new Error(`the contract refused: ${r.failure}`);
            loadList();
          } catch (e) {
            del.disabled = false;
            listBox.prepend(errorBox(e));
          }
        });
        const replace = h('button', { type: 'button', class: 'btn small ghost' }, 'Replace');
        replace.addEventListener('click', () => {
          if (s.accessor.WasmHash) { kind.value = 'WasmHash'; hash.value = s.accessor.WasmHash.hash; }
          else { kind.value = 'Repo'; repo.value = s.accessor.Repo.repo; branch.value = s.accessor.Repo.branch || ''; }
          kind.dispatchEvent(new Event('change'));
          profile.value = s.profile;
          cond = fromContract(s.access);
          drawCond();
          secrets.value = '';
          secrets.focus();
          result.replaceChildren(h('p', { class: 'state' }, 'Stored values cannot be read back: enter the new values; they replace the old ones.'));
        });
        return h('li', { class: 'card', 'data-profile': s.profile },
          h('strong', {}, a), h('div', {}, 'profile ', h('code', {}, s.profile)),
          h('div', { class: 'muted' }, `access: ${describeAccess(s.access)}`),
          h('div', { class: 'muted' }, `stored ${when(Number(s.created_at) / 1e6)} · deposit ${near(s.storage_deposit, 4)}`),
          h('div', { class: 'actions' }, replace, del));
      })));
    } catch (e) {
      listBox.replaceChildren(errorBox(e, loadList));
    }
  }

  const form = h('form', { class: 'secrets-form', id: 's-form', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    result.replaceChildren();
    const acc = currentAccount();
    const errs = refreshPreview();
    const parsed = parseSecrets(secrets.value, genRows.length > 0);
    const all = [...errs, ...parsed.errors];
    const genNames = new Set();
    for (const g of genRows) {
      if (!/^PROTECTED_[A-Za-z0-9_]+$/.test(g.name) || g.name.length > 128) all.push(`${g.name || '(empty)'}: generated names are PROTECTED_ followed by letters, digits or _`);
      if (genNames.has(g.name) || g.name in parsed.map) all.push(`${g.name}: named twice`);
      genNames.add(g.name);
    }
    let accessor;
    try {
      accessor = accessorInputs();
    } catch (e) {
      all.push(e.message);
    }
    if (!profile.value.trim()) all.push('the profile name is required');
    if (!acc) all.push('connect a wallet first');
    if (all.length) {
      problems.replaceChildren(...all.map((e) => h('li', {}, e)));
      return;
    }
    submit.disabled = true;
    try {
      const [access] = toContract(cond);
      result.replaceChildren(loading('Asking the keystore for the public key…'));
      // secrets_json "{}": the keystore checks names of what it is sent; the
      // real names and values stay here (checked above).
      const pk = await coordPost('/secrets/pubkey', { accessor, owner: acc.accountId, secrets_json: '{}', access });
      let blob = Object.keys(parsed.map).length ? await seal(JSON.stringify(parsed.map), pk.pubkey) : null;
      let names = Object.keys(parsed.map);
      if (genRows.length) {
        result.replaceChildren(loading('The keystore generates the PROTECTED_* secrets…'));
        const g = await coordPost('/secrets/add_generated_secret', {
          accessor, owner: acc.accountId, access, encrypted_secrets_base64: blob,
          new_secrets: genRows.map((x) => ({ name: x.name, generation_type: x.type })),
        });
        blob = g.encrypted_data_base64;
        names = g.all_keys;
      }
      const contractAccessor = pk.accessor.type === 'WasmHash'
        ? { WasmHash: { hash: pk.accessor.hash } }
        : { Repo: { repo: pk.accessor.repo_normalized, branch: pk.accessor.branch || null } };
      const args = { accessor: contractAccessor, profile: profile.value.trim(), encrypted_secrets_base64: blob, access };
      const cost = await view('estimate_storage_cost', { ...args, owner: acc.accountId });
      deposit.textContent = `Storage deposit: ${near(cost, 6)} (refunded when the secrets are deleted).`;
      result.replaceChildren(loading(`Signing store_secrets with ${near(cost, 6)}…`));
      const r = await callContract({ method: 'store_secrets', args, gas: '50000000000000', deposit: String(cost), wait: 'EXECUTED' });
      if (r.status === 'failure') throw new Error(`the contract refused: ${r.failure}`);
      secrets.value = '';
      genRows.length = 0;
      drawGen();
      result.replaceChildren(h('p', { class: 'state ok', role: 'status' },
        `Stored ${names.length} secret(s) (${names.join(', ')}) as profile "${args.profile}" for ${pk.accessor.hash || pk.accessor.repo_normalized}; deposit ${near(cost, 6)}. Transaction ${r.transaction_hash}.`));
      loadList();
    } catch (e) {
      result.replaceChildren(errorBox(e));
    } finally {
      submit.disabled = false;
    }
  } },
  h('fieldset', {}, h('legend', {}, 'Which program'), field('Bind to', kind), hashRow, repoRow, field('Profile', profile)),
  h('fieldset', {}, h('legend', {}, 'Secrets'), field('Secrets (NAME=VALUE lines or a JSON object)', secrets, 'Encrypted in this browser; only the sealed blob leaves it.'),
    h('p', { class: 'muted' }, 'Secrets to generate: made by the keystore, seen by the program only.'), genBox, addGen),
  h('fieldset', {}, h('legend', {}, 'Who may use them'), condBox, h('details', { open: true }, h('summary', {}, 'Condition JSON'), preview), problems),
  deposit, submit, result);

  loadList();
  stops.push(onAccountChange(loadList));
  return {
    title: 'Secrets',
    el: h('section', {}, h('h1', {}, 'Secrets'),
      h('div', { class: 'grid2' }, h('div', {}, h('h2', {}, 'Store or replace'), form), h('div', {}, h('h2', {}, 'Your secrets'), listBox))),
    cleanup: () => stops.forEach((f) => f()),
  };
}
