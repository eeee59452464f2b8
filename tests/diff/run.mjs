// run.mjs — V8's side of the differential test (tests/diff/): runs a module
// in node's WebAssembly exactly as diffrun.c runs it in ours and prints the
// same lines (see diffrun.c for the protocol and the value format).
//
//   node run.mjs M.wasm SIGS.json      (SIGS from `diffrun sigs M.wasm`)
import { readFileSync } from 'node:fs';

const [, , wasmPath, sigsPath] = process.argv;
const sigs = JSON.parse(readFileSync(sigsPath, 'utf8'));
const out = [];
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);

function fmt(t, v) {
  switch (t) {
    case 'i': return String(v | 0);
    case 'I': return String(BigInt.asIntN(64, BigInt(v)));
    case 'f':
      if (Number.isNaN(v)) return 'nan';
      f32[0] = v; return 'f32:' + u32[0].toString(16).padStart(8, '0');
    case 'F':
      if (Number.isNaN(v)) return 'nan';
      f64[0] = v; return 'f64:' + u64[0].toString(16).padStart(16, '0');
    default: return v === null ? 'null' : 'ref';
  }
}
const zero = (t) => (t === 'I' ? 0n : t === 'r' || t === 'x' ? null : 0);

const imports = {};
for (const imp of sigs.imports) {
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = (...args) => {
    out.push(['import', imp.name, ...[...imp.params].map((t, i) => fmt(t, args[i]))].join(' '));
    const r = [...imp.results].map(zero);
    return r.length === 0 ? undefined : r.length === 1 ? r[0] : r;
  };
}

function isStackOverflow(e) {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

try {
  const mod = new WebAssembly.Module(readFileSync(wasmPath));
  let inst;
  try {
    inst = new WebAssembly.Instance(mod, imports);
  } catch (e) {
    out.push('instantiate failed');
  }
  if (inst) {
    const hang = inst.exports.hangLimitInitializer;
    for (const e of sigs.exports) {
      if (e.name === 'hangLimitInitializer') continue;
      if (hang) hang();
      out.push('call ' + e.name);
      try {
        let r = inst.exports[e.name](...[...e.params].map(zero));
        if (e.results.length === 1) r = [r];
        else if (e.results.length === 0) r = [];
        out.push(['result', ...[...e.results].map((t, i) => fmt(t, r[i]))].join(' '));
      } catch (err) {
        if (isStackOverflow(err)) { out.push('stop call stack exhausted'); break; }
        if (err instanceof WebAssembly.RuntimeError) { out.push('trap'); continue; }
        out.push('error ' + err);
      }
    }
  }
} catch (e) {
  out.push('load failed: ' + e.message);
}
process.stdout.write(out.join('\n') + '\n');
