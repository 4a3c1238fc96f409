/**
 * A new party's side of a re-share (docs/protocols.md "Re-sharing", steps
 * 2–3 and 5): the R2 checks of every dealing, s'_j = Σ_i f_i(j) and all X';
 * the R3 checks of every new peer's X'_m; the confirmation digest.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import type { WireBody } from '../protocol.js';
import type { RoundInbox } from '../rounds.js';
import { evalPoly, lagrange } from '../scalar.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, readHexArray } from '../wire.js';
import { checkEcho, echoDigest } from '../echo.js';
import { evalCommitment, proveKnowledge, readPoint, readScalar, verifyKnowledge, type GroupPoint } from './curve.js';
import { dealingCommitment } from './dealing.js';
import type { AwaitingOpenings, NewShareKnown, ReshareCore, ReshareRun } from './state.js';

/**
 * R2 checks at new party j, per dealer i (each failure names i): opening;
 * strict points; proofs bound to (sid*, i, k); A_{i,0} = λ_{i,T}·X_i against
 * i's OLD public share (so Σ A_{i,0} = PK); Feldman: f_i(j)·G = Σ_k j^k·A_{i,k}.
 * Then s'_j = Σ_i f_i(j), B_k = Σ_i A_{i,k}, X'_m = Σ_k m^k·B_k, and the
 * proof of knowledge of s'_j for R3.
 */
export function combineDealings(run: ReshareRun, st: AwaitingOpenings, inbox: RoundInbox): { state: NewShareKnown; proof: Uint8Array } {
  const curve = run.curve;
  const Fn = curve.Fn;
  const tNew = run.newThreshold;
  const where = 'reshare.r2';
  const openings = new Map<PartyId, readonly GroupPoint[]>();
  const echoView = new Map<PartyId, Uint8Array>();
  let s = Fn.ZERO;
  const x = BigInt(run.self);
  for (const [i, body] of inbox.p2p) {
    expectKeys(body, ['salt', 'commitments', 'proofs', 'share'], i, where);
    const salt = readHex(body, 'salt', i, where, 32);
    const Araw = readHexArray(body, 'commitments', i, where, tNew, curve.pointBytes);
    const proofs = readHexArray(body, 'proofs', i, where, tNew, curve.pointBytes + curve.scalarBytes);
    if (!equalBytes(dealingCommitment(run.sessionId, i, salt, Araw, proofs), st.commits.get(i)!)) {
      throw new ProtocolAbort(i, `${where}.decommit`, 'opening does not match its round-1 commitment');
    }
    const A = Araw.map((b, k) => readPoint(curve, b, i, `${where}.commitments[${k}]`));
    A.forEach((Ak, k) => {
      verifyKnowledge(curve, proofs[k]!, Ak, run.sessionId, i, `reshare/coeff/${k}`, `${where}.pok`);
    });
    const lambda = lagrange(curve.Fn, run.quorum, i);
    if (!A[0]!.equals(run.oldShares.get(i)!.multiplyUnsafe(lambda))) {
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
    openings.set(i, A);
    echoView.set(i, echoDigest('reshare/r2', run.sessionId, i, st.commits.get(i)!, ...Araw, ...proofs));
  }
  if (st.dealing) {
    const { A, proofs, coeffs } = st.dealing;
    s = Fn.add(s, evalPoly(curve.Fn, coeffs, x));
    openings.set(run.self, A);
    echoView.set(
      run.self,
      echoDigest('reshare/r2', run.sessionId, run.self, st.commits.get(run.self)!, ...A.map((P) => curve.encodePoint(P)), ...proofs),
    );
  }
  const B = Array.from({ length: tNew }, (_, k) => run.quorum.reduce<GroupPoint>((acc, i) => acc.add(openings.get(i)![k]!), curve.ZERO));
  if (!B[0]!.equals(run.pk)) {
    // Unreachable when every A_{i,0} passed the check above and the old public shares are consistent.
    throw new ProtocolAbort(null, `${where}.sum`, 'the dealt commitments do not add up to the public key');
  }
  if (s === 0n) throw new ProtocolAbort(null, `${where}.zero`, 'new share is zero (negligible probability): retry the re-share');
  const publicShares = new Map<PartyId, Uint8Array>();
  for (const m of run.newParties) {
    const X = evalCommitment(B, BigInt(m));
    if (X.is0()) throw new ProtocolAbort(null, `${where}.public-share`, `public share of party ${m} is the identity: retry`);
    publicShares.set(m, curve.encodePoint(X));
  }
  const own = curve.mulBase(s);
  if (!equalBytes(curve.encodePoint(own), publicShares.get(run.self)!)) {
    throw new ProtocolAbort(null, `${where}.self`, 'own new share does not match the aggregate commitment');
  }
  const core: ReshareCore = {
    epoch: run.oldEpoch + 1,
    t: tNew,
    parties: [...run.newParties],
    self: run.self,
    secretShare: s,
    publicKey: run.publicKey.slice(),
    publicShares,
    sessionId: run.sessionId,
  };
  const proof = proveKnowledge(curve, s, own, run.sessionId, run.self, 'reshare/new-share');
  return { state: { kind: 'new-share', core, echoView }, proof };
}

/** R3 checks of new peer m: echo of the dealings, X'_m as dealt, its proof of knowledge. */
export function checkNewShare(run: ReshareRun, st: NewShareKnown, m: PartyId, body: WireBody, extKeys: readonly string[]): void {
  const curve = run.curve;
  const where = 'reshare.r3';
  expectKeys(body, ['publicShare', 'proof', 'echo', ...extKeys], m, where);
  checkEcho(st.echoView, readHexArray(body, 'echo', m, where, run.quorum.length, 32), run.quorum, m, run.self, `${where}.echo`);
  const X = readHex(body, 'publicShare', m, where, curve.pointBytes);
  if (!equalBytes(X, st.core.publicShares.get(m)!)) {
    throw new ProtocolAbort(m, `${where}.public-share`, 'announced a new public share that does not match the dealt commitments');
  }
  verifyKnowledge(
    curve,
    readHex(body, 'proof', m, where, curve.pointBytes + curve.scalarBytes),
    curve.decodePoint(X),
    run.sessionId,
    m,
    'reshare/new-share',
    `${where}.pok`,
  );
}

/** Confirmation (two-phase commit): H(sid*, PK, new epoch, t_new, all X', ext results). */
export function confirmationDigest(run: ReshareRun, core: ReshareCore, ext: Uint8Array): Uint8Array {
  return hashTranscript(
    'reshare/confirm',
    run.sessionId,
    core.publicKey,
    core.epoch,
    core.t,
    ...core.parties.flatMap((m) => [m, core.publicShares.get(m)!]),
    ext,
  );
}
