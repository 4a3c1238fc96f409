/** Popup commands of ceremonies with other devices: key generation, joining, re-share. */
import { WalletError } from '../../shared/wallet-errors';
import { openDeviceVault } from '../device-vault-store';
import { ensureUnlocked, type Handlers } from './context';

export const ceremonyCommands: Handlers<'startKeygen' | 'closeCeremony' | 'joinCeremony' | 'startReshare'> = {
  async startKeygen(ctx, { name, t, n, password }) {
    await ensureUnlocked(ctx, password);
    await ctx.noteActiveAccount();
    await ctx.ceremonies.start({ name, t, n, relayUrl: await ctx.settings.relayUrl() });
  },
  async closeCeremony(ctx) {
    await ctx.ceremonies.close();
  },
  async joinCeremony(ctx, { pairing, password }) {
    await ensureUnlocked(ctx, password);
    const active = await ctx.wallet.vault();
    const vault = await openDeviceVault(ctx.wallet, active);
    await ctx.noteActiveAccount();
    await ctx.ceremonies.join(pairing, vault && active ? { vault, vaultRecordId: active.id } : undefined);
  },
  async startReshare(ctx, { newT, newN, leaving }) {
    const active = await ctx.wallet.vault();
    const vault = await openDeviceVault(ctx.wallet, active);
    if (!vault || !active) throw new WalletError('vault.notCosigned', { action: 'reshare' });
    await ctx.noteActiveAccount();
    await ctx.ceremonies.startReshare({
      vault,
      vaultRecordId: active.id,
      newT,
      newN,
      relayUrl: await ctx.settings.relayUrl(),
      ...(leaving ? { leaving: true } : {}),
    });
  },
};
