/**
 * Both ordered pairs between two parties from ONE batch of base OTs
 * (optional; halves the public-key work of key generation).
 *
 * Flows (a = ctx.sender, b = ctx.receiver), the same two as setup.ts:
 *   a --msg1--> b --msg2--> a
 * 1. a → b: the κ Endemic OTs of setup.ts, giving the a→b material
 *    (a: Δ, k_{i,Δ_i}; b: k_{i,0}, k_{i,1}).
 * 2. b, right away, runs the KOS extension (ote.ts) as its receiver over
 *    that fresh a→b material, for m' = κ + padding rows with uniformly random
 *    choice bits x, and appends the message (u, x̃, t̃) to msg2.
 * 3. a checks the extension (KOS consistency check, aborting naming b) and
 *    both hash the first κ rows into κ random OTs in the other direction
 *    (KOS15 §3, random OT from correlated OT):
 *      a holds k'_{l,0} = H(l, q_l), k'_{l,1} = H(l, q_l ⊕ Δ)   (the b→a receiver material)
 *      b holds Δ'_l = x_l and k'_{l,x_l} = H(l, t_l)            (the b→a sender material)
 *    These are the base OTs of the b→a pair: b (its RVOLE sender) holds Δ'
 *    and one seed of each, a (its RVOLE receiver) both.
 *
 * The extension runs under its own session key, H(sid) with a domain of its
 * own, so its rows are independent of every signing session's rows.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, UsageError } from '../errors.js';
import { hashTranscript } from '../transcript.js';
import { bytesOf } from './bits.js';
import { RowHasher, sessionKey } from './hash.js';
import { checkContext, type OtReceiverMaterial, type OtSenderMaterial, type PairContext } from './material.js';
import { oteMsgBytes, oteReceiverExtend, oteSenderExtend } from './ote.js';
import { KAPPA, KOS_EXTRA, ROW_BYTES, SEED_BYTES } from './params.js';
import { otSetupReceiverRespond, otSetupSenderFinish, otSetupSenderStart, type SetupSenderState } from './setup.js';
import { POINT_BYTES } from './base-ot.js';

const REVERSE_ROWS = KAPPA + KOS_EXTRA;
const ROW_WORDS = ROW_BYTES / 4;
/** Length of msg2 of a pair setup: B ‖ OT-extension message. */
export const PAIR_SETUP_MSG2_BYTES = POINT_BYTES + oteMsgBytes(REVERSE_ROWS);

/** The first party's state between msg1 and msg2 of a pair setup (single use, secret). */
export interface PairSetupState {
  readonly kind: 'ot-pair-setup';
  /** @internal */ readonly inner: SetupSenderState;
}

/** The materials a party holds towards its peer after a pair setup. */
export interface PairMaterials {
  /** This party as RVOLE sender towards the peer. */
  sender: OtSenderMaterial;
  /** This party as RVOLE receiver from the peer. */
  receiver: OtReceiverMaterial;
}

function reverseKey(ctx: PairContext): Uint8Array {
  return sessionKey({ sid: hashTranscript('ot/pair-setup/reverse/v1', ctx.sid), sender: ctx.sender, receiver: ctx.receiver });
}

/** H(l, row): a base-OT seed of the reverse direction from row l of the extension. */
function reverseSeeds(key: Uint8Array, rows: Uint32Array, flip?: Uint32Array): Uint8Array {
  const h = new RowHasher(key, SEED_BYTES);
  const out = new Uint8Array(KAPPA * SEED_BYTES);
  const tmp = new Uint32Array(ROW_WORDS);
  for (let l = 0; l < KAPPA; l++) {
    for (let w = 0; w < ROW_WORDS; w++) tmp[w] = rows[l * ROW_WORDS + w]! ^ (flip ? flip[w]! : 0);
    out.set(h.hash(l, bytesOf(tmp)), l * SEED_BYTES);
  }
  tmp.fill(0);
  h.wipe();
  return out;
}

/**
 * Pair setup flow 1, run by ctx.sender (a). Send `msg1` to ctx.receiver (b).
 * Use either this or {@link otSetupSenderStart} per pair, not both.
 */
export function otPairSetupStart(ctx: PairContext): { state: PairSetupState; msg1: Uint8Array } {
  const { state, msg1 } = otSetupSenderStart(ctx);
  return { state: { kind: 'ot-pair-setup', inner: state }, msg1 };
}

/**
 * Pair setup flow 2, run by ctx.receiver (b) on msg1 from a: returns b's
 * materials for both directions (receiver of a→b, sender of b→a) and `msg2`
 * for a. Throws ProtocolAbort(a, 'ot.setup.msg1') on a malformed msg1.
 */
export function otPairSetupRespond(ctx: PairContext, msg1: Uint8Array): PairMaterials & { msg2: Uint8Array } {
  checkContext(ctx);
  const { material: forward, msg2: bEnc } = otSetupReceiverRespond(ctx, msg1);
  const choices = randomBytes(REVERSE_ROWS / 8);
  const key = reverseKey(ctx);
  const { msg, rows } = oteReceiverExtend(forward, key, choices, REVERSE_ROWS);
  const sender: OtSenderMaterial = Object.freeze({
    kind: 'ot-sender' as const,
    sender: ctx.receiver,
    receiver: ctx.sender,
    delta: choices.slice(0, KAPPA / 8),
    seeds: reverseSeeds(key, rows),
  });
  rows.fill(0);
  choices.fill(0);
  const msg2 = new Uint8Array(PAIR_SETUP_MSG2_BYTES);
  msg2.set(bEnc, 0);
  msg2.set(msg, POINT_BYTES);
  return { sender, receiver: forward, msg2 };
}

/**
 * Pair setup flow 3, run by a on msg2 from b: returns a's materials for both
 * directions (sender of a→b, receiver of b→a). Throws ProtocolAbort(b,
 * 'ot.setup.msg2' | 'ote.msg' | 'ote.consistency') on a bad msg2, and
 * UsageError if the state was already used.
 */
export function otPairSetupFinish(state: PairSetupState, msg2: Uint8Array): PairMaterials {
  if (state?.kind !== 'ot-pair-setup') throw new UsageError('ot: not a PairSetupState');
  const ctx = state.inner.ctx;
  if (state.inner.base.used) throw new UsageError('ot: this setup state was already finished; start a new setup');
  if (!(msg2 instanceof Uint8Array) || msg2.length !== PAIR_SETUP_MSG2_BYTES) {
    state.inner.base.used = true;
    throw new ProtocolAbort(ctx.receiver, 'ot.setup.msg2', `expected ${PAIR_SETUP_MSG2_BYTES} bytes, got ${msg2?.length}`);
  }
  const sender = otSetupSenderFinish(state.inner, msg2.subarray(0, POINT_BYTES));
  const key = reverseKey(ctx);
  const rows = oteSenderExtend(sender, key, msg2.subarray(POINT_BYTES), ctx.receiver, REVERSE_ROWS);
  const delta = new Uint32Array(sender.delta.slice().buffer);
  const receiver: OtReceiverMaterial = Object.freeze({
    kind: 'ot-receiver' as const,
    sender: ctx.receiver,
    receiver: ctx.sender,
    seeds0: reverseSeeds(key, rows),
    seeds1: reverseSeeds(key, rows, delta),
  });
  rows.fill(0);
  delta.fill(0);
  return { sender, receiver };
}
