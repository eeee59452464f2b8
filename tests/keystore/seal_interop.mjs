// seal_interop.mjs — seals secrets for the keystore the way a browser can,
// without libsodium: tweetnacl's crypto_box (X25519 + XSalsa20-Poly1305)
// and @noble/hashes' BLAKE2b, composed into crypto_box_seal by hand
// (ephemeral key pair; nonce = BLAKE2b-192(epk ‖ pk); epk ‖ box), then the
// blob header 'o' 'l' 0x01 and standard base64 (docs/secrets.md).
// An independent implementation: if the C keystore opens what this makes,
// the format is what the documentation says.
//   node seal_interop.mjs <public key hex> '<secrets JSON>'  -> prints the blob
import nacl from 'tweetnacl';
import { blake2b } from '@noble/hashes/blake2.js';

const [pkHex, text] = process.argv.slice(2);
if (!/^[0-9a-f]{64}$/.test(pkHex ?? '') || text === undefined) {
  console.error('usage: node seal_interop.mjs <public key hex> <secrets JSON>');
  process.exit(64);
}
const pk = Uint8Array.from(Buffer.from(pkHex, 'hex'));
const eph = nacl.box.keyPair();
const nonceInput = new Uint8Array(64);
nonceInput.set(eph.publicKey, 0);
nonceInput.set(pk, 32);
const nonce = blake2b(nonceInput, { dkLen: 24 });
const boxed = nacl.box(new TextEncoder().encode(text), nonce, pk, eph.secretKey);
const blob = new Uint8Array(3 + 32 + boxed.length);
blob.set([0x6f, 0x6c, 0x01], 0);
blob.set(eph.publicKey, 3);
blob.set(boxed, 35);
process.stdout.write(Buffer.from(blob).toString('base64') + '\n');
