/** Popup commands of the wallet and its vaults: watch an address, unlock, lock, switch, rename, delete. */
import { parseWatchAddress } from '../vault/watch-address';
import { type CommandContext, ensureUnlocked, type Handlers } from './context';

/** Runs `change`; tells connected pages when the active account changed. */
async function changingActiveAccount(ctx: CommandContext, change: () => Promise<void>): Promise<void> {
  const before = await ctx.wallet.activeAccount();
  await change();
  if ((await ctx.wallet.activeAccount()) !== before) await ctx.accountsChanged();
}

export const vaultCommands: Handlers<'addWatchOnly' | 'unlock' | 'lock' | 'selectVault' | 'renameVault' | 'deleteVault'> = {
  async addWatchOnly(ctx, { name, address, password }) {
    // The address is checked first: a mistyped one creates no keyring.
    parseWatchAddress(address);
    await ensureUnlocked(ctx, password);
    await changingActiveAccount(ctx, async () => void (await ctx.wallet.addWatchOnly(name, address)));
  },
  async unlock(ctx, { password }) {
    await ctx.wallet.unlock(password);
    await ctx.accountsChanged();
    await ctx.answerConnectedWaiting();
    // A re-share this browser did not see end finishes now, in the background (the popup does not wait).
    void ctx.finishPendingChanges();
  },
  async lock(ctx) {
    await ctx.lock();
  },
  async selectVault(ctx, { id }) {
    await changingActiveAccount(ctx, () => ctx.wallet.selectVault(id));
  },
  async renameVault(ctx, { id, name }) {
    await ctx.wallet.renameVault(id, name);
  },
  async deleteVault(ctx, { id }) {
    await changingActiveAccount(ctx, () => ctx.wallet.deleteVault(id));
  },
};
