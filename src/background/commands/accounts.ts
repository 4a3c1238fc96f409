/** Popup commands of the active vault's accounts (docs/accounts.md): add, switch, rename, and each one's balance. */
import { formatEther } from 'ethers';
import { accountAddress } from '../../session/account-path';
import { WalletError } from '../../shared/wallet-errors';
import { openDeviceVault } from '../device-vault-store';
import type { CommandContext, Handlers } from './context';

/** The active vault, which must be a co-signed one (a watch-only address is one account). */
async function activeCosigned(ctx: CommandContext) {
  if (!(await ctx.wallet.isUnlocked())) throw new WalletError('wallet.locked');
  const vault = await ctx.wallet.vault();
  if (!vault) throw new WalletError('wallet.none');
  if (vault.kind !== 'tss') throw new WalletError('account.watchOnly');
  return vault;
}

/** Runs `change`; tells connected pages what they see when the active account changed. */
async function changing(ctx: CommandContext, change: () => Promise<unknown>): Promise<void> {
  const before = await ctx.wallet.activeAccount();
  await change();
  if ((await ctx.wallet.activeAccount()) !== before) await ctx.accountsChanged();
}

export const accountCommands: Handlers<'addAccount' | 'selectAccount' | 'renameAccount' | 'getAccountBalances'> = {
  async addAccount(ctx, { name }) {
    const vault = await activeCosigned(ctx);
    await changing(ctx, () =>
      ctx.wallet.addAccount(vault.id, name, async (path) => {
        // Derived here from the vault's public key and chain code; every co-signer derives it again itself.
        const record = await openDeviceVault(ctx.wallet, vault);
        if (!record) throw new WalletError('vault.noShare');
        return accountAddress(record.ecdsa, path);
      }),
    );
  },
  async selectAccount(ctx, { index }) {
    const vault = await activeCosigned(ctx);
    await changing(ctx, () => ctx.wallet.selectAccount(vault.id, index));
  },
  async renameAccount(ctx, { index, name }) {
    const vault = await activeCosigned(ctx);
    await ctx.wallet.renameAccount(vault.id, index, name);
  },
  /** Each account's balance on the selected network, read together; null for one the node did not answer. */
  async getAccountBalances(ctx) {
    const vault = await ctx.wallet.vault();
    if (!vault || !(await ctx.wallet.isUnlocked())) return [];
    const network = await ctx.networks.selected();
    return Promise.all(
      vault.accounts.map(async (a) => {
        try {
          return {
            index: a.index,
            value: formatEther(BigInt((await ctx.chain.call(network, 'eth_getBalance', [a.address, 'latest'])) as string)),
          };
        } catch {
          return { index: a.index, value: null };
        }
      }),
    );
  },
};
