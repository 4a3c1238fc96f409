/**
 * The signing equations of FROST(Ed25519, SHA-512) (RFC 9591 §4.2–§5.4,
 * ciphersuite §6.1) on points that were decoded and validated once.
 *
 * Why not noble's `ed25519_FROST.signShare / verifyShare / aggregate`: each
 * of those calls re-parses every commitment, verifying share and the group
 * key, and every parse runs a prime-order-subgroup check (a full
 * multiplication by the group order, ~1 ms here). A 2-of-3 signature made
 * ~18 such checks per party, 4/5 of FROST's signing time. Here each peer point
 * is decoded with the same RFC 9591 §3.1 DeserializeElement rules (on the
 * curve, canonical, not the identity, in the prime-order subgroup) exactly
 * once, by {@link ../reshare/curve.ed25519Curve.decodePoint}, and the
 * equations below are the RFC's, checked against its Appendix E.1 vector
 * (vectors.test.ts: nonces, signature shares, signature). Nonce generation
 * stays noble's (`ed25519_FROST.commit`, §4.1 nonce_generate), and all curve
 * and hash code is @noble's.
 */
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../errors.js';
import { lagrange } from '../scalar.js';

export const EdPoint = ed25519.Point;
export type EdPoint = InstanceType<typeof ed25519.Point>;
const Fn = EdPoint.Fn;

/** RFC 9591 §6.1 contextString. */
const CONTEXT = utf8ToBytes('FROST-ED25519-SHA512-v1');
const RHO = concatBytes(CONTEXT, utf8ToBytes('rho'));
const MSG = concatBytes(CONTEXT, utf8ToBytes('msg'));
const COM = concatBytes(CONTEXT, utf8ToBytes('com'));

/** SHA-512 output as a little-endian integer reduced mod L (§6.1 H1, H2). */
const hashToScalar = (...parts: Uint8Array[]): bigint => Fn.create(bytesToNumberLE(sha512(concatBytes(...parts))));

/** SerializeScalar: 32 bytes little-endian. */
export const scalarBytes = (k: bigint): Uint8Array => Fn.toBytes(k);

/** One signer's round-1 commitments (D_i, E_i), already validated. */
export interface SignerCommitment {
  party: PartyId;
  hiding: EdPoint;
  binding: EdPoint;
  /** The exact bytes received (serialisation is canonical, so they equal SerializeElement). */
  hidingBytes: Uint8Array;
  bindingBytes: Uint8Array;
}

/** What every signer derives from the commitment list (§4.4, §4.5, §5.2). */
export interface SigningContext {
  /** Signers sorted by identifier. */
  list: SignerCommitment[];
  /** ρ_i per signer (§4.4 compute_binding_factors). */
  bindingFactors: Map<PartyId, bigint>;
  /** R = Σ (D_i + ρ_i·E_i) (§4.5 compute_group_commitment). */
  groupCommitment: EdPoint;
  /** c = H2(R ‖ PK ‖ msg) (§4.6 compute_challenge). */
  challenge: bigint;
}

/** §4.2 derive_interpolating_value(L, x_i), identifiers = party ids (../scalar.ts). */
export function lambda(party: PartyId, signers: readonly PartyId[]): bigint {
  return lagrange(Fn, signers, party);
}

/**
 * §4.3–§4.6: binding factors, group commitment and challenge. R = ΣD_i +
 * Σρ_i·E_i is one interleaved (Strauss) multi-scalar multiplication, noble's
 * `mulAddUnsafe`; variable time is safe: ρ_i and the points are public.
 */
export function signingContext(groupKey: EdPoint, commitments: readonly SignerCommitment[], msg: Uint8Array): SigningContext {
  const list = [...commitments].sort((a, b) => a.party - b.party);
  // §4.3 encode_group_commitment_list; §4.4 rho_input_prefix.
  const encoded = concatBytes(...list.flatMap((c) => [scalarBytes(BigInt(c.party)), c.hidingBytes, c.bindingBytes]));
  const groupKeyBytes = groupKey.toBytes();
  const prefix = concatBytes(groupKeyBytes, sha512(concatBytes(MSG, msg)), sha512(concatBytes(COM, encoded)));
  const bindingFactors = new Map<PartyId, bigint>();
  let R = EdPoint.ZERO;
  for (const c of list) {
    bindingFactors.set(c.party, hashToScalar(RHO, prefix, scalarBytes(BigInt(c.party))));
    R = R.add(c.hiding);
  }
  R = R.add(
    mulAddUnsafe(
      EdPoint,
      list.map((c) => c.binding),
      list.map((c) => bindingFactors.get(c.party)!),
    ),
  );
  // §6.1 H2: SHA-512 of the bare input (no context prefix), as in RFC 8032.
  const challenge = hashToScalar(R.toBytes(), groupKeyBytes, msg);
  return { list, bindingFactors, groupCommitment: R, challenge };
}

/** §5.2 sign: z_i = d_i + e_i·ρ_i + λ_i·s_i·c (all mod L). */
export function signatureShare(ctx: SigningContext, self: PartyId, secretShare: bigint, hidingNonce: bigint, bindingNonce: bigint): bigint {
  const l = lambda(
    self,
    ctx.list.map((c) => c.party),
  );
  const rho = ctx.bindingFactors.get(self)!;
  return Fn.add(Fn.add(hidingNonce, Fn.mul(bindingNonce, rho)), Fn.mul(Fn.mul(l, secretShare), ctx.challenge));
}

/**
 * §5.4 verify_signature_share: z_j·G = D_j + ρ_j·E_j + (c·λ_j)·PK_j, checked
 * as z_j·G + ρ_j·(−E_j) + (c·λ_j)·(−PK_j) = D_j in one Strauss walk (public
 * values: variable time).
 */
export function verifySignatureShare(ctx: SigningContext, party: PartyId, verifyingShare: EdPoint, z: bigint): boolean {
  const c = ctx.list.find((x) => x.party === party);
  if (!c) return false;
  const l = lambda(
    party,
    ctx.list.map((x) => x.party),
  );
  const lhs = mulAddUnsafe(
    EdPoint,
    [EdPoint.BASE, c.binding.negate(), verifyingShare.negate()],
    [z, ctx.bindingFactors.get(party)!, Fn.mul(ctx.challenge, l)],
  );
  return lhs.equals(c.hiding);
}

/** §5.3 aggregate: (R, z = Σ z_i) serialised as R ‖ z (64 bytes). */
export function aggregateSignature(ctx: SigningContext, shares: Iterable<bigint>): Uint8Array {
  let z = Fn.ZERO;
  for (const s of shares) z = Fn.add(z, s);
  return concatBytes(ctx.groupCommitment.toBytes(), scalarBytes(z));
}
