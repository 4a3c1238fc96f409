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
 * | `GET  /v1/rooms/:sid/messages`             | `?party=&after=&wait=&limit=`     | `{ messages: RelayMessage[], complete }` (long-poll) |
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
 * `body` is opaque to the relay: the client puts end-to-end encrypted
 * ciphertext there (base64url text, see `src/session/crypto.ts`).
 */

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
  | { type: 'hello'; room: RoomInfo }
  | { type: 'msg'; msg: RelayMessage }
  | { type: 'posted'; id: number; seq: number }
  | { type: 'joined'; party: RelayParty }
  | { type: 'complete' }
  | { type: 'error'; error: string; reason: string; status: number; id?: number }
  | { type: 'pong' };

/** Frames a client sends over the WebSocket. */
export type ClientFrame =
  | { type: 'post'; id: number; to: RelayParty | '*'; body: string }
  | { type: 'ack'; seq: number }
  | { type: 'ping' };

/** An error answer. `error` is a stable machine-readable code. */
export interface RelayErrorBody {
  error: string;
  reason: string;
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
