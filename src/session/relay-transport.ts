/**
 * The relay client as a ceremony transport, and a one-call way to open a
 * {@link Mailbox} on a relay room (a pairing session or a vault's paired
 * channel).
 *
 * Device ids are the relay's party ids. The relay hands back party ids that
 * look like small integers as numbers; the ceremony layer only deals in
 * device-id strings, so they are turned back into strings here.
 */
import { Mailbox, type CeremonyTransport, type Delivery } from './mailbox.js';
import { RoomHttp } from './relay-http.js';
import { RelayClient, type ReceivedMessage, type RejectedMessage, type WebSocketConstructor } from './relay-client.js';

export interface RelayTransportOptions {
  /**
   * Drop messages at or before this room position: what was in the room
   * before this device arrived. A co-signer joining a long-lived paired
   * channel uses it (see {@link OpenMailboxOptions.skipBacklog}) so that
   * requests left in the room from earlier sessions are not answered.
   */
  afterRoomSeq?: number | undefined;
  /** Called for every message the relay client rejected (wrong key, replay, ...). */
  onReject?: ((r: RejectedMessage) => void) | undefined;
}

/** Adapts a joined {@link RelayClient} to the session layer's {@link CeremonyTransport}. */
export function relayTransport(client: RelayClient, opts: RelayTransportOptions = {}): CeremonyTransport {
  let after = opts.afterRoomSeq ?? 0;
  if (opts.onReject) client.onReject(opts.onReject);
  // A room created again starts at position 1: its messages are all new.
  client.onRoomLost(() => {
    after = 0;
  });
  return {
    deviceId: String(client.self),
    async send(to: string | 'all', payload: unknown): Promise<void> {
      await client.send(to, payload);
    },
    onMessage(handler: (d: Delivery) => void): void {
      client.onMessage((m: ReceivedMessage) => {
        if (m.roomSeq <= after) return;
        handler({ from: String(m.from), payload: m.payload });
      });
    },
    async participants(): Promise<string[]> {
      return (await client.participants()).map(String);
    },
    async close(): Promise<void> {
      client.close();
    },
    onFault(handler: (e: Error) => void): void {
      client.onRoomLost(handler);
    },
    onPresence(handler: (deviceId: string, online: boolean) => void): () => void {
      return client.onPresence((e) => handler(String(e.party), e.online));
    },
  };
}

/** The room's last position (0 when the room does not exist yet, or the relay cannot say). */
export async function roomPosition(relayUrl: string, sessionId: string, sessionKey: Uint8Array): Promise<number> {
  const http = new RoomHttp(relayUrl.replace(/\/+$/, ''), sessionId, sessionKey, undefined);
  const info = (await http.request('GET', '', undefined).catch(() => null)) as { lastSeq?: unknown } | null;
  return typeof info?.lastSeq === 'number' && Number.isSafeInteger(info.lastSeq) ? info.lastSeq : 0;
}

/** The `WebSocket` class to use: the browser's, or the `ws` package's in Node. */
async function webSocketClass(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  // Node 20 has no global WebSocket (22 does, but `ws` is the one we test with).
  if (typeof process !== 'undefined' && process.versions?.node) {
    // A computed specifier: bundlers for the browser leave the `ws` package out.
    const pkg = 'ws';
    const mod = (await import(/* @vite-ignore */ pkg)) as { default?: unknown; WebSocket?: unknown };
    return (mod.default ?? mod.WebSocket) as WebSocketConstructor;
  }
  if (!global) throw new Error('this environment has no WebSocket');
  return global;
}

export interface OpenMailboxOptions extends RelayTransportOptions {
  relayUrl: string;
  sessionId: string;
  sessionKey: Uint8Array;
  deviceId: string;
  /** Room time-to-live to ask for when the room is created (a paired channel asks for days). */
  ttlSeconds?: number;
  /**
   * Ignore what the room held before this device joined (a co-signer on a
   * paired channel: old requests are not answered; an initiator whose
   * request went unanswered asks again).
   */
  skipBacklog?: boolean;
  /**
   * Read the room from just after this position instead of from this
   * device's last acknowledgement (a phone opened from a signing link reads
   * the channel from just before that request).
   */
  readAfter?: number;
  /** Override the WebSocket class (tests). */
  WebSocket?: WebSocketConstructor;
}

/** An open mailbox on a relay room and the client under it (close it with {@link OpenedMailbox.close}). */
export interface OpenedMailbox {
  mailbox: Mailbox;
  client: RelayClient;
  close(): Promise<void>;
}

/** Joins the relay room as `deviceId` and returns a mailbox over it. */
export async function openMailbox(opts: OpenMailboxOptions): Promise<OpenedMailbox> {
  const afterRoomSeq = opts.skipBacklog ? await roomPosition(opts.relayUrl, opts.sessionId, opts.sessionKey) : opts.afterRoomSeq;
  const client = await RelayClient.join({
    relayUrl: opts.relayUrl,
    sessionId: opts.sessionId,
    sessionKey: opts.sessionKey,
    self: opts.deviceId,
    WebSocket: opts.WebSocket ?? (await webSocketClass()),
    ...(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {}),
    ...(opts.readAfter !== undefined ? { resume: { cursor: opts.readAfter, sendSeq: 0, lastSeen: {} } } : {}),
  });
  // Only what the transport reads (not the whole options object, which holds the session key).
  const transport = relayTransport(client, { afterRoomSeq, onReject: opts.onReject });
  const mailbox = new Mailbox(transport);
  return { mailbox, client, close: () => transport.close() };
}
