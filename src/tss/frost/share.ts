/**
 * The FROST(Ed25519, SHA-512) key share a device stores for an EdDSA vault:
 * a versioned record that serialises to JSON, with a strict decoder that
 * re-checks everything it can (encodings, ranges, that the secret share
 * matches the device's own verifying share, and that all verifying shares lie
 * on one degree-(t−1) polynomial through the group public key).
 *
 * `epoch` is the share generation: 0 after key generation, +1 after every
 * re-share. Shares of different epochs never sign together (sign.ts checks).
 */
import { ed25519_FROST } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { FrostPublic, FrostSecret } from '@noble/curves/abstract/frost.js';
import { TandemError } from '../../errors/index.js';
import { UsageError, type PartyId } from '../errors.js';
import { decodeLowerHex, isPlainObject } from '../wire.js';
import { hashTranscript } from '../transcript.js';
import { equalBytes } from '@noble/curves/utils.js';
import { checkPublicShares, ed25519Curve, InconsistentShares, type GroupPoint } from '../reshare/curve.js';

export const FROST_SHARE_VERSION = 1;

export interface FrostKeyShare {
  version: typeof FROST_SHARE_VERSION;
  curve: 'ed25519';
  protocol: 'frost';
  /** Share generation: 0 after key generation, +1 per re-share. */
  epoch: number;
  /** Threshold: any t of the n parties sign. */
  t: number;
  n: number;
  /** This device's party id (its Shamir x-coordinate). */
  self: PartyId;
  /** All party ids, ascending. */
  parties: PartyId[];
  /** This device's secret share s_i, 32-byte little-endian scalar. SECRET. */
  secretShare: Uint8Array;
  /** The group (vault) public key, a 32-byte Ed25519 point. */
  groupPublicKey: Uint8Array;
  /** Verifying share X_k = s_k·G of every party k. */
  verifyingShares: Map<PartyId, Uint8Array>;
}

/**
 * Thrown when a stored share record is malformed or inconsistent: code
 * `share.invalid`, `details.check` the failed rule (stable, what tests match
 * on), with the `field` or `member` concerned where there is one (a local
 * fault: no `party` to blame), and the decoding error as `cause`.
 */
export class ShareFormatError extends TandemError<'share.invalid'> {
  override name = 'ShareFormatError';
  constructor(message: string, check: string, at: { field?: string; member?: PartyId; cause?: unknown } = {}) {
    const { cause, ...where } = at;
    super('share.invalid', message, { details: { check, ...where }, ...(cause !== undefined ? { cause } : {}) });
  }
}

/** A copy of `b` typed as noble's APIs want it (a fresh ArrayBuffer-backed array). */
export function own(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(b);
}

/** The noble FROST identifier (canonical scalar hex) of a party id. */
export function frostId(party: PartyId): string {
  return ed25519_FROST.Identifier.fromNumber(party);
}

/** The noble secret package of a share. */
export function nobleSecret(share: FrostKeyShare): FrostSecret {
  return { identifier: frostId(share.self), signingShare: own(share.secretShare) };
}

/**
 * The noble public package of a share. Only `commitments[0]` (the group key)
 * is used by signing, share verification and aggregation, so the record does
 * not keep the full VSS commitment (a re-shared key has a new one anyway).
 */
export function noblePublic(share: FrostKeyShare): FrostPublic {
  const verifyingShares: Record<string, Uint8Array<ArrayBuffer>> = {};
  for (const [k, v] of share.verifyingShares) verifyingShares[frostId(k)] = own(v);
  return {
    signers: { min: share.t, max: share.n },
    commitments: [own(share.groupPublicKey)],
    verifyingShares,
  };
}

/** A share's points and secret, decoded and checked by {@link checkFrostShare}. */
export interface CheckedFrostShare {
  groupKey: GroupPoint;
  verifyingShares: Map<PartyId, GroupPoint>;
  /** s_i. SECRET. */
  secret: bigint;
}

/**
 * Full consistency check of a share record. Throws {@link ShareFormatError}
 * saying which rule failed (never the secret's value). Returns the decoded
 * points and secret, so that a caller never decodes them a second time.
 */
export function checkFrostShare(share: FrostKeyShare): CheckedFrostShare {
  const fail = (check: string, why: string, at?: { field?: string; member?: PartyId; cause?: unknown }): never => {
    throw new ShareFormatError(`FROST key share: ${why}`, check, at);
  };
  if (share.version !== FROST_SHARE_VERSION) fail('version', `unsupported version ${String(share.version)}`);
  if (share.curve !== 'ed25519' || share.protocol !== 'frost') fail('kind', 'not an ed25519/frost share');
  if (!Number.isSafeInteger(share.epoch) || share.epoch < 0) fail('range', 'epoch must be a non-negative integer', { field: 'epoch' });
  const { t, n, parties } = share;
  if (!Array.isArray(parties) || parties.length !== n) fail('parties', 'n does not match the party list');
  if (!Number.isInteger(n) || n < 2 || n > 255) fail('range', 'n must be in 2..255', { field: 'n' });
  if (!Number.isInteger(t) || t < 2 || t > n) fail('range', 't must be in 2..n', { field: 't' });
  parties.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 1 || p > 0xffff) fail('parties', `party id ${String(p)} out of range`);
    if (i > 0 && p <= parties[i - 1]!) fail('parties', 'party ids must be distinct and ascending');
  });
  if (!parties.includes(share.self)) fail('self', 'self is not among the parties');
  if (!(share.verifyingShares instanceof Map) || share.verifyingShares.size !== n)
    fail('verifyingShares', 'one verifying share per party expected');
  const points = new Map<PartyId, GroupPoint>();
  for (const p of parties) {
    const b = share.verifyingShares.get(p);
    if (!b) fail('verifyingShares', `missing verifying share of party ${p}`, { member: p });
    try {
      points.set(p, ed25519Curve.decodePoint(b!));
    } catch (e) {
      fail('point', `verifying share of party ${p}: ${(e as Error).message}`, { field: 'verifyingShares', member: p, cause: e });
    }
  }
  let pk: GroupPoint;
  try {
    pk = ed25519Curve.decodePoint(share.groupPublicKey);
  } catch (e) {
    return fail('point', `group public key: ${(e as Error).message}`, { field: 'groupPublicKey', cause: e });
  }
  let s: bigint;
  try {
    s = ed25519Curve.decodeScalar(share.secretShare);
  } catch (e) {
    return fail('scalar', `secret share: ${(e as Error).message}`, { field: 'secretShare', cause: e });
  }
  if (s === 0n) fail('scalar', 'secret share is zero', { field: 'secretShare' });
  if (!ed25519Curve.mulBase(s).equals(points.get(share.self)!)) fail('selfVerifying', 'secret share does not match own verifying share');
  try {
    checkPublicShares(ed25519Curve, t, parties, points, pk);
  } catch (e) {
    const member = e instanceof InconsistentShares ? (e.details.member as PartyId | undefined) : undefined;
    const check = e instanceof InconsistentShares ? (e.details.check as string) : 'polynomial';
    fail(check, (e as Error).message, { ...(member === undefined ? {} : { member }), cause: e });
  }
  return { groupKey: pk, verifyingShares: points, secret: s };
}

/** Digest of every field of a share record (the memo key of {@link checkedFrostShare}). */
function shareDigest(share: FrostKeyShare): Uint8Array {
  const parties = Array.isArray(share.parties) ? share.parties : [];
  const vs = share.verifyingShares instanceof Map ? [...share.verifyingShares] : [];
  return hashTranscript(
    'frost/share/memo',
    String(share.version),
    String(share.curve),
    String(share.protocol),
    String(share.epoch),
    String(share.t),
    String(share.n),
    String(share.self),
    parties.length,
    ...parties.map(String),
    share.secretShare instanceof Uint8Array ? share.secretShare : 'not bytes',
    share.groupPublicKey instanceof Uint8Array ? share.groupPublicKey : 'not bytes',
    vs.length,
    ...vs.flatMap(([k, v]) => [String(k), v instanceof Uint8Array ? v : 'not bytes']),
  );
}

const checked = new WeakMap<FrostKeyShare, { digest: Uint8Array; value: CheckedFrostShare }>();

/**
 * {@link checkFrostShare}, remembered per record object: a signing session
 * re-uses the result of the last full check of the same object if every
 * field still hashes to the same digest (so a record mutated in place is
 * checked again). The check is a pure function of those fields, so this
 * never skips it; it only avoids repeating the ~n+1 subgroup checks and the
 * interpolation on every signature.
 */
export function checkedFrostShare(share: FrostKeyShare): CheckedFrostShare {
  const digest = shareDigest(share);
  const hit = checked.get(share);
  if (hit && equalBytes(hit.digest, digest)) return hit.value;
  const value = checkFrostShare(share);
  checked.set(share, { digest, value });
  return value;
}

/** JSON form of a share record (hex strings). Contains the SECRET share. */
export function encodeFrostShare(share: FrostKeyShare): string {
  checkFrostShare(share);
  return JSON.stringify({
    version: share.version,
    curve: share.curve,
    protocol: share.protocol,
    epoch: share.epoch,
    t: share.t,
    n: share.n,
    self: share.self,
    parties: share.parties,
    secretShare: bytesToHex(share.secretShare),
    groupPublicKey: bytesToHex(share.groupPublicKey),
    verifyingShares: Object.fromEntries([...share.verifyingShares].map(([k, v]) => [String(k), bytesToHex(v)])),
  });
}

const KEYS = ['version', 'curve', 'protocol', 'epoch', 't', 'n', 'self', 'parties', 'secretShare', 'groupPublicKey', 'verifyingShares'];

/** Strict decoder: exact keys, lower-case hex of exact lengths, then {@link checkFrostShare}. */
export function decodeFrostShare(json: string): FrostKeyShare {
  const fail = (check: string, why: string, field?: string): never => {
    throw new ShareFormatError(`FROST key share: ${why}`, check, field === undefined ? {} : { field });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return fail('json', 'not JSON');
  }
  if (!isPlainObject(raw)) return fail('json', 'not an object');
  const r = raw as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys.length !== KEYS.length || !KEYS.every((k) => Object.hasOwn(r, k))) {
    fail('fields', `expected exactly the fields ${KEYS.join(', ')}`);
  }
  const hex32 = (v: unknown, what: string): Uint8Array => {
    const b = typeof v === 'string' ? decodeLowerHex(v) : null;
    if (b?.length !== 32) return fail('hex', `${what} must be 32 bytes of lower-case hex`, what);
    return b;
  };
  const int = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail('type', `${what} must be an integer`, what);
    return v as number;
  };
  if (!Array.isArray(r.parties)) fail('type', 'parties must be an array', 'parties');
  const parties = (r.parties as unknown[]).map((p, i) => int(p, `parties[${i}]`));
  const vsRaw = r.verifyingShares;
  if (!isPlainObject(vsRaw)) fail('type', 'verifyingShares must be an object', 'verifyingShares');
  const verifyingShares = new Map<PartyId, Uint8Array>();
  for (const [k, v] of Object.entries(vsRaw as Record<string, unknown>)) {
    const id = Number(k);
    if (String(id) !== k) fail('verifyingShares', `verifyingShares key ${k} is not a party id`, 'verifyingShares');
    verifyingShares.set(id, hex32(v, `verifyingShares[${k}]`));
  }
  const share: FrostKeyShare = {
    version: int(r.version, 'version') as typeof FROST_SHARE_VERSION,
    curve: r.curve as 'ed25519',
    protocol: r.protocol as 'frost',
    epoch: int(r.epoch, 'epoch'),
    t: int(r.t, 't'),
    n: int(r.n, 'n'),
    self: int(r.self, 'self'),
    parties,
    secretShare: hex32(r.secretShare, 'secretShare'),
    groupPublicKey: hex32(r.groupPublicKey, 'groupPublicKey'),
    verifyingShares,
  };
  checkFrostShare(share);
  return share;
}

/** The public part of a vault's EdDSA key, as a new device needs it to join a re-share. */
export interface FrostPublicInfo {
  epoch: number;
  t: number;
  parties: PartyId[];
  groupPublicKey: Uint8Array;
  verifyingShares: Map<PartyId, Uint8Array>;
}

export function frostPublicInfo(share: FrostKeyShare): FrostPublicInfo {
  return {
    epoch: share.epoch,
    t: share.t,
    parties: [...share.parties],
    groupPublicKey: share.groupPublicKey.slice(),
    verifyingShares: new Map([...share.verifyingShares].map(([k, v]) => [k, v.slice()])),
  };
}

export function assertFrostShare(share: FrostKeyShare, where: string): CheckedFrostShare {
  try {
    return checkedFrostShare(share);
  } catch (e) {
    throw new UsageError(`${where}: ${(e as Error).message}`);
  }
}
