/** Popup commands of networks and tokens: select, set an RPC URL, balance, follow or drop a token. */
import { formatEther } from 'ethers';
import { normalizeChainId } from '../../shared/networks';
import { WalletError } from '../../shared/wallet-errors';
import type { Handlers } from './context';

export const networkCommands: Handlers<'selectNetwork' | 'setNetworkRpc' | 'getBalance' | 'addToken' | 'removeToken'> = {
  async selectNetwork(ctx, { chainId }) {
    const id = normalizeChainId(chainId);
    if (!id) throw new WalletError('network.unknown', {});
    if (await ctx.networks.select(id)) ctx.pages.emitToAll('chainChanged', id);
  },
  async setNetworkRpc(ctx, { chainId, rpcUrl }) {
    await ctx.networks.setRpcUrl(chainId, rpcUrl);
  },
  /** The active vault's balance on the selected network, with the followed tokens'; null while locked. */
  async getBalance(ctx) {
    const account = await ctx.wallet.activeAccount();
    if (!account) return null;
    const network = await ctx.networks.selected();
    const wei = BigInt((await ctx.chain.call(network, 'eth_getBalance', [account, 'latest'])) as string);
    return {
      account,
      chainId: network.chainId,
      value: formatEther(wei),
      symbol: network.currencySymbol,
      tokens: await ctx.tokens.balances(network, account),
    };
  },
  async addToken(ctx, { address }) {
    await ctx.tokens.add(await ctx.networks.selected(), address);
  },
  async removeToken(ctx, { address }) {
    await ctx.tokens.remove((await ctx.networks.selected()).chainId, address);
  },
};
