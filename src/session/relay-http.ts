/**
 * HTTP requests to one room of the relay's API, each signed with the room's
 * capability key (see "Room capabilities" in src/relay/wire.ts), and the
 * error they throw.
 */
import { TandemError } from '../errors/index.js';
import { ROOM_AUTH_SCHEME, type RelayErrorBody, type RoomAuthMethod, type RoomKey, roomKeyOf, signRoomRequest } from '../relay/wire.js';

/** An error answer from the relay (or a failure to reach it). */
export class RelayRequestError extends Error {
  override readonly name = 'RelayRequestError';
  constructor(
    /** HTTP status; 0 when the relay could not be reached. */
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    /** With `auth_expired`: the relay's clock. */
    readonly serverTime?: number,
  ) {
    super(`relay refused (${status} ${code}): ${reason}`);
  }
}

/** Answers that mean the room, or our membership of it, is gone. */
export function isRoomGone(e: unknown): e is RelayRequestError {
  return e instanceof RelayRequestError && (e.code === 'unknown_room' || e.code === 'not_joined');
}

/** Sends signed JSON requests to `/v1/rooms/:sid/...` on one relay. */
export class RoomHttp {
  private readonly fetchFn: typeof fetch;
  private readonly key: RoomKey;
  /** The relay's clock minus ours, learnt from an `auth_expired` refusal. */
  private clockOffsetMs = 0;

  constructor(
    /** Relay base URL without a trailing slash. */
    readonly base: string,
    readonly sessionId: string,
    sessionKey: Uint8Array,
    fetchFn: typeof fetch | undefined,
  ) {
    this.key = roomKeyOf(sessionKey);
    if (this.key.roomId !== sessionId) {
      throw new TandemError('relay.wrongRoom', 'the session id is not the room of this session key (see roomKeyOf)', {
        details: { sessionId },
      });
    }
    const f = fetchFn ?? globalThis.fetch;
    this.fetchFn = (...a) => f(...a);
  }

  /** The room's path with `path` (`''`, `'join'`, `'messages?…'`) appended: what requests sign. */
  target(path: string): string {
    return `/v1/rooms/${encodeURIComponent(this.sessionId)}${path ? (path.startsWith('?') ? path : `/${path}`) : ''}`;
  }

  /** A token for one request (see wire.ts). */
  sign(method: RoomAuthMethod, target: string, body = ''): string {
    return signRoomRequest(this.key, method, target, body, Date.now() + this.clockOffsetMs);
  }

  /** The WebSocket URL for `query` (`party=…&after=…`), signed as its last parameter. */
  wsUrl(query: string): string {
    const target = `${this.target('ws')}?${query}`;
    const base = this.base.replace(/^http/, 'ws');
    return `${base}${target}&auth=${this.sign('WS', target)}`;
  }

  /**
   * One request; resolves with the JSON answer, throws {@link RelayRequestError}.
   * A `rate_limited` refusal (e.g. many devices behind one address) is retried
   * a few times after a growing, jittered pause before it is reported.
   */
  async request(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, path, body, signal);
      } catch (e) {
        if (!(e instanceof RelayRequestError)) throw e;
        if (e.code === 'auth_expired' && e.serverTime !== undefined && attempt === 1) {
          // A wrong clock: take the relay's and sign again.
          this.clockOffsetMs = e.serverTime - Date.now();
          continue;
        }
        if (e.code !== 'rate_limited' || attempt >= 8 || signal?.aborted) throw e;
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 4000) * (0.5 + Math.random() / 2)));
      }
    }
  }

  private async once(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const target = this.target(path);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Authorization: `${ROOM_AUTH_SCHEME} ${this.sign(method, target, text)}` };
    if (text !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${target}`, {
        method,
        headers,
        ...(text !== undefined ? { body: text } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      throw new RelayRequestError(
        0,
        'unreachable',
        `could not reach the relay at ${this.base}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(await res.text());
    } catch {
      throw new RelayRequestError(res.status, 'bad_response', 'the relay answered with something that is not JSON');
    }
    if (!res.ok) {
      const e = json as Partial<RelayErrorBody>;
      const serverTime = typeof e.serverTime === 'number' ? e.serverTime : undefined;
      throw new RelayRequestError(res.status, String(e.error ?? 'error'), String(e.reason ?? 'no reason given'), serverTime);
    }
    return json;
  }
}
