/**
 * Round 2 of DKLs23 signing = ePrint 2023/765 Protocol 3.6 round 1: the
 * per-session key share sk_i = λ_{i,S}·s_i + δ/|S| + ζ_i; sample the instance
 * key r_i and the inversion mask φ_i, R_i = r_i·G; broadcast a commitment to
 * R_i (with the echo of round 1); start one RVOLE per peer as the receiver
 * (learning χ_ij).
 */
import type { PartyId } from '../errors.js';
import { rvoleReceiverStart, type RvoleReceiverState } from '../ot/index.js';
import type { ProtocolMessage } from '../protocol.js';
import { modq, q } from '../scalar.js';
import { hashTranscript } from '../transcript.js';
import { toHex } from '../wire.js';
import { commit } from './commit.js';
import { mulG, pointToBytes, random32, randomScalar, scalarFromHash } from './curve.js';
import { rvolePair, type InstanceKeyCommitted, type SignRun, type SigningSession } from './sign-state.js';

/**
 * ζ_i = Σ_{j<i} H(seed_ij, sid) − Σ_{j>i} H(seed_ij, sid) over j ∈ S:
 * the zero share (Σ_{i∈S} ζ_i = 0) that re-randomises the additive shares.
 */
function zeroShare(run: SignRun, ssid: Uint8Array): bigint {
  // Starts at (|peers| + 1)·q ≡ 0 so that z stays above q whatever the secret h are: the
  // reduction then neither fixes up a negative remainder nor takes BigInt's shortcut for
  // a dividend below q, both of which would depend on the h. (j < self is public.)
  let z = BigInt(run.peers.length + 1) * q;
  for (const j of run.peers) {
    const h = scalarFromHash(hashTranscript('dkls23/sign/zero-share', run.share.zeroSeeds.get(j)!, ssid));
    z = j < run.self ? z + h : z - h;
  }
  return modq(z);
}

/**
 * Round 2 (Protocol 3.6 round 1): sk_i = `keyShare` + ζ_i, with `keyShare` =
 * λ_{i,S}·s_i + δ/|S| (DklsSign.additiveShare); r_i, φ_i, commit to R_i;
 * start RVOLE as receiver with each peer.
 */
export function commitInstanceKey(
  run: SignRun,
  session: SigningSession,
  keyShare: bigint,
): { state: InstanceKeyCommitted; out: ProtocolMessage[] } {
  const sk = modq(keyShare + zeroShare(run, session.ssid));
  const r = randomScalar();
  const phi = randomScalar();
  const R = mulG(r);
  const salt = random32();
  const commitment = commit('sign/instance-key', session.ssid, run.self, salt, pointToBytes(R));
  const echo = session.nonceEcho;
  const out = [run.message(2, 'all', { commitment: toHex(commitment), echo: run.parties.map((k) => toHex(echo.get(k)!)) })];
  const chi = new Map<PartyId, bigint>();
  const rvole = new Map<PartyId, RvoleReceiverState>();
  for (const j of run.peers) {
    const { state, chi: x, msg } = rvoleReceiverStart(run.share.otReceiver.get(j)!, rvolePair(session, j, run.self));
    rvole.set(j, state);
    chi.set(j, x);
    out.push(run.message(2, j, { rvole: toHex(msg) }));
  }
  return { state: { round: 2, session, secrets: { sk, r, phi, chi, rvole }, R, salt, commitment }, out };
}
