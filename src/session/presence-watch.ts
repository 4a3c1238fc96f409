/**
 * Failing fast on a dropped device: the relay reports when a device's
 * connection drops and comes back (presence, see src/relay/presence.ts). A
 * ceremony peer that dropped and did not come back within a short grace is
 * gone — its process died, its machine went offline — and the ceremony can
 * stop naming it at once instead of waiting for heartbeats to go silent
 * (liveness.ts).
 *
 * The grace rides out a reconnect (the relay client retries after 100 ms,
 * doubling). A device whose own timers ran late (a busy or suspended
 * process) looks once more before judging, so that the report of the
 * peer's return, queued meanwhile, is read first.
 */
import type { CeremonyTransport } from './mailbox.js';

/** How long a dropped peer has to come back. */
export const DROP_GRACE_MS = 2000;
/** A timer this late means this device was stalled: look again after this much. */
const LATE_MS = 250;

/**
 * Calls `gone(deviceId)` once for each of `peers` whose connection the relay
 * reported dropped and that did not come back within `graceMs`. Returns the
 * function that stops watching. A transport without presence watches nothing.
 */
export function watchDrops(
  transport: CeremonyTransport,
  peers: readonly string[],
  graceMs: number,
  gone: (deviceId: string) => void,
): () => void {
  const watched = new Set(peers);
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const judge = (id: string, droppedAt: number, lookedAgain: boolean) => {
    if (!lookedAgain && Date.now() - droppedAt > graceMs + LATE_MS) {
      timers.set(
        id,
        setTimeout(() => judge(id, droppedAt, true), LATE_MS),
      );
      return;
    }
    timers.delete(id);
    gone(id);
  };
  const unsubscribe =
    transport.onPresence?.((id, online) => {
      if (!watched.has(id)) return;
      clearTimeout(timers.get(id));
      timers.delete(id);
      if (online) return;
      const droppedAt = Date.now();
      timers.set(
        id,
        setTimeout(() => judge(id, droppedAt, false), graceMs),
      );
    }) ?? (() => undefined);
  return () => {
    unsubscribe();
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  };
}
