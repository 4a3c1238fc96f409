/**
 * Re-sharing, generic over the curve: a quorum T of at least t_old old
 * parties hands the unchanged secret x (PK = x·G) to a new party set N' under
 * a new threshold t_new. Old and new parties may overlap; an old party that
 * is not in N' only deals and then retires. Proactive refresh is the special
 * case T = N', t_new = t_old.
 *
 * The construction is the classic dealing of Lagrange-weighted shares
 * (Desmedt–Jajodia 1997; Herzberg et al. 1995 for refresh; Wong–Wang–Wing
 * 2002 for verifiable redistribution), hardened as in
 * docs/protocols.md "Re-sharing":
 *
 * sid*  = H(caller sid, curve, PK, epoch, old set, t_old, old public shares,
 *         T, N', t_new, protocol context). Every commitment, proof and echo
 *         is bound to it; R1 carries it, so a mismatch stops the run at once.
 * R1    dealer i ∈ T samples f_i of degree t_new−1 with f_i(0) = λ_{i,T}·s_i
 *       and broadcasts a hash commitment to A_{i,k} = a_{i,k}·G and to its
 *       proofs of knowledge of every a_{i,k} (commit-then-reveal).
 * R2    dealer i → each new party j (p2p): the opening (A_i, proofs) and the
 *       sub-share f_i(j). A dealer that is not a new party is done here.
 *       New party j checks, per dealer (each failure names i):
 *       opening; strict points; proofs bound to (sid*, i, k);
 *       A_{i,0} = λ_{i,T}·X_i against i's OLD public share (so Σ A_{i,0} = PK);
 *       Feldman: f_i(j)·G = Σ_k j^k·A_{i,k}.
 *       Then s'_j = Σ_i f_i(j), B_k = Σ_i A_{i,k}, X'_m = Σ_k m^k·B_k.
 * R3    new j → new m (p2p): X'_j with a proof of knowledge of s'_j, and an
 *       echo of every dealer's commitment and opening (dealer equivocation
 *       towards different new parties aborts naming the dealer).
 * [ext] protocol-specific rounds among new parties (ECDSA: OT set-up).
 * Last  new j → new m (p2p): confirmation, a digest of PK, the new epoch and
 *       all X'. Two-phase commit: a new share is output only once every new
 *       party has confirmed; the caller replaces its stored share only then.
 *
 * Every message of the new generation (R2 sub-shares, R3, ext, confirm) is
 * addressed point-to-point to new parties only: a removed party receives
 * nothing but the round-1 commitments of its fellow dealers.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import { evalPoly, lagrange } from '../scalar.js';
import type { ProtocolMessage, WireBody } from '../protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../rounds.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, readHexArray, toHex } from '../wire.js';
import {
  checkPublicShares,
  evalCommitment,
  proveKnowledge,
  randomScalar,
  readPoint,
  readScalar,
  verifyKnowledge,
  type Curve,
  type GroupPoint,
} from './curve.js';
import { checkEcho, echoDigest } from '../echo.js';

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
  oldSecretShare?: bigint;
  /** Protocol-specific public context all parties must agree on (e.g. a digest of the chain code). */
  context?: Uint8Array;
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

/** A removed party's result: it dealt and holds nothing of the new generation. */
export interface Retired {
  kind: 'retired';
  /** The epoch that replaced the caller's share (delete the old share once the new group confirms out of band). */
  supersededEpoch: number;
}

const sortIds = (xs: readonly PartyId[]): PartyId[] => [...xs].sort((a, b) => a - b);

function checkIds(xs: readonly PartyId[], what: string): void {
  const s = sortIds(xs);
  if (s.some((p, i) => !Number.isInteger(p) || p < 1 || p > 0xffff || (i > 0 && p === s[i - 1]))) {
    throw new UsageError(`reshare: ${what} must be distinct integers in 1..65535`);
  }
}

/**
 * The generic re-share state machine. Subclasses fix the curve and the
 * protocol name, build the stored record from {@link ReshareCore}, and may
 * add rounds among the new parties (`extRounds`, `extSend`, `extReceive`).
 */
export abstract class ReshareProtocol<R> extends RoundBasedProtocol<R | Retired> {
  protected readonly rounds: number;
  readonly curve: Curve;
  readonly quorum: PartyId[];
  readonly newParties: PartyId[];
  readonly newThreshold: number;
  readonly isDealer: boolean;
  readonly isNew: boolean;
  /** sid*: binds every commitment, proof and echo of this run. */
  protected readonly sessionId: Uint8Array;
  private readonly params: ReshareParams;
  private readonly pk: GroupPoint;
  private readonly oldShares: Map<PartyId, GroupPoint>;

  // Dealer state.
  private coeffs: bigint[] = [];
  private dealing: { A: GroupPoint[]; proofs: Uint8Array[]; salt: Uint8Array } | null = null;
  // New-party state.
  private readonly commits = new Map<PartyId, Uint8Array>();
  private readonly openings = new Map<PartyId, GroupPoint[]>();
  private readonly echoView = new Map<PartyId, Uint8Array>();
  private core: ReshareCore | null = null;
  private confirmation: Uint8Array | null = null;

  constructor(protocol: string, curve: Curve, params: ReshareParams) {
    const quorum = sortIds(params.quorum);
    const newParties = sortIds(params.newParties);
    checkIds(quorum, 'quorum ids');
    checkIds(newParties, 'new party ids');
    checkIds(params.oldParties, 'old party ids');
    super(protocol, params.sid, params.self, sortIds([...new Set([...quorum, ...newParties])]));
    const oldParties = sortIds(params.oldParties);
    const tOld = params.oldThreshold;
    const tNew = params.newThreshold;
    if (!Number.isInteger(tOld) || tOld < 2 || tOld > oldParties.length) throw new UsageError(`${protocol}: bad old threshold`);
    if (!Number.isInteger(tNew) || tNew < 2 || tNew > newParties.length) {
      throw new UsageError(`${protocol}: new threshold must be in 2..${newParties.length}`);
    }
    if (quorum.length < tOld) throw new UsageError(`${protocol}: ${quorum.length} old devices online, ${tOld} needed to re-share`);
    for (const i of quorum) if (!oldParties.includes(i)) throw new UsageError(`${protocol}: quorum member ${i} is not an old party`);
    if (!Number.isSafeInteger(params.oldEpoch) || params.oldEpoch < 0) throw new UsageError(`${protocol}: bad epoch`);
    this.curve = curve;
    this.quorum = quorum;
    this.newParties = newParties;
    this.newThreshold = tNew;
    this.isDealer = quorum.includes(this.self);
    this.isNew = newParties.includes(this.self);
    this.params = params;
    try {
      this.pk = curve.decodePoint(params.publicKey);
      this.oldShares = new Map(oldParties.map((i) => [i, curve.decodePoint(params.oldPublicShares.get(i) ?? new Uint8Array(0))]));
      checkPublicShares(curve, tOld, oldParties, this.oldShares, this.pk);
    } catch (e) {
      throw new UsageError(`${protocol}: old public key material is inconsistent: ${(e as Error).message}`);
    }
    if (this.isDealer) {
      const s = params.oldSecretShare;
      if (typeof s !== 'bigint' || s <= 0n || s >= curve.order) throw new UsageError(`${protocol}: a dealer needs its old secret share`);
      if (!curve.mulBase(s).equals(this.oldShares.get(this.self)!)) {
        throw new UsageError(`${protocol}: the old secret share does not match this device's old public share`);
      }
    }
    this.sessionId = hashTranscript(
      'reshare/sid',
      protocol,
      curve.name,
      params.sid,
      params.publicKey,
      params.oldEpoch,
      tOld,
      oldParties.length,
      ...oldParties.flatMap((i) => [i, params.oldPublicShares.get(i)!]),
      quorum.length,
      ...quorum,
      tNew,
      newParties.length,
      ...newParties,
      params.context ?? new Uint8Array(0),
    );
    this.rounds = this.isNew ? 4 + this.extRounds : 1;
  }

  // ---- hooks for curve-specific protocols -------------------------------------------------

  /** Number of extra p2p rounds among new parties between R3 and the confirmation. */
  protected get extRounds(): number {
    return 0;
  }
  /** Extra fields for the message to new peer `to` in R3 (k = 0) or ext round k ≥ 1. */
  protected extSend(_k: number, _to: PartyId): WireBody {
    return {};
  }
  /** Field names `extSend(k, ·)` adds (so bodies are still parsed with exact keys). */
  protected extKeys(_k: number): string[] {
    return [];
  }
  /** Handles the extra fields from new peer `from` in R3 (k = 0) or ext round k ≥ 1. */
  protected extReceive(_k: number, _from: PartyId, _body: WireBody): void {}
  /** A digest of ext results that all new parties must agree on (folded into the confirmation). */
  protected extConfirm(): Uint8Array {
    return new Uint8Array(0);
  }
  /** Builds the stored record from the core result (called after every confirmation). */
  protected abstract build(core: ReshareCore): R;

  /** Seams for tests that play a cheating dealer. */
  protected dealPolynomial(constant: bigint): bigint[] {
    return [constant, ...Array.from({ length: this.newThreshold - 1 }, () => randomScalar(this.curve))];
  }
  protected proveCoefficients(coeffs: readonly bigint[], A: readonly GroupPoint[]): Uint8Array[] {
    return coeffs.map((a, k) => proveKnowledge(this.curve, a, A[k], this.sessionId, this.self, `reshare/coeff/${k}`));
  }

  // ---- rounds -----------------------------------------------------------------------------

  private get confirmRound(): number {
    return 4 + this.extRounds;
  }

  protected spec(round: number): RoundSpec {
    const dealers = this.quorum.filter((p) => p !== this.self);
    const news = this.newParties.filter((p) => p !== this.self);
    if (round === 1) return { broadcast: true, p2p: false, from: dealers };
    if (round === 2) return { broadcast: false, p2p: true, from: dealers };
    return { broadcast: false, p2p: true, from: news };
  }

  private commitTo(party: PartyId, salt: Uint8Array, A: readonly Uint8Array[], proofs: readonly Uint8Array[]): Uint8Array {
    return hashTranscript('reshare/commit', this.sessionId, party, salt, A.length, ...A, ...proofs);
  }

  /** R1 (dealer): f_i with f_i(0) = λ_{i,T}·s_i; commit to its Feldman commitments and proofs. */
  protected begin(): ProtocolMessage[] {
    if (!this.isDealer) return [];
    const lambda = lagrange(this.curve.Fn, this.quorum, this.self);
    this.coeffs = this.dealPolynomial(this.curve.Fn.mul(lambda, this.params.oldSecretShare!));
    const A = this.coeffs.map((a) => this.curve.mulBase(a));
    const proofs = this.proveCoefficients(this.coeffs, A);
    const salt = randomBytes(32);
    this.dealing = { A, proofs, salt };
    const c = this.commitTo(
      this.self,
      salt,
      A.map((P) => this.curve.encodePoint(P)),
      proofs,
    );
    this.commits.set(this.self, c);
    return [this.message(1, 'all', { ctx: toHex(this.sessionId), commit: toHex(c) })];
  }

  protected process(round: number, inbox: RoundInbox): ProtocolMessage[] {
    if (round === 1) return this.deal(inbox);
    if (round === 2) return this.combine(inbox);
    if (round === 3) return this.checkNewShares(inbox);
    if (round < this.confirmRound) return this.extRound(round, inbox);
    return this.commit(inbox);
  }

  /** R2 (dealer): after every dealer committed, open to and send f_i(j) to each new party j. */
  private deal(inbox: RoundInbox): ProtocolMessage[] {
    for (const [from, body] of inbox.broadcast) {
      expectKeys(body, ['ctx', 'commit'], from, 'reshare.r1');
      if (!equalBytes(readHex(body, 'ctx', from, 'reshare.r1', 32), this.sessionId)) {
        throw new ProtocolAbort(
          from,
          'reshare.r1.ctx',
          'runs the re-share with other parameters (key, generation, device sets or thresholds)',
        );
      }
      this.commits.set(from, readHex(body, 'commit', from, 'reshare.r1', 32));
    }
    const out: ProtocolMessage[] = [];
    if (this.isDealer) {
      const { A, proofs, salt } = this.dealing!;
      const opening = {
        salt: toHex(salt),
        commitments: A.map((P) => toHex(this.curve.encodePoint(P))),
        proofs: proofs.map(toHex),
      };
      for (const j of this.newParties) {
        if (j === this.self) continue;
        const sub = evalPoly(this.curve.Fn, this.coeffs, BigInt(j));
        out.push(this.message(2, j, { ...opening, share: toHex(this.curve.encodeScalar(sub)) }));
      }
    }
    if (!this.isNew) {
      this.coeffs = [];
      this.finish({ kind: 'retired', supersededEpoch: this.params.oldEpoch });
    }
    return out;
  }

  /** R2 checks at new party j, then s'_j, all X', and the R3 message. */
  private combine(inbox: RoundInbox): ProtocolMessage[] {
    const curve = this.curve;
    const Fn = curve.Fn;
    const tNew = this.newThreshold;
    const where = 'reshare.r2';
    let s = Fn.ZERO;
    const x = BigInt(this.self);
    for (const [i, body] of inbox.p2p) {
      expectKeys(body, ['salt', 'commitments', 'proofs', 'share'], i, where);
      const salt = readHex(body, 'salt', i, where, 32);
      const Araw = readHexArray(body, 'commitments', i, where, tNew, curve.pointBytes);
      const proofs = readHexArray(body, 'proofs', i, where, tNew, curve.pointBytes + curve.scalarBytes);
      if (!equalBytes(this.commitTo(i, salt, Araw, proofs), this.commits.get(i)!)) {
        throw new ProtocolAbort(i, `${where}.decommit`, 'opening does not match its round-1 commitment');
      }
      const A = Araw.map((b, k) => readPoint(curve, b, i, `${where}.commitments[${k}]`));
      A.forEach((Ak, k) => {
        verifyKnowledge(curve, proofs[k], Ak, this.sessionId, i, `reshare/coeff/${k}`, `${where}.pok`);
      });
      const lambda = lagrange(curve.Fn, this.quorum, i);
      if (!A[0].equals(this.oldShares.get(i)!.multiplyUnsafe(lambda))) {
        throw new ProtocolAbort(
          i,
          `${where}.constant`,
          'dealt a polynomial whose constant term is not its Lagrange-weighted old share (its commitments do not add up to the public key)',
        );
      }
      const sub = readScalar(curve, readHex(body, 'share', i, where, curve.scalarBytes), i, `${where}.share`);
      if (!curve.mulBase(sub).equals(evalCommitment(A, x))) {
        throw new ProtocolAbort(i, `${where}.feldman`, 'sub-share does not match its Feldman commitments');
      }
      s = Fn.add(s, sub);
      this.openings.set(i, A);
      this.echoView.set(i, echoDigest('reshare/r2', this.sessionId, i, this.commits.get(i)!, ...Araw, ...proofs));
    }
    if (this.isDealer) {
      const { A, proofs } = this.dealing!;
      s = Fn.add(s, evalPoly(curve.Fn, this.coeffs, x));
      this.openings.set(this.self, A);
      this.echoView.set(
        this.self,
        echoDigest('reshare/r2', this.sessionId, this.self, this.commits.get(this.self)!, ...A.map((P) => curve.encodePoint(P)), ...proofs),
      );
      this.coeffs = [];
    }
    const B = Array.from({ length: tNew }, (_, k) =>
      this.quorum.reduce<GroupPoint>((acc, i) => acc.add(this.openings.get(i)![k]), curve.ZERO),
    );
    if (!B[0].equals(this.pk)) {
      // Unreachable when every A_{i,0} passed the check above and the old public shares are consistent.
      throw new ProtocolAbort(null, `${where}.sum`, 'the dealt commitments do not add up to the public key');
    }
    if (s === 0n) throw new ProtocolAbort(null, `${where}.zero`, 'new share is zero (negligible probability): retry the re-share');
    const publicShares = new Map<PartyId, Uint8Array>();
    for (const m of this.newParties) {
      const X = evalCommitment(B, BigInt(m));
      if (X.is0()) throw new ProtocolAbort(null, `${where}.public-share`, `public share of party ${m} is the identity: retry`);
      publicShares.set(m, curve.encodePoint(X));
    }
    const own = curve.mulBase(s);
    if (!equalBytes(curve.encodePoint(own), publicShares.get(this.self)!)) {
      throw new ProtocolAbort(null, `${where}.self`, 'own new share does not match the aggregate commitment');
    }
    this.core = {
      epoch: this.params.oldEpoch + 1,
      t: tNew,
      parties: [...this.newParties],
      self: this.self,
      secretShare: s,
      publicKey: this.params.publicKey.slice(),
      publicShares,
      sessionId: this.sessionId,
    };
    const proof = proveKnowledge(curve, s, own, this.sessionId, this.self, 'reshare/new-share');
    const echo = this.quorum.map((i) => toHex(this.echoView.get(i)!));
    return this.newParties
      .filter((m) => m !== this.self)
      .map((m) =>
        this.message(3, m, {
          publicShare: toHex(publicShares.get(this.self)!),
          proof: toHex(proof),
          echo,
          ...this.extSend(0, m),
        }),
      );
  }

  /** R3 checks: echo of the dealings, X'_m with its proof; then ext rounds or the confirmation. */
  private checkNewShares(inbox: RoundInbox): ProtocolMessage[] {
    const curve = this.curve;
    const where = 'reshare.r3';
    const core = this.core!;
    for (const [m, body] of inbox.p2p) {
      expectKeys(body, ['publicShare', 'proof', 'echo', ...this.extKeys(0)], m, where);
      checkEcho(this.echoView, readHexArray(body, 'echo', m, where, this.quorum.length, 32), this.quorum, m, this.self, `${where}.echo`);
      const X = readHex(body, 'publicShare', m, where, curve.pointBytes);
      if (!equalBytes(X, core.publicShares.get(m)!)) {
        throw new ProtocolAbort(m, `${where}.public-share`, 'announced a new public share that does not match the dealt commitments');
      }
      verifyKnowledge(
        curve,
        readHex(body, 'proof', m, where, curve.pointBytes + curve.scalarBytes),
        curve.decodePoint(X),
        this.sessionId,
        m,
        'reshare/new-share',
        `${where}.pok`,
      );
      this.extReceive(0, m, body);
    }
    return this.nextNewRound(4);
  }

  private extRound(round: number, inbox: RoundInbox): ProtocolMessage[] {
    const k = round - 3;
    for (const [m, body] of inbox.p2p) {
      expectKeys(body, this.extKeys(k), m, `reshare.ext${k}`);
      this.extReceive(k, m, body);
    }
    return this.nextNewRound(round + 1);
  }

  private nextNewRound(round: number): ProtocolMessage[] {
    const peers = this.newParties.filter((m) => m !== this.self);
    if (round < this.confirmRound) {
      const k = round - 3;
      return peers.map((m) => this.message(round, m, this.extSend(k, m)));
    }
    const core = this.core!;
    this.confirmation = hashTranscript(
      'reshare/confirm',
      this.sessionId,
      core.publicKey,
      core.epoch,
      core.t,
      ...core.parties.flatMap((m) => [m, core.publicShares.get(m)!]),
      this.extConfirm(),
    );
    return peers.map((m) => this.message(round, m, { confirm: toHex(this.confirmation!) }));
  }

  /** Last round: every new party confirmed the same outcome; only now is a share output. */
  private commit(inbox: RoundInbox): ProtocolMessage[] {
    const where = 'reshare.confirm';
    for (const [m, body] of inbox.p2p) {
      expectKeys(body, ['confirm'], m, where);
      if (!equalBytes(readHex(body, 'confirm', m, where, 32), this.confirmation!)) {
        throw new ProtocolAbort(m, where, 'confirmed a different outcome (public shares, generation or set-up)');
      }
    }
    this.finish(this.build(this.core!));
    this.core = null;
    return [];
  }
}

export function isRetired(r: unknown): r is Retired {
  return typeof r === 'object' && r !== null && (r as Retired).kind === 'retired';
}
