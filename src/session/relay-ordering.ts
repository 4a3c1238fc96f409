/**
 * The checks every incoming relay message passes, in order (see
 * relay-client.ts): a room position already processed is a duplicate
 * (dropped silently); a message for another party is misaddressed; it must
 * decrypt under the session key with associated data binding session,
 * sender, recipient and the sender's sequence number; the sender's sequence
 * number must be new (else `replay`) and larger than every earlier one from
 * that sender (else `out_of_order`).
 *
 * Holds the client's position in the room (the cursor) and what it has
 * accepted from each sender.
 */
import type { RelayMessage, RelayParty } from '../relay/wire.js';
import { SealedMessageRejected, type SessionCipher, type RejectReason } from './crypto.js';
import { partyRef, type ReceivedMessage, type RelayCheckpoint, type RejectedMessage } from './relay-types.js';

const utf8Decode = new TextDecoder();

/** What became of one message: delivered, rejected, or nothing (a duplicate, or our own). */
export type Verdict = { accepted: ReceivedMessage } | { rejected: RejectedMessage } | null;

export class RoomOrdering {
  /** The last room position processed. */
  cursor = 0;
  readonly stats = { received: 0, duplicates: 0, rejected: 0 };
  private readonly lastSeen = new Map<RelayParty, number>();
  private readonly seenSeqs = new Map<RelayParty, Set<number>>();

  constructor(
    private readonly self: RelayParty,
    private readonly cipher: SessionCipher,
    resume?: RelayCheckpoint,
  ) {
    if (resume) {
      this.cursor = resume.cursor;
      for (const [p, s] of Object.entries(resume.lastSeen)) this.lastSeen.set(p, s);
    }
  }

  /** Highest accepted sender sequence number per party. */
  lastSeenRecord(): Record<string, number> {
    return Object.fromEntries(this.lastSeen);
  }

  /** Checks one message and advances the cursor past it. */
  async check(m: RelayMessage): Promise<Verdict> {
    if (!Number.isSafeInteger(m?.seq) || m.seq <= this.cursor) {
      this.stats.duplicates++;
      return null;
    }
    this.cursor = m.seq;
    const reject = (reason: RejectReason, detail: string): Verdict => {
      this.stats.rejected++;
      return { rejected: { reason, from: partyRef(String(m.from)), roomSeq: m.seq, detail } };
    };
    if (typeof m.from !== 'string' || typeof m.to !== 'string' || typeof m.body !== 'string') return reject('malformed', 'bad envelope');
    if (m.from === this.self) return null;
    if (m.to !== '*' && m.to !== this.self) return reject('misaddressed', `addressed to ${m.to}`);
    let opened: { seq: number; plaintext: Uint8Array };
    try {
      opened = await this.cipher.open(m.from, m.to, m.body);
    } catch (e) {
      return reject(e instanceof SealedMessageRejected ? e.reason : 'decrypt', e instanceof Error ? e.message : 'failed');
    }
    const seen = this.seenSeqs.get(m.from) ?? new Set<number>();
    const last = this.lastSeen.get(m.from) ?? 0;
    if (seen.has(opened.seq) || (opened.seq <= last && !seen.size)) {
      // A sender seq already accepted: a replay (or a sender's retry after a dropped
      // connection). Never delivered twice.
      return reject('replay', `sender seq ${opened.seq} was already accepted`);
    }
    if (opened.seq <= last) return reject('out_of_order', `sender seq ${opened.seq} after ${last}`);
    let payload: unknown;
    try {
      payload = JSON.parse(utf8Decode.decode(opened.plaintext));
    } catch {
      return reject('malformed', 'plaintext is not JSON');
    }
    seen.add(opened.seq);
    this.seenSeqs.set(m.from, seen);
    this.lastSeen.set(m.from, opened.seq);
    this.stats.received++;
    const to = m.to === '*' ? 'all' : partyRef(m.to);
    return { accepted: { from: partyRef(m.from), to, payload, senderSeq: opened.seq, roomSeq: m.seq } };
  }
}
