/** Our DKG checks and sums give exactly noble's ed25519_FROST.DKG results on the same packages. */
import { describe, expect, it } from 'vitest';
import { ed25519_FROST } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { evalPolynomial, feldmanCheck, pokValid, vssEval } from './dkg-checks.js';
import { EdPoint } from './rfc9591.js';

const F = ed25519_FROST;
const id = (p: number) => F.Identifier.fromNumber(p);

describe('FROST DKG checks (dkg-checks.ts) against noble', () => {
  it('proof of knowledge, Shamir shares, Feldman checks and the derived key match noble DKG rounds 2 and 3', () => {
    const signers = { min: 2, max: 3 };
    const parties = [1, 2, 3];
    const r1 = parties.map((p) => F.DKG.round1(id(p), signers));
    const coeffs = r1.map((r) => [...r.secret.coefficients!]);
    const vss = r1.map((r) => r.public.commitment.map((c) => EdPoint.fromBytes(c)));
    for (const [i, r] of r1.entries()) {
      const pok = r.public.proofOfKnowledge;
      const R = EdPoint.fromBytes(pok.subarray(0, 32));
      const z = EdPoint.Fn.fromBytes(pok.subarray(32));
      expect(pokValid(parties[i]!, vss[i]![0]!, R, z)).toBe(true);
      expect(pokValid(parties[(i + 1) % 3]!, vss[i]![0]!, R, z)).toBe(false); // bound to the prover's id
      expect(pokValid(parties[i]!, vss[i]![0]!, R, EdPoint.Fn.add(z, 1n))).toBe(false);
    }
    const r2 = r1.map((r, i) =>
      F.DKG.round2(
        r.secret,
        r1.filter((_, j) => j !== i).map((o) => o.public),
      ),
    );
    for (const [i, p] of parties.entries()) {
      for (const q of parties) {
        if (q === p) continue;
        const noble = r2[i]![id(q)]!.signingShare;
        expect(bytesToHex(EdPoint.Fn.toBytes(evalPolynomial(coeffs[i]!, q)))).toBe(bytesToHex(noble));
        expect(feldmanCheck(vss[i]!, q, evalPolynomial(coeffs[i]!, q))).toBe(true);
        expect(feldmanCheck(vss[i]!, q, EdPoint.Fn.add(evalPolynomial(coeffs[i]!, q), 1n))).toBe(false);
      }
    }
    const key = F.DKG.round3(r1[0]!.secret, [r1[1]!.public, r1[2]!.public], [r2[1]![id(1)]!, r2[2]![id(1)]!]);
    const merged = [0, 1].map((k) => vss.reduce((acc, c) => acc.add(c[k]!), EdPoint.ZERO));
    expect(bytesToHex(merged[0]!.toBytes())).toBe(bytesToHex(key.public.commitments[0]!));
    for (const p of parties) expect(bytesToHex(vssEval(merged, p).toBytes())).toBe(bytesToHex(key.public.verifyingShares[id(p)]!));
    const s1 = [0, 1, 2].reduce((acc, i) => EdPoint.Fn.add(acc, evalPolynomial(coeffs[i]!, 1)), 0n);
    expect(bytesToHex(EdPoint.Fn.toBytes(s1))).toBe(bytesToHex(key.secret.signingShare));
  });
});
