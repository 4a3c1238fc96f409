/**
 * Which browser origins may call the relay. Only origins that are configured
 * are allowed (plus the relay's own origin, for the co-signer page it
 * serves). A pattern is an exact origin (`https://cosigner.example`) or an
 * origin with `*` standing for one host label, e.g. `chrome-extension://*`
 * for any extension id: a wildcard must be configured explicitly.
 *
 * Requests without an Origin header (Node clients, the CLI co-signer) are not
 * browser cross-origin requests and are let through.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class OriginPolicy {
  private readonly exact = new Set<string>();
  private readonly patterns: RegExp[] = [];

  constructor(allowed: readonly string[]) {
    for (const raw of allowed) {
      const o = raw.trim().replace(/\/+$/, '');
      if (!o) continue;
      if (o.includes('*')) {
        const re = o.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[A-Za-z0-9-]+');
        this.patterns.push(new RegExp(`^${re}$`));
      } else {
        this.exact.add(o.toLowerCase());
      }
    }
  }

  /** True when `origin` may use the relay from a page with `host` as the relay's own host. */
  allows(origin: string, host: string | undefined): boolean {
    const o = origin.toLowerCase();
    if (host && (o === `http://${host.toLowerCase()}` || o === `https://${host.toLowerCase()}`)) return true;
    return this.exact.has(o) || this.patterns.some((re) => re.test(origin));
  }

  /**
   * Checks the request's Origin. Returns false when it is not allowed (the
   * caller answers 403). Sets the CORS response headers when it is.
   */
  apply(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (!this.allows(origin, req.headers.host)) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
    return true;
  }
}
