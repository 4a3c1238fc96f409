/**
 * Round 3 of DKLs23 signing = ePrint 2023/765 Protocol 3.6 round 2: check the
 * echo of round 1; per peer j, answer its RVOLE as the sender with inputs
 * (r_i, sk_i) (getting c^u, c^v); send the opening of R_i, pk_i = sk_i·G,
 * Γ^u = c^u·G, Γ^v = c^v·G, ψ_ij = φ_i − χ_ij and an echo of the round-2
 * commitments.
 */
import type { PartyId } from '../errors.js';
import { rvoleSenderRespond } from '../ot/index.js';
import type { ProtocolMessage } from '../protocol.js';
import type { RoundInbox } from '../rounds.js';
import { subq } from '../scalar.js';
import { expectKeys, readHex, readHexArray, toHex } from '../wire.js';
import { checkEcho, echoDigest } from '../echo.js';
import { COMMITMENT_BYTES } from './commit.js';
import { mulG, pointToBytes, scalarToBytes } from './curve.js';
import { rvolePair, type InstanceKeyCommitted, type MultiplicationsAnswered, type SignRun } from './sign-state.js';

/** Round 3 (Protocol 3.6 round 2): RVOLE sender replies with (r_i, sk_i); open R_i; pk_i, Γ^u, Γ^v, ψ; echo. */
export function answerMultiplications(
  run: SignRun,
  st: InstanceKeyCommitted,
  inbox: RoundInbox,
): { state: MultiplicationsAnswered; out: ProtocolMessage[] } {
  const { session, secrets } = st;
  const commitments = new Map<PartyId, Uint8Array>([[run.self, st.commitment]]);
  for (const j of run.peers) {
    const b = inbox.broadcast.get(j)!;
    expectKeys(b, ['commitment', 'echo'], j, 'sign.r2');
    checkEcho(session.nonceEcho, readHexArray(b, 'echo', j, 'sign.r2', run.parties.length, 32), run.parties, j, run.self, 'sign.echo');
    commitments.set(j, readHex(b, 'commitment', j, 'sign.r2', COMMITMENT_BYTES));
  }
  const commitmentEcho = new Map(run.parties.map((k) => [k, echoDigest('dkls23/sign/r2', session.ssid, k, commitments.get(k)!)]));
  const pkPoint = mulG(secrets.sk);
  // The same for every peer: encoded once.
  const R = toHex(pointToBytes(st.R));
  const salt = toHex(st.salt);
  const pk = toHex(pointToBytes(pkPoint));
  const echo = run.parties.map((k) => toHex(commitmentEcho.get(k)!));
  const cU = new Map<PartyId, bigint>();
  const cV = new Map<PartyId, bigint>();
  const out: ProtocolMessage[] = [];
  for (const j of run.peers) {
    const p = inbox.p2p.get(j)!;
    expectKeys(p, ['rvole'], j, 'sign.r2');
    // c^u, c^v come back reduced mod q.
    const { c, msg } = rvoleSenderRespond(
      run.share.otSender.get(j)!,
      rvolePair(session, run.self, j),
      [secrets.r, secrets.sk],
      readHex(p, 'rvole', j, 'sign.r2'),
    );
    const cu = c[0]!;
    const cv = c[1]!;
    cU.set(j, cu);
    cV.set(j, cv);
    out.push(
      run.message(3, j, {
        rvole: toHex(msg),
        R,
        salt,
        pk,
        gammaU: toHex(pointToBytes(mulG(cu))),
        gammaV: toHex(pointToBytes(mulG(cv))),
        psi: toHex(scalarToBytes(subq(secrets.phi, secrets.chi.get(j)!))), // φ_i, χ_ij secret: no branch on φ_i < χ_ij
        echo,
      }),
    );
  }
  return { state: { round: 3, session, secrets, R: st.R, pk: pkPoint, cU, cV, commitments, commitmentEcho }, out };
}
