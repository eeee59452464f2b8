// Reading an OutLayer request back from the chain: the events its
// transaction logged, its output, and the attestation checks of the
// reference's dashboard (spec B.3), done in the browser.
import { b64decode, sha256Hex } from './api.js';

function events(tx) {
  const out = [];
  const outcomes = [tx.transaction_outcome, ...(tx.receipts_outcome || [])];
  for (const o of outcomes) {
    for (const line of (o && o.outcome && o.outcome.logs) || []) {
      const i = line.indexOf('EVENT_JSON:');
      if (i < 0) continue;
      try {
        out.push(JSON.parse(line.slice(i + 11)));
      } catch {
        /* not an event */
      }
    }
  }
  return out;
}

// {request, completed, output, outputText, finished, failure}
export function readRequestTx(tx) {
  const ev = events(tx);
  const req = ev.find((e) => e.event === 'execution_requested');
  const done = ev.find((e) => e.event === 'execution_completed');
  let request = null;
  try {
    request = req ? JSON.parse(req.data[0].request_data) : null;
  } catch {
    request = null;
  }
  const st = tx.status || {};
  const finished = st.SuccessValue !== undefined || st.Failure !== undefined;
  // the output: the last receipt that returned a value (the callback's)
  let outputText = null;
  for (const r of tx.receipts_outcome || []) {
    const v = r.outcome && r.outcome.status && r.outcome.status.SuccessValue;
    if (v) outputText = new TextDecoder().decode(b64decode(v));
  }
  if (st.SuccessValue) outputText = new TextDecoder().decode(b64decode(st.SuccessValue));
  // The callback returns JSON: a Text output is a JSON string, a Json
  // output the value itself.
  let rawOutputText = null;
  if (outputText !== null) {
    try {
      const v = JSON.parse(outputText);
      if (typeof v === 'string') rawOutputText = v;
      outputText = typeof v === 'string' ? v : JSON.stringify(v, null, 1);
    } catch {
      /* not JSON: show it as it is */
    }
  }
  return {
    request,
    completed: done ? done.data[0] : null,
    outputText,
    rawOutputText,
    finished,
    failure: st.Failure ? failureText(st.Failure) : null,
  };
}

export function failureText(f) {
  try {
    const k = f.ActionError && f.ActionError.kind;
    if (k && k.FunctionCallError && k.FunctionCallError.ExecutionError) return k.FunctionCallError.ExecutionError;
  } catch {
    /* fall through */
  }
  return JSON.stringify(f);
}

function u64le(n) {
  const b = new Uint8Array(8);
  let x = BigInt(n);
  for (let i = 0; i < 8; i++) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

// Checks an attestation record: the quote's measurement (bytes 256..304)
// against worker_measurement, and its report data (568..600) against the
// task hash computed from the record's fields. Returns a list of checks.
export async function verifyAttestation(a) {
  const checks = [];
  let quote;
  try {
    quote = b64decode(a.tdx_quote || '');
  } catch {
    quote = new Uint8Array();
  }
  if (quote.length < 632) {
    checks.push({ name: 'Quote', ok: false, detail: `quote too short (${quote.length} bytes, need 632)` });
    return checks;
  }
  const marker = new TextDecoder().decode(quote.subarray(12, 40)).replace(/\0.*$/s, '');
  const rtmr3 = hex(quote.subarray(256, 304));
  const meas = String(a.worker_measurement || '').toLowerCase();
  checks.push({ name: 'Measurement (RTMR3) matches the worker', ok: rtmr3 === meas, detail: rtmr3.replace(/(00)+$/, '') || '(zero)' });
  const parts = [new TextEncoder().encode(a.task_type || ''), u64le(a.task_id || 0)];
  const enc = new TextEncoder();
  for (const k of ['repo_url', 'commit_hash', 'build_target', 'wasm_hash', 'input_hash', 'output_hash'])
    if (a[k]) parts.push(enc.encode(a[k]));
  if (a.block_height) parts.push(u64le(a.block_height));
  if (a.http_transcript_sha256) parts.push(enc.encode(a.http_transcript_sha256)); // programs that made HTTP, storage or view calls
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.length;
  }
  const expected = await sha256Hex(buf);
  const inQuote = hex(quote.subarray(568, 600));
  checks.push({ name: 'Task hash in the quote matches the record', ok: expected === inQuote, detail: inQuote });
  if (marker.startsWith('OUTLAYER-')) {
    checks.push({ name: 'TEE', ok: null, detail: `${marker}: not a hardware quote, so it proves only the record's consistency` });
  }
  return checks;
}

// Input and output hashes of the record against what the chain says.
export async function verifyAgainstChain(a, chain) {
  const checks = [];
  if (chain.request && a.input_hash) {
    const h = await sha256Hex(chain.request.input_data || '');
    checks.push({ name: 'Input hash matches the request on chain', ok: h === a.input_hash, detail: h });
  }
  if (chain.rawOutputText !== null && chain.rawOutputText !== undefined && a.output_hash) {
    // A Text output is stdout as it was; Json and Bytes outputs are
    // re-encoded by the worker, so a difference there proves nothing.
    const h = await sha256Hex(chain.rawOutputText);
    checks.push(h === a.output_hash
      ? { name: 'Output hash matches the output on chain', ok: true, detail: h }
      : { name: 'Output on chain', ok: null, detail: 'formatted by the worker (not the raw stdout), so its hash differs' });
  }
  return checks;
}
