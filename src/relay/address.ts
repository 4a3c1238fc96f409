/**
 * The client address a request is counted against (rate limits, rooms and
 * connections per address): the socket's peer or, when that peer is a
 * configured trusted proxy, the client it forwarded for (see proxy.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { TrustedProxies } from './proxy.js';

export function clientAddress(req: IncomingMessage, proxies: TrustedProxies): string {
  return proxies.clientAddress(req);
}
