/**
 * The relay's wire format, shared by the server (`src/relay/`) and the client
 * (`src/session/relay-client.ts`). Pure TypeScript: no Node or DOM imports.
 *
 * HTTP API (JSON bodies, JSON answers; every error is `{ error, reason }`):
 *
 * | method & path                              | body / query                      | answer |
 * |--------------------------------------------|-----------------------------------|--------|
 * | `GET  /health`                             |                                   | `{ ok, store, uptimeMs, url?, ws? }` (public https/wss bases) |
 * | `GET  /metrics`                            |                                   | Prometheus text (metrics.ts) |
 * | `GET  /v1/stats`                           |                                   | {@link RelayMetrics} |
 * | `POST /v1/rooms/:sid/join`                 | `{ party, ttlSeconds? }`          | {@link RoomInfo} (creates the room) |
 * | `GET  /v1/rooms/:sid`                      |                                   | {@link RoomInfo} |
 * | `POST /v1/rooms/:sid/messages`             | `{ from, to, body }`              | `{ seq }` |
 * | `GET  /v1/rooms/:sid/messages`             | `?party=&after=&wait=&limit=`     | `{ messages: RelayMessage[], cursor, complete, online }` (long-poll) |
 * | `POST /v1/rooms/:sid/ack`                  | `{ party, seq }`                  | `{ ok }` |
 * | `POST /v1/rooms/:sid/complete`             | `{ party }`                       | {@link RoomInfo} |
 * | `GET  /v1/rooms/:sid/ws?party=&after=`     | WebSocket upgrade                 | frames below |
 *
 * WebSocket frames are JSON text: the server sends {@link ServerFrame}s, the
 * client sends {@link ClientFrame}s. Messages are pushed in room order (the
 * per-room `seq` the store assigns); after a reconnect the client passes the
 * last seq it processed as `after` and gets everything since, so delivery is
 * at-least-once and the client drops what it has already seen.
 *
 * Presence: the hello lists the parties connected now (`online`), and a
 * `presence` frame says when another party's connection drops (its last
 * WebSocket closed, or as a long-poll reader it did not poll again within
 * `pollPresenceMs`) or comes back. A long-poll answer carries `online`, and
 * a waiting poll returns early when it changes. Only party ids; only to
 * holders of the room's capability.
 *
 * `body` is opaque to the relay: the client puts end-to-end encrypted
 * ciphertext there (base64url text, see `src/session/crypto.ts`).
 *
 * Every `/v1/rooms/…` request (HTTP and the WebSocket upgrade) must carry a
 * room capability: see "Room capabilities" below.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/**
 * A party id as the relay sees it: a canonical string. Integers (device ids,
 * 0..65535) are written in decimal, so party `1` and party `"1"` are the
 * same party. Other strings: 1..64 characters of `[A-Za-z0-9_.:-]`.
 */
export type RelayParty = string;

/** A message as stored and forwarded by the relay. */
export interface RelayMessage {
  /** Position in the room, assigned by the store: 1, 2, 3 … */
  seq: number;
  from: RelayParty;
  /** A party, or `'*'` for everyone in the room. */
  to: RelayParty | '*';
  /** Opaque (ciphertext) text. */
  body: string;
  /** Milliseconds since the epoch, when the relay accepted it. */
  at: number;
}

/** Public facts about a room. */
export interface RoomInfo {
  sid: string;
  parties: RelayParty[];
  /** seq of the last message posted (0 when none). */
  lastSeq: number;
  complete: boolean;
  /** Milliseconds since the epoch when the room expires unless used again. */
  expiresAt: number;
}

export interface RelayMetrics {
  store: 'memory' | 'redis';
  /** Live rooms in the store. */
  rooms: number;
  /** Messages currently held by the store. */
  messages: number;
  /** Bytes of message bodies currently held by the store. */
  bytes: number;
  /** Open WebSocket connections on this instance. */
  connections: number;
  /** Requests served by this instance (HTTP and WebSocket frames). */
  requests: number;
  /** Requests refused with a 4xx by this instance. */
  refused: number;
  /** Messages accepted by this instance since it started. */
  posted: number;
}

/** Frames the server sends over the WebSocket. */
export type ServerFrame =
  | { type: 'hello'; room: RoomInfo; online: RelayParty[] }
  | { type: 'msg'; msg: RelayMessage }
  | { type: 'posted'; id: number; seq: number }
  | { type: 'joined'; party: RelayParty }
  /** Another party's connection dropped (`online: false`) or came back. */
  | { type: 'presence'; party: RelayParty; online: boolean }
  | { type: 'complete' }
  | { type: 'error'; error: string; reason: string; status: number; id?: number }
  | { type: 'pong' };

/** The answer to a long-poll read (`GET /v1/rooms/:sid/messages`). */
export interface PollAnswer {
  messages: RelayMessage[];
  /** The last room position examined: the next poll's `after`. */
  cursor: number;
  complete: boolean;
  /** Parties with a live connection (WebSocket or recent poll), this one included. */
  online: RelayParty[];
}

/** Frames a client sends over the WebSocket. */
export type ClientFrame =
  | { type: 'post'; id: number; to: RelayParty | '*'; body: string }
  | { type: 'ack'; seq: number }
  | { type: 'ping' };

/** An error answer. `error` is a stable machine-readable code. */
export interface RelayErrorBody {
  error: string;
  reason: string;
  /** With `auth_expired`: the relay's clock (ms since the epoch). */
  serverTime?: number;
}

const SID = /^[A-Za-z0-9_-]{16,64}$/;
const PARTY_STRING = /^[A-Za-z0-9_.:-]{1,64}$/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** True for a well-formed session id (16..64 base64url characters). */
export function isSessionId(x: unknown): x is string {
  return typeof x === 'string' && SID.test(x);
}

/**
 * The canonical form of a party id, or null when malformed. Accepts an
 * integer 0..65535 or a string of 1..64 `[A-Za-z0-9_.:-]`.
 */
export function canonicalParty(x: unknown): RelayParty | null {
  if (typeof x === 'number') {
    return Number.isInteger(x) && x >= 0 && x <= 0xffff ? String(x) : null;
  }
  if (typeof x === 'string' && PARTY_STRING.test(x)) {
    if (DECIMAL.test(x) && Number(x) > 0xffff) return null;
    return x;
  }
  return null;
}

/** A recipient: a party or `'*'` (also accepted: `'all'`). Null when malformed. */
export function canonicalRecipient(x: unknown): RelayParty | '*' | null {
  if (x === '*' || x === 'all') return '*';
  return canonicalParty(x);
}

/** True for a valid message body: base64url text (the relay never parses it). */
export function isMessageBody(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && /^[A-Za-z0-9_-]+$/.test(x);
}

// ---- Room capabilities ----
//
// A room's key pair is derived from the session key, which only the room's
// devices hold (pairing payload; a vault's paired channel derives it from
// the channel secret):
//
//   seed     = HKDF-SHA-256(ikm = session key, salt = "tandem/relay/room-key/v1", info = "ed25519 seed", 32 bytes)
//   verifier = Ed25519 public key of seed (RFC 8032)
//   room id  = base64url(SHA-256("tandem/relay/room-id/v1" ‖ verifier)[0..16])   (22 characters)
//
// The room id is a commitment to the verifier: the relay needs to store
// nothing else, and nobody can create or take over a room id without the
// matching key (that would need a second preimage of the truncated hash).
// Every room request carries a token
//
//   1.<verifier, 64 hex>.<timestamp ms, decimal>.<nonce, 32 hex>.<Ed25519 signature, 128 hex>
//
// whose signature covers (UTF-8, lines joined by "\n")
//
//   tandem/relay/auth/v1 | method (GET, POST or WS) | target | hex SHA-256 of the exact body bytes ("" when none) | timestamp | nonce
//
// where target is the request path and query from `/v1/rooms/` on. HTTP
// sends it as `Authorization: TandemRoom <token>`; the WebSocket upgrade
// (browsers cannot set headers) as the last query parameter `&auth=<token>`,
// the target being the URL before it. The relay accepts a timestamp within
// ROOM_AUTH_WINDOW_MS of its clock and each nonce once per room.

export const ROOM_AUTH_SCHEME = 'TandemRoom';
/** How far a request's timestamp may be from the relay's clock. */
export const ROOM_AUTH_WINDOW_MS = 5 * 60_000;
export type RoomAuthMethod = 'GET' | 'POST' | 'WS';

/** A room's capability: its signing seed (SECRET), verifier and id. */
export interface RoomKey {
  seed: Uint8Array;
  verifier: Uint8Array;
  roomId: string;
}

export interface RoomAuthToken {
  verifier: Uint8Array;
  ts: number;
  nonce: string;
  sig: Uint8Array;
}

const te = new TextEncoder();
const TOKEN = /^1\.([0-9a-f]{64})\.(0|[1-9][0-9]{0,14})\.([0-9a-f]{32})\.([0-9a-f]{128})$/;

function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The room id that commits to `verifier`. */
export function roomIdOf(verifier: Uint8Array): string {
  const label = te.encode('tandem/relay/room-id/v1');
  const data = new Uint8Array(label.length + verifier.length);
  data.set(label);
  data.set(verifier, label.length);
  return base64url(sha256(data).subarray(0, 16));
}

/** The room key of a 32-byte session key. */
export function roomKeyOf(sessionKey: Uint8Array): RoomKey {
  const seed = hkdf(sha256, sessionKey, te.encode('tandem/relay/room-key/v1'), te.encode('ed25519 seed'), 32);
  const verifier = ed25519.getPublicKey(seed);
  return { seed, verifier, roomId: roomIdOf(verifier) };
}

/** The bytes a token's signature covers. */
export function roomAuthMessage(method: RoomAuthMethod, target: string, body: Uint8Array | string, ts: number, nonce: string): Uint8Array {
  const bytes = typeof body === 'string' ? te.encode(body) : body;
  return te.encode(['tandem/relay/auth/v1', method, target, bytes.length ? bytesToHex(sha256(bytes)) : '', ts, nonce].join('\n'));
}

/** A signed token for one request. `target` starts with `/v1/rooms/`; `now` is the caller's idea of the relay's clock. */
export function signRoomRequest(key: RoomKey, method: RoomAuthMethod, target: string, body: Uint8Array | string, now: number): string {
  const nonce = bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(16)));
  const ts = Math.floor(now);
  const sig = ed25519.sign(roomAuthMessage(method, target, body, ts, nonce), key.seed);
  return `1.${bytesToHex(key.verifier)}.${ts}.${nonce}.${bytesToHex(sig)}`;
}

/** Strictly parses a token; null when malformed. */
export function parseRoomAuthToken(text: string): RoomAuthToken | null {
  const m = TOKEN.exec(text);
  if (!m) return null;
  // TOKEN has four mandatory groups: a match holds them all.
  return { verifier: hexToBytes(m[1]!), ts: Number(m[2]), nonce: m[3]!, sig: hexToBytes(m[4]!) };
}
