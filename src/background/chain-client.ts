/** JSON-RPC to networks, through ethers' JsonRpcProvider. */
import { JsonRpcProvider, Network as EthersNetwork } from 'ethers';
import type { ChainClient } from './router-deps';
import type { Network } from '../shared/networks';
import { ProviderRpcError, RpcErrorCode } from '../shared/rpc-errors';
import { WalletError } from '../shared/wallet-errors';

/** A ChainClient that keeps one provider per (RPC URL, chain id). */
export function ethersChainClient(): ChainClient {
  const providers = new Map<string, JsonRpcProvider>();
  const providerFor = (url: string, chainId?: string) => {
    const k = `${chainId ?? '?'}|${url}`;
    let p = providers.get(k);
    if (!p) {
      const staticNetwork = chainId ? EthersNetwork.from(BigInt(chainId)) : undefined;
      p = new JsonRpcProvider(url, staticNetwork, { ...(staticNetwork ? { staticNetwork } : {}), batchMaxCount: 1, polling: false });
      providers.set(k, p);
    }
    return p;
  };
  return {
    async call(network, method, params) {
      try {
        return await providerFor(network.rpcUrl, network.chainId).send(method, params);
      } catch (e) {
        throw rpcErrorFromEthers(e, network);
      }
    },
    async chainIdOf(rpcUrl) {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json()) as { result?: unknown };
      if (typeof body.result !== 'string') throw new WalletError('chain.noChainId');
      return body.result;
    },
  };
}

/** Keeps the node's own JSON-RPC error (code, message, data) when there is one. */
function rpcErrorFromEthers(e: unknown, network: Network): ProviderRpcError {
  const inner =
    (
      e as {
        info?: { error?: { code?: unknown; message?: unknown; data?: unknown } };
        error?: { code?: unknown; message?: unknown; data?: unknown };
      }
    )?.info?.error ?? (e as { error?: { code?: unknown; message?: unknown; data?: unknown } })?.error;
  if (inner && Number.isInteger(inner.code) && typeof inner.message === 'string')
    return new ProviderRpcError(inner.code as number, inner.message, inner.data);
  return new ProviderRpcError(
    RpcErrorCode.chainDisconnected,
    `The ${network.name} RPC (${network.rpcUrl}) did not answer. Check the network's RPC URL in Settings.`,
  );
}
