/**
 * HTTP requests to one room of the relay's API, and the error they throw.
 */
import type { RelayErrorBody } from '../relay/wire.js';

/** An error answer from the relay (or a failure to reach it). */
export class RelayRequestError extends Error {
  override readonly name = 'RelayRequestError';
  constructor(
    /** HTTP status; 0 when the relay could not be reached. */
    readonly status: number,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`relay refused (${status} ${code}): ${reason}`);
  }
}

/** Sends JSON requests to `/v1/rooms/:sid/...` on one relay. */
export class RoomHttp {
  private readonly fetchFn: typeof fetch;

  constructor(
    /** Relay base URL without a trailing slash. */
    readonly base: string,
    readonly sessionId: string,
    fetchFn: typeof fetch | undefined,
  ) {
    const f = fetchFn ?? globalThis.fetch;
    this.fetchFn = (...a) => f(...a);
  }

  /** The room's URL with `path` (`''`, `'join'`, `'messages?…'`) appended. */
  url(path: string): string {
    return `${this.base}/v1/rooms/${encodeURIComponent(this.sessionId)}${path ? (path.startsWith('?') ? path : `/${path}`) : ''}`;
  }

  /**
   * One request; resolves with the JSON answer, throws {@link RelayRequestError}.
   * A `rate_limited` refusal (e.g. many devices behind one address) is retried
   * a few times after a growing, jittered pause before it is reported.
   */
  async request(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce(method, path, body, signal);
      } catch (e) {
        if (!(e instanceof RelayRequestError && e.code === 'rate_limited') || attempt >= 8 || signal?.aborted) throw e;
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 4000) * (0.5 + Math.random() / 2)));
      }
    }
  }

  private async requestOnce(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url(path), {
        method,
        headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (e) {
      throw new RelayRequestError(
        0,
        'unreachable',
        `could not reach the relay at ${this.base}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RelayRequestError(res.status, 'bad_response', 'the relay answered with something that is not JSON');
    }
    if (!res.ok) {
      const e = json as Partial<RelayErrorBody>;
      throw new RelayRequestError(res.status, String(e.error ?? 'error'), String(e.reason ?? 'no reason given'));
    }
    return json;
  }
}
