/**
 * DKLs23 threshold ECDSA signing with any set S of at least t parties:
 * DKLs23 Protocol 3.6 (ePrint 2023/765, "Threshold ECDSA in Three Rounds"),
 * preceded by one round that fixes a fresh session id.
 *
 * Round 1 (ours, not in the paper): every signer broadcasts a fresh 32-byte
 *   nonce, its share epoch and a digest of what it is asked to sign (key,
 *   epoch, signer set, message digest, derivation path). The signing sid is
 *   the hash of all of them, so OT extension and instance keys never repeat
 *   even if the caller's session id does, and a peer signing another
 *   message, path, set or epoch is refused before any secret is used.
 * Round 2 (Protocol 3.6 round 1): sample the instance key r_i and the
 *   inversion mask φ_i, R_i = r_i·G; broadcast a commitment to R_i; start
 *   one RVOLE per peer as the receiver (learning χ_ij).
 * Round 3 (Protocol 3.6 round 2): per peer j, answer its RVOLE as the sender
 *   with inputs (r_i, sk_i) (getting c^u, c^v); send the opening of R_i,
 *   pk_i = sk_i·G, Γ^u = c^u·G, Γ^v = c^v·G, ψ_ij = φ_i − χ_ij and an echo
 *   of the round-2 commitments.
 * Round 4 (Protocol 3.6 round 3): check openings; finish each RVOLE (d^u,
 *   d^v); check χ_ij·R_j = d^u·G + Γ^u_j and χ_ij·pk_j = d^v·G + Γ^v_j;
 *   check Σ pk_j = the derived public key; R = Σ R_j, r = R.x mod q;
 *   u_i = r_i(φ_i + Σψ_ji) + Σ(c^u + d^u), v_i = sk_i(φ_i + Σψ_ji) + Σ(c^v + d^v),
 *   w_i = H(m)·φ_i + r·v_i; broadcast (u_i, w_i).
 * Output (Protocol 3.6 output): s = Σw / Σu, normalised to low s (flipping
 *   the recovery parity), verified against the derived public key before it
 *   is returned. Every signer outputs the signature.
 *
 * The per-session key share: sk_i = λ_{i,S}·s_i + δ/|S| + ζ_i, with δ the
 * BIP32 tweak of the path (each signer adds δ/|S|, so Σ sk_i = x + δ) and ζ_i
 * a zero share from the pairwise seeds (Σ ζ_i = 0).
 *
 * Files: sign-session.ts (round 1), sign-instance-key.ts (round 2),
 * sign-multiply.ts (round 3), sign-combine.ts (round 4 and its batched
 * checks), sign-output.ts (the signature); sign-state.ts holds the record
 * each round hands to the next.
 *
 * The engine signs only a 32-byte digest that the caller computed itself
 * from the real payload (the session layer hashes the transaction it has
 * shown the user); anything but exactly 32 bytes is refused. A signing
 * object runs once: its nonces are fresh per object and never reused.
 */
import { deriveChild } from '../derive.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import type { ProtocolMessage } from '../protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../rounds.js';
import { Fq, lagrange, modq } from '../scalar.js';
import { checkKeyShare, type KeyShare } from '../share.js';
import { toHex } from '../wire.js';
import { invq, random32 } from './curve.js';
import { combineShares } from './sign-combine.js';
import { commitInstanceKey } from './sign-instance-key.js';
import { answerMultiplications } from './sign-multiply.js';
import { assembleSignature, type EcdsaSignature } from './sign-output.js';
import { fixSession, signContext } from './sign-session.js';
import type { SignRun, SignStage } from './sign-state.js';

export type { EcdsaSignature } from './sign-output.js';

/** Protocol id on the wire; /v2 since the OT hashing changed (a device on /v1 is then ignored, never mistaken for a cheater). */
export const SIGN_PROTOCOL = 'dkls23/sign/v2';
export const DIGEST_BYTES = 32;

export interface SignOptions {
  /** This party's key share. */
  share: KeyShare;
  /** The signing set S (self included), at least t parties of the share. */
  signers: readonly PartyId[];
  /**
   * The 32-byte message digest (e.g. the Keccak-256 signing hash of an
   * Ethereum transaction), computed by the caller from the payload it
   * verified. Never raw data.
   */
  digest: Uint8Array;
  /** Non-hardened BIP32 path from the vault key; [] for the root key. */
  path?: readonly number[];
  /**
   * Session id from the session layer (≥ 16 bytes), unique per signing
   * session: messages of other sessions are then dropped by the envelope
   * check without blaming anyone. Nonces and OT pads never repeat even if a
   * caller reuses a sid (every signer adds fresh randomness in round 1), but
   * replayed messages of an old session with the same sid could then make
   * the new one abort.
   */
  sid: Uint8Array;
}

/** True if an abort came from the OT layer: the pair's OT material must then be burned (see {@link burnPair}). */
export function isOtFailure(e: unknown): e is ProtocolAbort {
  return e instanceof ProtocolAbort && e.party !== null && /^(ot|ote|rvole)[.]/.test(e.check);
}

/** One signer's state in DKLs23 signing: each round's record (sign-state.ts) is made by that round and taken by the next. */
export class DklsSign extends RoundBasedProtocol<EcdsaSignature> {
  protected readonly rounds = 4;
  readonly share: KeyShare;
  readonly digest: Uint8Array;
  readonly path: readonly number[];
  /** The inputs every round reads. */
  private readonly run: SignRun;
  private readonly delta: bigint;
  /** Digest of (key, epoch, t, S, digest, path, caller sid): every signer must send the same. */
  private readonly context: Uint8Array;
  private readonly nonce: Uint8Array;
  /** The record of the last completed round. */
  private stage: SignStage = { round: 1 };

  constructor(opts: SignOptions) {
    const { share } = opts;
    checkKeyShare(share);
    super(SIGN_PROTOCOL, opts.sid, share.self, opts.signers);
    if (!(opts.digest instanceof Uint8Array) || opts.digest.length !== DIGEST_BYTES) {
      throw new UsageError(
        'sign: the message must be a 32-byte digest computed from the payload; raw data is never signed',
        'usage.digest',
        { bytes: DIGEST_BYTES },
      );
    }
    if (this.parties.length < share.t) {
      throw new UsageError(
        `sign: ${this.parties.length} signers cannot sign with a ${share.t}-of-${share.n} key; bring at least ${share.t} devices`,
        'usage.tooFewSigners',
        { signers: this.parties.length, t: share.t },
      );
    }
    for (const p of this.parties) {
      if (!share.parties.includes(p)) throw new UsageError(`sign: party ${p} does not hold a share of this key`);
      if (share.burned.includes(p)) {
        throw new UsageError(
          `sign: the OT material shared with party ${p} failed a check earlier and is burned; re-share the key before signing with it`,
          'usage.burnedPeer',
          { peer: p },
        );
      }
    }
    this.share = share;
    this.digest = Uint8Array.from(opts.digest);
    this.path = [...(opts.path ?? [])];
    const derived = deriveChild(share.publicKey, share.chainCode, this.path);
    this.delta = derived.delta;
    this.run = {
      self: this.self,
      parties: this.parties,
      peers: this.peers,
      share,
      digest: this.digest,
      derivedPK: derived.point,
      message: (round, to, body) => this.message(round, to, body),
    };
    this.context = signContext(opts.sid, share, this.parties, this.digest, this.path);
    this.nonce = random32();
  }

  protected spec(round: number): RoundSpec {
    switch (round) {
      case 1:
        return { broadcast: true, p2p: false };
      case 2:
        return { broadcast: true, p2p: true };
      case 3:
        return { broadcast: false, p2p: true };
      default:
        return { broadcast: true, p2p: false };
    }
  }

  /** Round 1 (sign-session.ts): fresh nonce, epoch and context digest. */
  protected begin(): ProtocolMessage[] {
    return [this.message(1, 'all', { nonce: toHex(this.nonce), epoch: this.share.epoch, context: toHex(this.context) })];
  }

  protected process(round: number, inbox: RoundInbox): ProtocolMessage[] {
    const stage = this.stage;
    // The base class runs each round once, in order, and never after an abort: the stage is always the record of round `round`.
    if (stage.round === 'aborted' || stage.round !== round) throw new UsageError(`sign: round ${round} processed in stage ${stage.round}`);
    switch (stage.round) {
      case 1: {
        // Round 1 checks and the sid, then round 2 (Protocol 3.6 round 1).
        const session = fixSession(this.run, this.context, this.nonce, inbox);
        const { state, out } = commitInstanceKey(this.run, session, this.additiveShare());
        this.stage = state;
        return out;
      }
      case 2: {
        // Round 3 (Protocol 3.6 round 2).
        const { state, out } = answerMultiplications(this.run, stage, inbox);
        this.stage = state;
        return out;
      }
      case 3: {
        // Round 4 (Protocol 3.6 round 3); replacing the stage drops sk_i, r_i, φ_i, χ_ij, c^u, c^v.
        const { state, out } = combineShares(this.run, stage, inbox);
        this.stage = state;
        return out;
      }
      case 4:
        this.finish(assembleSignature(this.run, stage, inbox));
        return [];
    }
  }

  /** An aborted run keeps nothing: sk_i, r_i, φ_i, χ_ij, the RVOLE states, c^u, c^v go. */
  protected override discard(): void {
    this.stage = { round: 'aborted' };
  }

  /**
   * λ_{i,S}·s_i + δ/|S|: this signer's additive share of the derived key
   * (Protocol 3.6 with the BIP32 tweak) before round 2 adds the zero share ζ_i
   * (sk_i = this + ζ_i). Called once, in round 2; a seam for tests that play a
   * signer with a wrong key share.
   */
  protected additiveShare(): bigint {
    const lambda = lagrange(Fq, this.parties, this.self);
    const tweak = modq(this.delta * invq(BigInt(this.parties.length)));
    return modq(lambda * this.share.secretShare + tweak);
  }
}
