/**
 * The session layer's view of a transport, and a mailbox on top of it.
 *
 * A {@link CeremonyTransport} moves JSON payloads between the devices of one
 * room (the relay client does this end-to-end encrypted). A {@link Mailbox}
 * buffers everything that arrives so that the steps of a ceremony (hello,
 * roster, the protocols, confirmations) can each take the messages they want,
 * in any arrival order, with a deadline.
 */
import { TandemError } from '../errors/index.js';

/** One message as delivered by the transport, sender as the transport authenticated it. */
export interface Delivery {
  from: string;
  payload: unknown;
}

export interface CeremonyTransport {
  /** This device's id in the room. */
  readonly deviceId: string;
  /** Sends a JSON payload to one device or to every other device in the room. */
  send(to: string | 'all', payload: unknown): Promise<void>;
  /** Registers the handler for incoming messages (called once per delivered message, in order). */
  onMessage(handler: (d: Delivery) => void): void;
  /** Devices that have joined the room so far (including this one). */
  participants(): Promise<string[]>;
  /** Leaves the room. */
  close(): Promise<void>;
  /**
   * Registers a handler for transport faults that lose messages in flight
   * (the relay lost the room and it was created again). The mailbox fails
   * every pending wait with the error, which names the relay.
   */
  onFault?(handler: (e: Error) => void): void;
  /**
   * Registers a handler for what the relay says about the other devices'
   * connections: `online: false` when one dropped, `true` when it came back.
   * Returns the unsubscribe function. Optional: transports without presence omit it.
   */
  onPresence?(handler: (deviceId: string, online: boolean) => void): () => void;
}

/** Raised when a wait runs out; `waitingFor` says on whom. */
export class CeremonyTimeout extends TandemError<'ceremony.timeout'> {
  override name = 'CeremonyTimeout';
  constructor(
    message: string,
    readonly waitingFor: string[],
    /** What was awaited, where the code alone does not say it (e.g. `answers`: the co-signers' answers to a signing request). */
    stage?: string,
  ) {
    super('ceremony.timeout', message, { details: stage === undefined ? { waitingFor } : { waitingFor, stage } });
  }
}

interface Waiter {
  match: (d: Delivery) => boolean;
  resolve: (d: Delivery) => void;
  reject: (e: Error) => void;
}

export class Mailbox {
  private readonly queue: Delivery[] = [];
  private waiters: Waiter[] = [];
  private listeners: Array<(d: Delivery) => boolean> = [];

  constructor(readonly transport: CeremonyTransport) {
    transport.onMessage((d) => this.deliver(d));
    transport.onFault?.((e) => this.fail(e));
  }

  get deviceId(): string {
    return this.transport.deviceId;
  }

  send(to: string | 'all', payload: unknown): Promise<void> {
    return this.transport.send(to, payload);
  }

  /** Fails every pending {@link take} with `e` (a transport fault lost what they wait for). */
  private fail(e: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  private deliver(d: Delivery): void {
    for (const l of this.listeners) if (l(d)) return;
    const i = this.waiters.findIndex((w) => w.match(d));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(d);
      return;
    }
    this.queue.push(d);
    if (this.queue.length > 10_000) this.queue.shift();
  }

  /** Takes the first buffered or future message matching `match`, or rejects after `timeoutMs`. */
  take(match: (d: Delivery) => boolean, timeoutMs: number, onTimeout: () => CeremonyTimeout): Promise<Delivery> {
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(onTimeout());
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Streams every buffered and future message matching `match` to `handler`
   * until the returned function is called.
   */
  listen(match: (d: Delivery) => boolean, handler: (d: Delivery) => void): () => void {
    const pending = this.queue.filter(match);
    for (const d of pending) this.queue.splice(this.queue.indexOf(d), 1);
    const l = (d: Delivery) => {
      if (!match(d)) return false;
      handler(d);
      return true;
    };
    this.listeners.push(l);
    for (const d of pending) handler(d);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }
}
