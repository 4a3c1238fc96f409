/**
 * The phone finishes a pending change of generation later
 * (docs/generations.md): when it is unlocked, each pending vault gets a few
 * seconds in its ceremony's room, then on the new generation's channel; a
 * re-share still pending after that keeps asking on the new channel while
 * the page is open and unlocked (the other devices answer when they next
 * use it). Nothing is deleted unless every device of the new generation said
 * it stored its share.
 */
import { CHANNEL_TTL_SECONDS, channelOf, vaultId, type DeviceVault } from '../../session/device-vault';
import { askForStatements, finishLater, newChannelOf, type OpenChannel } from '../../session/generation-asks';
import type { GenerationOutcome, GenerationStore } from '../../session/generations';
import { openMailbox, type OpenedMailbox, type OpenMailboxOptions } from '../../session/relay-transport';
import type { UnlockedStore } from './vault-store';

/** How long a pending change may wait for answers in each place when the phone is unlocked. */
export const FINISH_TIMEOUT_MS = 3000;
/** How long a re-share still pending keeps asking on the new channel (the page is open). */
const KEEP_ASKING_MS = 24 * 3600_000;

export async function finishOnPhone(opts: {
  vault: DeviceVault;
  store: UnlockedStore;
  open?: (o: OpenMailboxOptions) => Promise<OpenedMailbox>;
  /** Rejects when the phone locks or the page stops listening: the record stays as stored. */
  stopped: Promise<never>;
}): Promise<GenerationOutcome> {
  const open = opts.open ?? openMailbox;
  const id = vaultId(opts.vault);
  const store: GenerationStore = {
    save: async (r) => void (await opts.store.save(r, true)),
    remove: () => opts.store.remove(id),
  };
  const openChannel: OpenChannel = async (channel, deviceId) => {
    const o = await open({ ...channelOf({ channel }), deviceId, ttlSeconds: CHANNEL_TTL_SECONDS });
    return { mailbox: o.mailbox, close: () => o.close() }; // a device that connects is asked again (relay presence)
  };
  const out = await finishLater({
    record: opts.vault,
    store,
    openRoom: async (room, deviceId) => {
      const o = await open({ ...room, deviceId, readAfter: 0, ttlSeconds: CHANNEL_TTL_SECONDS });
      return { mailbox: o.mailbox, close: () => o.close() };
    },
    openChannel,
    timeoutMs: FINISH_TIMEOUT_MS,
  });
  // Key generation: the channel this phone serves answers for it; a re-share: its own channel is asked until answered.
  if (out.kind !== 'member' || out.vault.pending?.kind !== 'next') return out;
  const channel = newChannelOf(out.vault)!;
  const opened = await openChannel(channel, out.vault.identity.deviceId).catch(() => null);
  if (!opened) return out;
  try {
    return await askForStatements({
      record: out.vault,
      store,
      mailbox: opened.mailbox,
      timeoutMs: KEEP_ASKING_MS,
      stopped: opts.stopped,
    });
  } catch {
    return out;
  } finally {
    await opened.close().catch(() => undefined);
  }
}
