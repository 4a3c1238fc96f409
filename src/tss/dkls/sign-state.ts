/**
 * The state of one DKLs23 signer (sign.ts), one record per round: each round
 * of DKLs23 Protocol 3.6 (ePrint 2023/765) creates the record the next round
 * takes, so a value exists only from the round that computes it (the model is
 * taurus multi-party-sig's `round2 { *round1; … }`). A record is dropped when
 * the next one replaces it (or an abort discards it): the secrets sk_i, r_i,
 * φ_i, χ_ij and the RVOLE states live from round 2 to the end of round 4 and
 * no longer.
 */
import { ProtocolAbort, type PartyId } from '../errors.js';
import type { PairContext, RvoleReceiverState } from '../ot/index.js';
import type { ProtocolMessage, WireBody } from '../protocol.js';
import type { KeyShare } from '../share.js';
import type { Point } from './curve.js';

/** What every round reads: fixed when the signer is created. */
export interface SignRun {
  readonly self: PartyId;
  /** The signing set S, ascending, self included. */
  readonly parties: readonly PartyId[];
  /** S without self. */
  readonly peers: readonly PartyId[];
  readonly share: KeyShare;
  /** The 32-byte message digest. */
  readonly digest: Uint8Array;
  /** The derived public key Σ pk_j must add up to. */
  readonly derivedPK: Point;
  /** Builds an outgoing message of this signing session. */
  message(round: number, to: PartyId | 'all', body: WireBody): ProtocolMessage;
}

/** What round 1 (ours) fixes: the signing sid and what the round-2 echo must match. */
export interface SigningSession {
  /** Signing sid: H(context, every signer's nonce). */
  readonly ssid: Uint8Array;
  /** H(ssid) for the RVOLE pairs of this session. */
  readonly rvoleSid: Uint8Array;
  /** Echo digest of every signer's round-1 message as this signer received it (checked in round 3). */
  readonly nonceEcho: ReadonlyMap<PartyId, Uint8Array>;
}

/** The RVOLE pair context of this session for (sender, receiver). */
export function rvolePair(session: SigningSession, sender: PartyId, receiver: PartyId): PairContext {
  return { sid: session.rvoleSid, sender, receiver };
}

/** This signer's Protocol 3.6 secrets, drawn in round 2 and dropped at the end of round 4. SECRET. */
export interface SignerSecrets {
  /** sk_i = λ_{i,S}·s_i + δ/|S| + ζ_i. */
  readonly sk: bigint;
  /** r_i, the instance key. */
  readonly r: bigint;
  /** φ_i, the inversion mask. */
  readonly phi: bigint;
  /** χ_ij per peer j: our RVOLE input as the receiver with j. */
  readonly chi: ReadonlyMap<PartyId, bigint>;
  /** Our single-use RVOLE receiver state with each peer j, finished in round 4. */
  readonly rvole: ReadonlyMap<PartyId, RvoleReceiverState>;
}

/** Before any round-1 message is in: the nonce and context are fixed by the constructor. */
export interface NonceSent {
  readonly round: 1;
}

/** Created by round 2 (Protocol 3.6 round 1): R_i committed, RVOLE started as the receiver. */
export interface InstanceKeyCommitted {
  readonly round: 2;
  readonly session: SigningSession;
  readonly secrets: SignerSecrets;
  /** R_i = r_i·G, opened in round 3. */
  readonly R: Point;
  readonly salt: Uint8Array;
  /** Our commitment to R_i. */
  readonly commitment: Uint8Array;
}

/** Created by round 3 (Protocol 3.6 round 2): RVOLE answered as the sender, R_i opened. */
export interface MultiplicationsAnswered {
  readonly round: 3;
  readonly session: SigningSession;
  readonly secrets: SignerSecrets;
  readonly R: Point;
  /** pk_i = sk_i·G. */
  readonly pk: Point;
  /** c^u, c^v per peer: our RVOLE sender outputs (reduced mod q). SECRET. */
  readonly cU: ReadonlyMap<PartyId, bigint>;
  readonly cV: ReadonlyMap<PartyId, bigint>;
  /** Every signer's round-2 commitment to its R_j. */
  readonly commitments: ReadonlyMap<PartyId, Uint8Array>;
  /** Echo digest of every signer's round-2 commitment (checked in round 4). */
  readonly commitmentEcho: ReadonlyMap<PartyId, Uint8Array>;
}

/** Created by round 4 (Protocol 3.6 round 3): no secret is left, only what the output needs. */
export interface SharesBroadcast {
  readonly round: 4;
  /** R = Σ R_j. */
  readonly R: Point;
  /** This signer's (u_i, w_i), broadcast in round 4. */
  readonly u: bigint;
  readonly w: bigint;
}

/** After an abort: nothing is kept. */
export interface SignAborted {
  readonly round: 'aborted';
}

/** The record the last completed round created. */
export type SignStage = NonceSent | InstanceKeyCommitted | MultiplicationsAnswered | SharesBroadcast | SignAborted;

/**
 * An abort the paper does not attribute (Σpk_j ≠ PK, or a final signature
 * that does not verify because some ψ, u or w was wrong: Protocol 3.6 is
 * secure with abort and such faults leak nothing). With two signers we know
 * our own values are right, so the peer is named; with more signers the
 * zero shares and masks hide who was wrong, so nobody is named (party null).
 */
export function unattributed(run: SignRun, check: string, detail: string): ProtocolAbort {
  if (run.peers.length === 1) return new ProtocolAbort(run.peers[0]!, check, `${detail} (ours is right, so the peer's is wrong)`);
  return new ProtocolAbort(null, check, `${detail}; with more than two signers the faulty one cannot be identified`);
}
