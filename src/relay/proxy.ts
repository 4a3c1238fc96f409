/**
 * The relay behind a reverse proxy (Caddy, an ingress): which peers may speak
 * for the client, and the public URL the relay is reached at.
 *
 * Forwarded headers (`X-Forwarded-For`, `-Proto`, `-Host`) are believed only
 * when the TCP peer is one of the configured trusted proxies (addresses or
 * CIDR ranges, e.g. `172.28.0.10` or `10.0.0.0/8`); from anyone else they are
 * ignored, so a client cannot pick its own rate-limit bucket or claim to be
 * someone else. The client address is the right-most `X-Forwarded-For` entry
 * that is not itself a trusted proxy (entries left of it were written by the
 * client and prove nothing).
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { RelayConfigError } from './errors.js';

/** Strips the IPv4-mapped IPv6 prefix Node reports for IPv4 peers on a dual-stack socket. */
export function normalizeAddress(a: string): string {
  const s = a.trim();
  return s.toLowerCase().startsWith('::ffff:') && isIP(s.slice(7)) === 4 ? s.slice(7) : s;
}

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /**
   * `entries`: addresses or CIDR ranges, IPv4 or IPv6. Throws a RelayConfigError
   * (`relayConfig.trustedProxy`) naming the entry that is neither.
   */
  constructor(entries: readonly string[]) {
    let n = 0;
    for (const raw of entries) {
      const e = raw.trim();
      if (!e) continue;
      const [addr = '', bits, extra] = e.split('/');
      const family = isIP(addr);
      const max = family === 4 ? 32 : 128;
      if (!family || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) {
        throw new RelayConfigError(
          'relayConfig.trustedProxy',
          'address',
          `trusted proxy ${JSON.stringify(e.slice(0, 60))} is not an IP address or CIDR range`,
        );
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(addr, type);
      else this.list.addSubnet(addr, Number(bits), type);
      n++;
    }
    this.size = n;
  }

  /** Parses a comma- or space-separated list (the RELAY_TRUSTED_PROXIES format). */
  static parse(text: string | undefined): TrustedProxies {
    return new TrustedProxies((text ?? '').split(/[\s,]+/));
  }

  trusts(address: string | undefined): boolean {
    if (!address || this.size === 0) return false;
    const a = normalizeAddress(address);
    const family = isIP(a);
    if (!family) return false;
    return this.list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** True when this request arrived from a trusted proxy (its forwarded headers count). */
  fromProxy(req: IncomingMessage): boolean {
    return this.trusts(req.socket.remoteAddress);
  }

  /** The client's address: the socket peer, or what a trusted proxy forwarded. */
  clientAddress(req: IncomingMessage): string {
    const peer = normalizeAddress(req.socket.remoteAddress ?? 'unknown');
    if (!this.trusts(peer)) return peer;
    const hops = headerList(req.headers['x-forwarded-for']);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeAddress(hops[i]!);
      if (!isIP(hop)) return peer; // garbage in the chain: fall back to the proxy itself
      if (!this.trusts(hop)) return hop;
    }
    return hops.length ? normalizeAddress(hops[0]!) : peer;
  }

  /**
   * The origin this request reached the relay at (`https://relay.example`):
   * the forwarded scheme and host from a trusted proxy, else this socket's
   * scheme and the Host header.
   */
  requestOrigin(req: IncomingMessage): string | null {
    const proxied = this.fromProxy(req);
    const encrypted = !!(req.socket as TLSSocket).encrypted;
    const proto =
      (proxied ? headerList(req.headers['x-forwarded-proto']).at(-1)?.toLowerCase() : undefined) ?? (encrypted ? 'https' : 'http');
    const host = (proxied ? headerList(req.headers['x-forwarded-host']).at(-1) : undefined) ?? req.headers.host;
    if ((proto !== 'http' && proto !== 'https') || !host || !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host))
      return null;
    return `${proto}://${host.toLowerCase()}`;
  }
}

function headerList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v.join(',') : v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Checks a public URL (`--public-url`, RELAY_PUBLIC_URL): an http(s) origin
 * with no path, query or credentials. Returns it without a trailing slash.
 */
export function parsePublicUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new RelayConfigError('relayConfig.publicUrl', 'url', `public URL ${JSON.stringify(text.slice(0, 100))} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new RelayConfigError('relayConfig.publicUrl', 'scheme', 'public URL must start with https:// (or http:// for a local test)');
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== ''))
    throw new RelayConfigError(
      'relayConfig.publicUrl',
      'originOnly',
      'public URL must be an origin only, e.g. https://relay.example.com (the relay serves /v1 and /cosigner/ at its root)',
    );
  return u.origin;
}

/** The WebSocket base of an http(s) origin: `https://x` -> `wss://x`. */
export function webSocketBase(origin: string): string {
  return origin.replace(/^http(s?):/, 'ws$1:');
}
