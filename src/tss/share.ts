/**
 * The DKLs23 key share: what one device keeps after key generation, and the
 * only input signing needs besides the message. Versioned and serialisable
 * (JSON with lower-case hex), checked for internal consistency on load so a
 * corrupted or tampered share is refused before it is used:
 * - the public share of self equals s·G;
 * - all n public shares lie on one polynomial of degree t−1 whose value at 0
 *   is the group public key (Lagrange interpolation from the first t, then
 *   every other share checked against it);
 * - exact lengths, canonical scalars, valid non-identity points, OT material
 *   and zero-share seeds for every peer, no unknown fields or versions.
 *
 * The secret share and the OT material are secrets: encrypt the encoded share
 * at rest (the vault store does) and never log it.
 */
import { UsageError, type PartyId } from './errors.js';
import {
  decodeOtReceiverMaterial,
  decodeOtSenderMaterial,
  encodeOtReceiverMaterial,
  encodeOtSenderMaterial,
  type OtReceiverMaterial,
  type OtSenderMaterial,
} from './ot/index.js';
import { decodeLowerHex, isPlainObject, toHex } from './wire.js';
import { mulG, Point, pointFromBytes, scalarFromBytes, scalarToBytes } from './dkls/curve.js';
import { Fq, lagrange } from './scalar.js';

export const KEY_SHARE_VERSION = 1;
export const MAX_PARTIES = 16;

/** One party's DKLs23 key share (all points compressed, 33 bytes). */
export interface KeyShare {
  readonly version: typeof KEY_SHARE_VERSION;
  readonly curve: 'secp256k1';
  readonly protocol: 'dkls23';
  /** Share generation: 0 at key generation, bumped by each re-share. Signing refuses mixed epochs. */
  readonly epoch: number;
  readonly t: number;
  readonly n: number;
  readonly self: PartyId;
  /** All n party ids, ascending (Shamir x-coordinates). */
  readonly parties: readonly PartyId[];
  /** s_self = f(self), the Shamir share of the key. SECRET. */
  readonly secretShare: bigint;
  /** The group public key (the vault's key), 33 bytes. */
  readonly publicKey: Uint8Array;
  /** S_j = s_j·G for every party j, 33 bytes each. */
  readonly publicShares: ReadonlyMap<PartyId, Uint8Array>;
  /** 32-byte BIP32 chain code agreed at key generation. */
  readonly chainCode: Uint8Array;
  /** Pairwise zero-share seeds (seed_ij = seed_ji), per peer. SECRET. */
  readonly zeroSeeds: ReadonlyMap<PartyId, Uint8Array>;
  /** OT material with self as RVOLE sender towards each peer. SECRET. */
  readonly otSender: ReadonlyMap<PartyId, OtSenderMaterial>;
  /** OT material with self as RVOLE receiver from each peer. SECRET. */
  readonly otReceiver: ReadonlyMap<PartyId, OtReceiverMaterial>;
  /**
   * Peers whose pairwise OT material failed a check (a selective-failure
   * attempt may have leaked bits of it): signing with them is refused until
   * a re-share sets up fresh material.
   */
  readonly burned: readonly PartyId[];
}

/**
 * Thrown when a stored share is malformed or inconsistent. Code `share.invalid`;
 * `details.check` names the failed rule (stable, what tests match on), with the
 * `field` or `peer` concerned where there is one (`peer`, not `party`: a bad stored share is
 * a local fault, and `culprit()` names only a party whose message failed a check).
 */
export class InvalidKeyShare extends UsageError {
  constructor(check: string, detail: string, at: { field?: string; peer?: PartyId } = {}) {
    super(
      `invalid key share: ${detail}. The stored share is corrupted or was tampered with; restore it from backup or re-share.`,
      'share.invalid',
      { check, ...at, detail },
    );
  }
}

/** Returns a copy of `share` with `peer`'s OT material marked burned (after an rvole/ote abort naming it). */
export function burnPair(share: KeyShare, peer: PartyId): KeyShare {
  if (!share.parties.includes(peer) || peer === share.self)
    throw new UsageError(`burnPair: ${peer} is not a peer`, 'share.notPeer', { peer });
  if (share.burned.includes(peer)) return share;
  return { ...share, burned: [...share.burned, peer].sort((a, b) => a - b) };
}

const KEYS = [
  'version',
  'curve',
  'protocol',
  'epoch',
  't',
  'n',
  'self',
  'parties',
  'secretShare',
  'publicKey',
  'publicShares',
  'chainCode',
  'zeroSeeds',
  'otSender',
  'otReceiver',
  'burned',
] as const;

function mapToObject<V>(m: ReadonlyMap<PartyId, V>, enc: (v: V) => string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const id of [...m.keys()].sort((a, b) => a - b)) o[String(id)] = enc(m.get(id)!);
  return o;
}

/** Serialises a share to JSON text (lower-case hex for bytes and scalars). */
export function encodeKeyShare(share: KeyShare): string {
  checkKeyShare(share);
  return JSON.stringify({
    version: share.version,
    curve: share.curve,
    protocol: share.protocol,
    epoch: share.epoch,
    t: share.t,
    n: share.n,
    self: share.self,
    parties: [...share.parties],
    secretShare: toHex(scalarToBytes(share.secretShare)),
    publicKey: toHex(share.publicKey),
    publicShares: mapToObject(share.publicShares, toHex),
    chainCode: toHex(share.chainCode),
    zeroSeeds: mapToObject(share.zeroSeeds, toHex),
    otSender: mapToObject(share.otSender, (m) => toHex(encodeOtSenderMaterial(m))),
    otReceiver: mapToObject(share.otReceiver, (m) => toHex(encodeOtReceiverMaterial(m))),
    burned: [...share.burned],
  });
}

function hex(v: unknown, what: string, len?: number): Uint8Array {
  const b = typeof v === 'string' ? decodeLowerHex(v) : null;
  if (b === null) throw new InvalidKeyShare('hex', `${what} is not lower-case hex`, { field: what });
  if (len !== undefined && b.length !== len) throw new InvalidKeyShare('length', `${what} must be ${len} bytes`, { field: what });
  return b;
}

function int(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidKeyShare('range', `${what} must be an integer in [${min}, ${max}]`, { field: what });
  }
  return v;
}

function idList(v: unknown, what: string): PartyId[] {
  if (!Array.isArray(v)) throw new InvalidKeyShare('type', `${what} is not an array`, { field: what });
  return v.map((x, i) => int(x, `${what}[${i}]`, 1, 0xffff));
}

function perParty<V>(v: unknown, what: string, ids: readonly PartyId[], dec: (s: unknown, w: string) => V): Map<PartyId, V> {
  if (!isPlainObject(v)) throw new InvalidKeyShare('type', `${what} is not an object`, { field: what });
  const keys = Object.keys(v);
  const want = ids.map(String);
  if (keys.length !== want.length || !want.every((k) => Object.hasOwn(v, k))) {
    throw new InvalidKeyShare('entries', `${what} must have exactly the entries ${want.join(', ')}`, { field: what });
  }
  return new Map(ids.map((id) => [id, dec(v[String(id)], `${what}[${id}]`)]));
}

/** Parses and checks a share encoded by {@link encodeKeyShare}. Throws {@link InvalidKeyShare}. */
export function decodeKeyShare(text: string): KeyShare {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new InvalidKeyShare('json', 'not JSON');
  }
  if (!isPlainObject(o)) throw new InvalidKeyShare('json', 'not an object');
  for (const k of Object.keys(o))
    if (!(KEYS as readonly string[]).includes(k)) throw new InvalidKeyShare('unknownField', `unknown field ${k}`, { field: k });
  for (const k of KEYS) if (!Object.hasOwn(o, k)) throw new InvalidKeyShare('missingField', `missing field ${k}`, { field: k });
  if (o.version !== KEY_SHARE_VERSION) throw new InvalidKeyShare('version', `unsupported version ${String(o.version)}`);
  if (o.curve !== 'secp256k1' || o.protocol !== 'dkls23') throw new InvalidKeyShare('kind', 'not a secp256k1 DKLs23 share');
  const parties = idList(o.parties, 'parties');
  const self = int(o.self, 'self', 1, 0xffff);
  const peers = parties.filter((p) => p !== self);
  const material =
    <V>(dec: (b: Uint8Array) => V) =>
    (v: unknown, w: string): V => {
      const b = hex(v, w);
      try {
        return dec(b);
      } catch {
        throw new InvalidKeyShare('otMaterial', `${w} is not valid OT material`, { field: w });
      }
    };
  const share: KeyShare = {
    version: KEY_SHARE_VERSION,
    curve: 'secp256k1',
    protocol: 'dkls23',
    epoch: int(o.epoch, 'epoch', 0, 0xffffffff),
    t: int(o.t, 't', 2, MAX_PARTIES),
    n: int(o.n, 'n', 2, MAX_PARTIES),
    self,
    parties,
    secretShare: (() => {
      try {
        return scalarFromBytes(hex(o.secretShare, 'secretShare', 32));
      } catch (e) {
        if (e instanceof InvalidKeyShare) throw e;
        throw new InvalidKeyShare('canonical', 'secretShare is not a canonical scalar', { field: 'secretShare' });
      }
    })(),
    publicKey: hex(o.publicKey, 'publicKey', 33),
    publicShares: perParty(o.publicShares, 'publicShares', parties, (v, w) => hex(v, w, 33)),
    chainCode: hex(o.chainCode, 'chainCode', 32),
    zeroSeeds: perParty(o.zeroSeeds, 'zeroSeeds', peers, (v, w) => hex(v, w, 32)),
    otSender: perParty(o.otSender, 'otSender', peers, material(decodeOtSenderMaterial)),
    otReceiver: perParty(o.otReceiver, 'otReceiver', peers, material(decodeOtReceiverMaterial)),
    burned: idList(o.burned, 'burned'),
  };
  checkKeyShare(share);
  return share;
}

/**
 * Checks a share's internal consistency (see the module comment). Throws
 * {@link InvalidKeyShare}. Called on encode, decode and before signing.
 */
export function checkKeyShare(share: KeyShare): void {
  if (checked.has(share)) return;
  checkKeyShareUncached(share);
  checked.add(share);
}

/** Shares (objects, which are readonly) already found consistent: signing does not pay for the check twice. */
const checked = new WeakSet<KeyShare>();

function checkKeyShareUncached(share: KeyShare): void {
  const { t, n, parties, self } = share;
  if (share.version !== KEY_SHARE_VERSION) throw new InvalidKeyShare('version', `unsupported version ${String(share.version)}`);
  if (!Number.isInteger(t) || !Number.isInteger(n) || t < 2 || t > n || n > MAX_PARTIES) {
    throw new InvalidKeyShare('threshold', 'threshold must satisfy 2 <= t <= n <= 16');
  }
  if (!Number.isInteger(share.epoch) || share.epoch < 0)
    throw new InvalidKeyShare('range', 'epoch must be a non-negative integer', { field: 'epoch' });
  if (parties.length !== n) throw new InvalidKeyShare('parties', `expected ${n} parties`);
  if (parties.some((p, i) => !Number.isInteger(p) || p < 1 || p > 0xffff || (i > 0 && p <= parties[i - 1]!))) {
    throw new InvalidKeyShare('parties', 'party ids must be distinct, ascending, in 1..65535');
  }
  if (!parties.includes(self)) throw new InvalidKeyShare('self', 'self is not among the parties');
  const peers = parties.filter((p) => p !== self);
  if (share.chainCode.length !== 32) throw new InvalidKeyShare('length', 'chain code must be 32 bytes', { field: 'chainCode' });
  for (const p of peers) {
    if (share.zeroSeeds.get(p)?.length !== 32) throw new InvalidKeyShare('zeroSeed', `zero-share seed for party ${p} missing`, { peer: p });
    if (!share.otSender.has(p) || !share.otReceiver.has(p))
      throw new InvalidKeyShare('otMaterial', `OT material for party ${p} missing`, { peer: p });
    const snd = share.otSender.get(p)!;
    const rcv = share.otReceiver.get(p)!;
    if (
      snd.kind !== 'ot-sender' ||
      snd.sender !== self ||
      snd.receiver !== p ||
      rcv.kind !== 'ot-receiver' ||
      rcv.sender !== p ||
      rcv.receiver !== self
    ) {
      throw new InvalidKeyShare('otPair', `OT material stored for party ${p} belongs to another pair of parties`, { peer: p });
    }
  }
  if (share.zeroSeeds.size !== peers.length || share.otSender.size !== peers.length || share.otReceiver.size !== peers.length) {
    throw new InvalidKeyShare('peers', 'per-peer material for a party that is not a peer');
  }
  if (share.burned.some((p, i) => !peers.includes(p) || (i > 0 && p <= share.burned[i - 1]!))) {
    throw new InvalidKeyShare('burned', 'burned must list distinct peers, ascending', { field: 'burned' });
  }
  if (share.secretShare <= 0n || share.secretShare >= Point.Fn.ORDER)
    throw new InvalidKeyShare('range', 'secret share out of range', { field: 'secretShare' });
  let pk: InstanceType<typeof Point>;
  const S = new Map<PartyId, InstanceType<typeof Point>>();
  try {
    pk = pointFromBytes(share.publicKey);
    for (const p of parties) {
      const b = share.publicShares.get(p);
      if (!b) throw new InvalidKeyShare('publicShare', `public share of party ${p} missing`, { peer: p });
      S.set(p, pointFromBytes(b));
    }
  } catch (e) {
    if (e instanceof InvalidKeyShare) throw e;
    throw new InvalidKeyShare('point', 'a public key or public share is not a valid curve point');
  }
  if (share.publicShares.size !== n) throw new InvalidKeyShare('members', 'public share for a party that is not a member');
  if (!mulG(share.secretShare).equals(S.get(self)!)) throw new InvalidKeyShare('selfPublic', 'public share of self is not s·G');
  // All shares on one degree-(t−1) polynomial with f(0)·G = PK.
  const basis = parties.slice(0, t);
  const interpolate = (x: bigint) => basis.reduce((acc, j) => acc.add(S.get(j)!.multiplyUnsafe(lagrange(Fq, basis, j, x))), Point.ZERO);
  if (!interpolate(0n).equals(pk)) throw new InvalidKeyShare('interpolate', 'public shares do not interpolate to the public key');
  for (const p of parties.slice(t)) {
    if (!interpolate(BigInt(p)).equals(S.get(p)!)) {
      throw new InvalidKeyShare('polynomial', `public share of party ${p} is not on the sharing polynomial`, { peer: p });
    }
  }
}
