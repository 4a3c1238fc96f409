/**
 * The output of DKLs23 signing (ePrint 2023/765 Protocol 3.6 output):
 * s = Σw / Σu, normalised to low s (flipping the recovery parity), verified
 * against the derived public key before it is returned.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { concatBytes } from '@noble/hashes/utils.js';
import type { RoundInbox } from '../rounds.js';
import { modq, q } from '../scalar.js';
import { expectKeys, readHex } from '../wire.js';
import { SCALAR_BYTES, invq, pointToBytes, readScalar, scalarToBytes } from './curve.js';
import { unattributed, type SharesBroadcast, type SignRun } from './sign-state.js';

/** A finished ECDSA signature over secp256k1. */
export interface EcdsaSignature {
  r: bigint;
  /** Low-s (s <= q/2). */
  s: bigint;
  /** Recovery id: parity of R.y after low-s normalisation, +2 if R.x ≥ q (probability ~2^-128). Ethereum v = 27 + recovery. */
  recovery: number;
  /** r ‖ s, 64 bytes. */
  compact: Uint8Array;
  /** The (derived) public key the signature verifies under, compressed. */
  publicKey: Uint8Array;
}

/** Output: s = Σw / Σu, low-s, recovery id, verified before release. */
export function assembleSignature(run: SignRun, st: SharesBroadcast, inbox: RoundInbox): EcdsaSignature {
  let uTotal = st.u;
  let wTotal = st.w;
  for (const j of run.peers) {
    const b = inbox.broadcast.get(j)!;
    expectKeys(b, ['u', 'w'], j, 'sign.r4');
    uTotal += readScalar(readHex(b, 'u', j, 'sign.r4', SCALAR_BYTES), j, 'sign.u');
    wTotal += readScalar(readHex(b, 'w', j, 'sign.r4', SCALAR_BYTES), j, 'sign.w');
  }
  uTotal = modq(uTotal);
  if (uTotal === 0n) throw unattributed(run, 'sign.signature', 'Σu = 0: a signer sent a wrong ψ, u or w');
  const R = st.R.toAffine();
  const r = modq(R.x);
  let s = modq(wTotal * invq(uTotal));
  let recovery = (R.y & 1n ? 1 : 0) | (R.x >= q ? 2 : 0);
  if (s > q >> 1n) {
    s = q - s;
    recovery ^= 1;
  }
  const compact = concatBytes(scalarToBytes(r), scalarToBytes(s));
  const publicKey = pointToBytes(run.derivedPK);
  if (s === 0n || !secp256k1.verify(compact, run.digest, publicKey, { prehash: false, lowS: true })) {
    throw unattributed(run, 'sign.signature', 'the assembled signature does not verify: a signer sent a wrong ψ, u or w');
  }
  return { r, s, recovery, compact, publicKey };
}
