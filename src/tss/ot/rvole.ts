/**
 * Random vector OLE over Z_q (secp256k1) from correlated OT: DKLs23
 * (ePrint 2023/765), §5, Protocol 5.2 "πRVOLE", with ℓ = 2 inputs, ρ = 1
 * check column and ξ = log q + 2λ_s = 512 OTs. The correlated OT is the KOS
 * extension of ote.ts, hashed to scalars (KOS15 §3).
 *
 * Round 1, receiver (rvoleReceiverStart):
 *   sample β ← {0,1}^ξ; χ = ⟨g, β⟩ with the gadget g ∈ Z_q^ξ = H(sid);
 *   run the OT extension with choice bits β (‖ KOS padding) → msg.
 * Round 2, sender (rvoleSenderRespond), inputs a = (a_1, a_2):
 *   check the OT extension; per OT j, pads v0_j = H(j, q_j), v1_j = H(j, q_j ⊕ Δ) ∈ Z_q^3;
 *   sample â ← Z_q (the check column); ã_j = v0_j − v1_j + (a_1, a_2, â)   (step 2)
 *   θ = H(K, ã) ∈ Z_q^2;  η = â + θ_1·a_1 + θ_2·a_2                        (step 3)
 *   μ = H(K, (v0_j[3] + θ_1·v0_j[1] + θ_2·v0_j[2])_j)   (1-indexed columns)   (step 3)
 *   c_k = −Σ_j g_j·v0_j[k]; send (ã, η, μ).
 * Round 3, receiver (rvoleReceiverFinish):
 *   d̃_j = v_{β_j, j} + β_j·ã_j  (= v0_j + β_j·(a, â));
 *   check μ = H(K, (d̃_j[3] + θ_1·d̃_j[1] + θ_2·d̃_j[2] − β_j·η)_j)        (step 4)
 *   d_k = Σ_j g_j·d̃_j[k], so that c_k + d_k = a_k·χ.
 *
 * A sender that alters ã, η or μ fails the receiver's check
 * (ProtocolAbort(sender, 'rvole.check')) except with the selective-failure
 * probability the gadget's 2λ_s extra entries make harmless. A receiver that
 * cheats in the OT extension is caught by the sender (ote.consistency).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, UsageError } from '../errors.js';
import { hashTranscript } from '../transcript.js';
import { bytesOf, getBit, maskOf, wordsOf } from './bits.js';
import { RowHasher, sessionKey, xofBytes } from './hash.js';
import { checkPair, claimSid, type OtReceiverMaterial, type OtSenderMaterial, type PairContext } from './material.js';
import { oteReceiverExtend, oteSenderExtend } from './ote.js';
import { OTE_ROWS, ROW_BYTES, RVOLE_COLS, RVOLE_ELL, SCALAR_BYTES, XI } from './params.js';
import {
  isScalar,
  parseScalar,
  randomScalar,
  reduceSmall,
  ScalarSelector,
  scalarWords,
  viewOf,
  wideToScalar,
  writeU256,
} from './scalar.js';
import { modq, q } from '../scalar.js';

const ROW_WORDS = ROW_BYTES / 4;
const SCALAR_WORDS = SCALAR_BYTES / 4;
const PAD_BYTES = RVOLE_COLS * SCALAR_BYTES;
const A_TILDE_BYTES = XI * PAD_BYTES;
/** Length of the sender's RVOLE message: ã ‖ η ‖ μ. */
export const RVOLE_SENDER_MSG_BYTES = A_TILDE_BYTES + SCALAR_BYTES + 32;

/** The RVOLE receiver's secret state between rounds 1 and 3 (single use). */
export interface RvoleReceiverState {
  readonly kind: 'rvole-receiver';
  /** @internal */ readonly sender: number;
  /** @internal */ readonly key: Uint8Array;
  /** @internal */ readonly choices: Uint8Array;
  /** @internal */ readonly rows: Uint32Array;
  /** @internal */ readonly gadget: readonly bigint[];
  /** @internal */ used: boolean;
}

/** The gadget as scalars and as words (scalarWords), for choosing entries by a secret bit. */
interface Gadget {
  readonly values: readonly bigint[];
  readonly words: Uint32Array;
}

const gadgetCache = new Map<string, Gadget>();

/** g ∈ Z_q^ξ hashed from the sid (DKLs23 §5: the gadget vector of πRVOLE); cached per sid. Public. */
function gadgetOf(sid: Uint8Array): Gadget {
  const id = bytesToHex(sid);
  const hit = gadgetCache.get(id);
  if (hit) return hit;
  const bytes = xofBytes(XI * SCALAR_BYTES, 'rvole/gadget/v1', sid);
  const v = viewOf(bytes);
  const values = Object.freeze(Array.from({ length: XI }, (_, j) => wideToScalar(v, j * SCALAR_BYTES)));
  const g: Gadget = { values, words: scalarWords(values) };
  if (gadgetCache.size >= 8) gadgetCache.delete(gadgetCache.keys().next().value as string);
  gadgetCache.set(id, g);
  return g;
}

function gadget(sid: Uint8Array): readonly bigint[] {
  return gadgetOf(sid).values;
}

/** θ ∈ Z_q^ℓ = H(K, ã): the Fiat–Shamir'd challenge of Protocol 5.2 step 3. */
function thetas(key: Uint8Array, aTilde: Uint8Array): bigint[] {
  const v = viewOf(xofBytes(RVOLE_ELL * SCALAR_BYTES, 'rvole/theta/v1', key, sha256(aTilde)));
  return Array.from({ length: RVOLE_ELL }, (_, k) => wideToScalar(v, k * SCALAR_BYTES));
}

/** μ = H(K, ρ_1..ρ_ξ) over the per-OT check values. */
function checkDigest(key: Uint8Array, rho: Uint8Array): Uint8Array {
  return hashTranscript('rvole/mu/v1', key, rho);
}

/**
 * Round 1 (receiver → sender). Returns χ (the receiver's random OLE input),
 * the message for ctx.sender, and the single-use state for round 3.
 * Throws UsageError for material of another pair or a sid already used with it.
 */
export function rvoleReceiverStart(
  material: OtReceiverMaterial,
  ctx: PairContext,
): { state: RvoleReceiverState; chi: bigint; msg: Uint8Array } {
  if (material?.kind !== 'ot-receiver') throw new UsageError('rvole: not an OtReceiverMaterial');
  checkPair(material, ctx);
  claimSid(material, ctx);
  const key = sessionKey(ctx);
  const choices = randomBytes(OTE_ROWS / 8);
  const { msg, rows } = oteReceiverExtend(material, key, choices);
  const g = gadgetOf(ctx.sid);
  // Protocol 5.2 step 1: χ = ⟨g, β⟩ with β secret. Not `if (β_j) χ += g_j`: each
  // term is g_j (β_j = 1) or q ≡ 0 (β_j = 0), chosen by a mask (ScalarSelector).
  const pick = new ScalarSelector();
  let chi = 0n;
  for (let j = 0; j < XI; j++) chi += pick.pick(maskOf(getBit(choices, j)), g.words, j * SCALAR_WORDS);
  pick.wipe();
  chi = modq(chi);
  const state: RvoleReceiverState = {
    kind: 'rvole-receiver',
    sender: ctx.sender,
    key,
    choices,
    rows,
    gadget: g.values,
    used: false,
  };
  return { state, chi, msg };
}

/**
 * Round 2 (sender → receiver), with inputs a = (a_1, a_2) ∈ Z_q^2. Checks the
 * receiver's OT extension (ProtocolAbort(receiver, 'ote.msg' |
 * 'ote.consistency')) and returns the sender's shares c (c_k + d_k = a_k·χ)
 * and the message for ctx.receiver. Throws UsageError for bad inputs,
 * material of another pair, or a sid already used with this material.
 */
export function rvoleSenderRespond(
  material: OtSenderMaterial,
  ctx: PairContext,
  inputs: readonly bigint[],
  msg: Uint8Array,
): { c: bigint[]; msg: Uint8Array } {
  if (material?.kind !== 'ot-sender') throw new UsageError('rvole: not an OtSenderMaterial');
  checkPair(material, ctx);
  if (!Array.isArray(inputs) || inputs.length !== RVOLE_ELL || !inputs.every(isScalar)) {
    throw new UsageError(`rvole: inputs must be ${RVOLE_ELL} scalars in [0, q)`);
  }
  claimSid(material, ctx);
  const key = sessionKey(ctx);
  const rows = oteSenderExtend(material, key, msg, ctx.receiver);

  const a = [...inputs, randomScalar()]; // (a_1, a_2, â)
  const hasher = new RowHasher(key, PAD_BYTES);
  const delta = new Uint32Array(material.delta.slice().buffer);
  const flipped = new Uint32Array(ROW_WORDS);
  const out = new Uint8Array(RVOLE_SENDER_MSG_BYTES);
  const outView = viewOf(out);
  const v0: bigint[] = new Array(XI * RVOLE_COLS);
  for (let j = 0; j < XI; j++) {
    const row = rows.subarray(j * ROW_WORDS, (j + 1) * ROW_WORDS);
    for (let w = 0; w < ROW_WORDS; w++) flipped[w] = row[w]! ^ delta[w]!;
    const h0 = viewOf(hasher.hash(j, bytesOf(row)));
    const h1 = viewOf(hasher.hash(j, bytesOf(flipped)));
    for (let k = 0; k < RVOLE_COLS; k++) {
      const p0 = wideToScalar(h0, k * SCALAR_BYTES);
      const p1 = wideToScalar(h1, k * SCALAR_BYTES);
      v0[j * RVOLE_COLS + k] = p0;
      writeU256(outView, (j * RVOLE_COLS + k) * SCALAR_BYTES, reduceSmall(p0 - p1 + a[k]!));
    }
  }
  hasher.wipe();
  rows.fill(0);
  delta.fill(0);
  flipped.fill(0);

  const theta = thetas(key, out.subarray(0, A_TILDE_BYTES));
  let eta = a[RVOLE_ELL]!;
  for (let k = 0; k < RVOLE_ELL; k++) eta += theta[k]! * a[k]!;
  writeU256(outView, A_TILDE_BYTES, modq(eta));

  const g = gadget(ctx.sid);
  const rho = new Uint8Array(XI * SCALAR_BYTES);
  const rhoView = viewOf(rho);
  const sums = new Array<bigint>(RVOLE_ELL).fill(0n);
  for (let j = 0; j < XI; j++) {
    const base = j * RVOLE_COLS;
    let r = v0[base + RVOLE_ELL]!;
    for (let k = 0; k < RVOLE_ELL; k++) {
      r += theta[k]! * v0[base + k]!;
      sums[k]! += g[j]! * v0[base + k]!;
    }
    writeU256(rhoView, j * SCALAR_BYTES, modq(r));
  }
  out.set(checkDigest(key, rho), A_TILDE_BYTES + SCALAR_BYTES);
  v0.fill(0n);
  a.fill(0n);
  return { c: sums.map((s) => modq(-s)), msg: out };
}

/**
 * Round 3: the receiver's shares d (d_k + c_k = a_k·χ) from the sender's
 * message. Throws ProtocolAbort(sender, 'rvole.msg') on a malformed message,
 * ProtocolAbort(sender, 'rvole.check') when the sender's check value fails
 * (it cheated: do not use this pair's OT material again until a new setup),
 * and UsageError if the state was already used.
 */
export function rvoleReceiverFinish(state: RvoleReceiverState, msg: Uint8Array): bigint[] {
  if (state?.kind !== 'rvole-receiver') throw new UsageError('rvole: not an RvoleReceiverState');
  if (state.used) throw new UsageError('rvole: this receiver state was already finished; each RVOLE is single-use');
  state.used = true;
  try {
    return finish(state, msg);
  } finally {
    state.rows.fill(0);
    state.choices.fill(0);
  }
}

function finish(state: RvoleReceiverState, msg: Uint8Array): bigint[] {
  const from = state.sender;
  if (!(msg instanceof Uint8Array) || msg.length !== RVOLE_SENDER_MSG_BYTES) {
    throw new ProtocolAbort(from, 'rvole.msg', `expected ${RVOLE_SENDER_MSG_BYTES} bytes, got ${msg?.length}`);
  }
  const view = viewOf(msg);
  // Strict parse (public values); the words are what step 4 chooses from by β_j.
  for (let n = 0; n < XI * RVOLE_COLS; n++) parseScalar(view, n * SCALAR_BYTES, from, 'rvole.msg', `ã[${n}]`);
  const aTilde = wordsOf(msg.subarray(0, A_TILDE_BYTES));
  const eta = parseScalar(view, A_TILDE_BYTES, from, 'rvole.msg', 'η');
  const negEta = scalarWords([q - eta]); // −η as a representative in (0, q]
  const mu = msg.subarray(A_TILDE_BYTES + SCALAR_BYTES);
  const theta = thetas(state.key, msg.subarray(0, A_TILDE_BYTES));

  const hasher = new RowHasher(state.key, PAD_BYTES);
  const rho = new Uint8Array(XI * SCALAR_BYTES);
  const rhoView = viewOf(rho);
  const sums = new Array<bigint>(RVOLE_ELL).fill(0n);
  const dt = new Array<bigint>(RVOLE_COLS);
  const pick = new ScalarSelector();
  for (let j = 0; j < XI; j++) {
    // β_j is secret: no branch on it. Protocol 5.2 step 4 (see the header):
    // d̃_j = v_{β_j} + β_j·ã_j and ρ_j ∋ −β_j·η, with β_j·x computed as
    // pick(mask, x), i.e. x or q ≡ 0, chosen by a mask.
    const mask = maskOf(getBit(state.choices, j));
    const h = viewOf(hasher.hash(j, bytesOf(state.rows.subarray(j * ROW_WORDS, (j + 1) * ROW_WORDS))));
    for (let k = 0; k < RVOLE_COLS; k++) {
      const pad = wideToScalar(h, k * SCALAR_BYTES);
      dt[k] = pad + pick.pick(mask, aTilde, (j * RVOLE_COLS + k) * SCALAR_WORDS); // < 2q; reduced once below
    }
    let r = dt[RVOLE_ELL]! + pick.pick(mask, negEta, 0);
    for (let k = 0; k < RVOLE_ELL; k++) {
      r += theta[k]! * dt[k]!;
      sums[k]! += state.gadget[j]! * dt[k]!;
    }
    writeU256(rhoView, j * SCALAR_BYTES, modq(r));
  }
  hasher.wipe();
  pick.wipe();
  const expected = checkDigest(state.key, rho);
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= expected[i]! ^ mu[i]!;
  if (diff !== 0) {
    throw new ProtocolAbort(
      from,
      'rvole.check',
      'the RVOLE sender’s check value μ does not match: it sent inconsistent values; ' +
        'do not use this pair’s OT material again until a new setup',
    );
  }
  return sums.map(modq);
}

/** Exposed for tests: the gadget vector and parameters. */
export const _internal = { gadget, q };
