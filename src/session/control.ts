/**
 * The ceremony control messages: one discriminated union, one strict parser,
 * and the identity-key signature every one of them carries (as
 * `src/relay/wire.ts` does for relay frames).
 *
 * A control message is JSON `{ t, ...fields, sig }`; `sig` is the sender's
 * Ed25519 signature over the transcript of every other field. A message is
 * accepted only when its shape is exactly one of the kinds below (no extra
 * or missing field, every value of its type) and it carries the signature of
 * the device the transport says sent it. Anything else is dropped: anyone
 * with the room key can put bytes in the room.
 *
 * The protocol messages (`proto`, `abort`) are run-protocol.ts's, the
 * `hello` / `roster` exchange is roster.ts's.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../tss/errors.js';
import { encodeTranscript } from '../tss/transcript.js';
import { isPlainObject } from '../tss/wire.js';
import type { DeviceIdentity, DevicePublic } from './identity.js';
import type { Delivery } from './mailbox.js';

/** Every device's signed digest of what a key generation or re-share ended with (before anyone stores). */
export interface ConfirmMsg {
  t: 'confirm';
  sessionId: string;
  party: PartyId;
  digest: string;
}
/** "I durably stored the generation with this digest": what lets the others wipe the previous one (docs/generations.md). */
export interface StoredMsg {
  t: 'stored';
  sessionId: string;
  party: PartyId;
  digest: string;
}
/**
 * "I still wait for the statements of this change": a device that missed the
 * end of a ceremony asks on the new generation's channel; every device that
 * stored that generation answers with its `stored` statement again.
 */
export interface StoredAskMsg {
  t: 'stored-ask';
  sessionId: string;
  party: PartyId;
  digest: string;
}
/** Heartbeat during a ceremony; `seq` grows, so an old one replayed is ignored. */
export interface AliveMsg {
  t: 'alive';
  scope: string;
  seq: number;
  /** The sender starts a step that may block it for seconds (a heavy protocol round). */
  busy?: boolean;
}
/** The sender leaves the ceremony (its part is over): stop watching it. */
export interface ByeMsg {
  t: 'bye';
  scope: string;
  /** It leaves because the ceremony failed on its side: why, and the device it blames (if any). */
  why?: string;
  culprit?: string;
}
export interface SignRequestMsg {
  t: 'sign-request';
  id: string;
  party: PartyId;
  epoch: number;
  request: unknown;
  digest: string;
  created?: unknown;
  expires?: unknown;
}
export interface SignAnswerMsg {
  t: 'sign-answer';
  id: string;
  party: PartyId;
  ok: boolean;
  reason?: string;
  /** A stable code for a refusal the requester acts on (e.g. `generation.superseded`). */
  code?: string;
  /** The generation the answering device holds, with `code`. */
  epoch?: number;
}
export interface SignStartMsg {
  t: 'sign-start';
  id: string;
  party: PartyId;
  signers: PartyId[];
}
export interface SignEndMsg {
  t: 'sign-end';
  id: string;
  party: PartyId;
  why?: 'expired' | 'refused' | 'failed';
}

export type ControlMsg =
  | ConfirmMsg
  | StoredMsg
  | StoredAskMsg
  | AliveMsg
  | ByeMsg
  | SignRequestMsg
  | SignAnswerMsg
  | SignStartMsg
  | SignEndMsg;
export type ControlKind = ControlMsg['t'];
export type ControlOf<K extends ControlKind> = Extract<ControlMsg, { t: K }>;

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= 256;
const hex32: Check = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const party: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0xffff;
const count: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const bool: Check = (v) => typeof v === 'boolean';
const text: Check = (v) => typeof v === 'string' && v.length <= 1000;
const code: Check = (v) => typeof v === 'string' && /^[a-z][A-Za-z0-9.]{0,63}$/.test(v);
const any: Check = () => true;
const parties: Check = (v) => Array.isArray(v) && v.length >= 1 && v.length <= 16 && v.every(party);
const why: Check = (v) => v === 'expired' || v === 'refused' || v === 'failed';

/** Required fields, then optional ones, of every kind. */
const SHAPES: Record<ControlKind, { need: Record<string, Check>; may?: Record<string, Check> }> = {
  confirm: { need: { sessionId: str, party, digest: hex32 } },
  stored: { need: { sessionId: str, party, digest: hex32 } },
  'stored-ask': { need: { sessionId: str, party, digest: hex32 } },
  alive: { need: { scope: str, seq: count }, may: { busy: bool } },
  bye: { need: { scope: str }, may: { why: text, culprit: str } },
  'sign-request': { need: { id: str, party, epoch: count, request: any, digest: text }, may: { created: any, expires: any } },
  'sign-answer': { need: { id: str, party, ok: bool }, may: { reason: text, code, epoch: count } },
  'sign-start': { need: { id: str, party, signers: parties } },
  'sign-end': { need: { id: str, party }, may: { why } },
};

/**
 * The control message in `payload` if it is exactly one of the kinds (the
 * signature not yet checked), else null. `sign-request`'s request, digest
 * and times are checked by signing-request.ts and request-times.ts, which
 * say why they refuse.
 */
export function parseControl(payload: unknown): (ControlMsg & { sig: string }) | null {
  if (!isPlainObject(payload) || typeof payload.t !== 'string' || !Object.hasOwn(SHAPES, payload.t)) return null;
  const shape = SHAPES[payload.t as ControlKind];
  const { t: _t, sig, ...fields } = payload;
  if (typeof sig !== 'string' || !/^[0-9a-f]{128}$/.test(sig)) return null;
  for (const [k, check] of Object.entries(shape.need)) if (!Object.hasOwn(fields, k) || !check(fields[k])) return null;
  for (const [k, v] of Object.entries(fields)) {
    if (Object.hasOwn(shape.need, k)) continue;
    const check = shape.may?.[k];
    if (!check?.(v)) return null;
  }
  return payload as unknown as ControlMsg & { sig: string };
}

function controlBytes(body: Record<string, unknown>): Uint8Array {
  return encodeTranscript('control', JSON.stringify(body));
}

/** `msg` signed by this device's identity key, ready to send. */
export function signControl<M extends ControlMsg>(me: DeviceIdentity, msg: M): M & { sig: string } {
  return { ...msg, sig: bytesToHex(ed25519.sign(controlBytes(msg as unknown as Record<string, unknown>), me.signSecret)) };
}

/**
 * The control message of kind `kind` in `d`, when it is well formed, came
 * from `who`'s device (as the transport authenticated it) and carries `who`'s
 * signature; else null.
 */
export function controlFrom<K extends ControlKind>(kind: K, who: DevicePublic, d: Delivery): ControlOf<K> | null {
  if (d.from !== who.deviceId) return null;
  const m = parseControl(d.payload);
  if (!m || m.t !== kind) return null;
  const { sig, ...body } = m;
  try {
    return ed25519.verify(hexToBytes(sig), controlBytes(body), hexToBytes(who.signPub)) ? (m as unknown as ControlOf<K>) : null;
  } catch {
    return null;
  }
}

/** The kind of a (not yet verified) control message in `d`, or null: for matching before the sender is known. */
export function controlKind(d: Delivery): ControlKind | null {
  return parseControl(d.payload)?.t ?? null;
}

/** The kind and `party` field of a (not yet verified) control message, for finding whose signature to check. */
export function controlHeader(d: Delivery): { t: ControlKind; party?: PartyId; id?: string; sessionId?: string } | null {
  const m = parseControl(d.payload);
  if (!m) return null;
  const x = m as unknown as Record<string, unknown>;
  return {
    t: m.t,
    ...(typeof x.party === 'number' ? { party: x.party } : {}),
    ...(typeof x.id === 'string' ? { id: x.id } : {}),
    ...(typeof x.sessionId === 'string' ? { sessionId: x.sessionId } : {}),
  };
}
