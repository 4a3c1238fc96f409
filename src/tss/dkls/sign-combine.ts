/**
 * Round 4 of DKLs23 signing = ePrint 2023/765 Protocol 3.6 round 3: check
 * the echo and the openings of R_j; finish each RVOLE (d^u, d^v); check
 * χ_ij·R_j = d^u·G + Γ^u_j and χ_ij·pk_j = d^v·G + Γ^v_j; check Σ pk_j = the
 * derived public key; R = Σ R_j, r = R.x mod q;
 * u_i = r_i(φ_i + Σψ_ji) + Σ(c^u + d^u), v_i = sk_i(φ_i + Σψ_ji) + Σ(c^v + d^v),
 * w_i = H(m)·φ_i + r·v_i; broadcast (u_i, w_i).
 */
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import { rvoleReceiverFinish } from '../ot/index.js';
import type { ProtocolMessage } from '../protocol.js';
import type { RoundInbox } from '../rounds.js';
import { modq } from '../scalar.js';
import { expectKeys, readHex, readHexArray, toHex } from '../wire.js';
import { checkEcho } from '../echo.js';
import { SALT_BYTES, openCommitment } from './commit.js';
import { Point, POINT_BYTES, SCALAR_BYTES, mul, mulG, readPoint, readScalar, scalarToBytes } from './curve.js';
import { unattributed, type MultiplicationsAnswered, type SharesBroadcast, type SignRun } from './sign-state.js';

/** H(m) as ECDSA uses it: the 32-byte digest as an integer mod q (bits2int for a 256-bit q). */
function messageScalar(digest: Uint8Array): bigint {
  return modq(bytesToNumberBE(digest));
}

/** Round 4 (Protocol 3.6 round 3): openings, RVOLE outputs, consistency checks, (u_i, w_i). */
export function combineShares(
  run: SignRun,
  st: MultiplicationsAnswered,
  inbox: RoundInbox,
): { state: SharesBroadcast; out: ProtocolMessage[] } {
  const { session, secrets } = st;
  const where = 'sign.r3';
  const Rs: Point[] = [st.R];
  const pks = new Map<PartyId, Point>([[run.self, st.pk]]);
  let psiSum = 0n;
  let uSum = 0n;
  let vSum = 0n;
  const checks: MultiplicationCheck[] = [];
  for (const j of run.peers) {
    const p = inbox.p2p.get(j)!;
    expectKeys(p, ['rvole', 'R', 'salt', 'pk', 'gammaU', 'gammaV', 'psi', 'echo'], j, where);
    checkEcho(st.commitmentEcho, readHexArray(p, 'echo', j, where, run.parties.length, 32), run.parties, j, run.self, 'sign.echo');
    const Rbytes = readHex(p, 'R', j, where, POINT_BYTES);
    const Rj = readPoint(Rbytes, j, 'sign.instance-key');
    if (!openCommitment(st.commitments.get(j)!, 'sign/instance-key', session.ssid, j, readHex(p, 'salt', j, where, SALT_BYTES), Rbytes)) {
      throw new ProtocolAbort(j, 'sign.commitment', 'R_j does not open the round-2 commitment');
    }
    const pkj = readPoint(readHex(p, 'pk', j, where, POINT_BYTES), j, 'sign.pk');
    const gammaU = readPoint(readHex(p, 'gammaU', j, where, POINT_BYTES), j, 'sign.gamma-u');
    const gammaV = readPoint(readHex(p, 'gammaV', j, where, POINT_BYTES), j, 'sign.gamma-v');
    const psi = readScalar(readHex(p, 'psi', j, where, SCALAR_BYTES), j, 'sign.psi');
    // Throws ProtocolAbort naming j ('rvole.*' / 'ote.*') if the OT-extension or RVOLE check fails; d^u, d^v come back reduced mod q.
    const d = rvoleReceiverFinish(secrets.rvole.get(j)!, readHex(p, 'rvole', j, where));
    const du = d[0]!;
    const dv = d[1]!;
    checks.push({ j, chi: secrets.chi.get(j)!, Rj, pkj, du, dv, gammaU, gammaV });
    Rs.push(Rj);
    pks.set(j, pkj);
    psiSum += psi;
    uSum += st.cU.get(j)! + du;
    vSum += st.cV.get(j)! + dv;
  }
  checkMultiplications(checks);
  // Σ_{j∈S} pk_j = derived PK: every signer used its true share of the (derived) key.
  const pkSum = [...pks.values()].reduce((a, b) => a.add(b));
  if (!pkSum.equals(run.derivedPK)) {
    throw unattributed(run, 'sign.pk-sum', "the signers' public key shares do not add up to the (derived) public key");
  }
  const R = Rs.reduce((a, b) => a.add(b));
  if (R.is0()) throw new ProtocolAbort(null, 'sign.instance-key', 'R is the identity (negligible): retry signing');
  const r = modq(R.toAffine().x);
  if (r === 0n) throw new ProtocolAbort(null, 'sign.instance-key', 'r = 0 (negligible): retry signing');
  const phiTotal = modq(secrets.phi + psiSum);
  const u = modq(secrets.r * phiTotal + uSum);
  const v = modq(secrets.sk * phiTotal + vSum);
  const w = modq(messageScalar(run.digest) * secrets.phi + r * v);
  return { state: { round: 4, R, u, w }, out: [run.message(4, 'all', { u: toHex(scalarToBytes(u)), w: toHex(scalarToBytes(w)) })] };
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
 * multiplication by G in all instead of one per check. The sums over public
 * points with public coefficients (each B_j = α_j·R_j + β_j·pk_j, and
 * Σ α_j·Γ^u_j + β_j·Γ^v_j) are the same values computed as multi-scalar
 * multiplications (noble's variable-time Strauss, one doubling chain per
 * sum instead of one per term: allowed, nothing secret is involved). If it
 * fails, the checks are done one by one to name the peer and the check.
 */
function checkMultiplications(checks: readonly MultiplicationCheck[]): void {
  let lhs = Point.ZERO;
  let d = 0n;
  let degenerate = false;
  // Σ_j (α_j·Γ^u_j + β_j·Γ^v_j) as one multi-scalar multiplication (Strauss: one shared doubling chain
  // for all 2|S|−2 points instead of one chain per point); Γ^u of the first peer has α = 1 and is added as is.
  const gammaPoints: Point[] = [];
  const gammaScalars: bigint[] = [];
  let gamma = Point.ZERO;
  checks.forEach((c, k) => {
    const alpha = k === 0 ? 1n : coefficient();
    const beta = coefficient();
    // B_j = α_j·R_j + β_j·pk_j. Public points, public coefficients: variable time is fine, and one
    // Strauss chain (noble's mulAddUnsafe) serves both terms.
    const base = k === 0 ? c.Rj.add(mulAddUnsafe(Point, [c.pkj], [beta])) : mulAddUnsafe(Point, [c.Rj, c.pkj], [alpha, beta]);
    if (base.is0())
      degenerate = true; // α·R_j = −β·pk_j (negligible): decided one by one below
    else lhs = lhs.add(mul(base, c.chi)); // χ secret: constant time
    d += alpha * c.du + beta * c.dv;
    if (k === 0) gamma = c.gammaU;
    else {
      gammaPoints.push(c.gammaU);
      gammaScalars.push(alpha);
    }
    gammaPoints.push(c.gammaV);
    gammaScalars.push(beta);
  });
  gamma = gamma.add(mulAddUnsafe(Point, gammaPoints, gammaScalars));
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
