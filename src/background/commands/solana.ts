/**
 * Popup commands of the vault's Solana account (docs/solana.md): its
 * address, its balance through the Solana RPC, and Send SOL (a System
 * transfer that takes the approval and co-signing path of a page's
 * solana:signAndSendTransaction).
 */
import { formatUnits } from '../../session/solana-request';
import { parseSolanaSigningRequest, type SolanaTransactionRequest } from '../../session/solana-signing-request';
import { WALLET_ORIGIN } from '../../shared/popup-api';
import { solanaSignView } from '../../shared/solana-sign-view';
import { WalletError } from '../../shared/wallet-errors';
import { solanaAccount } from '../solana-account';
import { clusterOf, latestBlockhash, solanaBalance } from '../solana-network';
import { buildSolTransfer, parseSol, parseSolanaRecipient } from '../solana-transfer';
import type { CommandContext, Handlers } from './context';

async function activeSolanaAddress(ctx: CommandContext): Promise<string | null> {
  if (!(await ctx.wallet.activeAccount())) return null;
  return solanaAccount(ctx.wallet).address();
}

export const solanaCommands: Handlers<'getSolanaAccount' | 'getSolanaBalance' | 'sendSol'> = {
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
  async sendSol(ctx, params) {
    if (await ctx.wallet.isWatchOnly()) throw new WalletError('vault.watchOnly');
    const from = await activeSolanaAddress(ctx);
    if (!from) throw new WalletError('solanaSend.noAccount');
    const to = parseSolanaRecipient(params.to);
    const lamports = parseSol(params.amount);
    const rpcUrl = await ctx.settings.solanaRpcUrl();
    if (!rpcUrl) throw new WalletError('solanaSend.noRpcUrl');
    const [chain, lifetime] = await Promise.all([clusterOf(rpcUrl), latestBlockhash(rpcUrl)]);
    const tx = buildSolTransfer({ from, to, lamports, ...lifetime });
    const request = parseSolanaSigningRequest({ v: 1, kind: 'solana_transaction', signer: from, tx }) as SolanaTransactionRequest;
    const sign = solanaSignView(request, { chain, rpcUrl, options: { commitment: 'confirmed' } });
    ctx.sendError = null;
    const queued = (await ctx.approvals.list()).length;
    let refused: Error | null = null;
    // Answered once the approval is queued; its outcome shows on Home (the balance, or sendError).
    void ctx.approvals.request({ kind: 'sign', origin: WALLET_ORIGIN, method: 'solana_signAndSendTransaction', sign }).then(
      (o) => {
        if ('error' in o && o.error.code !== 4001) {
          ctx.sendError = o.error.message;
          ctx.stateChanged();
        }
      },
      (e: Error) => void (refused = e),
    );
    for (let i = 0; i < 100 && !refused && (await ctx.approvals.list()).length === queued; i++) await new Promise((r) => setTimeout(r, 20));
    if (refused) throw new WalletError('send.failed', { reason: (refused as Error).message });
  },
};
