/**
 * Finishing a change of generation on the new generation's paired channel
 * (docs/generations.md, "Finishing later").
 *
 * The ceremony's room is a rolling log: once every member read a statement
 * the relay drops it, so a device that died after reading the others'
 * statements (but before counting them) finds nothing there when it comes
 * back. It asks instead, on the paired channel of the generation it stored
 * (which every device of that generation keeps using): a signed `stored-ask`
 * naming the ceremony and digest. Every device that stored that generation —
 * still pending, or committed since (it keeps `settled` for this) — answers
 * with its signed `stored` statement again. Statements are checked exactly as
 * in the ceremony (signature of the device of the new generation, same
 * ceremony, party and digest): asking changes who may send them, not what
 * counts.
 */
import type { DeviceVault, VaultMember } from './device-vault.js';
import { controlFrom, controlKind, signControl, type StoredMsg } from './control.js';
import {
  collectAcks,
  finishPending,
  type GenerationOutcome,
  type GenerationStore,
  type OpenRoom,
  ownStatement,
  selfParty,
  settle,
  withAck,
} from './generations.js';
import type { Mailbox } from './mailbox.js';

/** The paired channel of the generation a pending record waits on: none for a device that leaves (it is not in it). */
export function newChannelOf(record: DeviceVault): DeviceVault['channel'] | null {
  const p = record.pending;
  if (!p || p.kind === 'retire') return null;
  return p.kind === 'next' ? p.next!.channel : record.channel;
}

/** This device's signed statement that it stored generation `digest` of `ceremony`, if it did. */
export function statementFor(vault: DeviceVault, ceremony: string, digest: string): (StoredMsg & { sig: string }) | null {
  const p = vault.pending;
  if (p && p.ceremony === ceremony && p.digest === digest) return ownStatement(vault.identity, selfParty(vault), p);
  const s = vault.settled;
  if (s && s.ceremony === ceremony && s.digest === digest)
    return signControl(vault.identity, { t: 'stored', sessionId: ceremony, party: s.party, digest });
  return null;
}

/** Every device `vault` knows in the generation it uses and the one it waits on. */
function knownDevices(vault: DeviceVault): VaultMember[] {
  return [...vault.members, ...(vault.pending?.awaiting ?? [])];
}

/**
 * Answers every signed `stored-ask` of a device of the vault on `mailbox`
 * (the paired channel) with this device's statement, when it stored that
 * generation. `vault()` is read at each ask (the record may change meanwhile).
 * Returns the function that stops answering.
 */
export function answerStoredAsks(mailbox: Mailbox, vault: () => DeviceVault | null): () => void {
  return mailbox.listen(
    (d) => controlKind(d) === 'stored-ask',
    (d) => {
      const v = vault();
      if (!v) return;
      const asker = knownDevices(v).find((m) => m.identity.deviceId === d.from);
      const ask = asker ? controlFrom('stored-ask', asker.identity, d) : null;
      if (!ask) return; // unsigned, forged, or not a device of the vault: dropped
      const statement = statementFor(v, ask.sessionId, ask.digest);
      if (statement) mailbox.send('all', statement).catch(() => undefined);
    },
  );
}

/**
 * A pending device asks on `mailbox` (the channel of {@link newChannelOf})
 * for the statements it misses, says its own again, and collects answers for
 * up to `timeoutMs` (or until `stopped` rejects). Commits when all are in;
 * otherwise the record stays pending, stored as it is.
 */
export async function askForStatements(opts: {
  record: DeviceVault;
  store: GenerationStore;
  mailbox: Mailbox;
  timeoutMs: number;
  stopped?: Promise<never>;
  /**
   * Calls `again` when a device shows up on the channel (joins it): the
   * relay drops what every member read, so a device that joins after the
   * ask was read by the others (or by this device alone) is asked again.
   * Returns the function that stops calling it.
   */
  onPeer?: (again: () => void) => () => void;
}): Promise<GenerationOutcome> {
  const p = opts.record.pending;
  const self = selfParty(opts.record);
  if (!p || p.kind === 'retire' || self === undefined) return settle(opts.store, opts.record, false);
  const me = opts.record.identity;
  const ask = async () => {
    await opts.mailbox.send('all', signControl(me, { t: 'stored-ask', sessionId: p.ceremony, party: self, digest: p.digest }));
    const own = ownStatement(me, self, p);
    if (own) await opts.mailbox.send('all', own);
  };
  await ask();
  const record = withAck(opts.record, me.deviceId); // its own statement counts (it is stored)
  const again = () => void ask().catch(() => undefined);
  const unlisten = opts.onPeer?.(again);
  // A device of the vault whose connection comes back (relay presence) may not have seen the ask either.
  const unwatch = opts.mailbox.transport.onPresence?.((_device, online) => online && again());
  try {
    const stop = opts.stopped ? { departed: () => opts.stopped! } : undefined;
    const got = await collectAcks(opts.mailbox, record, opts.timeoutMs, stop);
    return await settle(opts.store, got.record, got.record !== opts.record);
  } finally {
    unlisten?.();
    unwatch?.();
  }
}

/** Opens a paired channel as this device; `onPeer` as in {@link askForStatements}. */
export type OpenChannel = (
  channel: DeviceVault['channel'],
  deviceId: string,
) => Promise<{ mailbox: Mailbox; close(): Promise<void>; onPeer?: (again: () => void) => () => void }>;

/**
 * Finishes a pending change of generation as far as it can now, for up to
 * `timeoutMs` in each place: the ceremony's room first (statements still
 * there, its own said again), then the new generation's channel (asking).
 * Never throws for an unreachable relay: the record stays pending as stored.
 */
export async function finishLater(opts: {
  record: DeviceVault;
  store: GenerationStore;
  openRoom: OpenRoom;
  openChannel: OpenChannel;
  timeoutMs: number;
}): Promise<GenerationOutcome> {
  const out = await finishPending({ record: opts.record, store: opts.store, open: opts.openRoom, timeoutMs: opts.timeoutMs });
  if (out.kind !== 'member' || !out.vault.pending) return out;
  const channel = newChannelOf(out.vault);
  if (!channel) return out;
  let opened: Awaited<ReturnType<OpenChannel>>;
  try {
    opened = await opts.openChannel(channel, out.vault.identity.deviceId);
  } catch {
    return out;
  }
  try {
    return await askForStatements({
      record: out.vault,
      store: opts.store,
      mailbox: opened.mailbox,
      timeoutMs: opts.timeoutMs,
      ...(opened.onPeer ? { onPeer: opened.onPeer } : {}),
    });
  } catch {
    return out;
  } finally {
    await opened.close().catch(() => undefined);
  }
}

/**
 * While a device whose record is pending `next` signs with its previous
 * generation, it keeps finishing the change on the new generation's channel
 * (docs/generations.md, "Signing while a change is pending"): a co-signer
 * that came back after this device last tried — and committed, so it now
 * listens only on the new channel — answers the ask there. `committed`
 * resolves with the committed record when every statement is in, or null
 * (nothing to watch, the relay could not be reached, `stop()` was called or
 * `timeoutMs` ran out). It also answers other devices' asks on that channel.
 */
export function keepFinishing(opts: { record: DeviceVault; store: GenerationStore; openChannel: OpenChannel; timeoutMs: number }): {
  committed: Promise<DeviceVault | null>;
  stop(): void;
} {
  let stop: () => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = () => reject(new Error('stopped'));
  });
  stopped.catch(() => undefined);
  const channel = opts.record.pending?.kind === 'next' ? newChannelOf(opts.record) : null;
  const run = async (): Promise<DeviceVault | null> => {
    if (!channel) return null;
    let opened: Awaited<ReturnType<OpenChannel>>;
    try {
      opened = await Promise.race([opts.openChannel(channel, opts.record.identity.deviceId), stopped]);
    } catch {
      return null;
    }
    let current = opts.record;
    const unanswer = answerStoredAsks(opened.mailbox, () => current);
    try {
      const out = await askForStatements({
        record: opts.record,
        store: opts.store,
        mailbox: opened.mailbox,
        timeoutMs: opts.timeoutMs,
        stopped,
        ...(opened.onPeer ? { onPeer: opened.onPeer } : {}),
      });
      if (out.kind !== 'member') return null;
      current = out.vault;
      return out.vault.pending ? null : out.vault;
    } catch {
      return null;
    } finally {
      unanswer();
      await opened.close().catch(() => undefined);
    }
  };
  return { committed: run(), stop };
}
