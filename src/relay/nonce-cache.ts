/**
 * The nonces of room capability tokens seen in the last minutes, for one
 * relay instance (the in-memory store; Redis keeps them as keys with a TTL).
 * Entries are added only after a signature checked out, so strangers cannot
 * fill it; it is bounded all the same.
 */
import { RelayError } from './errors.js';

export class NonceCache {
  /** key -> expiry (ms). Insertion order is expiry order: every entry lives the same ttl. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 500_000,
  ) {}

  /** True the first time `sid`/`nonce` is claimed within `ttlMs`. */
  claim(sid: string, nonce: string, ttlMs: number): boolean {
    const now = this.now();
    this.sweep(now);
    const key = `${sid} ${nonce}`;
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.maxEntries) {
      throw new RelayError(503, 'relay_busy', 'the relay is handling too many signed requests; retry in a minute');
    }
    this.seen.set(key, now + ttlMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    for (const [key, expires] of this.seen) {
      if (expires > now) return;
      this.seen.delete(key);
    }
  }
}
