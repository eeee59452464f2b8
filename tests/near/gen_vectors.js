#!/usr/bin/env node
// gen_vectors.js — NEAR interop test vectors produced by near-api-js.
//
// Builds a spread of transactions with near-api-js (a client nobody here
// wrote), and records for each: the borsh bytes of the transaction, its
// hash, the ed25519 signature and the borsh SignedTransaction. Also records
// key derivations from fixed seeds, base58 encodings and NEAR amount
// conversions. tests/unit/test_near_vectors.c checks our C code against the
// committed output byte for byte; `make near-vectors` re-runs this script
// and fails if its output differs from the committed tests/near/vectors.json.
//
// Usage: node tests/near/gen_vectors.js [output.json]   (default: stdout)
// Everything is deterministic: keys come from fixed seeds and ed25519
// signatures are deterministic.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

// near-api-js 7 is an ES module; these are filled in by main().
let nearApi, KeyPair, PublicKey, b58, ac, txs, utils;

const sha256 = (data) => crypto.createHash('sha256').update(data).digest();
const U128_MAX = (1n << 128n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

// A 32-byte seed per label, and the NEAR key pair it gives. Node's own
// ed25519 derives the public half (PKCS#8 wrapping of the raw seed), and
// near-api-js parses the resulting "ed25519:<seed‖pk>" secret.
function seedOf(label) {
  return sha256('outlayer near test vector key: ' + label);
}
function keyPairOf(label) {
  const seed = seedOf(label);
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const spki = crypto.createPublicKey(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }))
    .export({ format: 'der', type: 'spki' });
  const pk = spki.subarray(spki.length - 32);
  return { seed, keyPair: KeyPair.fromString('ed25519:' + b58(Buffer.concat([seed, pk]))) };
}

function hashOf(label) {
  return sha256('outlayer near test vector block: ' + label);
}

// --- JSON descriptions of actions (what the C test rebuilds) ------------

function describeAccessKey(ak) {
  const perm = ak.permission;
  if (perm.fullAccess) return { nonce: ak.nonce.toString(), permission: 'FullAccess' };
  const fc = perm.functionCall;
  return {
    nonce: ak.nonce.toString(),
    permission: {
      FunctionCall: {
        allowance: fc.allowance === undefined || fc.allowance === null ? null : fc.allowance.toString(),
        receiver_id: fc.receiverId,
        method_names: fc.methodNames,
      },
    },
  };
}

function pkText(pk) {
  return (pk instanceof PublicKey ? pk : new PublicKey(pk)).toString();
}

function describeAction(a, delegateInfo) {
  if (a.createAccount) return { type: 'CreateAccount' };
  if (a.deployContract) return { type: 'DeployContract', code_base64: Buffer.from(a.deployContract.code).toString('base64') };
  if (a.functionCall) {
    const f = a.functionCall;
    return {
      type: 'FunctionCall', method_name: f.methodName, args_base64: Buffer.from(f.args).toString('base64'),
      gas: f.gas.toString(), deposit: f.deposit.toString(),
    };
  }
  if (a.transfer) return { type: 'Transfer', deposit: a.transfer.deposit.toString() };
  if (a.stake) return { type: 'Stake', stake: a.stake.stake.toString(), public_key: pkText(a.stake.publicKey) };
  if (a.addKey) return { type: 'AddKey', public_key: pkText(a.addKey.publicKey), access_key: describeAccessKey(a.addKey.accessKey) };
  if (a.deleteKey) return { type: 'DeleteKey', public_key: pkText(a.deleteKey.publicKey) };
  if (a.deleteAccount) return { type: 'DeleteAccount', beneficiary_id: a.deleteAccount.beneficiaryId };
  if (a.signedDelegate) {
    const d = a.signedDelegate.delegateAction;
    return {
      type: 'Delegate',
      delegate_action: {
        sender_id: d.senderId, receiver_id: d.receiverId,
        actions: d.actions.map((x) => describeAction(x)),
        nonce: d.nonce.toString(), max_block_height: d.maxBlockHeight.toString(),
        public_key: pkText(d.publicKey),
      },
      signer_seed_hex: delegateInfo.seed.toString('hex'),
      delegate_hash: b58(delegateInfo.hash),
      signature: 'ed25519:' + b58(a.signedDelegate.signature.data),
    };
  }
  throw new Error('unknown action ' + JSON.stringify(a));
}

// --- cases ---------------------------------------------------------------

const cases = [];
const delegateInfos = new Map(); // SignedDelegate object -> { seed, hash }

async function addCase(name, { signerLabel, signerId, nonce, receiverId, blockLabel, actions, publicKey, blockHash }) {
  const signer = signerLabel ? keyPairOf(signerLabel) : null;
  const pk = publicKey || signer.keyPair.getPublicKey();
  const bh = blockHash || hashOf(blockLabel);
  const tx = txs.createTransaction(signerId, pk, receiverId, nonce, actions, bh);
  const bytes = Buffer.from(txs.encodeTransaction(tx));
  const hash = sha256(bytes);
  const entry = {
    name,
    signer_seed_hex: signer ? signer.seed.toString('hex') : null,
    signer_id: signerId,
    public_key: pkText(pk),
    nonce: BigInt(nonce).toString(),
    receiver_id: receiverId,
    block_hash: b58(bh),
    actions: actions.map((a) => describeAction(a, a.signedDelegate ? delegateInfos.get(a.signedDelegate) : null)),
    tx_borsh_hex: bytes.toString('hex'),
    tx_hash: b58(hash),
    signature: null,
    signed_tx_base64: null,
  };
  if (signer) {
    const { txHash: sigHash, signedTransaction: signed } = await new nearApi.KeyPairSigner(signer.keyPair).signTransaction(tx);
    if (Buffer.compare(Buffer.from(sigHash), hash) !== 0) throw new Error('hash mismatch in ' + name);
    entry.signature = 'ed25519:' + b58(signed.signature.data);
    entry.signed_tx_base64 = Buffer.from(signed.encode()).toString('base64');
    // Round trip through near-api-js' own decoder as a sanity check.
    const back = txs.decodeSignedTransaction(Buffer.from(entry.signed_tx_base64, 'base64'));
    if (back.transaction.signerId !== signerId) throw new Error('decode mismatch in ' + name);
  }
  cases.push(entry);
}

async function signedDelegate({ senderLabel, senderId, receiverId, actions, nonce, maxBlockHeight }) {
  const sender = keyPairOf(senderLabel);
  const delegateAction = txs.buildDelegateAction({
    actions, maxBlockHeight: BigInt(maxBlockHeight), nonce: BigInt(nonce),
    publicKey: sender.keyPair.getPublicKey(), receiverId, senderId,
  });
  // near-api-js signs sha256(NEP-461 prefix ‖ borsh(delegate action)).
  const { delegateHash: hash, signedDelegate: sd } = await new nearApi.KeyPairSigner(sender.keyPair).signDelegateAction(delegateAction);
  const action = ac.signedDelegate({ delegateAction: sd.delegateAction, signature: sd.signature });
  delegateInfos.set(action.signedDelegate, { seed: sender.seed, hash: Buffer.from(hash) });
  return action;
}

async function main() {
  nearApi = await import('near-api-js');
  ({ KeyPair, PublicKey } = nearApi);
  b58 = nearApi.baseEncode;
  ac = nearApi.actions;
  txs = nearApi; // createTransaction, encodeTransaction, buildDelegateAction, decodeSignedTransaction
  utils = { format: { parseNearAmount: nearApi.parseNearAmount, formatNearAmount: nearApi.formatNearAmount } };
  const alice = keyPairOf('alice');
  const bob = keyPairOf('bob');
  const carol = keyPairOf('carol');
  const secpKey = PublicKey.fromString('secp256k1:' + b58(Buffer.concat([sha256('secp x'), sha256('secp y')])));

  // The transaction from nearcore's own tests (core/primitives): no secret key,
  // so only bytes and hash.
  const ncKey = PublicKey.fromString('ed25519:22skMptHjFWNyuEWY22ftn2AbLPSYpmYwGJRGwpNHbTV');
  await addCase('nearcore_all_actions', {
    signerId: 'test.near', publicKey: ncKey, nonce: 1, receiverId: '123', blockHash: Buffer.alloc(32),
    actions: [
      ac.createAccount(),
      ac.deployContract(new Uint8Array([1, 2, 3])),
      ac.functionCall('qqq', new Uint8Array([1, 2, 3]), 1000n, 1000000n),
      ac.transfer(123n),
      ac.stake(1000000n, ncKey),
      ac.addFunctionCallAccessKey(ncKey, 'zzz', ['www'], undefined),
      ac.deleteKey(ncKey),
      ac.deleteAccount('123'),
    ],
  });

  await addCase('transfer_one_near', {
    signerLabel: 'alice', signerId: 'alice.near', nonce: 7, receiverId: 'bob.near', blockLabel: 'b1',
    actions: [ac.transfer(BigInt(utils.format.parseNearAmount('1')))],
  });

  await addCase('function_call_json_args', {
    signerLabel: 'alice', signerId: 'alice.near', nonce: 8, receiverId: 'outlayer.testnet', blockLabel: 'b2',
    actions: [ac.functionCall('request_execution', { source: { WasmUrl: { url: 'https://example.com/a.wasm', hash: 'ab'.repeat(32) } }, input_data: '{"n":1}' },
      30000000000000n, BigInt(utils.format.parseNearAmount('0.1')))],
  });

  await addCase('function_call_long_args_unicode_method', {
    signerLabel: 'bob', signerId: 'bob.testnet', nonce: 123456789012, receiverId: 'contract.bob.testnet', blockLabel: 'b3',
    actions: [ac.functionCall('привет_мир_🚀', new Uint8Array(Buffer.from('x'.repeat(5000) + 'ü'.repeat(3000))), 300000000000000n, 1n)],
  });

  await addCase('max_values', {
    signerLabel: 'carol', signerId: 'c'.repeat(64), nonce: U64_MAX, receiverId: '0x' + 'ab'.repeat(20), blockLabel: 'b4',
    actions: [
      ac.transfer(U128_MAX),
      ac.functionCall('m', new Uint8Array([]), U64_MAX, U128_MAX),
      ac.stake(U128_MAX, carol.keyPair.getPublicKey()),
    ],
  });

  await addCase('create_account_full_setup', {
    signerLabel: 'alice', signerId: 'alice.near', nonce: 9, receiverId: 'sub.alice.near', blockLabel: 'b5',
    actions: [
      ac.createAccount(),
      ac.transfer(BigInt(utils.format.parseNearAmount('5.25'))),
      ac.addFullAccessKey(bob.keyPair.getPublicKey()),
      ac.deployContract(new Uint8Array(Array.from({ length: 1024 }, (_, i) => (i * 7) & 0xff))),
    ],
  });

  await addCase('function_call_keys', {
    signerLabel: 'bob', signerId: 'bob.near', nonce: 10, receiverId: 'bob.near', blockLabel: 'b6',
    actions: [
      ac.addFunctionCallAccessKey(alice.keyPair.getPublicKey(), 'outlayer.near', ['resolve_execution', 'submit_execution_output_and_resolve', 'ünïcödé'], BigInt(utils.format.parseNearAmount('0.25'))),
      ac.addFunctionCallAccessKey(carol.keyPair.getPublicKey(), 'app.near', [], undefined),
      ac.addFunctionCallAccessKey(secpKey, 'x.near', ['a'], U128_MAX),
    ],
  });

  await addCase('delete_key_and_account', {
    signerLabel: 'carol', signerId: 'carol.near', nonce: 11, receiverId: 'carol.near', blockLabel: 'b7',
    actions: [ac.deleteKey(alice.keyPair.getPublicKey()), ac.deleteKey(secpKey), ac.deleteAccount('alice.near')],
  });

  await addCase('implicit_account_transfer', {
    signerLabel: 'alice', signerId: 'alice.near', nonce: 12, receiverId: Buffer.from(bob.keyPair.getPublicKey().data).toString('hex'), blockLabel: 'b8',
    actions: [ac.transfer(1n)],
  });

  const delegate = await signedDelegate({
    senderLabel: 'bob', senderId: 'bob.near', receiverId: 'outlayer.near', nonce: 77, maxBlockHeight: 1234567,
    actions: [ac.functionCall('request_execution', { input: 'hello' }, 100000000000000n, 0n), ac.transfer(5n)],
  });
  await addCase('delegate_meta_transaction', {
    signerLabel: 'alice', signerId: 'relayer.near', nonce: 13, receiverId: 'bob.near', blockLabel: 'b9',
    actions: [delegate],
  });

  await addCase('empty_actions', {
    signerLabel: 'bob', signerId: 'ab', nonce: 0, receiverId: 'cd', blockLabel: 'b10', actions: [],
  });

  // Keys from fixed seeds.
  const keys = ['alice', 'bob', 'carol', 'dave'].map((label) => {
    const { seed, keyPair } = keyPairOf(label);
    return {
      seed_hex: seed.toString('hex'),
      public_key: keyPair.getPublicKey().toString(),
      secret_key: keyPair.toString(),
      implicit_account: Buffer.from(keyPair.getPublicKey().data).toString('hex'),
      message_hex: sha256(label).toString('hex'),
      signature: 'ed25519:' + b58(keyPair.sign(sha256(label)).signature),
    };
  });

  const base58 = ['', '00', '0000ff', '61', '626262', '00000000000000000000', 'ffffffffffffffffffffffffffffffff',
    sha256('b58').toString('hex')].map((hex) => ({ hex, base58: b58(Buffer.from(hex, 'hex')) }));

  const nearText = ['0', '1', '1.5', '0.000000000000000000000001', '123456789.123456789', '340282366920938.463463374607431768211455', '10', '0.1'];
  const amounts = nearText.map((near) => {
    const yocto = utils.format.parseNearAmount(near);
    return { near, yocto, formatted: utils.format.formatNearAmount(yocto, 24).replace(/,/g, '') };
  });

  const out = {
    generator: 'tests/near/gen_vectors.js',
    near_api_js: JSON.parse(fs.readFileSync(path.join(__dirname, '../../node_modules/near-api-js/package.json'))).version,
    transactions: cases,
    keys,
    base58,
    amounts,
  };
  const text = JSON.stringify(out, null, 2) + '\n';
  if (process.argv[2]) fs.writeFileSync(process.argv[2], text);
  else process.stdout.write(text);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
