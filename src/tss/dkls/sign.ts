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
 * The engine signs only a 32-byte digest that the caller computed itself
 * from the real payload (the session layer hashes the transaction it has
 * shown the user); anything but exactly 32 bytes is refused. A signing
 * object runs once: its nonces are drawn in start() and never reused.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { concatBytes, randomBytes } from '@noble/hashes/utils.js';
import { deriveChild } from '../derive.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import { rvoleReceiverFinish, rvoleReceiverStart, rvoleSenderRespond, type PairContext, type RvoleReceiverState } from '../ot/index.js';
import type { ProtocolMessage } from '../protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../rounds.js';
import { checkKeyShare, type KeyShare } from '../share.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, readHexArray, readInt, toHex } from '../wire.js';
import { COMMITMENT_BYTES, SALT_BYTES, commit, openCommitment } from './commit.js';
import {
  G,
  Point,
  POINT_BYTES,
  SCALAR_BYTES,
  invq,
  mul,
  mulG,
  pointFromBytes,
  pointToBytes,
  random32,
  randomScalar,
  readPoint,
  readScalar,
  scalarFromHash,
  scalarToBytes,
} from './curve.js';
import { Fq, lagrange, modq, q } from '../scalar.js';
import { checkEcho, echoDigest } from '../echo.js';

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

/** A finished ECDSA signature over secp256k1. */
export interface EcdsaSignature {
  r: bigint;
  /** Low-s (s <= q/2). */
  s: bigint;
  /** Recovery id: parity of R.y after low-s normalisation, +2 if R.x ≥ q (probability ~2^-128). Ethereum v = 27 + recovery. */
  recovery: number;
  /** r ‖ s, 64 bytes. */
  compact: Uint8Array;
  /** The (derived) public key the signature verifies under, compressed. */
  publicKey: Uint8Array;
}

/** True if an abort came from the OT layer: the pair's OT material must then be burned (see {@link burnPair}). */
export function isOtFailure(e: unknown): e is ProtocolAbort {
  return e instanceof ProtocolAbort && e.party !== null && /^(ot|ote|rvole)[.]/.test(e.check);
}

/** One signer's state in DKLs23 signing. */
export class DklsSign extends RoundBasedProtocol<EcdsaSignature> {
  protected readonly rounds = 4;
  readonly share: KeyShare;
  readonly digest: Uint8Array;
  readonly path: readonly number[];
  /** The derived public key Σ pk_j must add up to. */
  private readonly derivedPK: Point;
  private readonly delta: bigint;
  /** Digest of (key, epoch, t, S, digest, path, caller sid): every signer must send the same. */
  private readonly context: Uint8Array;
  private readonly nonce: Uint8Array;
  /** Signing sid, fixed at the end of round 1. */
  private ssid: Uint8Array = new Uint8Array(0);
  private readonly nonces = new Map<PartyId, Uint8Array>();

  // Protocol 3.6 secrets of this session.
  private sk = 0n;
  private r = 0n;
  private phi = 0n;
  private R: Point = G;
  /** pk_i = sk_i·G. */
  private pk: Point = G;
  private salt: Uint8Array = new Uint8Array(0);
  private readonly chi = new Map<PartyId, bigint>();
  private readonly rvole = new Map<PartyId, RvoleReceiverState>();
  private readonly cU = new Map<PartyId, bigint>();
  private readonly cV = new Map<PartyId, bigint>();
  private readonly commitments = new Map<PartyId, Uint8Array>();

  constructor(opts: SignOptions) {
    const { share } = opts;
    checkKeyShare(share);
    super(SIGN_PROTOCOL, opts.sid, share.self, opts.signers);
    if (!(opts.digest instanceof Uint8Array) || opts.digest.length !== DIGEST_BYTES) {
      throw new UsageError('sign: the message must be a 32-byte digest computed from the payload; raw data is never signed');
    }
    if (this.parties.length < share.t) {
      throw new UsageError(
        `sign: ${this.parties.length} signers cannot sign with a ${share.t}-of-${share.n} key; bring at least ${share.t} devices`,
      );
    }
    for (const p of this.parties) {
      if (!share.parties.includes(p)) throw new UsageError(`sign: party ${p} does not hold a share of this key`);
      if (share.burned.includes(p)) {
        throw new UsageError(
          `sign: the OT material shared with party ${p} failed a check earlier and is burned; re-share the key before signing with it`,
        );
      }
    }
    this.share = share;
    this.digest = Uint8Array.from(opts.digest);
    this.path = [...(opts.path ?? [])];
    const derived = deriveChild(share.publicKey, share.chainCode, this.path);
    this.derivedPK = pointFromBytes(derived.publicKey);
    this.delta = derived.delta;
    this.context = hashTranscript(
      'dkls23/sign/context',
      opts.sid,
      share.publicKey,
      share.chainCode,
      share.epoch,
      share.t,
      this.parties.length,
      ...this.parties,
      this.digest,
      this.path.length,
      ...this.path,
    );
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

  /** Round 1: fresh nonce, epoch and context digest. */
  protected begin(): ProtocolMessage[] {
    this.nonces.set(this.self, this.nonce);
    return [this.message(1, 'all', { nonce: toHex(this.nonce), epoch: this.share.epoch, context: toHex(this.context) })];
  }

  protected process(round: number, inbox: RoundInbox): ProtocolMessage[] {
    switch (round) {
      case 1:
        return this.round2(inbox);
      case 2:
        return this.round3(inbox);
      case 3:
        return this.round4(inbox);
      default:
        this.assemble(inbox);
        return [];
    }
  }

  private pair(sender: PartyId, receiver: PartyId): PairContext {
    return { sid: hashTranscript('dkls23/sign/rvole', this.ssid), sender, receiver };
  }

  /**
   * ζ_i = Σ_{j<i} H(seed_ij, sid) − Σ_{j>i} H(seed_ij, sid) over j ∈ S:
   * the zero share (Σ_{i∈S} ζ_i = 0) that re-randomises the additive shares.
   */
  private zeroShare(): bigint {
    let z = 0n;
    for (const j of this.peers) {
      const h = scalarFromHash(hashTranscript('dkls23/sign/zero-share', this.share.zeroSeeds.get(j)!, this.ssid));
      z = j < this.self ? z + h : z - h;
    }
    return modq(z);
  }

  /** sk_i = λ_{i,S}·s_i + δ/|S| + ζ_i (Protocol 3.6 with the BIP32 tweak). */
  protected additiveShare(): bigint {
    const lambda = lagrange(Fq, this.parties, this.self);
    const tweak = modq(this.delta * invq(BigInt(this.parties.length)));
    return modq(lambda * this.share.secretShare + tweak + this.zeroShare());
  }

  private nonceDigests(): Map<PartyId, Uint8Array> {
    return new Map(this.parties.map((k) => [k, echoDigest('dkls23/sign/r1', this.context, k, this.nonces.get(k)!)]));
  }

  /** Round 2 (Protocol 3.6 round 1): fix the sid; r_i, φ_i, commit to R_i; start RVOLE as receiver with each peer. */
  private round2(inbox: RoundInbox): ProtocolMessage[] {
    for (const j of this.peers) {
      const b = inbox.broadcast.get(j)!;
      expectKeys(b, ['nonce', 'epoch', 'context'], j, 'sign.r1');
      const epoch = readInt(b, 'epoch', j, 'sign.r1', 0, 0xffffffff);
      if (epoch !== this.share.epoch) {
        throw new ProtocolAbort(
          j,
          'sign.epoch',
          `peer holds a share of epoch ${epoch}, ours is ${this.share.epoch}; shares of different generations never sign together`,
        );
      }
      const ctx = readHex(b, 'context', j, 'sign.r1', 32);
      if (toHex(ctx) !== toHex(this.context)) {
        throw new ProtocolAbort(j, 'sign.context', 'peer is signing another message, key, path or signer set');
      }
      this.nonces.set(j, readHex(b, 'nonce', j, 'sign.r1', 32));
    }
    this.ssid = hashTranscript('dkls23/sign/sid', this.context, ...this.parties.map((k) => this.nonces.get(k)!));
    this.sk = this.additiveShare();
    this.r = randomScalar();
    this.phi = randomScalar();
    this.R = mulG(this.r);
    this.salt = random32();
    const C = commit('sign/instance-key', this.ssid, this.self, this.salt, pointToBytes(this.R));
    this.commitments.set(this.self, C);
    const echo = this.nonceDigests();
    const out = [this.message(2, 'all', { commitment: toHex(C), echo: this.parties.map((k) => toHex(echo.get(k)!)) })];
    for (const j of this.peers) {
      const { state, chi, msg } = rvoleReceiverStart(this.share.otReceiver.get(j)!, this.pair(j, this.self));
      this.rvole.set(j, state);
      this.chi.set(j, chi);
      out.push(this.message(2, j, { rvole: toHex(msg) }));
    }
    return out;
  }

  private commitmentDigests(): Map<PartyId, Uint8Array> {
    return new Map(this.parties.map((k) => [k, echoDigest('dkls23/sign/r2', this.ssid, k, this.commitments.get(k)!)]));
  }

  /** Round 3 (Protocol 3.6 round 2): RVOLE sender replies with (r_i, sk_i); open R_i; pk_i, Γ^u, Γ^v, ψ; echo. */
  private round3(inbox: RoundInbox): ProtocolMessage[] {
    const nonceEcho = this.nonceDigests();
    for (const j of this.peers) {
      const b = inbox.broadcast.get(j)!;
      expectKeys(b, ['commitment', 'echo'], j, 'sign.r2');
      checkEcho(nonceEcho, readHexArray(b, 'echo', j, 'sign.r2', this.parties.length, 32), this.parties, j, this.self, 'sign.echo');
      this.commitments.set(j, readHex(b, 'commitment', j, 'sign.r2', COMMITMENT_BYTES));
    }
    const echoDigests = this.commitmentDigests();
    this.pk = mulG(this.sk);
    // The same for every peer: encoded once.
    const R = toHex(pointToBytes(this.R));
    const salt = toHex(this.salt);
    const pk = toHex(pointToBytes(this.pk));
    const echo = this.parties.map((k) => toHex(echoDigests.get(k)!));
    const out: ProtocolMessage[] = [];
    for (const j of this.peers) {
      const p = inbox.p2p.get(j)!;
      expectKeys(p, ['rvole'], j, 'sign.r2');
      // c^u, c^v come back reduced mod q.
      const { c, msg } = rvoleSenderRespond(
        this.share.otSender.get(j)!,
        this.pair(this.self, j),
        [this.r, this.sk],
        readHex(p, 'rvole', j, 'sign.r2'),
      );
      const [cu, cv] = c;
      this.cU.set(j, cu);
      this.cV.set(j, cv);
      out.push(
        this.message(3, j, {
          rvole: toHex(msg),
          R,
          salt,
          pk,
          gammaU: toHex(pointToBytes(mulG(cu))),
          gammaV: toHex(pointToBytes(mulG(cv))),
          psi: toHex(scalarToBytes(modq(this.phi - this.chi.get(j)!))),
          echo,
        }),
      );
    }
    return out;
  }

  /** Round 4 (Protocol 3.6 round 3): openings, RVOLE outputs, consistency checks, (u_i, w_i). */
  private round4(inbox: RoundInbox): ProtocolMessage[] {
    const echo = this.commitmentDigests();
    const where = 'sign.r3';
    const Rs: Point[] = [this.R];
    const pks = new Map<PartyId, Point>([[this.self, this.pk]]);
    let psiSum = 0n;
    let uSum = 0n;
    let vSum = 0n;
    const checks: MultiplicationCheck[] = [];
    for (const j of this.peers) {
      const p = inbox.p2p.get(j)!;
      expectKeys(p, ['rvole', 'R', 'salt', 'pk', 'gammaU', 'gammaV', 'psi', 'echo'], j, where);
      checkEcho(echo, readHexArray(p, 'echo', j, where, this.parties.length, 32), this.parties, j, this.self, 'sign.echo');
      const Rbytes = readHex(p, 'R', j, where, POINT_BYTES);
      const Rj = readPoint(Rbytes, j, 'sign.instance-key');
      if (!openCommitment(this.commitments.get(j)!, 'sign/instance-key', this.ssid, j, readHex(p, 'salt', j, where, SALT_BYTES), Rbytes)) {
        throw new ProtocolAbort(j, 'sign.commitment', 'R_j does not open the round-2 commitment');
      }
      const pkj = readPoint(readHex(p, 'pk', j, where, POINT_BYTES), j, 'sign.pk');
      const gammaU = readPoint(readHex(p, 'gammaU', j, where, POINT_BYTES), j, 'sign.gamma-u');
      const gammaV = readPoint(readHex(p, 'gammaV', j, where, POINT_BYTES), j, 'sign.gamma-v');
      const psi = readScalar(readHex(p, 'psi', j, where, SCALAR_BYTES), j, 'sign.psi');
      // Throws ProtocolAbort naming j ('rvole.*' / 'ote.*') if the OT-extension or RVOLE check fails; d^u, d^v come back reduced mod q.
      const [du, dv] = rvoleReceiverFinish(this.rvole.get(j)!, readHex(p, 'rvole', j, where));
      checks.push({ j, chi: this.chi.get(j)!, Rj, pkj, du, dv, gammaU, gammaV });
      Rs.push(Rj);
      pks.set(j, pkj);
      psiSum += psi;
      uSum += this.cU.get(j)! + du;
      vSum += this.cV.get(j)! + dv;
    }
    checkMultiplications(checks);
    // Σ_{j∈S} pk_j = derived PK: every signer used its true share of the (derived) key.
    const pkSum = [...pks.values()].reduce((a, b) => a.add(b));
    if (!pkSum.equals(this.derivedPK)) {
      throw this.unattributed('sign.pk-sum', "the signers' public key shares do not add up to the (derived) public key");
    }
    const R = Rs.reduce((a, b) => a.add(b));
    if (R.is0()) throw new ProtocolAbort(null, 'sign.instance-key', 'R is the identity (negligible): retry signing');
    const r = modq(R.toAffine().x);
    if (r === 0n) throw new ProtocolAbort(null, 'sign.instance-key', 'r = 0 (negligible): retry signing');
    const phiTotal = modq(this.phi + psiSum);
    const u = modq(this.r * phiTotal + uSum);
    const v = modq(this.sk * phiTotal + vSum);
    const w = modq(this.messageScalar() * this.phi + r * v);
    this.finalR = R;
    this.own = { u, w };
    this.sk = 0n;
    this.r = 0n;
    this.phi = 0n;
    return [this.message(4, 'all', { u: toHex(scalarToBytes(u)), w: toHex(scalarToBytes(w)) })];
  }

  /** R = Σ R_j and this signer's (u_i, w_i), kept from round 4 for the output. */
  private finalR: Point = G;
  private own: { u: bigint; w: bigint } = { u: 0n, w: 0n };

  /** H(m) as ECDSA uses it: the 32-byte digest as an integer mod q (bits2int for a 256-bit q). */
  private messageScalar(): bigint {
    return modq(bytesToNumberBE(this.digest));
  }

  /**
   * An abort the paper does not attribute (Σpk_j ≠ PK, or a final signature
   * that does not verify because some ψ, u or w was wrong: Protocol 3.6 is
   * secure with abort and such faults leak nothing). With two signers we know
   * our own values are right, so the peer is named; with more signers the
   * zero shares and masks hide who was wrong, so nobody is named (party null).
   */
  private unattributed(check: string, detail: string): ProtocolAbort {
    if (this.peers.length === 1) return new ProtocolAbort(this.peers[0], check, `${detail} (ours is right, so the peer's is wrong)`);
    return new ProtocolAbort(null, check, `${detail}; with more than two signers the faulty one cannot be identified`);
  }

  /** Output: s = Σw / Σu, low-s, recovery id, verified before release. */
  private assemble(inbox: RoundInbox): void {
    let uTotal = this.own.u;
    let wTotal = this.own.w;
    for (const j of this.peers) {
      const b = inbox.broadcast.get(j)!;
      expectKeys(b, ['u', 'w'], j, 'sign.r4');
      uTotal += readScalar(readHex(b, 'u', j, 'sign.r4', SCALAR_BYTES), j, 'sign.u');
      wTotal += readScalar(readHex(b, 'w', j, 'sign.r4', SCALAR_BYTES), j, 'sign.w');
    }
    uTotal = modq(uTotal);
    if (uTotal === 0n) throw this.unattributed('sign.signature', 'Σu = 0: a signer sent a wrong ψ, u or w');
    const R = this.finalR.toAffine();
    const r = modq(R.x);
    let s = modq(wTotal * invq(uTotal));
    let recovery = (R.y & 1n ? 1 : 0) | (R.x >= q ? 2 : 0);
    if (s > q >> 1n) {
      s = q - s;
      recovery ^= 1;
    }
    const compact = concatBytes(scalarToBytes(r), scalarToBytes(s));
    const publicKey = pointToBytes(this.derivedPK);
    if (s === 0n || !secp256k1.verify(compact, this.digest, publicKey, { prehash: false, lowS: true })) {
      throw this.unattributed('sign.signature', 'the assembled signature does not verify: a signer sent a wrong ψ, u or w');
    }
    this.finish({ r, s, recovery, compact, publicKey });
  }
}

/** One peer's values for the Protocol 3.6 round-3 checks. */
interface MultiplicationCheck {
  j: PartyId;
  /** χ_ij, our secret RVOLE input with j. */
  chi: bigint;
  Rj: Point;
  pkj: Point;
  du: bigint;
  dv: bigint;
  gammaU: Point;
  gammaV: Point;
}

/** A fresh random 128-bit coefficient, never 0. */
const coefficient = (): bigint => bytesToNumberBE(randomBytes(16)) | 1n;

/**
 * Protocol 3.6 round 3 checks, for every peer j: χ_ij·R_j = d^u·G + Γ^u_j
 * and χ_ij·pk_j = d^v·G + Γ^v_j. They are verified together first, as one
 * random linear combination with coefficients drawn here, after every
 * peer's values are fixed: α_j, β_j (α of the first peer = 1, the others
 * random 128-bit)
 *   Σ_j χ_ij·(α_j·R_j + β_j·pk_j) = (Σ_j α_j·d^u_j + β_j·d^v_j)·G + Σ_j (α_j·Γ^u_j + β_j·Γ^v_j).
 * Soundness: write each check's error as e·G (the group has prime order q);
 * the combined equation is Σ (coefficient · error) = 0. If some error with a
 * random coefficient is non-zero, then for any values of the other
 * coefficients at most one value of that coefficient makes the sum vanish,
 * so the combination passes with probability ≤ 2^-127; if only the error
 * with the fixed coefficient 1 is non-zero, the sum is that error and the
 * check fails. So the combined check passes only if every check holds,
 * except with probability ≤ 2^-127 (the paper's checks are unchanged; this
 * is the standard batch verification of group equations). It costs one
 * constant-time multiplication by each secret χ_ij (unavoidable) but one
 * multiplication by G in all instead of one per check. If it fails, the
 * checks are done one by one to name the peer and the check.
 */
function checkMultiplications(checks: readonly MultiplicationCheck[]): void {
  let lhs = Point.ZERO;
  let d = 0n;
  let gamma = Point.ZERO;
  let degenerate = false;
  checks.forEach((c, k) => {
    const alpha = k === 0 ? 1n : coefficient();
    const beta = coefficient();
    // Public points, public coefficients: variable time is fine.
    const base = c.Rj.multiplyUnsafe(alpha).add(c.pkj.multiplyUnsafe(beta));
    if (base.is0())
      degenerate = true; // α·R_j = −β·pk_j (negligible): decided one by one below
    else lhs = lhs.add(mul(base, c.chi)); // χ secret: constant time
    d += alpha * c.du + beta * c.dv;
    gamma = gamma.add(c.gammaU.multiplyUnsafe(alpha)).add(c.gammaV.multiplyUnsafe(beta));
  });
  if (!degenerate && lhs.equals(mulG(d).add(gamma))) return;
  for (const c of checks) {
    if (!mul(c.Rj, c.chi).equals(mulG(c.du).add(c.gammaU))) {
      throw new ProtocolAbort(c.j, 'sign.gamma-u', 'χ·R_j ≠ d^u·G + Γ^u_j: inconsistent instance key in the multiplication');
    }
    if (!mul(c.pkj, c.chi).equals(mulG(c.dv).add(c.gammaV))) {
      throw new ProtocolAbort(c.j, 'sign.gamma-v', 'χ·pk_j ≠ d^v·G + Γ^v_j: inconsistent key share in the multiplication');
    }
  }
  // Every check holds one by one: the combination can only have failed on a degenerate base (negligible).
}
