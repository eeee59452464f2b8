// node_wasi.mjs — runs a WASI command under Node's WebAssembly engine (V8)
// for the benchmark driver: `node bench/node_wasi.mjs FILE.wasm [ARGS...]`.
// stdin, stdout and stderr are the process's own; the exit code is the
// program's. The last stderr line reports our own timing as JSON:
//   {"node_compile_ms":..,"node_instantiate_ms":..,"node_run_ms":..}
// (compile is V8's baseline compile; optimising tiers run in the background
// and so count toward run time, as they would for any user).
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { argv, exit, stderr } from 'node:process';

if (argv.length < 3) {
  stderr.write('usage: node node_wasi.mjs FILE.wasm [ARGS...]\n');
  exit(2);
}
const file = argv[2];
const bytes = readFileSync(file);
const wasi = new WASI({ version: 'preview1', args: [file, ...argv.slice(3)], env: {}, returnOnExit: true });

const t0 = performance.now();
const module = await WebAssembly.compile(bytes);
const t1 = performance.now();
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const t2 = performance.now();
const code = wasi.start(instance);
const t3 = performance.now();

const ms = (x) => Math.round(x * 1000) / 1000;
stderr.write(JSON.stringify({ node_compile_ms: ms(t1 - t0), node_instantiate_ms: ms(t2 - t1), node_run_ms: ms(t3 - t2) }) + '\n');
exit(code);
