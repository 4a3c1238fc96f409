/**
 * The co-signer's side of docs/generations.md: its vault files as a
 * {@link GenerationStore}, and finishing a pending change of generation
 * before `serve` or `sign` uses the vault.
 */
import { CHANNEL_TTL_SECONDS, channelOf, type DeviceVault } from '../session/device-vault.js';
import { finishLater, newChannelOf } from '../session/generation-asks.js';
import { describePending, type GenerationStore, type OpenRoom } from '../session/generations.js';
import { openMailbox } from '../session/relay-transport.js';
import type { CommandContext } from './context.js';

/** The vault file `id` as a generation store; the first save may create it (`replace: false`), later ones replace it. */
export function fileStore(ctx: CommandContext, id: () => string, password: string, replaceFirst: boolean): GenerationStore {
  let replace = replaceFirst;
  return {
    async save(record: DeviceVault) {
      await ctx.store.save(record, password, { replace });
      replace = true;
    },
    async remove() {
      ctx.store.remove(id());
    },
  };
}

/** Opens a ceremony room again, from its first message (the statements left there). */
export const openRoomAgain: OpenRoom = async (room, deviceId) => {
  const opened = await openMailbox({ ...room, deviceId, readAfter: 0, ttlSeconds: CHANNEL_TTL_SECONDS });
  return { mailbox: opened.mailbox, close: () => opened.close() };
};

/**
 * A pending vault: tries to finish it (a few seconds in its ceremony's room).
 * Returns the record to use now, or null when this device retired meanwhile.
 */
export async function finishIfPending(ctx: CommandContext, id: string, vault: DeviceVault, password: string): Promise<DeviceVault | null> {
  if (!vault.pending) return vault;
  ctx.print(`pending: ${describePending(vault)}; asking the ceremony's room`);
  const store = fileStore(ctx, () => id, password, true);
  // The room first; it may have dropped statements every member read: then the new generation's devices are asked on its channel.
  const out = await finishLater({ record: vault, store, openRoom: openRoomAgain, openChannel: openChannelAgain, timeoutMs: 3000 });
  if (out.kind === 'retired') {
    ctx.print(`retired: every new device stored the new generation; this device's share of vault ${id} was deleted`);
    return null;
  }
  if (out.missing.length === 0) ctx.print(`complete: every device stored generation ${out.vault.ecdsa.epoch}; the previous one was wiped`);
  else ctx.print(`still pending: ${describePending(out.vault)}`);
  return out.vault;
}

/** The new generation's paired channel of a pending record, opened as this device (null for a leaving device). */
export async function openNewChannel(record: DeviceVault) {
  const channel = newChannelOf(record);
  return channel ? openChannelAgain(channel, record.identity.deviceId) : null;
}

/** Opens a paired channel (from this device's last position); a device joining it is a cue to ask again. */
const openChannelAgain = async (channel: DeviceVault['channel'], deviceId: string) => {
  const opened = await openMailbox({ ...channelOf({ channel }), deviceId, ttlSeconds: CHANNEL_TTL_SECONDS });
  return { ...opened, onPeer: (again: () => void) => opened.client.onJoin(again) };
};
