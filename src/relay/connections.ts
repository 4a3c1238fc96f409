/**
 * TCP connection limits, before any byte is parsed: at most
 * `maxConnections` sockets in all (below the process's descriptor limit) and
 * `maxSocketsPerAddress` from one peer address; a socket that is over either
 * is closed at once. Slow or idle clients are dropped by the timeouts set
 * here: headers within `headersTimeoutMs` (checked every second, so a
 * slowloris client is gone within about that long), a whole request within
 * `requestTimeoutMs`, and an idle keep-alive socket after 5 s. WebSockets
 * have their own liveness (ping every 30 s, see room-socket.ts).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RelayLimits } from './limits.js';

export function guardConnections(server: Server, limits: RelayLimits): void {
  const perAddress = new Map<string, number>();
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const n = (perAddress.get(address) ?? 0) + 1;
    if (n > limits.maxSocketsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, n);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
}
