/**
 * The client address a request is counted against (rate limits, rooms and
 * connections per address).
 */
import type { IncomingMessage } from 'node:http';

/**
 * Client address of a request: the socket's peer or, behind a trusted proxy,
 * the last X-Forwarded-For entry (the one that proxy added; earlier entries
 * are whatever the client claimed).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.at(-1) : xff)?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  const a = req.socket.remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
