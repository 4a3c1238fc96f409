/**
 * The Send screen's command: checks the recipient and amount, then queues a
 * signing approval exactly like a dApp's eth_sendTransaction (same decoding,
 * same co-signing). Resolves once the approval is queued; the outcome shows
 * in the activity list, or as `sendError`.
 */
import { getAddress, parseEther } from 'ethers';
import { WALLET_ORIGIN, type SignView } from '../../shared/popup-api';
import type { Params } from '../../shared/popup-commands';
import { WalletError } from '../../shared/wallet-errors';
import { transferData } from '../tokens';
import type { CommandContext, Handlers } from './context';

type Tx = { from: string; to: string; value?: string; data?: string };

/** The transaction the Send screen asks for: a native transfer, or an ERC-20 `transfer` of a listed token. */
async function sendTransaction(
  ctx: CommandContext,
  account: string,
  { to: toText, amount, token: tokenAddress }: Params<'send'>,
): Promise<Tx> {
  let to: string;
  try {
    to = getAddress(toText.trim());
  } catch {
    throw new WalletError('send.badRecipient');
  }
  if (tokenAddress) {
    const token = (await ctx.tokens.list((await ctx.networks.selected()).chainId)).find(
      (t) => t.address.toLowerCase() === tokenAddress.toLowerCase(),
    );
    if (!token) throw new WalletError('token.notListed');
    return { from: account, to: token.address, data: transferData(token, to, amount) };
  }
  let wei: bigint;
  try {
    wei = parseEther(amount.trim());
  } catch {
    throw new WalletError('send.badAmount', {});
  }
  if (wei <= 0n) throw new WalletError('send.amountNotPositive');
  return { from: account, to, value: '0x' + wei.toString(16) };
}

/**
 * Queues `tx` as a signing approval of the popup itself (WALLET_ORIGIN), exactly like a dApp's
 * eth_sendTransaction; resolves once it is queued (a failure after that is `sendError`, shown on Home).
 * `replaces`: it replaces a pending transaction (commands/activity.ts).
 */
export async function queueWalletTransaction(
  ctx: CommandContext,
  account: string,
  tx: Record<string, unknown>,
  replaces?: SignView['replaces'],
): Promise<void> {
  ctx.sendError = null;
  const queued = (await ctx.approvals.list()).length;
  void ctx.signer
    .handle({ origin: WALLET_ORIGIN }, account, { method: 'eth_sendTransaction', params: [tx] }, replaces)
    .catch((e: unknown) => {
      ctx.sendError = e instanceof Error ? e.message : 'The transaction was not sent.';
      ctx.stateChanged();
    });
  // Answer once the approval is queued (or building it failed), so the popup shows it.
  for (let i = 0; i < 100 && (await ctx.approvals.list()).length === queued && ctx.sendError === null; i++)
    await new Promise((r) => setTimeout(r, 50));
  if (ctx.sendError) throw new WalletError('send.failed', { reason: ctx.sendError });
}

export const sendCommands: Handlers<'send'> = {
  async send(ctx, params) {
    const account = await ctx.wallet.activeAccount();
    if (!account) throw new WalletError('wallet.locked');
    if (await ctx.wallet.isWatchOnly()) throw new WalletError('vault.watchOnly');
    await queueWalletTransaction(ctx, account, await sendTransaction(ctx, account, params));
  },
};
