/**
 * Parameters of the OT stack (see docs/protocols.md, "The OT stack").
 *
 * - {@link KAPPA}: computational security parameter = number of base OTs per
 *   ordered pair = width in bits of the OT-extension correlation Δ.
 * - {@link XI}: ξ = log q + 2λ_s = 512 extended OTs consumed by one RVOLE
 *   (DKLs23, ePrint 2023/765, §5, Protocol 5.2 "πRVOLE"; the paper's κ there
 *   is the bit length of q, independent of the number of base OTs).
 * - {@link KOS_EXTRA}: extra extended OTs sacrificed by the KOS15 consistency
 *   check (ePrint 2015/546, Fig. 10: ℓ' = ℓ + κ_check + s). Our check value x̃
 *   lives in GF(2^128), so 128 + λ_s random choice bits hide it.
 */

/**
 * κ: base OTs per ordered pair, bits of Δ. A multiple of 128.
 *
 * 128, KOS15's computational security parameter (Keller–Orsini–Scholl,
 * ePrint 2015/546: κ base OTs give an OT extension with κ-bit computational
 * security; a receiver that learns c bits of Δ through the consistency check
 * is caught except with probability 2^−c, so guessing the rest still costs
 * 2^κ overall). That matches secp256k1's ≈ 128-bit security (Pollard rho on a
 * 256-bit group), the weakest link of the vault anyway, and halves the set-up
 * cost and the stored OT material against κ = 256. At least one production
 * DKLs23 library uses κ = 256 (with SoftSpokenOT, see docs/protocols.md);
 * raise this back to 256 if the vault ever needs more than the curve gives.
 * κ is recorded in the encoded OT material (material.ts), so material made
 * under another κ is refused on load rather than misread.
 */
export const KAPPA = 128;
/** λ_s: statistical security parameter. */
export const LAMBDA_S = 128;
/** Bits of q (secp256k1's group order), the "κ" of the gadget length in DKLs23 §5. */
export const Q_BITS = 256;
/** ξ = log q + 2λ_s: extended OTs used by one RVOLE (DKLs23 Protocol 5.2). */
export const XI = Q_BITS + 2 * LAMBDA_S;
/** Extended OTs sacrificed to the KOS consistency check (128-bit x̃ + λ_s). */
export const KOS_EXTRA = 128 + LAMBDA_S;
/** m' = ξ + extra: rows of the OT-extension matrix. A multiple of 32. */
export const OTE_ROWS = XI + KOS_EXTRA;
/** ℓ: RVOLE inputs per batch (DKLs23 signing multiplies r_i and sk_i). */
export const RVOLE_ELL = 2;
/** ρ: RVOLE check columns (⌈λ_s / log q⌉ = 1). */
export const RVOLE_RHO = 1;
/** Scalars carried by each extended OT: ℓ + ρ. */
export const RVOLE_COLS = RVOLE_ELL + RVOLE_RHO;

/** Bytes of one 32-bit word-aligned column of the OTE matrix (m' bits). */
export const COLUMN_BYTES = OTE_ROWS / 8;
/** Bytes of one row of the OTE matrix (κ bits). */
export const ROW_BYTES = KAPPA / 8;
/** Bytes of a base-OT seed. */
export const SEED_BYTES = 32;
/** Bytes of a canonical secp256k1 scalar on the wire. */
export const SCALAR_BYTES = 32;
