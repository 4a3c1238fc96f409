/** Popup commands of backups: export this device's share of the active vault, restore one. */
import { openBackup, sealBackup } from '../../crypto/backup';
import { WalletError } from '../../shared/wallet-errors';
import { openDeviceVault, storeDeviceVault } from '../device-vault-store';
import { ensureUnlocked, type Handlers } from './context';

/** The backup's file name: the vault's name as a slug and the start of its address. */
function backupFilename(name: string, address: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'vault';
  return `tandem-${slug}-${address.slice(2, 8).toLowerCase()}.backup.json`;
}

export const backupCommands: Handlers<'exportBackup' | 'importBackup'> = {
  /** An encrypted backup of this device's share of the active co-signed vault. */
  async exportBackup(ctx, { password }) {
    const active = await ctx.wallet.vault();
    const vault = await openDeviceVault(ctx.wallet, active);
    if (!vault || !active) throw new WalletError('vault.notCosigned', { action: 'backup' });
    const text = await sealBackup(vault, password, ctx.pbkdf2Iterations);
    return { filename: backupFilename(active.name, active.address), text };
  },

  /** Restores a backup; nothing changes when the password is wrong or the vault is already here. */
  async importBackup(ctx, { text, password, walletPassword }) {
    const vault = await openBackup(text, password);
    await ensureUnlocked(ctx, walletPassword);
    if ((await ctx.wallet.vaults()).some((v) => v.kind === 'tss' && v.address === vault.address))
      throw new WalletError('backup.alreadyHere', { address: vault.address });
    const before = await ctx.wallet.activeAccount();
    await storeDeviceVault(ctx.wallet, vault);
    if ((await ctx.wallet.activeAccount()) !== before) await ctx.accountsChanged();
  },
};
