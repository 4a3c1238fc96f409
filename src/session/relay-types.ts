/**
 * Types shared by the relay client's parts (see relay-client.ts): options,
 * what a message looks like once accepted or rejected, the checkpoint, and
 * the slice of the WebSocket API the client uses.
 */
import type { RelayParty } from '../relay/wire.js';
import type { RejectReason } from './crypto.js';

/** A party id: a device id (integer) or a string. */
export type PartyRef = number | string;

/** The subset of the WebSocket API the client uses (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface RelayClientOptions {
  /** Relay base URL (from the pairing payload), http(s). */
  relayUrl: string;
  sessionId: string;
  /** The 32-byte session key. Used to derive the message key; never sent. */
  sessionKey: Uint8Array;
  /** This party's id. */
  self: PartyRef;
  /** WebSocket class; default `globalThis.WebSocket`. In Node 20 pass `ws`'s `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** fetch; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** `auto` (default): WebSocket, falling back to long-poll when it cannot connect. */
  transport?: 'auto' | 'ws' | 'poll';
  /** Room time-to-live to ask for when creating the room. */
  ttlSeconds?: number;
  /** State from {@link RelayClient.checkpoint} of an earlier run. */
  resume?: RelayCheckpoint;
  /** Long-poll wait (ms), default 20 000. */
  pollWaitMs?: number;
  /** Reconnect back-off bounds (ms), default 100 .. 5 000. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Application-level ping over the WebSocket (ms), default 15 000; a missing pong forces a reconnect. */
  pingIntervalMs?: number;
}

/** A decrypted, checked message. */
export interface ReceivedMessage {
  from: PartyRef;
  /** `'all'` for a broadcast. */
  to: PartyRef | 'all';
  payload: unknown;
  /** The sender's sequence number. */
  senderSeq: number;
  /** Position in the room. */
  roomSeq: number;
}

/** What to keep to resume a client after a restart. Contains no key material. */
export interface RelayCheckpoint {
  cursor: number;
  sendSeq: number;
  /** Highest accepted sender sequence number per party. */
  lastSeen: Record<string, number>;
}

export interface RejectedMessage {
  reason: RejectReason;
  from: PartyRef;
  roomSeq: number;
  detail: string;
}

/** Thrown by {@link RelayClient.next} when no message arrives in time. */
export class RelayTimeout extends Error {
  override readonly name = 'RelayTimeout';
}

/** Party ids that are decimal integers 0..65535 come back as numbers. */
export function partyRef(p: RelayParty): PartyRef {
  return /^(?:0|[1-9][0-9]{0,4})$/.test(p) && Number(p) <= 0xffff ? Number(p) : p;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
