/**
 * Recent activity's commands (docs/activity.md): where the pending
 * transactions stand, asked of the selected network's node when the popup
 * asks (no timer in the worker), and Speed up / Cancel of a pending one,
 * queued like the Send screen's transaction (same approval, same co-signing).
 */
import type { Network } from '../../shared/networks';
import type { ActivityEntry } from '../../shared/popup-api';
import { WalletError } from '../../shared/wallet-errors';
import { checkReplaceable, replacementParams } from '../activity-replace';
import { checkStatuses } from '../activity-status';
import type { CommandContext, Handlers } from './context';
import { queueWalletTransaction } from './send';

/** Checks the account's open entries of `network` and stores what changed; answers the account's entries as they are now. */
async function refresh(ctx: CommandContext, account: string, network: Network): Promise<ActivityEntry[]> {
  const list = await ctx.activity.list(account);
  const changes = await checkStatuses(ctx.chain, network, list);
  await ctx.activity.setStatuses(changes);
  return list.map((e) => (changes.has(e.hash) ? { ...e, status: changes.get(e.hash)! } : e));
}

export const activityCommands: Handlers<'refreshActivity' | 'replaceTransaction'> = {
  async refreshActivity(ctx) {
    const account = await ctx.wallet.activeAccount();
    if (!account) return;
    await refresh(ctx, account, await ctx.networks.selected());
  },

  async replaceTransaction(ctx, { hash, mode }) {
    const account = await ctx.wallet.activeAccount();
    if (!account) throw new WalletError('wallet.locked');
    const entry = (await ctx.activity.list()).find((e) => e.hash.toLowerCase() === hash.toLowerCase());
    if (!entry) throw new WalletError('activity.unknown');
    if (entry.account.toLowerCase() !== account.toLowerCase()) throw new WalletError('activity.notActiveAccount');
    if (await ctx.wallet.isWatchOnly()) throw new WalletError('vault.watchOnly');
    const network = await ctx.networks.selected();
    checkReplaceable(entry, account, network);
    // The node may have mined it (or its nonce) since the popup last asked.
    const log = await refresh(ctx, account, network);
    const now = log.find((e) => e.hash === entry.hash) ?? entry;
    checkReplaceable(now, account, network);
    const tx = await replacementParams(ctx.chain, network, now, mode, log);
    await queueWalletTransaction(ctx, account, tx, { hash: now.hash, mode, what: now.what });
  },
};
