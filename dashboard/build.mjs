// Builds the dashboard into OUT (default build/dashboard): esbuild bundles
// src/main.js (ES modules, code-split so the wallet selector and libsodium
// load only on the pages that need them) into assets/NAME-HASH.js, the CSS
// into assets/NAME-HASH.css, and index.html names them. The example programs
// (build/examples/*.wasm and dashboard/examples/*.wasm) are copied to
// examples/ with an index.json of their SHA-256 for the playground.
//
//   node dashboard/build.mjs OUT EXAMPLES_DIR...
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const [out = 'build/dashboard', ...exampleDirs] = process.argv.slice(2);
const assets = path.join(out, 'assets');
fs.rmSync(assets, { recursive: true, force: true });
fs.mkdirSync(assets, { recursive: true });

const result = await build({
  entryPoints: { app: path.join(here, 'src/main.js'), style: path.join(here, 'src/style.css') },
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: ['es2020'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  alias: { util: path.join(here, 'src/shims/util.js') },
});

const outputs = Object.entries(result.metafile.outputs);
const entry = (name) => {
  const hit = outputs.find(([, o]) => o.entryPoint && o.entryPoint.endsWith(name));
  if (!hit) throw new Error(`no output for ${name}`);
  return path.basename(hit[0]);
};
const js = entry('src/main.js');
const css = entry('src/style.css');

// modal-ui's stylesheet imports a web font from a CDN: nothing is fetched
// from outside at run time, so that import goes (system fonts are used).
const cssPath = path.join(assets, css);
fs.writeFileSync(cssPath, fs.readFileSync(cssPath, 'utf8').replace(/@import\s*(?:url\()?\s*(["'])https?:[^"']*\1\s*\)?[^;]*;/g, ''));

const html = fs.readFileSync(path.join(here, 'index.html'), 'utf8')
  .replace('%APP_JS%', `/assets/${js}`)
  .replace('%APP_CSS%', `/assets/${css}`);
fs.writeFileSync(path.join(out, 'index.html'), html);
fs.copyFileSync(path.join(here, 'favicon.svg'), path.join(out, 'favicon.svg'));

// The playground's examples: name, what it does, a sample input, the format.
const ABOUT = {
  hello: ['Greets the name in a JSON input', '{"name":"OutLayer"}', 'Text'],
  echo: ['Says who asked what, and at which block', 'Hello, NEARverse!', 'Text'],
  random_number: ['A random number between min and max', '{"min":1,"max":100}', 'Json'],
  random: ['Random bytes from the worker', '', 'Text'],
  sha256: ['SHA-256 of the input', 'abc', 'Text'],
  json_transform: ['Transforms a JSON document', '{"items":[3,1,2]}', 'Json'],
  coin_flip: ['Heads or tails', '{"choice":"Heads"}', 'Json'],
  env_exit: ['Prints the NEAR_* environment and exits with the code given', '0', 'Text'],
  print_secret: ['Prints the secret named in the input (to try secrets)', 'API_KEY', 'Text'],
};
const exDir = path.join(out, 'examples');
fs.rmSync(exDir, { recursive: true, force: true });
fs.mkdirSync(exDir, { recursive: true });
const index = [];
for (const dir of exampleDirs) {
  if (!fs.existsSync(dir)) continue;
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.wasm')) continue;
    const name = f.slice(0, -5);
    const bytes = fs.readFileSync(path.join(dir, f));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(exDir, f), bytes);
    const [description, input, format] = ABOUT[name] || ['An example program', '', 'Text'];
    index.push({ name, file: `examples/${f}`, sha256, size: bytes.length, description, input, format });
  }
}
fs.writeFileSync(path.join(exDir, 'index.json'), JSON.stringify(index, null, 1));
console.log(`dashboard: ${out}/index.html, assets/${js}, assets/${css}, ${index.length} examples`);
