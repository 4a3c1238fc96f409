/** Popup commands of the vault's Solana account (docs/solana.md): its address, and its balance through the Solana RPC. */
import { formatUnits } from '../../session/solana-request';
import { solanaAccount } from '../solana-account';
import { clusterOf, solanaBalance } from '../solana-network';
import type { CommandContext, Handlers } from './context';

async function activeSolanaAddress(ctx: CommandContext): Promise<string | null> {
  if (!(await ctx.wallet.activeAccount())) return null;
  return solanaAccount(ctx.wallet).address();
}

export const solanaCommands: Handlers<'getSolanaAccount' | 'getSolanaBalance'> = {
  async getSolanaAccount(ctx) {
    const address = await activeSolanaAddress(ctx);
    return address ? { address } : null;
  },
  async getSolanaBalance(ctx) {
    const address = await activeSolanaAddress(ctx);
    const rpcUrl = await ctx.settings.solanaRpcUrl();
    if (!address || !rpcUrl) return null;
    const [lamports, chain] = await Promise.all([solanaBalance(rpcUrl, address), clusterOf(rpcUrl)]);
    return { address, lamports: lamports.toString(), sol: formatUnits(lamports, 9), chain };
  },
};
