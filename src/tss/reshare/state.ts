/**
 * The state of one re-share participant (protocol.ts), one record per stage:
 * each round creates the record the next round takes, so a value exists only
 * from the round that computes it (taurus multi-party-sig's `round2 {
 * *round1; … }` is the model). A dealer's polynomial lives from R1 until its
 * sub-shares are out (a retiring dealer) or its own sub-share is added (a
 * dealer that is also a new party); s'_j lives until the share is built.
 */
import type { PartyId } from '../errors.js';
import type { Curve, GroupPoint } from './curve.js';

export interface ReshareParams {
  /** Fresh random session id shared by all participants (≥ 16 bytes). */
  sid: Uint8Array;
  self: PartyId;
  /** The unchanged group public key (curve encoding). */
  publicKey: Uint8Array;
  /** Generation of the old shares; the new ones get oldEpoch + 1. */
  oldEpoch: number;
  oldThreshold: number;
  /** All old parties, with the public share X_i = s_i·G of each. */
  oldParties: readonly PartyId[];
  oldPublicShares: ReadonlyMap<PartyId, Uint8Array>;
  /** The old parties that deal: at least t_old of them. */
  quorum: readonly PartyId[];
  newThreshold: number;
  newParties: readonly PartyId[];
  /** This party's old secret share: required iff self is in the quorum. SECRET. */
  oldSecretShare?: bigint | undefined;
  /** Protocol-specific public context all parties must agree on (e.g. a digest of the chain code). */
  context?: Uint8Array;
}

/** A removed party's result: it dealt and holds nothing of the new generation. */
export interface Retired {
  kind: 'retired';
  /** The epoch that replaced the caller's share (delete the old share once the new group confirms out of band). */
  supersededEpoch: number;
}

/** What a new party ends with (before the curve-specific record is built). */
export interface ReshareCore {
  epoch: number;
  t: number;
  parties: PartyId[];
  self: PartyId;
  /** s'_self. SECRET. */
  secretShare: bigint;
  publicKey: Uint8Array;
  /** X'_k for every new party k. */
  publicShares: Map<PartyId, Uint8Array>;
  /** sid*, the session binding everything in this run. */
  sessionId: Uint8Array;
}

/** What every round reads: fixed when the participant is created. */
export interface ReshareRun {
  readonly curve: Curve;
  readonly self: PartyId;
  /** sid*. */
  readonly sessionId: Uint8Array;
  /** T, the dealers, ascending. */
  readonly quorum: readonly PartyId[];
  /** N', ascending. */
  readonly newParties: readonly PartyId[];
  readonly newThreshold: number;
  /** The unchanged group public key, decoded and as given. */
  readonly pk: GroupPoint;
  readonly publicKey: Uint8Array;
  readonly oldEpoch: number;
  /** X_i of every old party. */
  readonly oldShares: ReadonlyMap<PartyId, GroupPoint>;
}

/** A dealer's R1 material: f_i, its commitments A_{i,k}, their proofs and the commitment to them. */
export interface Dealing {
  /** a_{i,k}, with a_{i,0} = λ_{i,T}·s_i. SECRET. */
  readonly coeffs: readonly bigint[];
  readonly A: readonly GroupPoint[];
  readonly proofs: readonly Uint8Array[];
  readonly salt: Uint8Array;
  /** H(sid*, i, salt, A, proofs), broadcast in R1. */
  readonly commitment: Uint8Array;
}

/** Created by R1 (begin): awaiting the other dealers' commitments. `dealing` is null for a party that only receives. */
export interface Dealt {
  readonly kind: 'dealt';
  readonly dealing: Dealing | null;
}

/** Created by R2 at a new party: awaiting the dealers' openings and sub-shares. */
export interface AwaitingOpenings {
  readonly kind: 'openings';
  /** Our own dealing if self is also a dealer (its sub-share f_i(self) is added in R2). */
  readonly dealing: Dealing | null;
  /** Every dealer's R1 commitment. */
  readonly commits: ReadonlyMap<PartyId, Uint8Array>;
}

/** Created by R2 checks (combine): s'_j and all X' are known, awaiting R3. */
export interface NewShareKnown {
  readonly kind: 'new-share';
  readonly core: ReshareCore;
  /** Echo digest of every dealer's commitment and opening as received (checked in R3). */
  readonly echoView: ReadonlyMap<PartyId, Uint8Array>;
}

/** Created by R3 checks: awaiting the protocol-specific rounds among new parties. */
export interface ExtRounds {
  readonly kind: 'ext';
  readonly core: ReshareCore;
}

/** Created once the confirmation is sent: awaiting every new party's confirmation. */
export interface Confirming {
  readonly kind: 'confirming';
  readonly core: ReshareCore;
  /** Digest of PK, the new epoch, all X' and the ext results. */
  readonly confirmation: Uint8Array;
}

/** Finished (new share output or retired), or aborted: nothing is kept. */
export interface Done {
  readonly kind: 'done';
}

/** The record the last completed round created. */
export type ReshareStage = Dealt | AwaitingOpenings | NewShareKnown | ExtRounds | Confirming | Done;
