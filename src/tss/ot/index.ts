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
 * Setup (key generation / re-share), two flows per ordered pair:
 *   sender --msg1--> receiver --msg2--> sender
 * Multiplication (signing), two flows per ordered pair:
 *   receiver --msg--> sender (round 1), sender --msg--> receiver (round 2),
 *   receiver finishes in round 3.
 *
 * All messages are opaque bytes to the caller; every parse is strict and
 * every failed check throws ProtocolAbort naming the peer.
 *
 * CONTRACT ONLY: implementations are being written in this folder.
 */
import type { PartyId } from '../errors.js';

/** Identifies one ordered pair in one session. `sid` must never repeat for the same material. */
export interface PairContext {
  sid: Uint8Array;
  sender: PartyId;
  receiver: PartyId;
}

/** Long-lived secret OT material of the RVOLE sender towards one receiver. */
export interface OtSenderMaterial {
  readonly kind: 'ot-sender';
}
/** Long-lived secret OT material of the RVOLE receiver towards one sender. */
export interface OtReceiverMaterial {
  readonly kind: 'ot-receiver';
}

export interface SetupSenderState {
  readonly kind: 'ot-setup-sender';
}
export interface RvoleReceiverState {
  readonly kind: 'rvole-receiver';
}
