/**
 * FROST(Ed25519, SHA-512) distributed key generation (`frost/keygen`), all n
 * parties online. The cryptography is @noble/curves' `ed25519_FROST.DKG`
 * (the Pedersen/Feldman DKG of the FROST paper, Komlo–Goldberg 2020 Fig. 1,
 * in the split-round form of frost-rs); this module runs it as a round-based
 * protocol and adds what the library leaves to the caller:
 *
 * Round 1 (broadcast)  hash commitment to the party's DKG round-1 package
 *                      (VSS commitment + proof of knowledge), bound to the
 *                      session id and the sender; a digest of the parameters.
 * Round 2 (broadcast)  reveal of that package, plus an echo of all round-1
 *                      commitments (catches equivocation; with the commitment
 *                      it pins every party to one package).
 * Round 3 (p2p)        each party's Shamir share for the recipient
 *                      (noble DKG round 2), checked by Feldman VSS per sender.
 * Round 4 (broadcast)  confirmation: a digest of the group key and all
 *                      verifying shares. Nobody outputs a share unless every
 *                      party computed the same public key material.
 *
 * noble's DKG round 1 makes the polynomial, the VSS commitment and the proof
 * of knowledge; the checks of rounds 2 and 3 and the key derivation are done
 * here (dkg-checks.ts) on points decoded and subgroup-checked once, because
 * noble's DKG round2/round3/validateSecret re-parse every commitment on
 * every call, each parse with two prime-order-subgroup checks (two thirds of
 * key generation's time). The equations and encodings are noble's, so
 * packages and shares are the same bytes.
 *
 * Departures from the paper: the commit-then-reveal of round 1 (the paper's
 * round 1 broadcasts the package directly) makes the sender's package
 * independent of the others' and binds it to this session; noble's proof of
 * knowledge itself binds only the sender's id (RFC 9591 leaves DKG out of
 * scope; frost-rs does the same).
 */
import { ed25519_FROST } from '@noble/curves/ed25519.js';
import type { DKG_Round1, DKG_Secret } from '@noble/curves/abstract/frost.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { equalBytes } from '@noble/curves/utils.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import type { ProtocolMessage } from '../protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../rounds.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, readHexArray, toHex } from '../wire.js';
import { ed25519Curve, readPoint, readScalar } from '../reshare/curve.js';
import { checkEcho, echoDigest } from '../echo.js';
import { FROST_SHARE_VERSION, checkFrostShare, frostId, type FrostKeyShare } from './share.js';
import { EdPoint } from './rfc9591.js';
import { evalPolynomial, feldmanCheck, pokValid, vssEval } from './dkg-checks.js';

export const FROST_KEYGEN = 'frost/keygen';

export interface FrostKeygenParams {
  /** Fresh random session id shared by all parties (e.g. from the pairing payload). */
  sid: Uint8Array;
  self: PartyId;
  /** All n parties. */
  parties: readonly PartyId[];
  /** Threshold t, 2 ≤ t ≤ n. */
  threshold: number;
}

const FROST = ed25519_FROST;

export class FrostKeygen extends RoundBasedProtocol<FrostKeyShare> {
  protected readonly rounds = 4;
  readonly threshold: number;
  private readonly ctx: Uint8Array;
  private secret: DKG_Secret | null = null;
  private ownPackage: DKG_Round1 | null = null;
  private readonly salt = randomBytes(32);
  private readonly commits = new Map<PartyId, Uint8Array>();
  /** Each party's VSS commitment, decoded and subgroup-checked once. */
  private readonly vss = new Map<PartyId, EdPoint[]>();
  private share: FrostKeyShare | null = null;
  private confirmation: Uint8Array | null = null;

  constructor(params: FrostKeygenParams) {
    super(FROST_KEYGEN, params.sid, params.self, params.parties);
    const n = this.parties.length;
    if (!Number.isInteger(params.threshold) || params.threshold < 2 || params.threshold > n) {
      throw new UsageError(`${FROST_KEYGEN}: threshold must be in 2..${n} (FROST needs at least 2 signers)`);
    }
    this.threshold = params.threshold;
    this.ctx = hashTranscript('frost/keygen/ctx', this.sid, this.threshold, n, ...this.parties);
  }

  protected spec(round: number): RoundSpec {
    return { broadcast: round !== 3, p2p: round === 3 };
  }

  private packageCommitment(party: PartyId, salt: Uint8Array, commitment: readonly Uint8Array[], pok: Uint8Array): Uint8Array {
    return hashTranscript('frost/keygen/commit', this.sid, party, salt, commitment.length, ...commitment, pok);
  }

  /** noble's DKG round 1 (a seam for tests that play a cheating party). */
  protected dkgRound1(): { public: DKG_Round1; secret: DKG_Secret } {
    return FROST.DKG.round1(frostId(this.self), { min: this.threshold, max: this.parties.length });
  }

  /** Round 1: run noble's DKG round 1 and broadcast a commitment to its package. */
  protected begin(): ProtocolMessage[] {
    const { public: pkg, secret } = this.dkgRound1();
    this.secret = secret;
    this.ownPackage = pkg;
    const c = this.packageCommitment(this.self, this.salt, pkg.commitment, pkg.proofOfKnowledge);
    this.commits.set(this.self, c);
    return [this.message(1, 'all', { ctx: toHex(this.ctx), commit: toHex(c) })];
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
        return this.finalize(inbox);
    }
  }

  private round1Echo(): Map<PartyId, Uint8Array> {
    return new Map(this.parties.map((p) => [p, echoDigest('frost/keygen/r1', this.sid, p, this.commits.get(p)!)]));
  }

  /** Round 2: check parameters, keep the commitments, reveal our package with an echo. */
  private round2(inbox: RoundInbox): ProtocolMessage[] {
    for (const [from, body] of inbox.broadcast) {
      expectKeys(body, ['ctx', 'commit'], from, 'frost.keygen.r1');
      const ctx = readHex(body, 'ctx', from, 'frost.keygen.r1', 32);
      if (!equalBytes(ctx, this.ctx)) {
        throw new ProtocolAbort(from, 'frost.keygen.r1.ctx', 'runs key generation with other parameters (threshold or party list)');
      }
      this.commits.set(from, readHex(body, 'commit', from, 'frost.keygen.r1', 32));
    }
    const pkg = this.ownPackage!;
    const view = this.round1Echo();
    const echo = this.parties.map((p) => toHex(view.get(p)!));
    return [
      this.message(2, 'all', {
        salt: toHex(this.salt),
        commitment: pkg.commitment.map(toHex),
        pok: toHex(pkg.proofOfKnowledge),
        echo,
      }),
    ];
  }

  /** Round 3: open and check every package, then send each party its share f_i(j) (noble DKG round 2). */
  private round3(inbox: RoundInbox): ProtocolMessage[] {
    const t = this.threshold;
    const mine = this.round1Echo();
    this.vss.set(
      this.self,
      this.ownPackage!.commitment.map((c) => EdPoint.fromBytes(c)),
    );
    for (const [from, body] of inbox.broadcast) {
      const where = 'frost.keygen.r2';
      expectKeys(body, ['salt', 'commitment', 'pok', 'echo'], from, where);
      checkEcho(mine, readHexArray(body, 'echo', from, where, this.parties.length, 32), this.parties, from, this.self, `${where}.echo`);
      const salt = readHex(body, 'salt', from, where, 32);
      const commitment = readHexArray(body, 'commitment', from, where, t, 32);
      const pok = readHex(body, 'pok', from, where, 64);
      if (!equalBytes(this.packageCommitment(from, salt, commitment, pok), this.commits.get(from)!)) {
        throw new ProtocolAbort(from, `${where}.decommit`, 'revealed package does not match its round-1 commitment');
      }
      const points = commitment.map((c, k) => readPoint(ed25519Curve, c, from, `${where}.commitment[${k}]`) as unknown as EdPoint);
      const R = readPoint(ed25519Curve, pok.subarray(0, 32), from, `${where}.pok`) as unknown as EdPoint;
      const z = readScalar(ed25519Curve, pok.subarray(32), from, `${where}.pok`);
      if (!pokValid(from, points[0]!, R, z)) {
        throw new ProtocolAbort(from, `${where}.pok`, 'proof of knowledge of its secret coefficient does not verify');
      }
      this.vss.set(from, points);
    }
    const coefficients = this.secret!.coefficients!;
    return this.peers.map((p) => this.message(3, p, { share: toHex(ed25519Curve.encodeScalar(evalPolynomial(coefficients, p))) }));
  }

  /** Round 4: Feldman-check every share, derive the key (noble DKG round 3's sums), broadcast a confirmation. */
  private round4(inbox: RoundInbox): ProtocolMessage[] {
    const t = this.threshold;
    const n = this.parties.length;
    const Fn = EdPoint.Fn;
    let secret = evalPolynomial(this.secret!.coefficients!, this.self);
    FROST.DKG.clean(this.secret!);
    this.secret = null;
    for (const [from, body] of inbox.p2p) {
      const where = 'frost.keygen.r3';
      expectKeys(body, ['share'], from, where);
      const share = readScalar(ed25519Curve, readHex(body, 'share', from, where, 32), from, `${where}.share`);
      if (!feldmanCheck(this.vss.get(from)!, this.self, share)) {
        throw new ProtocolAbort(from, `${where}.feldman`, 'share does not match its VSS commitment');
      }
      secret = Fn.add(secret, share);
    }
    // The group's VSS commitment is the sum of everyone's (noble DKG round 3).
    const merged = Array.from({ length: t }, (_, k) => this.parties.reduce((acc, p) => acc.add(this.vss.get(p)![k]!), EdPoint.ZERO));
    const verifyingShares = new Map<PartyId, Uint8Array>();
    for (const p of this.parties) verifyingShares.set(p, vssEval(merged, p).toBytes());
    const share: FrostKeyShare = {
      version: FROST_SHARE_VERSION,
      curve: 'ed25519',
      protocol: 'frost',
      epoch: 0,
      t,
      n,
      self: this.self,
      parties: [...this.parties],
      secretShare: ed25519Curve.encodeScalar(secret),
      groupPublicKey: merged[0]!.toBytes(),
      verifyingShares,
    };
    secret = 0n;
    checkFrostShare(share);
    this.share = share;
    this.confirmation = hashTranscript(
      'frost/keygen/confirm',
      this.sid,
      share.groupPublicKey,
      ...this.parties.map((p) => verifyingShares.get(p)!),
    );
    return [this.message(4, 'all', { confirm: toHex(this.confirmation) })];
  }

  /** Output once every party confirmed the same key material. */
  private finalize(inbox: RoundInbox): ProtocolMessage[] {
    for (const [from, body] of inbox.broadcast) {
      expectKeys(body, ['confirm'], from, 'frost.keygen.r4');
      const c = readHex(body, 'confirm', from, 'frost.keygen.r4', 32);
      if (!equalBytes(c, this.confirmation!)) {
        throw new ProtocolAbort(from, 'frost.keygen.r4.confirm', 'derived a different group key or verifying shares');
      }
    }
    this.finish(this.share!);
    return [];
  }
}
