/**
 * Long-lived OT material of one ordered pair, the pair context, and the
 * versioned byte encoding stored in the key share.
 *
 * The material is secret: the sender's holds Δ and the κ seeds k_{i,Δ_i};
 * the receiver's holds both seeds (k_{i,0}, k_{i,1}) of every base OT. It
 * records the ordered pair it belongs to and every function checks it
 * against the {@link PairContext} it is given.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { UsageError, type PartyId } from '../errors.js';
import { KAPPA, SEED_BYTES } from './params.js';

/**
 * Identifies one ordered pair in one session. `sid` must be fresh for every
 * use of the same material (signing sessions derive it from all parties'
 * nonces); reusing it with the same material is refused within a process.
 */
export interface PairContext {
  sid: Uint8Array;
  /** The RVOLE sender = OT-extension sender (holds Δ) = base-OT receiver. */
  sender: PartyId;
  /** The RVOLE receiver = OT-extension receiver (choice bits) = base-OT sender. */
  receiver: PartyId;
}

/** Long-lived secret OT material of the RVOLE sender towards one receiver. */
export interface OtSenderMaterial {
  readonly kind: 'ot-sender';
  readonly sender: PartyId;
  readonly receiver: PartyId;
  /** Δ ∈ {0,1}^κ, the base-OT choice bits (κ/8 bytes, bit i = bit i&7 of byte i>>3). */
  readonly delta: Uint8Array;
  /** κ seeds of 32 bytes: seed i is k_{i,Δ_i}. */
  readonly seeds: Uint8Array;
}

/** Long-lived secret OT material of the RVOLE receiver towards one sender. */
export interface OtReceiverMaterial {
  readonly kind: 'ot-receiver';
  readonly sender: PartyId;
  readonly receiver: PartyId;
  /** κ seeds of 32 bytes: k_{i,0}. */
  readonly seeds0: Uint8Array;
  /** κ seeds of 32 bytes: k_{i,1}. */
  readonly seeds1: Uint8Array;
}

const FORMAT_VERSION = 1;
const KIND_SENDER = 1;
const KIND_RECEIVER = 2;
const HEADER = 8; // version, kind, κ (u16), sender (u16), receiver (u16)
const SEEDS = KAPPA * SEED_BYTES;
const SENDER_LEN = HEADER + KAPPA / 8 + SEEDS;
const RECEIVER_LEN = HEADER + 2 * SEEDS;

function isPartyId(p: unknown): p is PartyId {
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 0xffff;
}

/** Throws UsageError unless ctx is a well-formed context of an ordered pair of distinct parties. */
export function checkContext(ctx: PairContext): void {
  if (!ctx || !(ctx.sid instanceof Uint8Array) || ctx.sid.length < 16) {
    throw new UsageError('ot: PairContext.sid must be a Uint8Array of at least 16 bytes');
  }
  if (!isPartyId(ctx.sender) || !isPartyId(ctx.receiver) || ctx.sender === ctx.receiver) {
    throw new UsageError('ot: PairContext needs two distinct party ids in 1..65535');
  }
}

/** Throws UsageError unless the material belongs to ctx's ordered pair. */
export function checkPair(m: { sender: PartyId; receiver: PartyId }, ctx: PairContext): void {
  checkContext(ctx);
  if (m.sender !== ctx.sender || m.receiver !== ctx.receiver) {
    throw new UsageError(`ot: material of pair ${m.sender}→${m.receiver} used for pair ${ctx.sender}→${ctx.receiver}`);
  }
}

const usedSids = new WeakMap<object, Set<string>>();

/**
 * Records that `material` is being used with ctx.sid and refuses a second
 * use in this process: the same sid would replay the same OT pads, which
 * leaks the sender's inputs (or the receiver's choice bits).
 */
export function claimSid(material: object, ctx: PairContext): void {
  let set = usedSids.get(material);
  if (!set) usedSids.set(material, (set = new Set()));
  const key = bytesToHex(ctx.sid);
  if (set.has(key)) throw new UsageError('ot: this sid was already used with this OT material; use a fresh sid');
  set.add(key);
}

function header(kind: number, sender: PartyId, receiver: PartyId, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setUint8(0, FORMAT_VERSION);
  v.setUint8(1, kind);
  v.setUint16(2, KAPPA);
  v.setUint16(4, sender);
  v.setUint16(6, receiver);
  return out;
}

function readHeader(b: Uint8Array, kind: number, len: number, what: string): { sender: PartyId; receiver: PartyId } {
  if (!(b instanceof Uint8Array)) throw new UsageError(`ot: ${what} must be a Uint8Array`);
  if (b.length !== len) throw new UsageError(`ot: ${what} must be ${len} bytes, got ${b.length}`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint8(0) !== FORMAT_VERSION) throw new UsageError(`ot: ${what} has unknown format version ${v.getUint8(0)}`);
  if (v.getUint8(1) !== kind) throw new UsageError(`ot: ${what} has the wrong kind byte`);
  if (v.getUint16(2) !== KAPPA) throw new UsageError(`ot: ${what} was made for κ = ${v.getUint16(2)}, expected ${KAPPA}`);
  const sender = v.getUint16(4);
  const receiver = v.getUint16(6);
  if (!isPartyId(sender) || !isPartyId(receiver) || sender === receiver) {
    throw new UsageError(`ot: ${what} names an invalid pair ${sender}→${receiver}`);
  }
  return { sender, receiver };
}

/** Serialise sender material (versioned, fixed length) for the key share. */
export function encodeOtSenderMaterial(m: OtSenderMaterial): Uint8Array {
  if (m?.kind !== 'ot-sender' || m.delta.length !== KAPPA / 8 || m.seeds.length !== SEEDS) {
    throw new UsageError('ot: not a valid OtSenderMaterial');
  }
  const out = header(KIND_SENDER, m.sender, m.receiver, SENDER_LEN);
  out.set(m.delta, HEADER);
  out.set(m.seeds, HEADER + KAPPA / 8);
  return out;
}

/** Parse sender material; throws UsageError on any wrong length, version, kind or pair. */
export function decodeOtSenderMaterial(b: Uint8Array): OtSenderMaterial {
  const { sender, receiver } = readHeader(b, KIND_SENDER, SENDER_LEN, 'OT sender material');
  return Object.freeze({
    kind: 'ot-sender' as const,
    sender,
    receiver,
    delta: b.slice(HEADER, HEADER + KAPPA / 8),
    seeds: b.slice(HEADER + KAPPA / 8),
  });
}

/** Serialise receiver material (versioned, fixed length) for the key share. */
export function encodeOtReceiverMaterial(m: OtReceiverMaterial): Uint8Array {
  if (m?.kind !== 'ot-receiver' || m.seeds0.length !== SEEDS || m.seeds1.length !== SEEDS) {
    throw new UsageError('ot: not a valid OtReceiverMaterial');
  }
  const out = header(KIND_RECEIVER, m.sender, m.receiver, RECEIVER_LEN);
  out.set(m.seeds0, HEADER);
  out.set(m.seeds1, HEADER + SEEDS);
  return out;
}

/** Parse receiver material; throws UsageError on any wrong length, version, kind or pair. */
export function decodeOtReceiverMaterial(b: Uint8Array): OtReceiverMaterial {
  const { sender, receiver } = readHeader(b, KIND_RECEIVER, RECEIVER_LEN, 'OT receiver material');
  return Object.freeze({
    kind: 'ot-receiver' as const,
    sender,
    receiver,
    seeds0: b.slice(HEADER, HEADER + SEEDS),
    seeds1: b.slice(HEADER + SEEDS),
  });
}
