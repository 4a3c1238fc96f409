/**
 * `GET /v1/rooms/:sid/messages`: answers at once when there are messages for
 * the party, else waits for one (up to `wait` ms) or for another party's
 * presence to change. A waiting poll counts as one of the address's
 * connections. The reader holds a presence lease (presence.ts) while it
 * waits and `pollPresenceMs` after: a reader that stops polling goes offline.
 */
import type { ServerResponse } from 'node:http';
import { unknownRoom } from './errors.js';
import type { RelayCore } from './core.js';
import { connectionId } from './presence.js';
import type { PollQuery } from './requests.js';
import { isFor } from './store.js';
import type { PollAnswer } from './wire.js';

/** The messages for the poll, or null when the client left while waiting. */
export async function longPoll(
  core: RelayCore,
  sid: string,
  q: PollQuery,
  address: string,
  res: ServerResponse,
): Promise<PollAnswer | null> {
  const { store } = core;
  if (!(await store.isMember(sid, q.party))) await core.notMember(sid, q.party);
  const conn = connectionId();
  const grace = core.limits.pollPresenceMs;
  await store.presence.hold(sid, q.party, conn, Date.now() + q.wait + grace);
  try {
    const result = await waitForMessages(core, sid, q, address, res);
    return result && { ...result, online: await store.presence.online(sid) };
  } finally {
    // Until its next poll, the reader stays online for the grace.
    await store.presence.hold(sid, q.party, conn, Date.now() + grace).catch(() => {});
  }
}

async function waitForMessages(core: RelayCore, sid: string, q: PollQuery, address: string, res: ServerResponse) {
  const { store } = core;
  const after = q.after ?? (await store.acked(sid, q.party));
  if (q.wait > 0) core.acquire(address, 'connections and long-polls');
  const waiter = new Waiter(q.wait);
  core.live.add(waiter);
  res.on('close', () => waiter.gone());
  let unsubscribe = () => {};
  try {
    if (q.wait > 0) {
      unsubscribe = await store.subscribe(sid, (e) => {
        if ((e.kind === 'msg' && isFor(e.msg, q.party)) || e.kind === 'complete') waiter.wake();
        else if (e.kind === 'presence' && e.party !== q.party) waiter.wake();
      });
    }
    let result = await store.read(sid, q.party, after, q.limit);
    while (result && result.messages.length === 0 && !result.complete && !waiter.woken && q.wait > 0) {
      await waiter.woke;
      if (waiter.left) return null;
      result = await store.read(sid, q.party, result.cursor, q.limit);
    }
    if (!result) throw unknownRoom();
    return result;
  } finally {
    waiter.stop();
    unsubscribe();
    core.live.delete(waiter);
    if (q.wait > 0) core.release(address);
  }
}

/** Wakes a waiting poll: on an event, at its deadline, on shutdown, or when the client leaves. */
class Waiter {
  woken = false;
  left = false;
  readonly woke: Promise<void>;
  private resolve = () => {};
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(wait: number) {
    this.woke = new Promise<void>((r) => {
      this.resolve = r;
    });
    this.timer = setTimeout(() => this.wake(), wait);
  }

  wake(): void {
    this.woken = true;
    this.resolve();
  }

  gone(): void {
    this.left = true;
    this.wake();
  }

  shutdown(): void {
    this.wake();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
