/**
 * The relay's limits (rate limits: rate-limit.ts). Every limit is
 * enforced with a refusal whose code names it (table in README.md); nothing
 * grows without bound: rooms and messages expire, a room is a rolling log
 * bounded in messages and bytes, each client address holds a bounded number
 * of rooms and bytes, and the store as a whole a bounded number of bytes.
 */

export interface RelayLimits {
  /** Largest message body (base64url characters = bytes). */
  maxMessageBytes: number;
  /**
   * Messages a room may hold at once (its backlog). A room is a rolling log:
   * messages every member acknowledged, or older than `messageTtlMs`, are
   * dropped, so a channel in normal use never reaches this.
   */
  maxMessagesPerRoom: number;
  /** Bytes of message bodies a room may hold at once. */
  maxRoomBytes: number;
  /** Bytes of message bodies held in all the rooms one client address created. */
  maxBytesPerAddress: number;
  /** Bytes of message bodies the whole store may hold (memory: this instance; Redis: all instances). */
  maxStoreBytes: number;
  /** A message older than this is dropped even if not every member acknowledged it (ms). */
  messageTtlMs: number;
  /** Bytes of request bodies being read at once, over all requests (this instance). */
  maxInflightBytes: number;
  /** TCP connections this instance accepts in all (keep it below the descriptor limit). */
  maxConnections: number;
  /** TCP connections from one peer address. */
  maxSocketsPerAddress: number;
  /** A request's headers must arrive within this (ms): slow-header clients are dropped. */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this (ms). */
  requestTimeoutMs: number;
  /** Parties that may join one room. */
  maxPartiesPerRoom: number;
  /** Live rooms one client address may create. */
  maxRoomsPerAddress: number;
  /** Sustained requests (HTTP requests and WebSocket frames) per second per address. */
  requestsPerSecond: number;
  /** Burst allowance on top of the sustained rate. */
  requestBurst: number;
  /**
   * Ceiling on the requests one address makes with room credentials, over all
   * its rooms (a room's own budget is `requestsPerSecond`): many vaults behind
   * one NAT fit under it, and nobody multiplies their budget by making rooms.
   */
  addressRequestsPerSecond: number;
  addressRequestBurst: number;
  /** Longest a WebSocket frame over the rate waits for its turn before it is refused (ms). */
  maxFrameWaitMs: number;
  /** Open WebSocket connections per address. */
  maxConnectionsPerAddress: number;
  /** Room time-to-live when the joining client asks for none (ms). Refreshed on every join and post. */
  roomTtlMs: number;
  /** Longest time-to-live a client may ask for (ms), e.g. for a paired channel. */
  maxRoomTtlMs: number;
  /** Time-to-live of a room once marked complete (ms): late readers can still fetch. */
  completedTtlMs: number;
  /** Longest long-poll wait (ms). */
  maxPollWaitMs: number;
  /** A long-poll reader that has not polled again this long after its last poll returned is reported offline (ms). */
  pollPresenceMs: number;
  /** Largest JSON request body (bytes). */
  maxRequestBytes: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxMessageBytes: 512 * 1024,
  maxMessagesPerRoom: 5000,
  maxRoomBytes: 8 * 1024 * 1024,
  maxBytesPerAddress: 32 * 1024 * 1024,
  maxStoreBytes: 256 * 1024 * 1024,
  // A signing request lives at most an hour (MAX_REQUEST_LIFETIME_MS), plus clock skew.
  messageTtlMs: 65 * 60_000,
  maxInflightBytes: 64 * 1024 * 1024,
  maxConnections: 8192,
  maxSocketsPerAddress: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxPartiesPerRoom: 32,
  maxRoomsPerAddress: 100,
  requestsPerSecond: 200,
  requestBurst: 400,
  addressRequestsPerSecond: 2000,
  addressRequestBurst: 4000,
  maxFrameWaitMs: 5000,
  maxConnectionsPerAddress: 200,
  roomTtlMs: 15 * 60_000,
  maxRoomTtlMs: 7 * 24 * 3600_000,
  completedTtlMs: 60_000,
  maxPollWaitMs: 25_000,
  pollPresenceMs: 5000,
  maxRequestBytes: 600 * 1024,
};

/** Merges overrides into the defaults; throws on unknown keys or values that are not positive numbers. */
export function resolveLimits(overrides: Partial<RelayLimits> = {}): RelayLimits {
  const out: RelayLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(overrides)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, k)) throw new TypeError(`unknown relay limit ${k}`);
    if (typeof v !== 'number' || !(v > 0)) throw new TypeError(`relay limit ${k} must be a positive number`);
    out[k as keyof RelayLimits] = v;
  }
  return out;
}
