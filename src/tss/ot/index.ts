/**
 * The OT stack DKLs23 signing stands on, seen from the protocol layer.
 *
 * Roles, per ordered pair of parties:
 * - the RVOLE *sender* has inputs a = (a_1, a_2) and learns c;
 * - the RVOLE *receiver* learns a random χ and d, with c_k + d_k = a_k·χ (mod q).
 * The RVOLE receiver is the OT-extension receiver (it holds the choice bits);
 * the RVOLE sender is the OT-extension sender (it holds Δ, so in the base OTs
 * run at key generation it is the base-OT receiver).
 *
 * Setup (key generation / re-share), two flows per ordered pair (sizes at κ = 128):
 *   sender --msg1 (8,192 B)--> receiver --msg2 (32 B)--> sender
 *   (or otPairSetup*: both directions of a pair from one batch, msg2 6,208 B;
 *   DKLs23 keygen and ECDSA re-share use this)
 * Multiplication (signing), two flows per ordered pair:
 *   receiver --msg (12,320 B)--> sender (round 1), sender --msg (49,216 B)--> receiver
 *   (round 2), receiver finishes in round 3.
 * Cost on one core (CPU time, noble, loaded machine): at κ = 256 setup was
 * ≈ 1.0 s per ordered pair; at κ = 128 otPairSetup* takes ≈ 0.6 s per
 * UNORDERED pair (start 0.13 s, respond 0.39 s, finish 0.08 s), one RVOLE
 * ≈ 12–16 ms for both sides together. The responder's 2κ variable-base
 * multiplications of the base OTs dominate setup.
 *
 * Modules: base-ot.ts (Endemic OT, ePrint 2019/706 Fig. 8, on ristretto255),
 * setup.ts (κ = 128 base OTs per ordered pair, params.ts), ote.ts (KOS15 OT extension
 * with a Fiat–Shamir'd GF(2^128) consistency check), rvole.ts (DKLs23
 * Protocol 5.2), material.ts (pair context, material, encoding).
 *
 * All messages are opaque bytes to the caller; every parse is strict (exact
 * lengths, canonical scalars and points) and every failed check throws
 * ProtocolAbort naming the peer and the check:
 *   'ot.setup.msg1' (sender), 'ot.setup.msg2' (receiver),
 *   'ote.msg' / 'ote.consistency' (receiver cheated in the OT extension),
 *   'rvole.msg' / 'rvole.check' (sender cheated in the RVOLE).
 * After 'ote.consistency' or 'rvole.check' the pair's OT material must be
 * treated as burned (selective-failure attacks leak a little per attempt):
 * refuse to use it again until a fresh setup (re-share).
 *
 * Misuse by the caller throws UsageError: material of another pair, a sid
 * reused with the same material (in this process), a state finished twice,
 * inputs that are not scalars.
 */
export type { PairContext, OtSenderMaterial, OtReceiverMaterial } from './material.js';
export {
  encodeOtSenderMaterial,
  decodeOtSenderMaterial,
  encodeOtReceiverMaterial,
  decodeOtReceiverMaterial,
} from './material.js';
export type { SetupSenderState } from './setup.js';
export { otSetupSenderStart, otSetupReceiverRespond, otSetupSenderFinish } from './setup.js';
export type { RvoleReceiverState } from './rvole.js';
export { rvoleReceiverStart, rvoleSenderRespond, rvoleReceiverFinish, RVOLE_SENDER_MSG_BYTES } from './rvole.js';
export { OTE_MSG_BYTES } from './ote.js';
export { KAPPA, XI, RVOLE_ELL } from './params.js';
/**
 * Optional: both ordered pairs of two parties from one batch of base OTs
 * (a→b by Endemic OT, b→a by a KOS extension of it), same two flows as the
 * per-ordered-pair setup; about half the key-generation cost. Run it once
 * per unordered pair instead of two otSetup* runs.
 */
export type { PairSetupState, PairMaterials } from './pair-setup.js';
export { otPairSetupStart, otPairSetupRespond, otPairSetupFinish, PAIR_SETUP_MSG2_BYTES } from './pair-setup.js';
