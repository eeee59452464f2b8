// Everything the pages read or send: the coordinator's public API (same
// origin), NEAR JSON-RPC views, and signing (the development signer of
// `outlayer dev`, or a NEAR wallet through @near-wallet-selector).

export class ApiError extends Error {
  constructor(source, message, status = 0) {
    super(message);
    this.source = source; // 'coordinator' | 'rpc' | 'signer' | 'wallet' | 'keystore'
    this.status = status;
  }
}

const DEFAULT_RPC = {
  testnet: 'https://rpc.testnet.near.org',
  mainnet: 'https://rpc.mainnet.near.org',
};

let config = null;

export async function loadConfig() {
  if (config) return config;
  let c = {};
  try {
    const r = await fetch('/dashboard-config.json', { cache: 'no-store' });
    if (r.ok) c = await r.json();
  } catch {
    /* the coordinator is down: the pages say so when they load their data */
  }
  config = {
    network: c.network || 'testnet',
    contract_id: c.contract_id || 'outlayer.testnet',
    rpc_url: c.rpc_url || DEFAULT_RPC[c.network] || DEFAULT_RPC.testnet,
    signer_url: c.signer_url || null,
  };
  return config;
}

export function getConfig() {
  return config;
}

async function fetchJson(source, url, init, timeoutMs = 15000) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  let r;
  try {
    r = await fetch(url, { ...init, signal: ctl.signal, cache: 'no-store' });
  } catch (e) {
    const what = { coordinator: 'the coordinator', rpc: 'the NEAR RPC', signer: 'the development signer' }[source] || source;
    throw new ApiError(source, `cannot reach ${what} (${e.name === 'AbortError' ? 'timed out' : 'connection failed'})`);
  } finally {
    clearTimeout(timer);
  }
  const text = await r.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!r.ok) {
    const msg = (body && body.error) || text.slice(0, 200) || r.statusText;
    throw new ApiError(source, `${source} answered ${r.status}: ${msg}`, r.status);
  }
  return body;
}

// ---- coordinator (same origin) ----
export function coord(path, init) {
  return fetchJson('coordinator', path, init);
}

export function coordPost(path, body) {
  return coord(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

export async function coordText(path) {
  let r;
  try {
    r = await fetch(path, { cache: 'no-store' });
  } catch {
    throw new ApiError('coordinator', 'cannot reach the coordinator (connection failed)');
  }
  if (!r.ok) throw new ApiError('coordinator', `coordinator answered ${r.status}`, r.status);
  return r.text();
}

// ---- NEAR RPC ----
let rpcId = 0;
export async function rpc(method, params) {
  const body = await fetchJson('rpc', config.rpc_url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
  });
  if (body && body.error) {
    const e = body.error;
    const cause = (e.cause && e.cause.name) || e.name || 'error';
    throw new ApiError('rpc', `NEAR RPC ${method}: ${cause}${e.data ? ': ' + JSON.stringify(e.data).slice(0, 300) : ''}`);
  }
  return body.result;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function b64encode(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function b64decode(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// A contract view at finality final; the result bytes as JSON (empty = null).
export async function view(method, args, contract = config.contract_id) {
  const r = await rpc('query', {
    request_type: 'call_function',
    finality: 'final',
    account_id: contract,
    method_name: method,
    args_base64: b64encode(enc.encode(JSON.stringify(args))),
  });
  if (r.error) throw new ApiError('rpc', `view ${method}: ${r.error}`);
  const bytes = Uint8Array.from(r.result || []);
  return bytes.length ? JSON.parse(dec.decode(bytes)) : null;
}

export function txStatus(hash, sender, waitUntil = 'NONE') {
  return rpc('EXPERIMENTAL_tx_status', { tx_hash: hash, sender_account_id: sender, wait_until: waitUntil });
}

export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? enc.encode(data) : data;
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- signing ----
// On `outlayer dev` the coordinator names a development signer on loopback
// (dashboard-config.json's signer_url): it signs as the dev user and the key
// never reaches the page. Elsewhere a wallet signs.
let walletState = null; // {selector, modal, accountId}
const listeners = new Set();

export function onAccountChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify() {
  for (const fn of listeners) fn(currentAccount());
}

let devAccount = null;
export async function initAccount() {
  if (config.signer_url) {
    try {
      const a = await fetchJson('signer', `${config.signer_url}/account`, {}, 5000);
      devAccount = a.account_id;
    } catch (e) {
      devAccount = null;
      console.warn(e.message);
    }
    notify();
    return;
  }
  // A wallet connected in an earlier visit: load the selector only then.
  if (localStorage.getItem('near-wallet-selector:selectedWalletId')) await ensureWallet().catch(() => {});
}

export function currentAccount() {
  if (config.signer_url) return devAccount ? { accountId: devAccount, kind: 'dev' } : null;
  return walletState && walletState.accountId ? { accountId: walletState.accountId, kind: 'wallet' } : null;
}

async function ensureWallet() {
  if (walletState) return walletState;
  const [{ setupWalletSelector }, { setupModal }, { setupMyNearWallet }] = await Promise.all([
    import('@near-wallet-selector/core'),
    import('@near-wallet-selector/modal-ui'),
    import('@near-wallet-selector/my-near-wallet'),
  ]);
  const network = config.network === 'mainnet' ? 'mainnet' : 'testnet';
  const selector = await setupWalletSelector({ network, modules: [setupMyNearWallet()] });
  // An empty contractId, as the reference: no function-call key is made and
  // every transaction is confirmed in the wallet.
  const modal = setupModal(selector, { contractId: '' });
  walletState = { selector, modal, accountId: null };
  const update = (s) => {
    const acc = (s.accounts || []).find((a) => a.active) || (s.accounts || [])[0];
    walletState.accountId = acc ? acc.accountId : null;
    notify();
  };
  update(selector.store.getState());
  selector.store.observable.subscribe(update);
  return walletState;
}

export async function connectWallet() {
  const w = await ensureWallet();
  w.modal.show();
}

export async function disconnectWallet() {
  if (!walletState) return;
  const wallet = await walletState.selector.wallet();
  await wallet.signOut();
}

// Sends one function call. Resolves {transaction_hash, signer_id, status, value?, failure?}.
export async function callContract({ receiverId = config.contract_id, method, args, gas = '300000000000000', deposit = '0', wait = 'EXECUTED' }) {
  if (config.signer_url) {
    return fetchJson('signer', `${config.signer_url}/call`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ receiver_id: receiverId, method_name: method, args, gas, deposit, wait }),
    }, 120000);
  }
  const w = await ensureWallet();
  if (!w.accountId) throw new ApiError('wallet', 'connect a wallet first');
  let outcome;
  try {
    const wallet = await w.selector.wallet();
    outcome = await wallet.signAndSendTransaction({
      receiverId,
      actions: [{ type: 'FunctionCall', params: { methodName: method, args, gas, deposit } }],
    });
  } catch (e) {
    throw new ApiError('wallet', `the wallet refused or failed: ${e && e.message ? e.message : e}`);
  }
  const st = (outcome && outcome.status) || {};
  return {
    transaction_hash: outcome && outcome.transaction ? outcome.transaction.hash : '',
    signer_id: w.accountId,
    status: st.SuccessValue !== undefined ? 'success' : st.Failure ? 'failure' : 'pending',
    value: st.SuccessValue,
    failure: st.Failure ? JSON.stringify(st.Failure) : undefined,
  };
}
