// The dashboard in a real browser against a real `outlayer dev`: Playwright
// (playwright-core) drives Debian's chromium headless. Every page renders
// data produced by requests the test made first; a secret stored from the
// Secrets page is read by a program a worker runs from the Playground, and
// its plaintext appears in no request the page sent; the wallet chooser
// opens on a public network; error states appear when the RPC or the
// coordinator is down; every page fits 375 px and works by keyboard.
// Screenshots of every page go to $SCREENSHOT_DIR (build/screenshots).
//
//   OUTLAYER_BIN=build/bin/outlayer DASH_PORT_BASE=44100 node --test tests/dashboard/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = path.resolve(process.env.OUTLAYER_BIN || 'build/bin/outlayer');
// Ports BASE..BASE+3; another base 10 higher is tried when one is taken
// (loopback ports of this range can also be in use as ephemeral ports).
let BASE = Number(process.env.DASH_PORT_BASE || 44100);
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || 'build/screenshots');
let ORIGIN = `http://127.0.0.1:${BASE + 1}`;
let SIGNER = null; // the dev signer's URL, from /dashboard-config.json
// DASH_BIN_DIR: where the daemons are (the sanitizer run mixes builds)
const BIN_DIR = process.env.DASH_BIN_DIR ? path.resolve(process.env.DASH_BIN_DIR) : path.dirname(BIN);
const EXAMPLES = path.join(BIN_DIR, '..', 'examples');
// A value that must never leave the browser in clear.
const SECRET = `sk-dash-${Math.random().toString(36).slice(2, 12)}`;

let home, dev, devLog, browser, ctx, page;
const sent = []; // every request the page sent: {url, body}

// Local TCP ports with a socket in any state (listening, connected,
// TIME_WAIT): outlayer-devnet cannot bind a port that still has TIME_WAIT
// connections from a stack stopped a moment ago.
function busyPorts() {
  const ports = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local) ports.add(parseInt(local.split(':')[1], 16));
    }
  }
  return ports;
}

// The first base from `from` (in steps of 10, below 45000) whose four ports are all free.
function freeBase(from) {
  const busy = busyPorts();
  for (let b = from; b + 4 < 45000; b += 10) {
    if (![0, 1, 2, 3].some((i) => busy.has(b + i))) return b;
  }
  throw new Error(`no free ports from ${from} to 44999`);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function request(wasm, input, format = 'Text') {
  return execFileSync(BIN, ['request', '--home', home, '--wasm', path.join(EXAMPLES, wasm), '--input', input, '--format', format, '--quiet'],
    { encoding: 'utf8', timeout: 60000 });
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function noHorizontalScroll(p = page) {
  const [sw, cw] = await p.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(sw <= cw + 1, `the page scrolls sideways at ${cw} px (content ${sw} px wide)`);
}

// Never leave the stack running, whatever ends this process.
process.on('exit', () => {
  if (dev && dev.exitCode === null) dev.kill('SIGTERM');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    BASE = freeBase(BASE);
    ORIGIN = `http://127.0.0.1:${BASE + 1}`;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'outlayer-dash-'));
    devLog = fs.openSync(path.join(home, 'dev.out'), 'w');
    dev = spawn(BIN, ['dev', '--home', home, '--port-base', String(BASE), '--workers', '1', '--bin-dir', BIN_DIR], { stdio: ['ignore', devLog, devLog] });
    const exited = new Promise((r) => dev.once('exit', r));
    try {
      await waitFor('outlayer dev to be ready', () => fs.existsSync(path.join(home, 'dev.json')) || dev.exitCode !== null, 90000);
      if (dev.exitCode !== null) throw new Error(`outlayer dev exited with ${dev.exitCode}`);
      break;
    } catch (e) {
      // say why: the supervisor's output names the part that failed
      const out = fs.readFileSync(path.join(home, 'dev.out'), 'utf8').slice(-3000);
      if (dev.exitCode === null) dev.kill('SIGKILL');
      await exited;
      if (attempt < 3 && /Address already in use|port in use/.test(out)) {
        console.log(`ports ${BASE}..${BASE + 3} busy; trying ${BASE + 10}`);
        fs.rmSync(home, { recursive: true, force: true });
        BASE += 10;
        ORIGIN = `http://127.0.0.1:${BASE + 1}`;
        continue;
      }
      throw new Error(`${e.message}\n--- outlayer dev output ---\n${out}`);
    }
  }
  // Data for the pages: two requests made the way a user would.
  assert.match(request('hello.wasm', '{"name":"Dashboard"}'), /Hello, Dashboard!/);
  assert.match(request('random_number.wasm', '{"min":1,"max":6}', 'Json'), /random_number/);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  page.on('request', (r) => sent.push({ url: r.url(), body: r.postData() || '' }));
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
});

after(async () => {
  if (browser) await browser.close();
  if (dev && dev.exitCode === null) {
    dev.kill('SIGINT');
    await Promise.race([new Promise((r) => dev.once('exit', r)), sleep(20000)]);
    if (dev.exitCode === null) dev.kill('SIGKILL');
  }
  if (home && !process.env.KEEP_HOME) fs.rmSync(home, { recursive: true, force: true });
});

test('the coordinator serves the built dashboard with cache headers', async () => {
  const r = await fetch(`${ORIGIN}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  assert.match(r.headers.get('content-security-policy'), /default-src 'self'/);
  const html = await r.text();
  const js = /src="(\/assets\/app-[A-Z0-9]{8}\.js)"/.exec(html);
  assert.ok(js, 'index.html names a hashed bundle');
  const a = await fetch(`${ORIGIN}${js[1]}`);
  assert.equal(a.status, 200);
  assert.match(a.headers.get('cache-control'), /immutable/);
  const again = await fetch(`${ORIGIN}/`, { headers: { 'If-None-Match': r.headers.get('etag') } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(`${ORIGIN}/assets/..%2fcoordinator`)).status, 400);
  assert.equal((await fetch(`${ORIGIN}/.hidden`)).status, 404);
  // API routes still win over files
  assert.equal(await (await fetch(`${ORIGIN}/health`)).text(), 'OK');
  const cfg = await (await fetch(`${ORIGIN}/dashboard-config.json`)).json();
  assert.match(cfg.signer_url, /^http:\/\/127\.0\.0\.1:\d+$/);
  SIGNER = cfg.signer_url;
  assert.equal(cfg.network, 'localnet');
});

test('the development signer answers only the dashboard', async () => {
  const signer = SIGNER;
  const bad = await fetch(`${signer}/account`, { headers: { Origin: 'http://evil.example' } });
  assert.equal(bad.status, 403);
  const call = (origin, body) => fetch(`${signer}/call`, { method: 'POST', headers: { Origin: origin, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await call('http://evil.example', { receiver_id: 'outlayer.test.near', method_name: 'request_execution', args: {} })).status, 403);
  const other = await call(ORIGIN, { receiver_id: 'outlayer.test.near', method_name: 'set_owner', args: {} });
  assert.equal(other.status, 403);
  const rich = await call(ORIGIN, { receiver_id: 'outlayer.test.near', method_name: 'request_execution', args: {}, deposit: '100000000000000000000000000' });
  assert.equal(rich.status, 422);
  const text = await fetch(`${signer}/call`, { method: 'POST', headers: { Origin: ORIGIN, 'Content-Type': 'text/plain' }, body: '{}' });
  assert.equal(text.status, 415);
  const ok = await fetch(`${signer}/account`, { headers: { Origin: ORIGIN } });
  assert.equal((await ok.json()).account_id, 'bob.test.near');
  assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
});

test('executions: the list and a detail whose attestation verifies', async () => {
  await page.goto(`${ORIGIN}/#/executions`);
  await page.locator('tbody tr').first().waitFor();
  const rows = page.locator('tbody tr');
  assert.ok((await rows.count()) >= 4, 'two requests = two compile + two execute jobs');
  assert.match(await rows.first().innerText(), /bob\.test\.near/);
  assert.match(await rows.first().innerText(), /Done/);
  await page.getByRole('combobox', { name: 'Type' }).selectOption('compile');
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr')].every((r) => r.innerText.includes('compile')));
  await page.getByRole('combobox', { name: 'Type' }).selectOption('');
  await page.locator('tbody tr').first().waitFor();
  await shot('executions');
  // the newest execute job (random_number)
  const link = page.locator('tbody tr', { hasText: 'execute' }).first().getByRole('link', { name: /details/ });
  await link.click();
  await page.getByText('The attestation record verifies').waitFor({ timeout: 20000 });
  assert.match(await page.locator('#exec-output').innerText(), /random_number/);
  const body = await page.locator('main').innerText();
  assert.match(body, /Charged\s+0\.001/);
  assert.match(body, /Refunded\s+0\.09/);
  assert.match(body, /Input hash matches the request on chain/);
  assert.match(body, /Instructions\s+[\d,]+/);
  await shot('execution-detail');
  // the hello job (Text output): its output hash is checked against the chain too
  await page.goto(`${ORIGIN}/#/executions`);
  await page.locator('tbody tr', { hasText: 'execute' }).nth(1).getByRole('link', { name: /details/ }).click();
  await page.getByText('The attestation record verifies').waitFor({ timeout: 20000 });
  assert.match(await page.locator('#exec-output').innerText(), /Hello, Dashboard!/);
  assert.match(await page.locator('main').innerText(), /Output hash matches the output on chain/);
});

test('queue and workers, stats, pricing, account render real data', async () => {
  await page.goto(`${ORIGIN}/#/queue`);
  await page.locator('tbody tr', { hasText: 'dev-worker-1' }).first().waitFor();
  const w = await page.locator('tbody tr', { hasText: 'dev-worker-1' }).first().innerText();
  assert.match(w, /online/);
  assert.match(w, /s ago/);
  assert.match(w, /[0-9a-f]{16}…/, 'the TEE measurement from its attestation');
  await shot('queue');

  await page.goto(`${ORIGIN}/#/stats`);
  await page.getByText('Requests over time').waitFor();
  const tiles = await page.locator('.tiles').innerText();
  assert.match(tiles, /4\s+Total executions/);
  assert.match(tiles, /1\s+Unique users/);
  assert.equal(await page.locator('figure.chart svg').count(), 3);
  assert.match(await page.locator('figure.rank', { hasText: 'Top programs' }).innerText(), /wasm [0-9a-f]{12}/);
  await shot('stats');

  await page.goto(`${ORIGIN}/#/pricing`);
  await page.getByText('Base fee per request').waitFor();
  assert.match(await page.locator('main').innerText(), /Base fee per request\s+0\.001 NEAR/);
  await shot('pricing');

  await page.goto(`${ORIGIN}/#/account`);
  await page.getByRole('heading', { name: 'bob.test.near' }).waitFor();
  assert.match(await page.locator('.tiles').innerText(), /4\s+Executions/);
  await shot('account');
});

test('secrets: stored from the page, read by a program a worker runs; the plaintext never leaves the browser', async () => {
  const examples = await (await fetch(`${ORIGIN}/examples/index.json`)).json();
  const ps = examples.find((e) => e.name === 'print_secret');
  assert.ok(ps, 'the print_secret example is built');
  await page.goto(`${ORIGIN}/#/secrets`);
  await page.getByText('has no secrets stored yet').waitFor();
  await page.locator('#s-example').selectOption({ label: 'print_secret' });
  assert.equal(await page.locator('#s-hash').inputValue(), ps.sha256);
  await page.locator('#s-profile').fill('dash');
  await page.locator('#s-secrets').fill(`API_KEY=${SECRET}`);
  // The builder: Or(Whitelist[bob], Not(AllowAll)) — bob passes.
  await page.getByRole('combobox', { name: 'condition type' }).selectOption('Logic');
  await page.getByRole('combobox', { name: 'All or any' }).selectOption('Or');
  await page.getByRole('combobox', { name: 'condition type' }).nth(1).selectOption('Whitelist');
  await page.getByLabel('Accounts (comma-separated)').fill('bob!');
  assert.match(await page.locator('.problems').innerText(), /not a NEAR account id/);
  await page.getByLabel('Accounts (comma-separated)').fill('bob.test.near, alice.test.near');
  await page.getByRole('button', { name: '+ Add condition' }).click();
  await page.getByRole('combobox', { name: 'condition type' }).nth(2).selectOption('Not');
  const preview = JSON.parse(await page.locator('#s-preview').innerText());
  assert.deepEqual(preview, { Logic: { operator: 'Or', conditions: [{ Whitelist: { accounts: ['bob.test.near', 'alice.test.near'] } }, { Not: { condition: 'AllowAll' } }] } });
  await shot('secrets-form');
  await page.getByRole('button', { name: 'Encrypt and store' }).click();
  await page.getByText(/Stored 1 secret\(s\) \(API_KEY\)/).waitFor({ timeout: 30000 });
  await page.locator('li.card[data-profile="dash"]').waitFor();
  assert.match(await page.locator('#s-deposit').innerText(), /Storage deposit: \d+(\.\d+)? NEAR/);
  assert.match(await page.locator('li.card[data-profile="dash"]').innerText(), /whitelist: bob\.test\.near/);
  await shot('secrets');

  // The worker runs print_secret with the profile: the secret comes back.
  await page.goto(`${ORIGIN}/#/playground?example=print_secret`);
  await page.waitForFunction(() => document.querySelector('#pg-example').value === 'print_secret');
  await page.locator('#pg-input').fill('API_KEY');
  await page.locator('#pg-profile').fill('dash');
  await page.getByRole('button', { name: 'Send request_execution' }).click();
  await page.locator('#pg-output').waitFor({ timeout: 60000 });
  assert.equal((await page.locator('#pg-output').innerText()).trim(), SECRET);

  // Update: Replace prefills the form; new values replace the old ones.
  await page.goto(`${ORIGIN}/#/secrets`);
  await page.locator('li.card[data-profile="dash"]').getByRole('button', { name: 'Replace' }).click();
  assert.equal(await page.locator('#s-profile').inputValue(), 'dash');
  assert.equal(await page.locator('#s-hash').inputValue(), ps.sha256);
  assert.match(await page.locator('#s-preview').innerText(), /Whitelist/, 'the stored condition is loaded into the builder');
  await page.locator('#s-secrets').fill(`{"API_KEY":"${SECRET}-2","OTHER":"x"}`);
  await page.getByRole('button', { name: '+ Secret to generate' }).click();
  await page.getByLabel('generated secret 1 name').fill('PROTECTED_TOKEN');
  await page.getByRole('button', { name: 'Encrypt and store' }).click();
  await page.getByText(/Stored 3 secret\(s\) \(API_KEY, OTHER, PROTECTED_TOKEN\)/).waitFor({ timeout: 30000 });
  await page.locator('li.card[data-profile="dash"]').waitFor(); // the list reloads after a store
  assert.equal(await page.locator('li.card').count(), 1, 'replacing keeps one profile');
  // the generated secret reaches the program (and only the program)
  await page.goto(`${ORIGIN}/#/playground?example=print_secret`);
  await page.waitForFunction(() => document.querySelector('#pg-example').value === 'print_secret');
  await page.locator('#pg-input').fill('PROTECTED_TOKEN');
  await page.locator('#pg-profile').fill('dash');
  await page.getByRole('button', { name: 'Send request_execution' }).click();
  await page.locator('#pg-output').waitFor({ timeout: 60000 });
  assert.match((await page.locator('#pg-output').innerText()).trim(), /^[0-9a-f]{32,128}$/);
  await page.goto(`${ORIGIN}/#/secrets`);
  await page.locator('li.card[data-profile="dash"]').waitFor();
  // Delete: confirmed, and the list is empty again.
  page.once('dialog', (d) => d.accept());
  await page.locator('li.card[data-profile="dash"]').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('has no secrets stored yet').waitFor({ timeout: 30000 });
  assert.ok(sent.some((r) => r.body.includes('"delete_secrets"')));

  const leaks = sent.filter((r) => r.body.includes(SECRET) || r.url.includes(SECRET));
  assert.deepEqual(leaks.map((r) => r.url), [], 'the plaintext secret was sent in a request');
  const store = sent.find((r) => r.body.includes('"store_secrets"'));
  assert.ok(store, 'store_secrets went through the signer');
  assert.match(JSON.parse(store.body).args.encrypted_secrets_base64, /^b2wB/, 'a version-1 sealed blob');
});

test('playground: a request moves to resolved and shows output, cost and refund', async () => {
  await page.goto(`${ORIGIN}/#/playground`);
  await page.waitForFunction(() => document.querySelector('#pg-example').value === 'hello');
  await page.locator('#pg-input').fill('{"name":"Playwright"}');
  await page.getByRole('button', { name: 'Send request_execution' }).click();
  await page.locator('#pg-output').waitFor({ timeout: 60000 });
  assert.match(await page.locator('#pg-output').innerText(), /Hello, Playwright!/);
  assert.match(await page.locator('#pg-cost').innerText(), /^0\.001\d* NEAR$/);
  assert.match(await page.locator('#pg-refund').innerText(), /^0\.09\d* NEAR$/);
  assert.equal(await page.locator('.stepper li.done').count(), 4);
  await page.getByRole('button', { name: 'Check WASM cache' }).click();
  await page.getByText("In the coordinator's cache").waitFor();
  await shot('playground');
  // a bad hash is refused in the page, before anything is signed
  await page.getByLabel('WASM URL + hash').check();
  await page.locator('#pg-url').fill('http://127.0.0.1:1/x.wasm');
  await page.locator('#pg-hash').fill('abc');
  await page.getByRole('button', { name: 'Send request_execution' }).click();
  await page.getByText('the hash must be 64 hex digits').waitFor();
});

test('375 px wide and keyboard only', async () => {
  const m = await ctx.newPage();
  await m.setViewportSize({ width: 375, height: 800 });
  for (const [route, ready] of [['executions', 'tbody tr'], ['executions/2', '.verdict'], ['queue', 'tbody tr'], ['stats', 'figure.chart svg'],
    ['pricing', 'tbody tr'], ['account', '.tiles'], ['secrets', 'text=has no secrets stored yet'], ['playground', '#pg-example option[value="hello"]']]) {
    await m.goto(`${ORIGIN}/#/${route}`);
    await m.locator(ready).first().waitFor({ state: 'attached', timeout: 20000 });
    await noHorizontalScroll(m);
    if (['executions', 'stats', 'playground', 'secrets'].includes(route))
      await m.screenshot({ path: path.join(SHOTS, `mobile-${route}.png`), fullPage: true });
  }
  // Keyboard: the skip link comes first; the menu opens with Enter; a link
  // followed with Enter changes the page.
  await m.goto('about:blank');
  await m.goto(`${ORIGIN}/#/executions`);
  await m.locator('tbody tr').first().waitFor();
  await m.keyboard.press('Tab');
  assert.equal(await m.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await m.keyboard.press('Tab'); // brand
  await m.keyboard.press('Tab'); // menu button
  assert.equal(await m.evaluate(() => document.activeElement.className), 'menu-toggle');
  await m.keyboard.press('Enter');
  assert.equal(await m.locator('.menu-toggle').getAttribute('aria-expanded'), 'true');
  for (let i = 0; i < 3; i++) await m.keyboard.press('Tab'); // Executions, Queue, Stats
  assert.equal(await m.evaluate(() => document.activeElement.textContent), 'Stats');
  await m.keyboard.press('Enter');
  await m.getByRole('heading', { name: 'Stats' }).waitFor();
  assert.equal(await m.evaluate(() => location.hash), '#/stats');
  await m.close();
});

test('on a public network the wallet chooser opens', async () => {
  const w = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await w.route('**/dashboard-config.json', (r) => r.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ network: 'testnet', contract_id: 'outlayer.testnet', rpc_url: "http://127.0.0.1:1", signer_url: null }),
  }));
  await w.goto(`${ORIGIN}/#/secrets`);
  await w.getByText('Connect a wallet to see and store your secrets.').waitFor();
  await w.getByRole('button', { name: 'Connect wallet' }).click();
  await w.locator('#near-wallet-selector-modal').getByText('MyNearWallet').first().waitFor({ timeout: 20000 });
  await w.screenshot({ path: path.join(SHOTS, 'wallet-selector.png') });
  // Without a connected wallet nothing is signed, and the page says why.
  await w.keyboard.press('Escape');
  await w.goto(`${ORIGIN}/#/playground`);
  await w.waitForFunction(() => document.querySelector('#pg-example').value === 'hello');
  await w.getByRole('button', { name: 'Send request_execution' }).click();
  await w.getByText('The wallet did not sign.').waitFor({ timeout: 20000 });
  assert.match(await w.locator('.state.error').innerText(), /connect a wallet first/);
  await w.close();
});

test('error states: RPC down, then the coordinator stopped', async () => {
  const r = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await r.route('**/dashboard-config.json', (x) => x.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ network: 'localnet', contract_id: 'outlayer.test.near', rpc_url: "http://127.0.0.1:1", signer_url: SIGNER }),
  }));
  await r.goto(`${ORIGIN}/#/executions/2`);
  await r.getByText('The NEAR RPC is not answering').first().waitFor({ timeout: 20000 });
  await r.screenshot({ path: path.join(SHOTS, 'error-rpc.png') });
  await r.close();

  await page.goto(`${ORIGIN}/#/queue`);
  await page.locator('tbody tr').first().waitFor();
  dev.kill('SIGINT');
  await new Promise((res) => dev.once('exit', res));
  await page.getByText('The coordinator is not answering').first().waitFor({ timeout: 20000 });
  await page.evaluate(() => { location.hash = '#/executions'; });
  await page.getByText('The coordinator is not answering').first().waitFor({ timeout: 20000 });
  assert.ok(await page.getByRole('button', { name: 'Retry' }).isVisible());
  await shot('error-coordinator');
});

test('no sanitizer report in any log (ASan/UBSan builds)', () => {
  for (const f of [path.join(home, 'dev.out'), ...fs.readdirSync(path.join(home, 'logs')).map((n) => path.join(home, 'logs', n))]) {
    const text = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/, `sanitizer report in ${f}`);
  }
});
