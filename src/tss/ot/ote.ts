/**
 * KOS15 OT extension (Keller–Orsini–Scholl, ePrint 2015/546, Fig. 10),
 * made non-interactive with Fiat–Shamir, producing correlated OT rows.
 *
 * From the base OTs of setup.ts (sender: Δ, k_{i,Δ_i}; receiver: k_{i,0},
 * k_{i,1}, i < κ), per session with key K (hash.ts):
 *
 * Receiver, choice bits x ∈ {0,1}^{m'} (Fig. 10 "Extend", steps 1–3):
 *   t^i = G(K, i, k_{i,0}),  u^i = t^i ⊕ G(K, i, k_{i,1}) ⊕ x   (columns, m' bits)
 * Sender (step 4):
 *   q^i = G(K, i, k_{i,Δ_i}) ⊕ Δ_i·u^i = t^i ⊕ Δ_i·x
 * so that after transposing, rows satisfy q_j = t_j ⊕ x_j·Δ (κ bits).
 *
 * Consistency check (Fig. 10 "Consistency check"), with the challenge
 * χ_1..χ_{m'} ∈ GF(2^128) derived by Fiat–Shamir from (K, u) instead of a
 * coin toss. Our rows are κ = 256 bits: each is two GF(2^128) lanes, and the
 * check runs lane-wise with one shared x̃ (two KOS checks over the halves of
 * Δ that must agree on x):
 *   receiver sends x̃ = Σ_j χ_j·x_j and t̃ = Σ_j χ_j·t_j,
 *   sender checks Σ_j χ_j·q_j = t̃ + x̃·Δ.
 * The last m' − ξ rows carry random choice bits and are never output, so x̃
 * reveals nothing about the choice bits used.
 *
 * A malicious receiver passes while using inconsistent x in column i only
 * by guessing Δ_i (the well-known selective-failure leak of KOS): after an
 * 'ote.consistency' abort the sender must not use this material again.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import { bytesOf, equalWords, getBit, gfDotRows, gfMul, transposeBits, wordsOf } from './bits.js';
import { SeedExpander, xofBytes } from './hash.js';
import type { OtReceiverMaterial, OtSenderMaterial } from './material.js';
import { COLUMN_BYTES, KAPPA, OTE_ROWS, ROW_BYTES, SEED_BYTES } from './params.js';

const COL_WORDS = COLUMN_BYTES / 4;
const ROW_WORDS = ROW_BYTES / 4;
const U_BYTES = KAPPA * COLUMN_BYTES;
const XT_BYTES = 16;
/** Length of the receiver's OT-extension message: u ‖ x̃ ‖ t̃. */
export const OTE_MSG_BYTES = U_BYTES + XT_BYTES + ROW_BYTES;

/** χ_1..χ_{m'} ∈ GF(2^128) = XOF(K, H(u)): the Fiat–Shamir'd challenge of the check. */
function challenges(key: Uint8Array, u: Uint8Array): Uint32Array {
  return wordsOf(xofBytes(16 * OTE_ROWS, 'ot/kos/chi/v1', key, sha256(u)));
}

/** x̃ = Σ_j χ_j·x_j: the XOR of the χ_j whose choice bit is 1. */
function combineChoices(chis: Uint32Array, choices: Uint8Array): Uint32Array {
  const out = new Uint32Array(4);
  for (let j = 0; j < OTE_ROWS; j++) {
    const mask = -getBit(choices, j) | 0;
    for (let w = 0; w < 4; w++) out[w] ^= chis[4 * j + w] & mask;
  }
  return out;
}

/**
 * Receiver side: the message for the sender and the rows t_j (m' rows of
 * κ bits, `ROW_WORDS` words each). `choices` holds m' bits.
 */
export function oteReceiverExtend(
  m: OtReceiverMaterial,
  key: Uint8Array,
  choices: Uint8Array,
): { msg: Uint8Array; rows: Uint32Array } {
  if (choices.length !== OTE_ROWS / 8) throw new Error('oteReceiverExtend: wrong number of choice bits');
  const prg = new SeedExpander(key, COLUMN_BYTES);
  const x = wordsOf(choices);
  const msg = new Uint8Array(OTE_MSG_BYTES);
  const u = wordsOf(msg.subarray(0, U_BYTES));
  const tCols = new Uint32Array(KAPPA * COL_WORDS);
  for (let i = 0; i < KAPPA; i++) {
    const t = wordsOf(prg.hash(i, m.seeds0.subarray(i * SEED_BYTES, (i + 1) * SEED_BYTES)));
    const g1 = wordsOf(prg.hash(i, m.seeds1.subarray(i * SEED_BYTES, (i + 1) * SEED_BYTES)));
    const off = i * COL_WORDS;
    for (let w = 0; w < COL_WORDS; w++) {
      tCols[off + w] = t[w];
      u[off + w] = t[w] ^ g1[w] ^ x[w];
    }
    t.fill(0);
    g1.fill(0);
  }
  prg.wipe();
  const rows = transposeBits(tCols, KAPPA, OTE_ROWS);
  tCols.fill(0);
  const chis = challenges(key, msg.subarray(0, U_BYTES));
  msg.set(bytesOf(combineChoices(chis, choices)), U_BYTES);
  msg.set(bytesOf(gfDotRows(chis, rows, OTE_ROWS, ROW_WORDS)), U_BYTES + XT_BYTES);
  return { msg, rows };
}

/**
 * Sender side: parse the receiver's message (from `from`), run the
 * consistency check and return the rows q_j = t_j ⊕ x_j·Δ. Throws
 * ProtocolAbort(from, 'ote.msg') on a wrong length and
 * ProtocolAbort(from, 'ote.consistency') when the check fails.
 */
export function oteSenderExtend(m: OtSenderMaterial, key: Uint8Array, msg: Uint8Array, from: PartyId): Uint32Array {
  if (!(msg instanceof Uint8Array) || msg.length !== OTE_MSG_BYTES) {
    throw new ProtocolAbort(from, 'ote.msg', `expected ${OTE_MSG_BYTES} bytes, got ${msg?.length}`);
  }
  const uBytes = msg.subarray(0, U_BYTES);
  const u = wordsOf(uBytes);
  const prg = new SeedExpander(key, COLUMN_BYTES);
  const qCols = new Uint32Array(KAPPA * COL_WORDS);
  for (let i = 0; i < KAPPA; i++) {
    const g = wordsOf(prg.hash(i, m.seeds.subarray(i * SEED_BYTES, (i + 1) * SEED_BYTES)));
    const mask = -getBit(m.delta, i) | 0;
    const off = i * COL_WORDS;
    for (let w = 0; w < COL_WORDS; w++) qCols[off + w] = g[w] ^ (u[off + w] & mask);
    g.fill(0);
  }
  prg.wipe();
  const rows = transposeBits(qCols, KAPPA, OTE_ROWS);
  qCols.fill(0);

  const chis = challenges(key, uBytes);
  const xTilde = wordsOf(msg.slice(U_BYTES, U_BYTES + XT_BYTES));
  const expected = wordsOf(msg.slice(U_BYTES + XT_BYTES));
  const delta = wordsOf(m.delta.slice());
  for (let lane = 0; lane < ROW_WORDS / 4; lane++) {
    const xd = gfMul(xTilde, delta.subarray(lane * 4, lane * 4 + 4));
    for (let w = 0; w < 4; w++) expected[lane * 4 + w] ^= xd[w];
  }
  delta.fill(0);
  if (!equalWords(gfDotRows(chis, rows, OTE_ROWS, ROW_WORDS), expected)) {
    rows.fill(0);
    throw new ProtocolAbort(
      from,
      'ote.consistency',
      'the OT-extension consistency check failed: the receiver used inconsistent choice bits; ' +
        'do not use this pair’s OT material again until a new setup',
    );
  }
  return rows;
}
