/**
 * OT setup of one ordered pair at key generation or re-share: κ (params.ts)
 * Endemic base OTs (base-ot.ts) in which the RVOLE *sender* is the base-OT
 * receiver, choosing Δ as its choice bits, and the RVOLE *receiver* is the
 * base-OT sender. Two flows: sender --msg1--> receiver --msg2--> sender.
 *
 * Afterwards the sender holds (Δ, k_{i,Δ_i}) and the receiver (k_{i,0}, k_{i,1})
 * for i < κ: exactly the base OTs of KOS15 OT extension (ePrint 2015/546,
 * Fig. 10, "Initialize"), with the roles reversed as IKNP requires.
 *
 * Substituting a different valid point for one in msg1 or msg2 is not
 * detectable here (each side's keys are its own choice in an OT); it makes
 * the seeds inconsistent, which the KOS check catches at first use.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { UsageError } from '../errors.js';
import { hashTranscript } from '../transcript.js';
import { endemicReceiverFinish, endemicReceiverStart, endemicSenderRespond, type EndemicReceiverState } from './base-ot.js';
import { checkContext, type OtReceiverMaterial, type OtSenderMaterial, type PairContext } from './material.js';
import { KAPPA } from './params.js';

/** The RVOLE sender's state between setup msg1 and msg2 (single use, secret). */
export interface SetupSenderState {
  readonly kind: 'ot-setup-sender';
  /** @internal */ readonly ctx: PairContext;
  /** @internal */ readonly delta: Uint8Array;
  /** @internal */ readonly base: EndemicReceiverState;
}

function setupTag(ctx: PairContext): Uint8Array {
  return hashTranscript('ot/setup/v1', ctx.sid, ctx.sender, ctx.receiver);
}

function copyContext(ctx: PairContext): PairContext {
  return Object.freeze({ sid: ctx.sid.slice(), sender: ctx.sender, receiver: ctx.receiver });
}

/**
 * Setup flow 1, run by the RVOLE sender: samples Δ ∈ {0,1}^κ and starts κ
 * Endemic OTs as their receiver with choice bits Δ. Send `msg1` (64·κ bytes) to
 * ctx.receiver.
 */
export function otSetupSenderStart(ctx: PairContext): { state: SetupSenderState; msg1: Uint8Array } {
  checkContext(ctx);
  const delta = randomBytes(KAPPA / 8);
  const { state: base, msg1 } = endemicReceiverStart(setupTag(ctx), delta, KAPPA);
  return { state: { kind: 'ot-setup-sender', ctx: copyContext(ctx), delta, base }, msg1 };
}

/**
 * Setup flow 2, run by the RVOLE receiver on msg1 from ctx.sender: acts as
 * the Endemic OT sender and returns its long-lived material and `msg2`
 * (32 bytes) for ctx.sender. Throws ProtocolAbort(ctx.sender,
 * 'ot.setup.msg1') on a malformed msg1.
 */
export function otSetupReceiverRespond(ctx: PairContext, msg1: Uint8Array): { material: OtReceiverMaterial; msg2: Uint8Array } {
  checkContext(ctx);
  const { keys0, keys1, msg2 } = endemicSenderRespond(setupTag(ctx), msg1, KAPPA, ctx.sender);
  const material: OtReceiverMaterial = Object.freeze({
    kind: 'ot-receiver' as const,
    sender: ctx.sender,
    receiver: ctx.receiver,
    seeds0: keys0,
    seeds1: keys1,
  });
  return { material, msg2 };
}

/**
 * Setup flow 3, run by the RVOLE sender on msg2 from the receiver: finishes
 * the base OTs and returns its long-lived material. Throws
 * ProtocolAbort(receiver, 'ot.setup.msg2') on a malformed msg2, and
 * UsageError if the state was already used.
 */
export function otSetupSenderFinish(state: SetupSenderState, msg2: Uint8Array): OtSenderMaterial {
  if (state?.kind !== 'ot-setup-sender') throw new UsageError('ot: not a SetupSenderState');
  if (state.base.used) throw new UsageError('ot: this setup state was already finished; start a new setup');
  const seeds = endemicReceiverFinish(state.base, msg2, state.ctx.receiver);
  const material: OtSenderMaterial = Object.freeze({
    kind: 'ot-sender' as const,
    sender: state.ctx.sender,
    receiver: state.ctx.receiver,
    delta: state.delta.slice(),
    seeds,
  });
  state.delta.fill(0);
  return material;
}
