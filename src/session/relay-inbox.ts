/**
 * Where accepted relay messages go: to the `onMessage` handlers when any are
 * registered, else to a queue read by {@link Inbox.next}.
 */
import { RelayTimeout, type ReceivedMessage } from './relay-types.js';

interface Waiter {
  resolve: (m: ReceivedMessage) => void;
  reject: (e: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
}

export class Inbox {
  private readonly queue: ReceivedMessage[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly handlers = new Set<(m: ReceivedMessage) => void>();
  private closedBy: Error | null = null;

  /** The next message, waiting up to `timeoutMs`. */
  next(timeoutMs: number): Promise<ReceivedMessage> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      w.timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new RelayTimeout(`no message from the relay within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  onMessage(handler: (m: ReceivedMessage) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  deliver(msg: ReceivedMessage): void {
    for (const h of this.handlers) {
      try {
        h(msg);
      } catch {
        // a handler's failure must not stop delivery
      }
    }
    if (this.handlers.size > 0) return;
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      w.resolve(msg);
    } else {
      this.queue.push(msg);
    }
  }

  /** Rejects every pending {@link next} with `e`. */
  failWaiters(e: Error): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  /** Rejects pending and later {@link next} calls once the queue is empty. */
  close(e: Error): void {
    this.closedBy = e;
    this.failWaiters(e);
  }
}
