/** Popup commands of the vault's Solana account (docs/solana.md). */
import { solanaAccount } from '../solana-account';
import type { Handlers } from './context';

export const solanaCommands: Handlers<'getSolanaAccount'> = {
  async getSolanaAccount(ctx) {
    if (!(await ctx.wallet.activeAccount())) return null;
    const address = await solanaAccount(ctx.wallet).address();
    return address ? { address } : null;
  },
};
