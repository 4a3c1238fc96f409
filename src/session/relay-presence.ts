/**
 * The relay client's view of who in the room is connected (see "Presence"
 * in src/relay/wire.ts): set from the list in the relay's hello or a
 * long-poll answer, updated by `presence` frames. Each change is reported
 * once, as a {@link PresenceEvent}. What the relay says is checked strictly
 * (party ids, booleans, a bounded list) and anything else is ignored.
 */
import { canonicalParty, type RelayParty } from '../relay/wire.js';
import { partyRef, type PartyRef } from './relay-types.js';

/** Another party's connection to the relay dropped (`online: false`) or came back. */
export interface PresenceEvent {
  party: PartyRef;
  online: boolean;
}

/** More parties than a room may hold (the relay's `maxPartiesPerRoom` is 32). */
const MAX_LISTED = 256;

export class PresenceView {
  private readonly online = new Set<RelayParty>();
  private readonly handlers = new Set<(e: PresenceEvent) => void>();

  constructor(private readonly self: RelayParty) {}

  /** Parties other than this one connected now, as last told by the relay. */
  list(): PartyRef[] {
    return [...this.online].map(partyRef);
  }

  on(handler: (e: PresenceEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** A `presence` frame: `{ party, online }`. */
  change(party: unknown, online: unknown): void {
    const p = canonicalParty(party);
    if (p === null || p === this.self || typeof online !== 'boolean') return;
    if (online === this.online.has(p)) return;
    if (online) this.online.add(p);
    else this.online.delete(p);
    this.emit({ party: partyRef(p), online });
  }

  /** The full list (hello, long-poll answer): reports who came and who went since the last word. */
  reset(list: unknown): void {
    if (!Array.isArray(list) || list.length > MAX_LISTED) return;
    const now = new Set<RelayParty>();
    for (const x of list) {
      const p = canonicalParty(x);
      if (p === null) return;
      if (p !== this.self) now.add(p);
    }
    for (const p of [...this.online]) if (!now.has(p)) this.change(p, false);
    for (const p of now) this.change(p, true);
  }

  private emit(e: PresenceEvent): void {
    for (const h of [...this.handlers]) {
      try {
        h(e);
      } catch {
        // One handler's failure must not keep the event from the others.
      }
    }
  }
}
