/**
 * Room capabilities, the relay's side (the scheme is in wire.ts): every
 * request on a room must carry a token signed with the room's key. The
 * relay keeps no verifier of its own: the room id commits to it, so a
 * token's verifier is checked against the id, then its signature over the
 * request, its timestamp against the relay's clock, and its nonce against
 * the ones already used in the room.
 *
 * Checks run cheapest first, so a stranger's guesses cost a string
 * comparison and a hash; a signature is verified only for the room's own
 * verifier. Refusals: 401 `auth_required`, `auth_malformed`, `auth_expired`
 * (the body carries the relay's `serverTime` so a client with a wrong clock
 * can correct it), `auth_replayed`; 403 `wrong_credential` (a key for
 * another room), `bad_signature`.
 */
import type { IncomingMessage } from 'node:http';
import { RelayError } from './errors.js';
import type { RelayStore } from './store.js';
import { webcrypto } from 'node:crypto';
import {
  parseRoomAuthToken,
  ROOM_AUTH_SCHEME,
  ROOM_AUTH_WINDOW_MS,
  type RoomAuthMethod,
  type RoomAuthToken,
  roomAuthMessage,
  roomIdOf,
} from './wire.js';

/** What one request on a room presents. */
export interface RoomRequest {
  sid: string;
  method: RoomAuthMethod;
  /** Path and query from `/v1/rooms/` on (WebSocket: without the `auth` parameter). */
  target: string;
  /** The exact body bytes (empty when none). */
  body: Uint8Array;
  /** The token, or undefined when the request carries none. */
  token: string | undefined;
}

const SEE = 'sign it with the room key (see "Room capabilities" in src/relay/wire.ts)';
const AUTH_QUERY = /[?&]auth=([^&]*)$/;

/** Throws the refusal when `r` is not authorised for its room. */
export async function authorise(store: RelayStore, r: RoomRequest, now = Date.now()): Promise<void> {
  if (r.token === undefined) throw new RelayError(401, 'auth_required', `requests on a room need its capability: ${SEE}`);
  const t = parseRoomAuthToken(r.token);
  if (!t) throw new RelayError(401, 'auth_malformed', `the room capability token is malformed: ${SEE}`);
  if (roomIdOf(t.verifier) !== r.sid) throw new RelayError(403, 'wrong_credential', 'this capability is not the one of this room');
  if (Math.abs(t.ts - now) > ROOM_AUTH_WINDOW_MS) {
    throw new RelayError(
      401,
      'auth_expired',
      `the request's timestamp is more than ${ROOM_AUTH_WINDOW_MS / 1000} s from the relay's clock`,
      {
        serverTime: now,
      },
    );
  }
  if (!(await signatureValid(t, roomAuthMessage(r.method, r.target, r.body, t.ts, t.nonce)))) {
    throw new RelayError(403, 'bad_signature', 'the capability signature does not cover this request');
  }
  if (!(await store.claimNonce(r.sid, t.nonce, 2 * ROOM_AUTH_WINDOW_MS))) {
    throw new RelayError(401, 'auth_replayed', 'this signed request was already used; sign each request anew');
  }
}

/**
 * Ed25519 (RFC 8032) verification by the platform's WebCrypto (OpenSSL in
 * Node): about 25 times faster than a pure-JS verify, which matters when
 * every HTTP request is verified. Clients sign with @noble/curves.
 */
async function signatureValid(t: RoomAuthToken, message: Uint8Array): Promise<boolean> {
  try {
    const key = await webcrypto.subtle.importKey('raw', t.verifier, 'Ed25519', false, ['verify']);
    return await webcrypto.subtle.verify('Ed25519', key, t.sig, message);
  } catch {
    return false;
  }
}

/** The signed target of a request URL: from `/v1/rooms/` on. */
export function roomTarget(rawUrl: string): string {
  const i = rawUrl.indexOf('/v1/rooms/');
  return i >= 0 ? rawUrl.slice(i) : rawUrl;
}

/** The token of an HTTP request (`Authorization: TandemRoom <token>`), or undefined. */
export function httpToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const prefix = `${ROOM_AUTH_SCHEME} `;
  return h.startsWith(prefix) ? h.slice(prefix.length) : '';
}

/** A WebSocket upgrade's token (the last query parameter) and the target it signs. */
export function wsTokenAndTarget(rawUrl: string): { token: string | undefined; target: string } {
  const target = roomTarget(rawUrl);
  const m = AUTH_QUERY.exec(target);
  if (!m) return { token: /[?&]auth=/.test(target) ? '' : undefined, target };
  return { token: m[1], target: target.slice(0, m.index) };
}
