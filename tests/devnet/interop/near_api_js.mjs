#!/usr/bin/env node
// near_api_js.mjs — interop: near-api-js (a NEAR client nobody here wrote)
// against a running outlayer-devnet. Starts the devnet on a free port with
// a temporary home, then with near-api-js: reads the genesis credentials,
// creates an account, deploys build/contracts/outlayer.wasm, calls `new`,
// views it, calls a change method, checks access keys, balances and the
// error types near-api-js derives from the devnet's error shapes; then, with
// a near-sdk-shaped contract (tests/devnet/sdk/sdkshape.c), a cross-contract
// call with a callback, a failing callee and a failing callback, a yield
// resumed by another account, and a view of state after a restart.
//
// Usage: DEVNET_BIN=build/bin/outlayer-devnet node tests/devnet/interop/near_api_js.mjs
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, actions, nearToYocto, teraToGas } from 'near-api-js';

const bin = process.env.DEVNET_BIN || 'build/bin/outlayer-devnet';
const wasmPath = process.env.OUTLAYER_WASM || 'build/contracts/outlayer.wasm';
const sdkWasmPath = 'build/tests/devnet/chain/sdkshape.wasm';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'outlayer-devnet-interop-'));
  // --port 0: the devnet picks a free port and prints it on its first line.
  const start = async () => {
    const proc = spawn(bin, ['--home', home, '--port', '0', '--block-ms', '20', '--quiet'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const p = await new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      proc.once('exit', (code) => reject(new Error(`devnet exited (${code}) before listening`)));
    });
    return [proc, p];
  };
  let [child, port] = await start();
  let url = `http://127.0.0.1:${port}`;
  let checks = 0;
  const ok = (what) => {
    checks++;
    console.log(`ok ${checks} - ${what}`);
  };
  try {
    let provider = new JsonRpcProvider({ url });
    for (let i = 0; ; i++) {
      try {
        await provider.viewNodeStatus();
        break;
      } catch (e) {
        if (i > 250) throw new Error(`devnet did not start: ${e.message}`);
        await sleep(20);
      }
    }
    const status = await provider.viewNodeStatus();
    assert.equal(status.chain_id, 'localnet');
    assert.equal(await provider.getNetworkId(), 'localnet');
    ok('status: chain id localnet');

    // The genesis credentials are near-cli files.
    const credFile = path.join(home, 'credentials', 'localnet', 'test.near.json');
    const cred = JSON.parse(fs.readFileSync(credFile, 'utf8'));
    assert.equal(cred.account_id, 'test.near');
    const root = new Account('test.near', provider, new KeyPairSigner(KeyPair.fromString(cred.private_key)));
    const rootState = await root.getState();
    assert.ok(rootState.balance.total > nearToYocto(999000));
    ok('genesis account test.near readable with its credential file');

    // Create an account with near-api-js.
    const key = KeyPair.fromRandom('ed25519');
    await root.createSubAccount({ accountOrPrefix: 'interop', publicKey: key.getPublicKey(), nearToTransfer: nearToYocto(10) });
    const user = new Account('interop.test.near', provider, new KeyPairSigner(key));
    const state = await user.getState();
    assert.equal(state.balance.total, nearToYocto(10));
    const keys = await user.getAccessKeyList();
    assert.equal(keys.keys.length, 1);
    assert.equal(keys.keys[0].public_key, key.getPublicKey().toString());
    ok('createSubAccount: account exists with 10 NEAR and its key');

    // Deploy the OutLayer contract and initialise it.
    const code = fs.readFileSync(wasmPath);
    await user.deployContract(new Uint8Array(code));
    const codeView = await provider.viewContractCode({ contractId: 'interop.test.near', blockQuery: { finality: 'final' } });
    assert.equal(Buffer.from(codeView.code_base64, 'base64').length, code.length);
    ok(`deployContract: ${code.length} bytes on chain`);

    await user.callFunction({
      contractId: 'interop.test.near',
      methodName: 'new',
      args: { owner_id: 'interop.test.near', operator_id: 'test.near' },
      gas: teraToGas(100),
    });
    const config = await provider.callFunction({ contractId: 'interop.test.near', method: 'get_config', args: {} });
    assert.ok(JSON.stringify(config).includes('test.near'), `get_config: ${JSON.stringify(config)}`);
    const paused = await provider.callFunction({ contractId: 'interop.test.near', method: 'is_paused', args: {} });
    assert.equal(paused, false);
    ok('callFunction new, then views get_config / is_paused');

    // A change call as the owner, visible in a view afterwards.
    await user.callFunction({ contractId: 'interop.test.near', methodName: 'set_paused', args: { paused: true }, gas: teraToGas(30) });
    assert.equal(await provider.callFunction({ contractId: 'interop.test.near', method: 'is_paused', args: {} }), true);
    ok('set_paused(true) changes what is_paused returns');

    // A panicking call: near-api-js throws with the contract's message.
    await assert.rejects(
      root.callFunction({ contractId: 'interop.test.near', methodName: 'set_paused', args: { paused: false }, gas: teraToGas(30) }),
      (e) => /Only owner/.test(String(e.message || e)),
    );
    ok('a panic surfaces as an error carrying the contract message');

    // Transfers and balances.
    const before = await user.getBalance();
    await root.transfer({ receiverId: 'interop.test.near', amount: nearToYocto(2) });
    const after = await user.getBalance();
    assert.equal(after - before, nearToYocto(2));
    ok('transfer: balance up by exactly 2 NEAR');

    // A meta transaction (NEP-366) built and signed by near-api-js, relayed
    // by test.near, which pays gas and deposit.
    const userBefore = await user.getBalance();
    const rootBefore = await root.getBalance();
    const { signedDelegate } = await user.createSignedMetaTransaction({
      receiverId: 'test.near',
      actions: [actions.transfer(nearToYocto(1))],
    });
    const relayed = await root.relayMetaTransaction(signedDelegate);
    assert.ok('SuccessValue' in relayed.status, JSON.stringify(relayed.status));
    assert.equal(await user.getBalance(), userBefore);
    const rootAfter = await root.getBalance();
    assert.ok(rootAfter < rootBefore && rootBefore - rootAfter < nearToYocto(0.01), `relayer paid ${rootBefore - rootAfter}`);
    ok('meta transaction: relayed, verified, the relayer paid');

    // Error types near-api-js derives from the devnet's error shapes.
    await assert.rejects(provider.viewAccount({ accountId: 'nobody.test.near', blockQuery: { finality: 'final' } }), (e) =>
      /does not exist|AccountDoesNotExist/i.test(`${e.name} ${e.message}`),
    );
    await assert.rejects(
      provider.viewAccessKey({ accountId: 'test.near', publicKey: key.getPublicKey().toString() }),
      (e) => /AccessKeyDoesNotExist|does not exist/i.test(`${e.name} ${e.message}`),
    );
    ok('unknown account and access key errors are typed');

    const block = await provider.viewBlock({ finality: 'final' });
    assert.ok(block.header.height >= 2);
    assert.equal(block.header.gas_price, '100000000');
    const gas = await provider.viewGasPrice();
    assert.equal(gas.gas_price, '100000000');
    ok('block and gas_price');

    // A contract shaped like a near-sdk-rs build (heap above 64 MiB).
    const sdkWasm = new Uint8Array(fs.readFileSync(sdkWasmPath));
    const sdkKey = KeyPair.fromRandom('ed25519');
    const peerKey = KeyPair.fromRandom('ed25519');
    await root.createSubAccount({ accountOrPrefix: 'sdk', publicKey: sdkKey.getPublicKey(), nearToTransfer: nearToYocto(10) });
    await root.createSubAccount({ accountOrPrefix: 'peer', publicKey: peerKey.getPublicKey(), nearToTransfer: nearToYocto(10) });
    const sdk = new Account('sdk.test.near', provider, new KeyPairSigner(sdkKey));
    const peer = new Account('peer.test.near', provider, new KeyPairSigner(peerKey));
    await sdk.deployContract(sdkWasm);
    await peer.deployContract(sdkWasm);
    const raw = (s) => new TextEncoder().encode(s);
    const value = (res) => Buffer.from(res.status.SuccessValue, 'base64').toString();

    // A cross-contract call with a callback.
    const pinged = await user.callFunctionRaw({ contractId: 'sdk.test.near', methodName: 'call_then', args: raw('peer.test.near'), gas: teraToGas(100) });
    assert.equal(value(pinged), 'ok:sdk.test.near');
    ok('cross-contract call with a callback: the callback saw the callee\'s value');

    // The callee fails; the callback handles it. Then a callback that fails itself.
    const handled = await user.callFunctionRaw({ contractId: 'sdk.test.near', methodName: 'call_fail', args: raw('peer.test.near'), gas: teraToGas(100) });
    assert.equal(value(handled), 'failed');
    await assert.rejects(
      user.callFunction({ contractId: 'sdk.test.near', methodName: 'call_then_boom', args: raw('peer.test.near'), gas: teraToGas(100) }),
      (e) => /boom/.test(String(e.message || e)),
    );
    ok('a failing callee is seen by its callback; a failing callback fails the call');

    // A yield created by user, resumed by another account (test.near).
    const requested = user.callFunctionRaw({ contractId: 'sdk.test.near', methodName: 'request', args: raw('task'), gas: teraToGas(100) });
    for (let i = 0; ; i++) {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'query', params: { request_type: 'view_state', finality: 'final', account_id: 'sdk.test.near', prefix_base64: Buffer.from('pending').toString('base64') } }),
      }).then((x) => x.json());
      if (r.result && r.result.values.length === 1) break;
      if (i > 500) throw new Error('the yield was never parked');
      await sleep(20);
    }
    await root.callFunctionRaw({ contractId: 'sdk.test.near', methodName: 'resolve', args: raw('answer-7'), gas: teraToGas(100) });
    assert.equal(value(await requested), 'answer-7');
    ok('a yield resumed by another account: the request returns the payload');

    // State survives a restart.
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    [child, port] = await start();
    url = `http://127.0.0.1:${port}`;
    provider = new JsonRpcProvider({ url });
    for (let i = 0; ; i++) {
      try {
        await provider.viewNodeStatus();
        break;
      } catch (e) {
        if (i > 250) throw new Error(`devnet did not restart: ${e.message}`);
        await sleep(20);
      }
    }
    const infoRaw = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'query', params: { request_type: 'call_function', finality: 'final', account_id: 'sdk.test.near', method_name: 'info', args_base64: '' } }),
    }).then((x) => x.json());
    const infoText = Buffer.from(infoRaw.result.result).toString();
    assert.ok(infoText.startsWith('1,'), `info after restart: ${infoText}`);
    const peerState = await new Account('peer.test.near', provider).getState();
    assert.ok(peerState.balance.total > 0n);
    ok('after a restart, a view sees the contract state written before it');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(home, { recursive: true, force: true });
  }
  console.log(`devnet-interop: ${checks} checks passed`);
}

main().catch((e) => {
  console.error('devnet-interop FAILED:', e);
  process.exit(1);
});
