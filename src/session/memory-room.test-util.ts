/** Test-only: an in-process room that delivers JSON-round-tripped payloads, like a relay would. */
import type { CeremonyTransport, Delivery } from './mailbox.js';

/** In-process room: delivers every payload, JSON round-tripped, to its addressees. */
export class Room {
  members = new Map<string, (d: Delivery) => void>();
  log: unknown[] = [];
  join(deviceId: string): CeremonyTransport {
    const room = this;
    return {
      deviceId,
      async send(to, payload) {
        const wire = JSON.parse(JSON.stringify(payload));
        room.log.push(wire);
        for (const [id, h] of room.members)
          if (id !== deviceId && (to === 'all' || to === id)) setTimeout(() => h({ from: deviceId, payload: wire }), 0);
      },
      onMessage(h) {
        room.members.set(deviceId, h);
      },
      async participants() {
        return [...room.members.keys()];
      },
      async close() {
        room.members.delete(deviceId);
      },
    };
  }
}
