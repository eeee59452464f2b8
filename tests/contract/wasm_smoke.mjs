// wasm_smoke.mjs — runs build/contracts/outlayer.wasm in Node's WebAssembly
// engine with a small JavaScript NEAR host (registers, storage, logs,
// promises, yield/resume), to check that the real wasm build behaves like
// the native one: i64 ABI, allocator, u128 helpers, JSON, Borsh.
//   node tests/contract/wasm_smoke.mjs build/contracts/outlayer.wasm build/contracts/coinflip.wasm
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';

const wasm = readFileSync(process.argv[2]);
let module = new WebAssembly.Module(wasm);
const storage = new Map(); // hex(key) -> Uint8Array
const yields = new Map();  // hex(data_id) -> {args, payload}
let ctx, out, mem, yieldCounter = 0;

const enc = new TextEncoder(), dec = new TextDecoder('utf-8', { fatal: true });
const hex = (b) => Buffer.from(b).toString('hex');
class Panic extends Error {}

function u8(ptr, len) { return new Uint8Array(mem.buffer, Number(ptr), Number(len)); }
function bytesIn(len, ptr) {
  if (len === 0xffffffffffffffffn) return out.registers.get(ptr);
  return u8(ptr, len).slice();
}
function writeU128(ptr, v) {
  const b = u8(ptr, 16);
  for (let i = 0; i < 16; i++) { b[i] = Number(v & 0xffn); v >>= 8n; }
}
function readU128(ptr) {
  const b = u8(ptr, 16); let v = 0n;
  for (let i = 15; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}
const setReg = (id, data) => out.registers.set(id, Uint8Array.from(data));

const env = {
  read_register: (id, ptr) => { const r = out.registers.get(id); if (!r) throw new Panic('InvalidRegisterId'); u8(ptr, r.length).set(r); },
  register_len: (id) => BigInt(out.registers.has(id) ? out.registers.get(id).length : -1) & 0xffffffffffffffffn,
  write_register: (id, len, ptr) => setReg(id, bytesIn(len, ptr)),
  input: (id) => setReg(id, enc.encode(ctx.input)),
  current_account_id: (id) => setReg(id, enc.encode(ctx.current)),
  signer_account_id: (id) => setReg(id, enc.encode(ctx.predecessor)),
  predecessor_account_id: (id) => setReg(id, enc.encode(ctx.predecessor)),
  block_index: () => 100n,
  block_timestamp: () => ctx.timestamp,
  storage_usage: () => 0n,
  account_balance: (ptr) => writeU128(ptr, 10n ** 27n),
  attached_deposit: (ptr) => writeU128(ptr, ctx.deposit),
  prepaid_gas: () => 300n * 10n ** 12n,
  used_gas: () => 10n ** 12n,
  random_seed: (id) => setReg(id, new Uint8Array(32)),
  sha256: (len, ptr, id) => setReg(id, createHash('sha256').update(bytesIn(len, ptr)).digest()),
  value_return: (len, ptr) => { out.ret = dec.decode(bytesIn(len, ptr)); },
  panic_utf8: (len, ptr) => { throw new Panic(dec.decode(bytesIn(len, ptr))); },
  log_utf8: (len, ptr) => { out.logs.push(dec.decode(bytesIn(len, ptr))); },
  storage_write: (kl, kp, vl, vp, id) => {
    const k = hex(bytesIn(kl, kp)); const old = storage.get(k);
    storage.set(k, bytesIn(vl, vp));
    if (old) { setReg(id, old); return 1n; } return 0n;
  },
  storage_read: (kl, kp, id) => { const v = storage.get(hex(bytesIn(kl, kp))); if (!v) return 0n; setReg(id, v); return 1n; },
  storage_remove: (kl, kp, id) => {
    const k = hex(bytesIn(kl, kp)); const v = storage.get(k);
    if (!v) return 0n; storage.delete(k); setReg(id, v); return 1n;
  },
  storage_has_key: (kl, kp) => (storage.has(hex(bytesIn(kl, kp))) ? 1n : 0n),
  promise_batch_create: (l, p) => { out.promises.push({ account: dec.decode(bytesIn(l, p)), actions: [] }); return BigInt(out.promises.length - 1); },
  promise_batch_action_transfer: (i, amountPtr) => { out.promises[Number(i)].actions.push({ transfer: readU128(amountPtr) }); },
  promise_return: (i) => { out.returned = Number(i); },
  promise_create: (al, ap, ml, mp, gl, gp, amountPtr, gas) => {
    out.promises.push({ account: dec.decode(bytesIn(al, ap)), method: dec.decode(bytesIn(ml, mp)),
      args: dec.decode(bytesIn(gl, gp)), deposit: readU128(amountPtr), gas });
    return BigInt(out.promises.length - 1);
  },
  promise_then: (after, al, ap, ml, mp, gl, gp, amountPtr, gas) => {
    out.promises.push({ after: Number(after), account: dec.decode(bytesIn(al, ap)), method: dec.decode(bytesIn(ml, mp)),
      args: dec.decode(bytesIn(gl, gp)), deposit: readU128(amountPtr), gas });
    return BigInt(out.promises.length - 1);
  },
  promise_results_count: () => BigInt(ctx.results.length),
  promise_result: (i, id) => { const r = ctx.results[Number(i)]; if (r === null) return 2n; setReg(id, enc.encode(r)); return 1n; },
  promise_yield_create: (ml, mp, al, ap, gas, weight, id) => {
    const dataId = new Uint8Array(32).fill(++yieldCounter);
    yields.set(hex(dataId), { method: dec.decode(bytesIn(ml, mp)), args: dec.decode(bytesIn(al, ap)), gas, weight, payload: null });
    setReg(id, dataId);
    out.promises.push({ yield: hex(dataId) });
    return BigInt(out.promises.length - 1);
  },
  promise_yield_resume: (dl, dp, pl, pp) => {
    const payload = bytesIn(pl, pp);
    if (payload.length > 1024) throw new Panic('Yield resume payload too large');
    const y = yields.get(hex(bytesIn(dl, dp)));
    if (!y || y.payload !== null) return 0;
    y.payload = dec.decode(payload); return 1;
  },
};

function call(method, args = '', { predecessor = 'alice.testnet', deposit = 0n, results = [], current = 'outlayer.testnet' } = {}) {
  const snapshot = new Map(storage);
  ctx = { input: args, current, predecessor, deposit, timestamp: 1731000000000000000n, results };
  out = { registers: new Map(), logs: [], ret: undefined, promises: [], returned: -1, panic: undefined };
  const instance = new WebAssembly.Instance(module, { env });
  mem = instance.exports.memory;
  try {
    instance.exports[method]();
  } catch (e) {
    if (!(e instanceof Panic)) throw e;
    out.panic = e.message;
    storage.clear(); for (const [k, v] of snapshot) storage.set(k, v);
  }
  return out;
}

let r = call('new', '{"owner_id":"alice.testnet","operator_id":"bob.testnet"}');
assert.equal(r.panic, undefined);
assert.equal(call('get_config').ret, '["alice.testnet","bob.testnet"]');
assert.equal(call('get_pricing').ret, '["1000000000000000000000","100000000000000","100000000000000000","100000000000000000"]');
assert.equal(call('estimate_execution_cost', '{"resource_limits":{"max_instructions":500000000000,"max_execution_seconds":180}}').ret,
  '"19050000000000000000000"');
assert.match(call('get_request', '{"request_id":x}').panic, /^Failed to deserialize input from JSON\./);
assert.equal(call('get_stats', '', { deposit: 5n }).ret, '[0,"0"]');
assert.equal(call('set_paused', '{"paused":true}', { predecessor: 'eve.testnet' }).panic, 'Only owner can call this method');

// request -> resolve -> callback
const GH = '{"GitHub":{"repo":"https://github.com/u/r","commit":"main","build_target":"wasm32-wasip1"}}';
r = call('request_execution', `{"code_source":${GH},"resource_limits":{"max_instructions":1000000000,"max_memory_mb":128,"max_execution_seconds":60},"input_data":"{}"}`,
  { predecessor: 'carol.testnet', deposit: 10n ** 23n });
assert.equal(r.panic, undefined, r.panic);
assert.equal(r.logs.length, 1);
assert.ok(r.logs[0].startsWith('EVENT_JSON:{"standard":"near-outlayer","version":"1.0.0","event":"execution_requested","data":[{"request_data":"{\\"request_id\\":0,'));
assert.equal(r.returned, 0);
const [dataId, y] = [...yields.entries()][0];
assert.equal(y.method, 'on_execution_response');
assert.equal(y.gas, 50n * 10n ** 12n);
r = call('resolve_execution', '{"request_id":0,"response":{"success":true,"output":{"Bytes":[72,105]},"resources_used":{"instructions":10000000,"time_ms":5000,"compile_time_ms":3000}}}',
  { predecessor: 'bob.testnet' });
assert.equal(r.panic, undefined, r.panic);
assert.ok(r.logs.includes('[[yNEAR charged: "1800001000000000000000"]]'));
r = call('on_execution_response', y.args, { predecessor: 'outlayer.testnet', results: [y.payload] });
assert.equal(r.panic, undefined, r.panic);
assert.equal(r.ret, '"SGk="');
assert.equal(r.logs[0], '[[yNEAR charged: "1800001000000000000000"]]');
assert.deepEqual(r.promises, [{ account: 'carol.testnet', actions: [{ transfer: 10n ** 23n - 1800001000000000000000n }] }]);
assert.equal(call('get_stats').ret, '[1,"1800001000000000000000"]');
assert.equal(dataId.length, 64);

// timeout path
r = call('request_execution', `{"code_source":${GH}}`, { predecessor: 'carol.testnet', deposit: 10n ** 21n });
const y2 = [...yields.values()][1];
r = call('on_execution_response', y2.args, { predecessor: 'outlayer.testnet', results: [null] });
assert.equal(r.ret, 'null');
assert.deepEqual(r.logs, ['[[yNEAR charged: "1000000000000000000000"]]', 'Execution promise failed: Failed. Refunded 0 yoctoNEAR']);

// secrets deposit example (spec §9.5)
const ACC = '{"Repo":{"repo":"github.com/test/repo","branch":null}}';
assert.equal(call('estimate_storage_cost', `{"accessor":${ACC},"profile":"default","owner":"bob.near","encrypted_secrets_base64":"test_encrypted_data","access":"AllowAll"}`).ret,
  '"2280000000000000000000"');
r = call('store_secrets', `{"accessor":${ACC},"profile":"default","encrypted_secrets_base64":"test_encrypted_data","access":"AllowAll"}`,
  { predecessor: 'bob.near', deposit: 2280000000000000000000n });
assert.equal(r.panic, undefined, r.panic);
assert.match(call('list_user_secrets', '{"account_id":"bob.near"}').ret, /^\[\{"accessor":\{"Repo"/);

// a big allocation (1 MB of input) exercises memory.grow
const big = 'x'.repeat(1 << 20);
r = call('get_request', `{"request_id":0,"pad":"${big}"}`);
assert.equal(r.ret, 'null');
console.log(`wasm smoke: outlayer.wasm ok (${wasm.length} bytes)`);

// the example caller: flip -> request_execution on OutLayer, then its callback
if (process.argv[3]) {
  module = new WebAssembly.Module(readFileSync(process.argv[3]));
  storage.clear();
  const cf = { current: 'coinflip.testnet' };
  assert.equal(call('new', '{"outlayer_id":"outlayer.testnet","code_source":{"WasmUrl":{"url":"u","hash":"h"}}}', cf).panic, undefined);
  r = call('flip', '{"choice":"Tails"}', { ...cf, predecessor: 'player.testnet', deposit: 10n ** 23n });
  assert.equal(r.panic, undefined, r.panic);
  assert.equal(r.promises[0].account, 'outlayer.testnet');
  assert.equal(r.promises[0].method, 'request_execution');
  assert.equal(r.promises[0].deposit, 10n ** 23n);
  assert.equal(r.promises[1].after, 0);
  assert.equal(r.returned, 1);
  JSON.parse(r.promises[0].args);
  r = call('on_flip_result', r.promises[1].args, { ...cf, predecessor: 'coinflip.testnet', results: ['"Tails"'] });
  assert.equal(r.ret, '{"player":"player.testnet","choice":"Tails","outcome":"Tails","won":true}');
  console.log('wasm smoke: coinflip.wasm ok');
}
