/**
 * TEST ONLY. Reconstructs the private key from t key shares by Lagrange
 * interpolation at 0, to prove in tests that all parties hold shares of the
 * key behind the public key. Nothing outside tests may import this: the
 * product never reconstructs the key anywhere.
 */
import type { KeyShare } from './share.js';
import { mulG, pointToBytes } from './dkls/curve.js';
import { Fq, lagrange, modq } from './scalar.js';

/** x = Σ_{i∈T} λ_{i,T}·s_i for a set T of at least t shares of one key. */
export function reconstructSecretForTests(shares: readonly KeyShare[]): bigint {
  if (shares.length === 0 || shares.length < shares[0]!.t) throw new Error('oracle: need at least t shares');
  const ids = shares.map((s) => s.self);
  return shares.reduce((acc, s) => modq(acc + lagrange(Fq, ids, s.self) * s.secretShare), 0n);
}

/** The public key of the reconstructed secret, compressed. */
export function reconstructedPublicKeyForTests(shares: readonly KeyShare[]): Uint8Array {
  return pointToBytes(mulG(reconstructSecretForTests(shares)));
}
