/**
 * The extension finishes a pending change of generation later
 * (docs/generations.md): when the wallet is unlocked (or the worker starts
 * unlocked) and before a vault's paired channel is used, every co-signed
 * vault whose record is pending gets a few seconds in its ceremony's room,
 * then on the new generation's channel, to collect the signed statements it
 * misses. Nothing is deleted unless every device of the new generation said
 * it stored its share; an unreachable relay leaves the record as it was.
 */
import { CHANNEL_TTL_SECONDS, channelOf, type DeviceVault } from '../session/device-vault';
import { finishLater, keepFinishing, type OpenChannel } from '../session/generation-asks';
import type { GenerationOutcome } from '../session/generations';
import { openMailbox, type OpenedMailbox, type OpenMailboxOptions } from '../session/relay-transport';
import type { VaultView } from '../shared/popup-api';
import { openDeviceVault, walletStore } from './device-vault-store';
import type { WalletService } from './vault/wallet';

/** Seconds in each place (the room, the channel) a pending change gets each time. */
export const FINISH_TIMEOUT_MS = 3000;

export interface PendingDeps {
  wallet: Pick<WalletService, 'vaults' | 'shareFormatOf' | 'openShare' | 'addVault' | 'deleteVault' | 'replaceShare'>;
  open?: (opts: OpenMailboxOptions) => Promise<OpenedMailbox>;
  /** A record changed (committed, or this device retired). */
  onChange(): void;
  timeoutMs?: number;
}

/**
 * Tries to finish `view`'s pending change, if it has one. Returns the
 * record to use now (committed, or still pending and holding the previous
 * generation), or null when this device left the vault meanwhile or `view`
 * is not a co-signed vault.
 */
export async function finishPendingVault(deps: PendingDeps, view: VaultView): Promise<DeviceVault | null> {
  const record = await openDeviceVault(deps.wallet, view);
  if (!record?.pending) return record;
  const open = deps.open ?? openMailbox;
  const out: GenerationOutcome = await finishLater({
    record,
    store: walletStore(deps.wallet, view.id),
    openRoom: async (room, deviceId) => {
      const o = await open({ ...room, deviceId, readAfter: 0, ttlSeconds: CHANNEL_TTL_SECONDS });
      return { mailbox: o.mailbox, close: () => o.close() };
    },
    openChannel: channelOpener(open),
    timeoutMs: deps.timeoutMs ?? FINISH_TIMEOUT_MS,
  });
  if (out.kind === 'retired') {
    deps.onChange();
    return null;
  }
  if (!out.vault.pending) deps.onChange();
  return out.vault;
}

function channelOpener(open: NonNullable<PendingDeps['open']>): OpenChannel {
  return async (channel, deviceId) => {
    const o = await open({ ...channelOf({ channel }), deviceId, ttlSeconds: CHANNEL_TTL_SECONDS });
    return { mailbox: o.mailbox, close: () => o.close() }; // a device that connects is asked again (relay presence)
  };
}

/**
 * While `record` (pending `next`: it signs with the previous generation) is
 * used to co-sign, keeps asking on the new generation's channel for up to
 * `timeoutMs` (see `keepFinishing`); `committed` resolves with the committed
 * record if the change completes meanwhile (the popup is told), else null.
 */
export function watchPendingVault(
  deps: PendingDeps,
  view: VaultView,
  record: DeviceVault,
  timeoutMs: number,
): { committed: Promise<DeviceVault | null>; stop(): void } {
  const watch = keepFinishing({
    record,
    store: walletStore(deps.wallet, view.id),
    openChannel: channelOpener(deps.open ?? openMailbox),
    timeoutMs,
  });
  return {
    committed: watch.committed.then((v) => {
      if (v) deps.onChange();
      return v;
    }),
    stop: watch.stop,
  };
}

/** Finishes what it can of every pending co-signed vault (one after the other); never throws. */
export async function finishAllPending(deps: PendingDeps): Promise<void> {
  for (const view of await deps.wallet.vaults().catch(() => [])) {
    if (view.kind !== 'tss') continue;
    await finishPendingVault(deps, view).catch(() => undefined);
  }
}
