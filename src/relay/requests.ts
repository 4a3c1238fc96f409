/**
 * One strict parser per request: each takes the raw body (or query) and
 * returns a typed request or throws the {@link RelayError} the client gets.
 * Handlers only ever see parsed requests.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, RelayError } from './errors.js';
import type { RelayLimits } from './limits.js';
import { canonicalParty, canonicalRecipient, isMessageBody, isSessionId, type RelayParty } from './wire.js';

/** Most messages one read returns. */
export const READ_BATCH = 256;

export interface JoinBody {
  party: RelayParty;
  ttlMs: number;
}
export interface PostBody {
  from: RelayParty;
  to: RelayParty | '*';
  body: string;
}
export interface AckBody {
  party: RelayParty;
  seq: number;
}
export interface PollQuery {
  party: RelayParty;
  /** null: resume from the party's acknowledgement. */
  after: number | null;
  wait: number;
  limit: number;
}
export interface WsQuery {
  party: RelayParty;
  after: number | null;
}

export function parseSessionId(sid: string): string {
  if (!isSessionId(sid)) throw badRequest('bad_session_id', 'session id must be 16..64 base64url characters');
  return sid;
}

export function parseParty(x: unknown, field: string): RelayParty {
  const p = canonicalParty(x);
  if (p === null) throw badRequest('bad_party', `${field} must be an integer 0..65535 or 1..64 characters of [A-Za-z0-9_.:-]`);
  return p;
}

export function parseJoin(body: Record<string, unknown>, limits: RelayLimits): JoinBody {
  const party = parseParty(body.party, 'party');
  let ttlMs = limits.roomTtlMs;
  if (body.ttlSeconds !== undefined) {
    if (typeof body.ttlSeconds !== 'number' || !Number.isInteger(body.ttlSeconds) || body.ttlSeconds < 1) {
      throw badRequest('bad_ttl', 'ttlSeconds must be a positive integer');
    }
    ttlMs = Math.min(body.ttlSeconds * 1000, limits.maxRoomTtlMs);
  }
  return { party, ttlMs };
}

/** The recipient and body of a post (HTTP or WebSocket); the sender is checked by the caller. */
export function parseMessage(rawTo: unknown, body: unknown, limits: RelayLimits): Omit<PostBody, 'from'> {
  const to = canonicalRecipient(rawTo);
  if (to === null) throw badRequest('bad_recipient', "to must be a party id or '*'");
  if (typeof body === 'string' && body.length > limits.maxMessageBytes) {
    throw new RelayError(413, 'message_too_large', `message body is ${body.length} bytes; the limit is ${limits.maxMessageBytes}`);
  }
  if (!isMessageBody(body)) throw badRequest('bad_body', 'body must be non-empty base64url text (the encrypted message)');
  return { to, body };
}

export function parsePost(body: Record<string, unknown>, limits: RelayLimits): PostBody {
  const from = parseParty(body.from, 'from');
  return { from, ...parseMessage(body.to, body.body, limits) };
}

export function parseSeq(x: unknown): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw badRequest('bad_seq', 'seq must be a non-negative integer');
  return x;
}

export function parseAck(body: Record<string, unknown>): AckBody {
  return { party: parseParty(body.party, 'party'), seq: parseSeq(body.seq) };
}

export function parseComplete(body: Record<string, unknown>): { party: RelayParty } {
  return { party: parseParty(body.party, 'party') };
}

function parseAfter(raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\d{1,15}$/.test(raw)) throw badRequest('bad_after', 'after must be a non-negative integer');
  return Number(raw);
}

export function parsePollQuery(q: URLSearchParams, limits: RelayLimits): PollQuery {
  const party = parseParty(q.get('party') ?? undefined, 'party');
  const after = parseAfter(q.get('after'));
  const waitRaw = q.get('wait') ?? '0';
  if (!/^\d{1,9}$/.test(waitRaw)) throw badRequest('bad_wait', 'wait must be milliseconds');
  const wait = Math.min(Number(waitRaw), limits.maxPollWaitMs);
  const limitRaw = q.get('limit') ?? String(READ_BATCH);
  if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1) throw badRequest('bad_limit', 'limit must be 1..9999');
  return { party, after, wait, limit: Math.min(Number(limitRaw), READ_BATCH) };
}

export function parseWsQuery(q: URLSearchParams): WsQuery {
  return { party: parseParty(q.get('party') ?? undefined, 'party'), after: parseAfter(q.get('after')) };
}

/** Bytes of request bodies being read, over all requests: a bound on the memory they take. */
export class InflightBudget {
  private used = 0;
  constructor(private readonly max: number) {}
  take(n: number): boolean {
    if (this.used + n > this.max) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used -= n;
  }
}

const busy = () => new RelayError(503, 'relay_busy', 'the relay is reading too many request bodies at once; retry shortly');

/** Reads a JSON object body of at most `maxBytes`, counting it against `budget` while it is read. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, budget: InflightBudget): Promise<Record<string, unknown>> {
  return parseJsonObject(await readBody(req, maxBytes, budget));
}

/** Reads a body of at most `maxBytes` as its exact bytes, counting it against `budget` while it is read. */
export function readBody(req: IncomingMessage, maxBytes: number, budget: InflightBudget): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      req.resume();
      reject(new RelayError(413, 'request_too_large', `request body is ${declared} bytes; the limit is ${maxBytes}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (e: RelayError) => {
      failed = true;
      budget.give(size);
      chunks.length = 0;
      req.resume();
      reject(e);
    };
    req.on('data', (c: Buffer) => {
      if (failed) return;
      if (size + c.length > maxBytes) return fail(new RelayError(413, 'request_too_large', `request body exceeds ${maxBytes} bytes`));
      if (!budget.take(c.length)) return fail(busy());
      size += c.length;
      chunks.push(c);
    });
    req.on('error', () => {
      if (!failed) fail(badRequest('bad_request', 'request body could not be read'));
    });
    req.on('close', () => {
      if (!failed && !req.complete) fail(badRequest('bad_request', 'request body could not be read'));
    });
    req.on('end', () => {
      if (failed) return;
      failed = true;
      budget.give(size);
      resolveBody(Buffer.concat(chunks));
    });
  });
}

/** A JSON object, or throws `malformed_json`. */
export function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badRequest('malformed_json', 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('malformed_json', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
