/**
 * The relay client's HTTP long-poll, used when no WebSocket can be opened
 * (see relay-link.ts): asks for the room's messages after the sink's cursor,
 * waits until they are processed, and retries with back-off while the relay
 * cannot be reached. A room that is gone is recovered by the link.
 */
import type { PollAnswer, RelayParty } from '../relay/wire.js';
import { isRoomGone, type RoomHttp } from './relay-http.js';
import type { LinkSink } from './relay-link.js';
import { delay, type RelayClientOptions } from './relay-types.js';

/** What the poll needs from its link. */
export interface PollOwner {
  readonly closed: boolean;
  /** Joins the lost room again and reads it from the start. */
  recover(): Promise<void>;
}

export class LongPoll {
  private abort: AbortController | null = null;
  private backoff: number;

  constructor(
    private readonly http: RoomHttp,
    private readonly self: RelayParty,
    private readonly opts: RelayClientOptions,
    private readonly sink: LinkSink,
    private readonly owner: PollOwner,
  ) {
    this.backoff = opts.reconnectMinMs ?? 100;
  }

  /** Ends the request in flight (the loop asks again, from the sink's cursor, unless the link closed). */
  interrupt(): void {
    this.abort?.abort();
  }

  /** Polls until the link closes. */
  async run(): Promise<void> {
    const wait = this.opts.pollWaitMs ?? 20_000;
    while (!this.owner.closed) {
      this.abort = new AbortController();
      try {
        const after = this.sink.cursor > 0 || this.opts.resume ? `&after=${this.sink.cursor}` : '';
        const q = `?party=${encodeURIComponent(this.self)}${after}&wait=${wait}`;
        const r = (await this.http.request('GET', `messages${q}`, undefined, this.abort.signal)) as PollAnswer;
        this.sink.online(r.online);
        this.sink.receive(r.messages);
        await this.sink.drained();
        this.sink.cursor = Math.max(this.sink.cursor, r.cursor);
        if (r.complete) this.sink.event({ type: 'complete' });
        this.backoff = this.opts.reconnectMinMs ?? 100;
        if (r.complete && r.messages.length === 0) await delay(Math.min(wait, 1000));
      } catch (e) {
        if (this.owner.closed) return;
        if (isRoomGone(e)) {
          await this.owner.recover().catch(() => {});
          continue;
        }
        await delay(this.backoff);
        this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs ?? 5000);
      }
    }
  }
}
