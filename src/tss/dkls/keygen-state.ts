/**
 * The state of one party in DKLs23 key generation (keygen.ts), one record
 * per round: each round creates the record the next round takes, so a value
 * exists only from the round that computes it (taurus multi-party-sig's
 * `round2 { *round1; … }` is the model). The polynomial f_i lives from round 1
 * until s_i is known (round 4) and no longer.
 */
import type { PartyId } from '../errors.js';
import type { OtReceiverMaterial, OtSenderMaterial, PairSetupState } from '../ot/index.js';
import type { Point } from './curve.js';

/** This party's Feldman polynomial f_i: coefficients a_{i,k} (SECRET) and commitments A_{i,k} = a_{i,k}·G. */
export interface Polynomial {
  readonly coeffs: readonly bigint[];
  readonly A: readonly Point[];
}

/** Created by round 1: f_i and the chain-code part committed to. */
export interface PolynomialCommitted {
  readonly round: 1;
  readonly poly: Polynomial;
  /** cc_i, our chain-code contribution. */
  readonly chainPart: Uint8Array;
  readonly salt: Uint8Array;
  /** V_i, our round-1 commitment. */
  readonly commitment: Uint8Array;
}

/** Created by round 2: every party's commitment is in, ours is opened. */
export interface CommitmentOpened {
  readonly round: 2;
  readonly poly: Polynomial;
  readonly chainPart: Uint8Array;
  /** V_k of every party. */
  readonly commitments: ReadonlyMap<PartyId, Uint8Array>;
}

/** Created by round 3: every opening checked; Shamir shares, seed parts and the echo sent. */
export interface SharesSent {
  readonly round: 3;
  readonly poly: Polynomial;
  readonly chainPart: Uint8Array;
  /** A_{j,k} of every peer. */
  readonly peerA: ReadonlyMap<PartyId, readonly Point[]>;
  /** cc_j of every peer. */
  readonly peerChain: ReadonlyMap<PartyId, Uint8Array>;
  /** Our half of each pair's zero-share seed. SECRET. */
  readonly seedParts: ReadonlyMap<PartyId, Uint8Array>;
  /** Echo digest of every party's round-1 commitment (sent in round 3, checked in round 4). */
  readonly echo: ReadonlyMap<PartyId, Uint8Array>;
}

/** Created by round 4: s_i and the aggregate commitment are known (f_i is dropped); OT set-ups started. */
export interface PublicShareSent {
  readonly round: 4;
  /** s_i = Σ_j f_j(i). SECRET. */
  readonly secretShare: bigint;
  /** Σ_j A_{j,k}: the aggregate commitment; its constant term is the public key. */
  readonly aggregate: readonly Point[];
  readonly chainPart: Uint8Array;
  readonly peerChain: ReadonlyMap<PartyId, Uint8Array>;
  readonly zeroSeeds: ReadonlyMap<PartyId, Uint8Array>;
  /** The OT pair set-ups self initiated, by peer (finished in the output). */
  readonly setupStates: ReadonlyMap<PartyId, PairSetupState>;
}

/** Created by round 5: every S_j checked, the pair set-ups peers initiated answered. */
export interface SetupsAnswered extends Omit<PublicShareSent, 'round'> {
  readonly round: 5;
  /** S_k of every party, encoded. */
  readonly publicShares: Map<PartyId, Uint8Array>;
  /** OT material of the pairs a peer initiated. */
  readonly otSender: ReadonlyMap<PartyId, OtSenderMaterial>;
  readonly otReceiver: ReadonlyMap<PartyId, OtReceiverMaterial>;
}

/** Before start(), after the key share is out, or after an abort: nothing is kept. */
export interface KeygenIdle {
  readonly round: 'idle';
}

/** The record the last completed round created. */
export type KeygenStage = PolynomialCommitted | CommitmentOpened | SharesSent | PublicShareSent | SetupsAnswered | KeygenIdle;
