/**
 * DKLs23 distributed key generation, for any 2 <= t <= n <= 16, all n
 * parties online.
 *
 * The key is shared by a commit-then-reveal Feldman VSS (Lindell, ePrint
 * 2022/374 §6.1, the DKG DKLs23 ePrint 2023/765 §3 assumes as F_DKG), and
 * every ordered pair of parties sets up the OT material that signing's
 * random-vector OLE needs (ePrint 2023/765 §5; see src/tss/ot). Five rounds:
 *
 * 1. broadcast V_i = H(sid, i, salt_i, t, A_{i,0..t−1}, cc_i), a commitment to
 *    the Feldman coefficient commitments A_{i,k} = a_{i,k}·G and a chain-code
 *    contribution cc_i.
 * 2. broadcast the opening (A_i, cc_i, salt_i) with a Schnorr PoK of every
 *    a_{i,k} bound to (sid, i, k).
 * 3. p2p: the Shamir share f_i(j), a zero-share seed contribution, and an
 *    echo of every round-1 commitment as received (broadcast equivocation).
 * 4. broadcast S_i = s_i·G with a PoK of s_i; p2p OT pair set-up msg1 to
 *    each peer of whose pair self is the initiator (ot-pairs.ts), an empty
 *    body to the others.
 * 5. p2p OT pair set-up msg2 to each peer whose msg1 we received, once every
 *    S_j checks out against the aggregate commitment (an empty body to the
 *    others); everyone finishes the OT set-up and ends with its
 *    {@link KeyShare}.
 *
 * OT set-up: ONE pair set-up per unordered pair {i, j} (src/tss/ot/
 * pair-setup.ts) gives both ordered pairs' material: κ Endemic base OTs in the
 * initiator→responder direction, the reverse direction by a KOS extension of
 * them (KOS15, ePrint 2015/546). Half the public-key work of one base-OT batch
 * per ordered pair.
 *
 * Departure from a 4-round schedule: the OT set-up (κ base OTs and an OT
 * extension per unordered pair, by far the most expensive part; the
 * initiator's msg1 in round 4 is the cheap half) is answered only after the whole
 * Feldman DKG has passed its checks, so a cheating or broken peer is caught
 * before any party spends seconds of CPU on it. It costs one more message
 * round, which is cheap next to that computation.
 *
 * Per-round state records: keygen-state.ts (f_i is dropped once s_i is known).
 *
 * Checks (each aborts naming the sender): exact vector lengths; valid,
 * non-identity points; commitment openings; PoKs; echo equality; Feldman
 * check of each received share; every S_j equals Σ_k j^k·A_k; OT set-up
 * checks (by the OT layer).
 */
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import {
  otPairSetupFinish,
  otPairSetupRespond,
  otPairSetupStart,
  type OtReceiverMaterial,
  type OtSenderMaterial,
  type PairContext,
  type PairSetupState,
} from '../ot/index.js';
import type { ProtocolMessage, WireBody } from '../protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../rounds.js';
import { KEY_SHARE_VERSION, MAX_PARTIES, checkKeyShare, type KeyShare } from '../share.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, readHexArray, toHex } from '../wire.js';
import { COMMITMENT_BYTES, SALT_BYTES, commit, openCommitment } from './commit.js';
import {
  type Point,
  POINT_BYTES,
  SCALAR_BYTES,
  evalPolyPoints,
  mulG,
  pointToBytes,
  random32,
  randomScalar,
  readPoint,
  readScalar,
  scalarToBytes,
} from './curve.js';
import { Fq, evalPoly, modq } from '../scalar.js';
import { checkEcho, echoDigest } from '../echo.js';
import type { CommitmentOpened, KeygenStage, PolynomialCommitted, PublicShareSent, SetupsAnswered, SharesSent } from './keygen-state.js';
import { pairInitiator, pairSeed, pairSetupContext } from './ot-pairs.js';
import { SCHNORR_PROOF_BYTES, proveDlog, verifyDlog } from './schnorr.js';

/** Protocol id on the wire; /v2 since the base-OT key hash changed. */
export const KEYGEN_PROTOCOL = 'dkls23/keygen/v2';

/** The keygen session id every commitment and proof is bound to: H(caller sid, t, parties). */
export function keygenSessionId(sid: Uint8Array, t: number, parties: readonly PartyId[]): Uint8Array {
  return hashTranscript('dkls23/keygen/sid', sid, t, ...[...parties].sort((a, b) => a - b));
}

export interface KeygenOptions {
  /** Session id agreed by the parties out of band (≥ 16 bytes, fresh for every ceremony). */
  sid: Uint8Array;
  self: PartyId;
  /** All n party ids (Shamir x-coordinates), distinct, 1..65535. */
  parties: readonly PartyId[];
  t: number;
}

/** What each round expects: broadcasts in rounds 1, 2, 4; point-to-point in rounds 3, 4, 5. */
const ROUND_SPECS: readonly RoundSpec[] = [
  { broadcast: true, p2p: false },
  { broadcast: true, p2p: false },
  { broadcast: false, p2p: true },
  { broadcast: true, p2p: true },
  { broadcast: false, p2p: true },
];

/** One party's state in DKLs23 key generation. Run it with a driver or the session layer. */
export class DklsKeygen extends RoundBasedProtocol<KeyShare> {
  protected readonly rounds = 5;
  readonly t: number;
  /** Session id bound to (caller sid, t, parties): every commitment and proof uses it. */
  private readonly ksid: Uint8Array;

  /** The record of the last completed round (keygen-state.ts). */
  private stage: KeygenStage = { round: 'idle' };

  constructor(opts: KeygenOptions) {
    super(KEYGEN_PROTOCOL, opts.sid, opts.self, opts.parties);
    const n = this.parties.length;
    if (!Number.isInteger(opts.t) || opts.t < 2 || opts.t > n || n > MAX_PARTIES) {
      throw new UsageError(`keygen: need 2 <= t <= n <= ${MAX_PARTIES}, got t=${opts.t}, n=${n}`);
    }
    this.t = opts.t;
    this.ksid = keygenSessionId(opts.sid, opts.t, this.parties);
  }

  protected spec(round: number): RoundSpec {
    return ROUND_SPECS[round - 1] ?? { broadcast: false, p2p: true };
  }

  /** The OT pair set-up context of {self, peer}: sender = its initiator (ot-pairs.ts). */
  private pair(peer: PartyId): PairContext {
    return pairSetupContext(hashTranscript('dkls23/keygen/ot', this.ksid), this.parties, this.self, peer);
  }

  /** Whether self sends msg1 of its pair set-up with `peer`. */
  private initiates(peer: PartyId): boolean {
    return pairInitiator(this.parties, this.self, peer) === this.self;
  }

  private commitTo(party: PartyId, salt: Uint8Array, A: readonly Point[], cc: Uint8Array): Uint8Array {
    return commit('keygen/r1', this.ksid, party, salt, this.t, ...A.map(pointToBytes), cc);
  }

  /** Round 1: sample f_i, commit to its coefficient commitments and a chain-code part. */
  protected begin(): ProtocolMessage[] {
    const coeffs = Array.from({ length: this.t }, () => randomScalar());
    const A = coeffs.map(mulG);
    const chainPart = random32();
    const salt = random32();
    const commitment = this.commitTo(this.self, salt, A, chainPart);
    this.stage = { round: 1, poly: { coeffs, A }, chainPart, salt, commitment };
    return [this.message(1, 'all', { commitment: toHex(commitment) })];
  }

  protected process(round: number, inbox: RoundInbox): ProtocolMessage[] {
    const st = this.stage;
    // The base class runs each round once, in order: the stage is always the record of round `round`.
    if (st.round === 1 && round === 1) return this.round2(st, inbox);
    if (st.round === 2 && round === 2) return this.round3(st, inbox);
    if (st.round === 3 && round === 3) return this.round4(st, inbox);
    if (st.round === 4 && round === 4) return this.round5(st, inbox);
    if (st.round === 5 && round === 5) return this.assemble(st, inbox);
    throw new UsageError(`keygen: round ${round} processed in stage ${st.round}`);
  }

  /** An aborted run keeps nothing: f_i, the seed parts, s_i and the OT set-ups go. */
  protected override discard(): void {
    this.stage = { round: 'idle' };
  }

  /** Round 2: record commitments, open our commitment with PoKs. */
  private round2(st: PolynomialCommitted, inbox: RoundInbox): ProtocolMessage[] {
    const commitments = new Map<PartyId, Uint8Array>([[this.self, st.commitment]]);
    for (const j of this.peers) {
      const b = inbox.broadcast.get(j)!;
      expectKeys(b, ['commitment'], j, 'keygen.r1');
      commitments.set(j, readHex(b, 'commitment', j, 'keygen.r1', COMMITMENT_BYTES));
    }
    const { coeffs, A } = st.poly;
    const proofs = coeffs.map((a, k) => proveDlog(a, A[k]!, { sid: this.ksid, party: this.self, label: `keygen/coeff/${k}` }));
    this.stage = { round: 2, poly: st.poly, chainPart: st.chainPart, commitments };
    return [
      this.message(2, 'all', {
        coefficients: A.map((P) => toHex(pointToBytes(P))),
        proofs: proofs.map(toHex),
        chainCode: toHex(st.chainPart),
        salt: toHex(st.salt),
      }),
    ];
  }

  /** Round 3: check openings and PoKs; send Shamir shares, zero-share seed parts and the echo. */
  private round3(st: CommitmentOpened, inbox: RoundInbox): ProtocolMessage[] {
    const peerA = new Map<PartyId, Point[]>();
    const peerChain = new Map<PartyId, Uint8Array>();
    for (const j of this.peers) {
      const b = inbox.broadcast.get(j)!;
      const where = 'keygen.r2';
      expectKeys(b, ['coefficients', 'proofs', 'chainCode', 'salt'], j, where);
      const A = readHexArray(b, 'coefficients', j, where, this.t, POINT_BYTES).map((x, k) => readPoint(x, j, `keygen.coefficient[${k}]`));
      const proofs = readHexArray(b, 'proofs', j, where, this.t, SCHNORR_PROOF_BYTES);
      const cc = readHex(b, 'chainCode', j, where, 32);
      const salt = readHex(b, 'salt', j, where, SALT_BYTES);
      if (!openCommitment(st.commitments.get(j)!, 'keygen/r1', this.ksid, j, salt, this.t, ...A.map(pointToBytes), cc)) {
        throw new ProtocolAbort(j, 'keygen.commitment', 'round-2 reveal does not open the round-1 commitment');
      }
      A.forEach((Ak, k) => {
        if (!verifyDlog(proofs[k]!, Ak, { sid: this.ksid, party: j, label: `keygen/coeff/${k}` })) {
          throw new ProtocolAbort(j, 'keygen.pok', `proof of knowledge for coefficient ${k} is invalid`);
        }
      });
      peerA.set(j, A);
      peerChain.set(j, cc);
    }
    const echo = new Map(this.parties.map((k) => [k, echoDigest('dkls23/keygen/r1', this.ksid, k, st.commitments.get(k)!)]));
    const echoHex = this.parties.map((k) => toHex(echo.get(k)!));
    const seedParts = new Map<PartyId, Uint8Array>();
    const out = this.peers.map((j) => {
      const seedPart = random32();
      seedParts.set(j, seedPart);
      return this.message(3, j, {
        share: toHex(scalarToBytes(evalPoly(Fq, st.poly.coeffs, BigInt(j)))),
        zeroSeed: toHex(seedPart),
        echo: echoHex,
      });
    });
    this.stage = { round: 3, poly: st.poly, chainPart: st.chainPart, peerA, peerChain, seedParts, echo };
    return out;
  }

  /** Round 4: echo check, Feldman check, s_i = Σ_j f_j(i); broadcast S_i with a PoK; start the OT pair set-ups self initiates. */
  private round4(st: SharesSent, inbox: RoundInbox): ProtocolMessage[] {
    const received = new Map<PartyId, { share: Uint8Array; seed: Uint8Array }>();
    for (const j of this.peers) {
      const p = inbox.p2p.get(j)!;
      const where = 'keygen.r3';
      expectKeys(p, ['share', 'zeroSeed', 'echo'], j, where);
      const theirs = readHexArray(p, 'echo', j, where, this.parties.length, 32);
      checkEcho(st.echo, theirs, this.parties, j, this.self, 'keygen.echo');
      received.set(j, { share: readHex(p, 'share', j, where, SCALAR_BYTES), seed: readHex(p, 'zeroSeed', j, where, 32) });
    }
    let s = evalPoly(Fq, st.poly.coeffs, BigInt(this.self));
    const zeroSeeds = new Map<PartyId, Uint8Array>();
    for (const j of this.peers) {
      const { share, seed } = received.get(j)!;
      const x = readScalar(share, j, 'keygen.feldman');
      // Feldman check: f_j(i)·G = Σ_k i^k·A_{j,k}.
      if (!mulG(x).equals(evalPolyPoints(st.peerA.get(j)!, BigInt(this.self)))) {
        throw new ProtocolAbort(j, 'keygen.feldman', 'Shamir share does not match the coefficient commitments');
      }
      s = modq(s + x);
      zeroSeeds.set(j, pairSeed('dkls23/keygen/zero-seed', this.ksid, this.self, j, st.seedParts.get(j)!, seed));
    }
    if (s === 0n) throw new ProtocolAbort(null, 'keygen.share', 'secret share is zero (negligible probability): rerun key generation');
    const aggregate = st.poly.A.map((Ak, k) => this.peers.reduce((acc, j) => acc.add(st.peerA.get(j)![k]!), Ak));
    const S = mulG(s);
    const proof = proveDlog(s, S, { sid: this.ksid, party: this.self, label: 'keygen/public-share' });
    const out = [this.message(4, 'all', { publicShare: toHex(pointToBytes(S)), proof: toHex(proof) })];
    const setupStates = new Map<PartyId, PairSetupState>();
    for (const j of this.peers) {
      if (!this.initiates(j)) {
        out.push(this.message(4, j, {}));
        continue;
      }
      const { state, msg1 } = otPairSetupStart(this.pair(j));
      setupStates.set(j, state);
      out.push(this.message(4, j, { ot: toHex(msg1) }));
    }
    // Replacing the stage drops f_i.
    this.stage = { round: 4, secretShare: s, aggregate, chainPart: st.chainPart, peerChain: st.peerChain, zeroSeeds, setupStates };
    return out;
  }

  /** Round 5: check every S_j against the aggregate commitment and its PoK; answer the pair set-ups peers initiated. */
  private round5(st: PublicShareSent, inbox: RoundInbox): ProtocolMessage[] {
    const expected = new Map<PartyId, Point>(this.parties.map((k) => [k, evalPolyPoints(st.aggregate, BigInt(k))]));
    for (const j of this.peers) {
      const b: WireBody = inbox.broadcast.get(j)!;
      const where = 'keygen.r4';
      expectKeys(b, ['publicShare', 'proof'], j, where);
      const Sj = readPoint(readHex(b, 'publicShare', j, where, POINT_BYTES), j, 'keygen.public-share');
      if (!Sj.equals(expected.get(j)!)) {
        throw new ProtocolAbort(j, 'keygen.public-share', 'public share does not match the aggregate Feldman commitment');
      }
      if (!verifyDlog(readHex(b, 'proof', j, where, SCHNORR_PROOF_BYTES), Sj, { sid: this.ksid, party: j, label: 'keygen/public-share' })) {
        throw new ProtocolAbort(j, 'keygen.share-pok', 'proof of knowledge of the secret share is invalid');
      }
    }
    const publicShares = new Map([...expected].map(([k, P]) => [k, pointToBytes(P)]));
    const otSender = new Map<PartyId, OtSenderMaterial>();
    const otReceiver = new Map<PartyId, OtReceiverMaterial>();
    const out = this.peers.map((j) => {
      const p = inbox.p2p.get(j)!;
      if (this.initiates(j)) {
        expectKeys(p, [], j, 'keygen.r4');
        return this.message(5, j, {});
      }
      expectKeys(p, ['ot'], j, 'keygen.r4');
      // Length and encoding of msg1 are checked by the OT layer (ProtocolAbort(j, 'ot.setup.msg1')).
      const { sender, receiver, msg2 } = otPairSetupRespond(this.pair(j), readHex(p, 'ot', j, 'keygen.r4'));
      otSender.set(j, sender);
      otReceiver.set(j, receiver);
      return this.message(5, j, { ot: toHex(msg2) });
    });
    this.stage = { ...st, round: 5, publicShares, otSender, otReceiver };
    return out;
  }

  /** Output: finish the pair set-ups self initiated and assemble the key share. */
  private assemble(st: SetupsAnswered, inbox: RoundInbox): ProtocolMessage[] {
    const otSender = new Map(st.otSender);
    const otReceiver = new Map(st.otReceiver);
    for (const j of this.peers) {
      const p = inbox.p2p.get(j)!;
      if (!this.initiates(j)) {
        expectKeys(p, [], j, 'keygen.r5');
        continue;
      }
      expectKeys(p, ['ot'], j, 'keygen.r5');
      // Length, encoding and the KOS check of msg2 are the OT layer's (ProtocolAbort(j, 'ot.setup.msg2' | 'ote.*')).
      const { sender, receiver } = otPairSetupFinish(st.setupStates.get(j)!, readHex(p, 'ot', j, 'keygen.r5'));
      otSender.set(j, sender);
      otReceiver.set(j, receiver);
    }
    this.stage = { round: 'idle' };
    const PK = st.aggregate[0]!;
    if (PK.is0()) throw new ProtocolAbort(null, 'keygen.public-key', 'public key is the identity: rerun key generation');
    const chainCode = hashTranscript(
      'dkls23/keygen/chain-code',
      this.ksid,
      ...this.parties.map((k) => (k === this.self ? st.chainPart : st.peerChain.get(k)!)),
    );
    const share: KeyShare = {
      version: KEY_SHARE_VERSION,
      curve: 'secp256k1',
      protocol: 'dkls23',
      epoch: 0,
      t: this.t,
      n: this.parties.length,
      self: this.self,
      parties: [...this.parties],
      secretShare: st.secretShare,
      publicKey: pointToBytes(PK),
      publicShares: st.publicShares,
      chainCode,
      zeroSeeds: new Map(st.zeroSeeds),
      otSender,
      otReceiver,
      burned: [],
    };
    checkKeyShare(share);
    this.finish(share);
    return [];
  }
}
