/**
 * `GET /v1/rooms/:sid/messages`: answers at once when there are messages for
 * the party, else waits for one (up to `wait` ms). A waiting poll counts as
 * one of the address's connections.
 */
import type { ServerResponse } from 'node:http';
import { unknownRoom } from './errors.js';
import type { RelayCore } from './core.js';
import type { PollQuery } from './requests.js';
import { isFor, type ReadResult } from './store.js';

/** The messages for the poll, or null when the client left while waiting. */
export async function longPoll(
  core: RelayCore,
  sid: string,
  q: PollQuery,
  address: string,
  res: ServerResponse,
): Promise<ReadResult | null> {
  const { store } = core;
  if (!(await store.isMember(sid, q.party))) await core.notMember(sid, q.party);
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
