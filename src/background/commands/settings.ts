/** Popup commands of settings and sites: auto-lock, relay, co-signer wait, Solana RPC, disconnecting a site. */
import type { Handlers } from './context';

export const settingsCommands: Handlers<
  'getState' | 'setAutoLock' | 'setRelayUrl' | 'setSolanaRpcUrl' | 'setCosignTimeout' | 'setMetaMaskCompat' | 'disconnectSite'
> = {
  /** Nothing to do: every reply carries the state. */
  async getState() {},
  async setAutoLock(ctx, { minutes }) {
    await ctx.settings.setAutoLockMinutes(minutes);
  },
  async setRelayUrl(ctx, { url }) {
    await ctx.settings.setRelayUrl(url);
  },
  async setSolanaRpcUrl(ctx, { url }) {
    await ctx.settings.setSolanaRpcUrl(url);
  },
  async setCosignTimeout(ctx, { seconds }) {
    await ctx.settings.setCosignTimeoutSeconds(seconds);
  },
  async setMetaMaskCompat(ctx, { enabled }) {
    await ctx.applyMetaMaskCompat(enabled);
    await ctx.settings.setMetaMaskCompat(enabled);
  },
  async disconnectSite(ctx, { origin }) {
    if (await ctx.permissions.revoke(origin)) ctx.pages.emitToOrigin(origin, 'accountsChanged', []);
  },
};
