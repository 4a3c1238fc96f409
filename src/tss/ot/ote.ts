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
 * coin toss. Rows are κ bits (params.ts), κ/128 GF(2^128) lanes each (one at
 * κ = 128); the check runs lane-wise with one shared x̃ (for κ > 128, one KOS
 * check per 128-bit slice of Δ, all agreeing on x):
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
import { KAPPA, KOS_EXTRA, OTE_ROWS, ROW_BYTES, SEED_BYTES } from './params.js';

const ROW_WORDS = ROW_BYTES / 4;
const XT_BYTES = 16;

/** Length of the receiver's OT-extension message for m' rows: u (κ·m' bits) ‖ x̃ ‖ t̃. */
export function oteMsgBytes(rowCount: number): number {
  return (KAPPA * rowCount) / 8 + XT_BYTES + ROW_BYTES;
}

/** Length of the receiver's OT-extension message of one RVOLE (m' = ξ + extra rows). */
export const OTE_MSG_BYTES = oteMsgBytes(OTE_ROWS);

function checkRowCount(rowCount: number): void {
  if (!Number.isInteger(rowCount) || rowCount % 32 !== 0 || rowCount <= KOS_EXTRA || rowCount > 0xffff) {
    throw new Error('ote: the row count must be a multiple of 32 above the KOS padding');
  }
}

/** χ_1..χ_{m'} ∈ GF(2^128) = XOF(K, m', H(u)): the Fiat–Shamir'd challenge of the check. */
function challenges(key: Uint8Array, rowCount: number, u: Uint8Array): Uint32Array {
  return wordsOf(xofBytes(16 * rowCount, 'ot/kos/chi/v1', key, rowCount, sha256(u)));
}

/** x̃ = Σ_j χ_j·x_j: the XOR of the χ_j whose choice bit is 1. */
function combineChoices(chis: Uint32Array, choices: Uint8Array, rowCount: number): Uint32Array {
  const out = new Uint32Array(4);
  for (let j = 0; j < rowCount; j++) {
    const mask = -getBit(choices, j) | 0;
    for (let w = 0; w < 4; w++) out[w]! ^= chis[4 * j + w]! & mask;
  }
  return out;
}

/**
 * Receiver side: the message for the sender and the rows t_j (m' rows of
 * κ bits, κ/32 words each). `choices` holds m' bits (default m' = ξ + extra,
 * one RVOLE); the last {@link KOS_EXTRA} must be uniformly random.
 */
export function oteReceiverExtend(
  m: OtReceiverMaterial,
  key: Uint8Array,
  choices: Uint8Array,
  rowCount: number = OTE_ROWS,
): { msg: Uint8Array; rows: Uint32Array } {
  checkRowCount(rowCount);
  if (choices.length !== rowCount / 8) throw new Error('oteReceiverExtend: wrong number of choice bits');
  const columnBytes = rowCount / 8;
  const colWords = columnBytes / 4;
  const uLen = KAPPA * columnBytes;
  const prg = new SeedExpander(key, columnBytes);
  const x = wordsOf(choices);
  const msg = new Uint8Array(oteMsgBytes(rowCount));
  const u = wordsOf(msg.subarray(0, uLen));
  const tCols = new Uint32Array(KAPPA * colWords);
  for (let i = 0; i < KAPPA; i++) {
    const t = wordsOf(prg.hash(i, m.seeds0.subarray(i * SEED_BYTES, (i + 1) * SEED_BYTES)));
    const g1 = wordsOf(prg.hash(i, m.seeds1.subarray(i * SEED_BYTES, (i + 1) * SEED_BYTES)));
    const off = i * colWords;
    for (let w = 0; w < colWords; w++) {
      tCols[off + w] = t[w]!;
      u[off + w] = t[w]! ^ g1[w]! ^ x[w]!;
    }
    t.fill(0);
    g1.fill(0);
  }
  prg.wipe();
  const rows = transposeBits(tCols, KAPPA, rowCount);
  tCols.fill(0);
  const chis = challenges(key, rowCount, msg.subarray(0, uLen));
  msg.set(bytesOf(combineChoices(chis, choices, rowCount)), uLen);
  msg.set(bytesOf(gfDotRows(chis, rows, rowCount, ROW_WORDS)), uLen + XT_BYTES);
  return { msg, rows };
}

/**
 * Sender side: parse the receiver's message (from `from`), run the
 * consistency check and return the rows q_j = t_j ⊕ x_j·Δ. Throws
 * ProtocolAbort(from, 'ote.msg') on a wrong length and
 * ProtocolAbort(from, 'ote.consistency') when the check fails.
 */
export function oteSenderExtend(
  m: OtSenderMaterial,
  key: Uint8Array,
  msg: Uint8Array,
  from: PartyId,
  rowCount: number = OTE_ROWS,
): Uint32Array {
  checkRowCount(rowCount);
  const expectedLen = oteMsgBytes(rowCount);
  if (!(msg instanceof Uint8Array) || msg.length !== expectedLen) {
    throw new ProtocolAbort(from, 'ote.msg', `expected ${expectedLen} bytes, got ${msg?.length}`);
  }
  const columnBytes = rowCount / 8;
  const colWords = columnBytes / 4;
  const uLen = KAPPA * columnBytes;
  const uBytes = msg.subarray(0, uLen);
  const u = wordsOf(uBytes);
  const prg = new SeedExpander(key, columnBytes);
  const qCols = new Uint32Array(KAPPA * colWords);
  for (let i = 0; i < KAPPA; i++) {
    const g = wordsOf(prg.hash(i, m.seeds.subarray(i * SEED_BYTES, (i + 1) * SEED_BYTES)));
    const mask = -getBit(m.delta, i) | 0;
    const off = i * colWords;
    for (let w = 0; w < colWords; w++) qCols[off + w] = g[w]! ^ (u[off + w]! & mask);
    g.fill(0);
  }
  prg.wipe();
  const rows = transposeBits(qCols, KAPPA, rowCount);
  qCols.fill(0);

  const chis = challenges(key, rowCount, uBytes);
  const xTilde = wordsOf(msg.slice(uLen, uLen + XT_BYTES));
  const expected = wordsOf(msg.slice(uLen + XT_BYTES));
  const delta = wordsOf(m.delta.slice());
  for (let lane = 0; lane < ROW_WORDS / 4; lane++) {
    const xd = gfMul(xTilde, delta.subarray(lane * 4, lane * 4 + 4));
    for (let w = 0; w < 4; w++) expected[lane * 4 + w]! ^= xd[w]!;
  }
  delta.fill(0);
  if (!equalWords(gfDotRows(chis, rows, rowCount, ROW_WORDS), expected)) {
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
