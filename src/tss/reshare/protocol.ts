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
 * Files: dealing.ts (the dealer's R1/R2), new-share.ts (a new party's R2
 * and R3 checks, the confirmation), state.ts (the record each round hands to
 * the next); this file runs the rounds and holds the hooks.
 *
 * Every message of the new generation (R2 sub-shares, R3, ext, confirm) is
 * addressed point-to-point to new parties only: a removed party receives
 * nothing but the round-1 commitments of its fellow dealers.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import { lagrange } from '../scalar.js';
import type { ProtocolMessage, WireBody } from '../protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../rounds.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, toHex } from '../wire.js';
import { checkPublicShares, proveKnowledge, randomScalar, type Curve, type GroupPoint } from './curve.js';
import { dealingCommitment, openingBody, subShare } from './dealing.js';
import { checkNewShare, combineDealings, confirmationDigest } from './new-share.js';
import type {
  AwaitingOpenings,
  Confirming,
  Dealt,
  ExtRounds,
  NewShareKnown,
  ReshareCore,
  ReshareParams,
  ReshareRun,
  ReshareStage,
  Retired,
} from './state.js';

export type { ReshareCore, ReshareParams, Retired } from './state.js';

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
  /** The inputs every round reads. */
  private readonly run: ReshareRun;
  /** The record of the last completed round (state.ts). */
  private stage: ReshareStage = { kind: 'dealt', dealing: null };

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
    let pk: GroupPoint;
    let oldShares: Map<PartyId, GroupPoint>;
    try {
      pk = curve.decodePoint(params.publicKey);
      oldShares = new Map(oldParties.map((i) => [i, curve.decodePoint(params.oldPublicShares.get(i) ?? new Uint8Array(0))]));
      checkPublicShares(curve, tOld, oldParties, oldShares, pk);
    } catch (e) {
      throw new UsageError(`${protocol}: old public key material is inconsistent: ${(e as Error).message}`);
    }
    if (this.isDealer) {
      const s = params.oldSecretShare;
      if (typeof s !== 'bigint' || s <= 0n || s >= curve.order) throw new UsageError(`${protocol}: a dealer needs its old secret share`);
      if (!curve.mulBase(s).equals(oldShares.get(this.self)!)) {
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
    this.run = {
      curve,
      self: this.self,
      sessionId: this.sessionId,
      quorum,
      newParties,
      newThreshold: tNew,
      pk,
      publicKey: params.publicKey,
      oldEpoch: params.oldEpoch,
      oldShares,
    };
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
    return coeffs.map((a, k) => proveKnowledge(this.curve, a, A[k]!, this.sessionId, this.self, `reshare/coeff/${k}`));
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

  /** R1 (dealer): f_i with f_i(0) = λ_{i,T}·s_i; commit to its Feldman commitments and proofs. */
  protected begin(): ProtocolMessage[] {
    if (!this.isDealer) return [];
    const lambda = lagrange(this.curve.Fn, this.quorum, this.self);
    const coeffs = this.dealPolynomial(this.curve.Fn.mul(lambda, this.params.oldSecretShare!));
    const A = coeffs.map((a) => this.curve.mulBase(a));
    const proofs = this.proveCoefficients(coeffs, A);
    const salt = randomBytes(32);
    const commitment = dealingCommitment(
      this.sessionId,
      this.self,
      salt,
      A.map((P) => this.curve.encodePoint(P)),
      proofs,
    );
    this.stage = { kind: 'dealt', dealing: { coeffs, A, proofs, salt, commitment } };
    return [this.message(1, 'all', { ctx: toHex(this.sessionId), commit: toHex(commitment) })];
  }

  protected process(round: number, inbox: RoundInbox): ProtocolMessage[] {
    const st = this.stage;
    if (round === 1 && st.kind === 'dealt') return this.deal(st, inbox);
    if (round === 2 && st.kind === 'openings') return this.combine(st, inbox);
    if (round === 3 && st.kind === 'new-share') return this.checkNewShares(st, inbox);
    if (round < this.confirmRound && st.kind === 'ext') return this.extRound(round, st, inbox);
    if (round === this.confirmRound && st.kind === 'confirming') return this.commit(st, inbox);
    // The base class runs each round once, in order: unreachable.
    throw new UsageError(`${this.protocol}: round ${round} processed in stage ${st.kind}`);
  }

  /** An aborted run keeps nothing: the dealer's polynomial and s'_j go. */
  protected override discard(): void {
    this.stage = { kind: 'done' };
  }

  /** R2 (dealer): after every dealer committed, open to and send f_i(j) to each new party j. */
  private deal(st: Dealt, inbox: RoundInbox): ProtocolMessage[] {
    const commits = new Map<PartyId, Uint8Array>();
    if (st.dealing) commits.set(this.self, st.dealing.commitment);
    for (const [from, body] of inbox.broadcast) {
      expectKeys(body, ['ctx', 'commit'], from, 'reshare.r1');
      if (!equalBytes(readHex(body, 'ctx', from, 'reshare.r1', 32), this.sessionId)) {
        throw new ProtocolAbort(
          from,
          'reshare.r1.ctx',
          'runs the re-share with other parameters (key, generation, device sets or thresholds)',
        );
      }
      commits.set(from, readHex(body, 'commit', from, 'reshare.r1', 32));
    }
    const out: ProtocolMessage[] = [];
    const { dealing } = st;
    if (dealing) {
      const opening = openingBody(this.run, dealing);
      for (const j of this.newParties) {
        if (j === this.self) continue;
        const sub = subShare(this.run, dealing, j);
        out.push(this.message(2, j, { ...opening, share: toHex(this.curve.encodeScalar(sub)) }));
      }
    }
    if (!this.isNew) {
      // A retiring dealer drops its polynomial here.
      this.stage = { kind: 'done' };
      this.finish({ kind: 'retired', supersededEpoch: this.params.oldEpoch });
      return out;
    }
    this.stage = { kind: 'openings', dealing, commits };
    return out;
  }

  /** R2 checks at new party j (new-share.ts), then s'_j, all X', and the R3 message; a dealer's polynomial is dropped here. */
  private combine(st: AwaitingOpenings, inbox: RoundInbox): ProtocolMessage[] {
    const { state, proof } = combineDealings(this.run, st, inbox);
    this.stage = state;
    // The same for every new peer: encoded once.
    const publicShare = toHex(state.core.publicShares.get(this.self)!);
    const proofHex = toHex(proof);
    const echo = this.quorum.map((i) => toHex(state.echoView.get(i)!));
    return this.newParties
      .filter((m) => m !== this.self)
      .map((m) =>
        this.message(3, m, {
          publicShare,
          proof: proofHex,
          echo,
          ...this.extSend(0, m),
        }),
      );
  }

  /** R3 checks: echo of the dealings, X'_m with its proof; then ext rounds or the confirmation. */
  private checkNewShares(st: NewShareKnown, inbox: RoundInbox): ProtocolMessage[] {
    const extKeys = this.extKeys(0);
    for (const [m, body] of inbox.p2p) {
      checkNewShare(this.run, st, m, body, extKeys);
      this.extReceive(0, m, body);
    }
    return this.nextNewRound(4, st.core);
  }

  private extRound(round: number, st: ExtRounds, inbox: RoundInbox): ProtocolMessage[] {
    const k = round - 3;
    for (const [m, body] of inbox.p2p) {
      expectKeys(body, this.extKeys(k), m, `reshare.ext${k}`);
      this.extReceive(k, m, body);
    }
    return this.nextNewRound(round + 1, st.core);
  }

  private nextNewRound(round: number, core: ReshareCore): ProtocolMessage[] {
    const peers = this.newParties.filter((m) => m !== this.self);
    if (round < this.confirmRound) {
      this.stage = { kind: 'ext', core };
      const k = round - 3;
      return peers.map((m) => this.message(round, m, this.extSend(k, m)));
    }
    const confirmation = confirmationDigest(this.run, core, this.extConfirm());
    this.stage = { kind: 'confirming', core, confirmation };
    return peers.map((m) => this.message(round, m, { confirm: toHex(confirmation) }));
  }

  /** Last round: every new party confirmed the same outcome; only now is a share output. */
  private commit(st: Confirming, inbox: RoundInbox): ProtocolMessage[] {
    const where = 'reshare.confirm';
    for (const [m, body] of inbox.p2p) {
      expectKeys(body, ['confirm'], m, where);
      if (!equalBytes(readHex(body, 'confirm', m, where, 32), st.confirmation)) {
        throw new ProtocolAbort(m, where, 'confirmed a different outcome (public shares, generation or set-up)');
      }
    }
    this.finish(this.build(st.core));
    this.stage = { kind: 'done' };
    return [];
  }
}

export function isRetired(r: unknown): r is Retired {
  return typeof r === 'object' && r !== null && (r as Retired).kind === 'retired';
}
