/**
 * A vault's change of generation (key generation, re-share) as one state
 * machine for every device: pending → committed → previous wiped. The rules
 * and why they are safe are in docs/generations.md.
 *
 * After every device confirmed the same result, each device
 *  1. durably stores the new generation as PENDING, keeping the previous one
 *     (a leaving device keeps its share and marks it as retiring);
 *  2. says so with a signed `stored` statement;
 *  3. once it holds the statement of EVERY device of the new generation, the
 *     new one is complete: it COMMITS (the previous generation is wiped; a
 *     leaving device deletes its share).
 * A device that does not get every statement (a device died, the relay went
 * away) keeps its pending record and finishes later ({@link finishPending}):
 * the statements stay in the ceremony's room, and its own is sent again.
 *
 * Storage is the caller's ({@link GenerationStore}): the extension's vault
 * store, the phone's, the command-line co-signer's files.
 */
import { TandemError } from '../errors/index.js';
import type { PartyId } from '../tss/errors.js';
import type { DeviceVault, PendingGeneration, PendingKind, VaultMember } from './device-vault.js';
import { controlFrom, signControl } from './control.js';
import type { DeviceIdentity } from './identity.js';
import { CeremonyTimeout, type Mailbox } from './mailbox.js';
import type { Liveness } from './liveness.js';
import { CeremonyAbort } from './run-protocol.js';

/** Where a device keeps its record of a vault. */
export interface GenerationStore {
  /** Durably stores `record` as this device's record of the vault (replacing the one before). */
  save(record: DeviceVault): Promise<void>;
  /** Deletes this device's record of the vault (it left, and every new device stored its share). */
  remove(): Promise<void>;
}

/** A store that keeps nothing (tests and benchmarks hold the result in memory). */
export const MEMORY_STORE: GenerationStore = { save: async () => undefined, remove: async () => undefined };

/** How a change of generation ended for this device. */
export type GenerationOutcome =
  /** This device holds the new generation; `vault.pending` is set while it is not known complete. */
  | { kind: 'member'; vault: DeviceVault; missing: string[] }
  /** This device left the vault and deleted its share (every new device stored its own). */
  | { kind: 'retired' }
  /** This device left, but keeps its share until every new device said it stored its own. */
  | { kind: 'retiring'; vault: DeviceVault; missing: string[] };

/** The record a device stores right after every device confirmed: `current` is what it held before (if anything). */
export function stage(opts: {
  kind: PendingKind;
  current?: DeviceVault | undefined;
  fresh?: DeviceVault;
  ceremony: string;
  digest: string;
  room: PendingGeneration['room'];
  awaiting: VaultMember[];
}): DeviceVault {
  const base = opts.kind === 'unconfirmed' ? opts.fresh : opts.current;
  if (!base || (opts.kind === 'next' && !opts.fresh)) throw new Error(`generations: a ${opts.kind} record needs its shares`);
  const { pending: _old, ...held } = base;
  return {
    ...held,
    pending: {
      kind: opts.kind,
      ceremony: opts.ceremony,
      digest: opts.digest,
      room: opts.room,
      awaiting: opts.awaiting,
      acked: [],
      ...(opts.kind === 'next' ? { next: opts.fresh! } : {}),
    },
  };
}

/** `record` with `deviceId`'s signed statement counted. */
export function withAck(record: DeviceVault, deviceId: string): DeviceVault {
  const p = record.pending;
  if (!p || p.acked.includes(deviceId) || !p.awaiting.some((m) => m.identity.deviceId === deviceId)) return record;
  return { ...record, pending: { ...p, acked: [...p.acked, deviceId] } };
}

/** Devices of the new generation whose statement is still missing. */
export function missingAcks(record: DeviceVault): string[] {
  const p = record.pending;
  return p ? p.awaiting.map((m) => m.identity.deviceId).filter((d) => !p.acked.includes(d)) : [];
}

/**
 * The record once complete: the new generation alone (previous wiped), or
 * null for a retiring device (delete it). Throws while statements are missing.
 */
export function commit(record: DeviceVault): DeviceVault | null {
  const p = record.pending;
  if (!p) return record;
  const missing = missingAcks(record);
  if (missing.length) {
    throw new TandemError('generation.notStored', 'generations: not every device stored the new generation', { details: { missing } });
  }
  if (p.kind === 'retire') return null;
  // Kept so that this device can repeat its statement to one that missed the end (generation-asks.ts).
  const settled = { ceremony: p.ceremony, digest: p.digest, party: selfParty(record)! };
  if (p.kind === 'next') return { ...p.next!, settled };
  const { pending: _p, ...done } = record;
  return { ...done, settled };
}

/** What the record's owner says about it: its signed `stored` statement (none for a retiring device). */
export function ownStatement(me: DeviceIdentity, self: PartyId | undefined, p: PendingGeneration) {
  if (p.kind === 'retire' || self === undefined) return null;
  return signControl(me, { t: 'stored', sessionId: p.ceremony, party: self, digest: p.digest });
}

export function selfParty(record: DeviceVault): PartyId | undefined {
  const p = record.pending;
  const mine = record.identity.deviceId;
  return p?.awaiting.find((m) => m.identity.deviceId === mine)?.party;
}

/**
 * Collects the signed `stored` statements of `record`'s missing devices from
 * `mailbox` until all are in, the time is up, or `liveness` says a device is
 * gone (`stopped`: the caller gave up). Returns the record with what arrived.
 */
export async function collectAcks(
  mailbox: Mailbox,
  record: DeviceVault,
  timeoutMs: number,
  liveness?: Pick<Liveness, 'departed'>,
): Promise<{ record: DeviceVault; error?: unknown }> {
  const p = record.pending!;
  const deadline = Date.now() + timeoutMs;
  let r = record;
  try {
    for (const m of p.awaiting) {
      if (r.pending!.acked.includes(m.identity.deviceId)) continue;
      const take = mailbox.take(
        (d) => {
          const s = controlFrom('stored', m.identity, d);
          return !!s && s.sessionId === p.ceremony && s.party === m.party && s.digest === p.digest;
        },
        Math.max(1, deadline - Date.now()),
        () => new CeremonyTimeout(`${m.identity.deviceId} did not say it stored the new generation in time`, [m.identity.deviceId]),
      );
      // Only this device's departure matters here: a device whose statement is in may go.
      await (liveness ? Promise.race([take, liveness.departed(m.identity.deviceId)]) : take);
      r = withAck(r, m.identity.deviceId);
    }
    return { record: r };
  } catch (error) {
    return { record: r, error };
  }
}

/** The outcome a record stands for, after storing what it became (`changed`: unless it is what is stored already). */
export async function settle(store: GenerationStore, record: DeviceVault, changed = true): Promise<GenerationOutcome> {
  const missing = missingAcks(record);
  if (missing.length === 0) {
    const done = commit(record);
    if (done === null) {
      await store.remove();
      return { kind: 'retired' };
    }
    await store.save(done);
    return { kind: 'member', vault: done, missing };
  }
  if (changed) await store.save(record);
  return record.pending!.kind === 'retire' ? { kind: 'retiring', vault: record, missing } : { kind: 'member', vault: record, missing };
}

export type GenerationStep = 'stored' | 'acked';

/**
 * Steps 1–3 inside the ceremony, right after every device confirmed: store
 * `staged` (pending), send this device's statement, collect the others', then
 * commit or keep the record pending. Never throws for a missing statement:
 * the record stays pending and the outcome lists who is missing.
 */
export async function settleGeneration(opts: {
  mailbox: Mailbox;
  store: GenerationStore;
  staged: DeviceVault;
  timeoutMs: number;
  liveness?: Liveness;
  onStep?: (step: GenerationStep) => void;
}): Promise<GenerationOutcome & { error?: unknown }> {
  await opts.store.save(opts.staged);
  opts.onStep?.('stored');
  let record = opts.staged;
  const statement = ownStatement(record.identity, selfParty(record), record.pending!);
  if (statement) {
    await opts.mailbox.send('all', statement);
    record = withAck(record, record.identity.deviceId);
    opts.onStep?.('acked');
  }
  const got = await collectAcks(opts.mailbox, record, opts.timeoutMs, opts.liveness);
  const outcome = await settle(opts.store, got.record);
  return got.error === undefined ? outcome : { ...outcome, error: got.error };
}

/** Opens a relay room as this device (the caller's transport). */
export type OpenRoom = (room: PendingGeneration['room'], deviceId: string) => Promise<{ mailbox: Mailbox; close(): Promise<void> }>;

/**
 * Finishes a pending change of generation later (the device missed the end
 * of its ceremony): in the ceremony's room it says again that it stored its
 * share and reads every statement there, for up to `timeoutMs`. Commits when
 * all are in; otherwise the record stays as it was (pending, previous kept).
 */
export async function finishPending(opts: {
  record: DeviceVault;
  store: GenerationStore;
  open: OpenRoom;
  timeoutMs: number;
}): Promise<GenerationOutcome> {
  const p = opts.record.pending;
  if (!p) return { kind: 'member', vault: opts.record, missing: [] };
  let room: Awaited<ReturnType<OpenRoom>>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the relay did not answer')), 10_000);
    });
    room = await Promise.race([opts.open(p.room, opts.record.identity.deviceId), late]);
  } catch {
    const missing = missingAcks(opts.record);
    return p.kind === 'retire' ? { kind: 'retiring', vault: opts.record, missing } : { kind: 'member', vault: opts.record, missing };
  } finally {
    clearTimeout(timer);
  }
  try {
    const statement = ownStatement(opts.record.identity, selfParty(opts.record), p);
    let record = opts.record;
    if (statement) {
      await room.mailbox.send('all', statement);
      // Its own statement counts (the record is stored: it was killed before saying so, or before saving that it did).
      record = withAck(record, record.identity.deviceId);
    }
    const got = await collectAcks(room.mailbox, record, opts.timeoutMs);
    return await settle(opts.store, got.record, got.record !== opts.record);
  } finally {
    await room.close().catch(() => undefined);
  }
}

/** A device left behind: it holds a generation the vault's other devices replaced. */
export class GenerationBehind extends CeremonyAbort {
  constructor(message: string, deviceId: string | null) {
    super(message, deviceId, 'generation.behind');
  }
}

/** One line for people about a pending record (no secrets). */
export function describePending(record: DeviceVault): string | null {
  const p = record.pending;
  if (!p) return null;
  // This device's own statement counts once its record is stored (finishPending sends it again): never listed.
  const missing = missingAcks(record)
    .filter((d) => d !== record.identity.deviceId)
    .join(', ');
  if (p.kind === 'retire')
    return `leaving the vault is pending: this device keeps its share until ${missing} say they stored the new generation`;
  if (p.kind === 'next')
    return `re-share pending: this device keeps and signs with generation ${record.ecdsa.epoch} until ${missing} say they stored generation ${p.next!.ecdsa.epoch}`;
  return `generation ${record.ecdsa.epoch} is not confirmed by ${missing} yet: do not rely on it alone until they are (or re-share)`;
}
