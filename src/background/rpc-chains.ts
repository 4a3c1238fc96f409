/** The router's network methods: EIP-3326 wallet_switchEthereumChain and EIP-3085 wallet_addEthereumChain. */
import type { Network } from '../shared/networks';
import { normalizeChainId } from '../shared/networks';
import type { RpcRequest } from '../shared/page-channel';
import { ProviderRpcError, RpcErrorCode, rpcErrors } from '../shared/rpc-errors';
import { parseRpcUrl } from './networks';
import { ask, type RequestContext, type RouterDeps } from './router-deps';

/** The single object param of wallet_switchEthereumChain / wallet_addEthereumChain. */
function singleObject(method: string, params: unknown): Record<string, unknown> {
  if (!Array.isArray(params) || params.length !== 1 || typeof params[0] !== 'object' || params[0] === null || Array.isArray(params[0]))
    throw rpcErrors.invalidParams(method, 'expected a single object parameter');
  return params[0] as Record<string, unknown>;
}

/** EIP-3326 wallet_switchEthereumChain: connected sites may switch to a known network. */
export async function switchChain(deps: RouterDeps, origin: string, req: RpcRequest): Promise<null> {
  const p = singleObject(req.method, req.params);
  const chainId = normalizeChainId(p.chainId);
  if (!chainId) throw rpcErrors.invalidParams(req.method, 'chainId must be a 0x-prefixed hex string');
  if (!(await deps.permissions.isConnected(origin))) throw rpcErrors.unauthorized(req.method);
  if (!(await deps.networks.find(chainId)))
    throw new ProviderRpcError(
      RpcErrorCode.unrecognizedChain,
      `Unrecognized chain ID ${chainId}. Add it first with wallet_addEthereumChain.`,
    );
  if (await deps.networks.select(chainId)) deps.events.emitToAll('chainChanged', chainId);
  return null;
}

/** Validates EIP-3085 AddEthereumChainParameter into a Network. */
export function parseAddChainParams(method: string, params: unknown): Network {
  const p = singleObject(method, params);
  const chainId = normalizeChainId(p.chainId);
  if (!chainId || typeof p.chainId !== 'string') throw rpcErrors.invalidParams(method, 'chainId must be a 0x-prefixed hex string');
  const name = typeof p.chainName === 'string' ? p.chainName.trim() : '';
  if (!name || name.length > 64) throw rpcErrors.invalidParams(method, 'chainName must be a non-empty string of at most 64 characters');
  if (!Array.isArray(p.rpcUrls) || p.rpcUrls.length === 0) throw rpcErrors.invalidParams(method, 'rpcUrls must list at least one URL');
  const rpcUrl = parseRpcUrl(p.rpcUrls[0]);
  if (!rpcUrl) throw rpcErrors.invalidParams(method, 'rpcUrls[0] must be an http(s) URL without credentials');
  const cur = p.nativeCurrency as Record<string, unknown> | undefined;
  if (
    typeof cur !== 'object' ||
    cur === null ||
    typeof cur.symbol !== 'string' ||
    cur.symbol.length < 1 ||
    cur.symbol.length > 6 ||
    cur.decimals !== 18
  )
    throw rpcErrors.invalidParams(method, 'nativeCurrency must have a symbol of 1-6 characters and 18 decimals');
  let blockExplorerUrl: string | undefined;
  if (Array.isArray(p.blockExplorerUrls) && p.blockExplorerUrls.length) {
    blockExplorerUrl = parseRpcUrl(p.blockExplorerUrls[0]) ?? undefined;
    if (!blockExplorerUrl) throw rpcErrors.invalidParams(method, 'blockExplorerUrls[0] must be an http(s) URL');
  }
  return { chainId, name, rpcUrl, currencySymbol: cur.symbol, custom: true, ...(blockExplorerUrl ? { blockExplorerUrl } : {}) };
}

/**
 * EIP-3085 wallet_addEthereumChain: a known chain is switched to (connected
 * sites only); a new one is checked against its RPC (which must report the
 * same chain id) and then waits for the user's approval.
 */
export async function addChain(deps: RouterDeps, ctx: RequestContext, req: RpcRequest): Promise<unknown> {
  const network = parseAddChainParams(req.method, req.params);
  if (await deps.networks.find(network.chainId)) {
    return switchChain(deps, ctx.origin, { method: 'wallet_switchEthereumChain', params: [{ chainId: network.chainId }] });
  }
  let reported: string | null;
  try {
    reported = normalizeChainId(await deps.chain.chainIdOf(network.rpcUrl));
  } catch {
    throw rpcErrors.invalidParams(req.method, `the RPC at ${network.rpcUrl} did not answer eth_chainId`);
  }
  if (reported !== network.chainId)
    throw rpcErrors.invalidParams(req.method, `the RPC at ${network.rpcUrl} serves chain ${reported}, not ${network.chainId}`);
  return ask(deps, { kind: 'addChain', origin: ctx.origin, method: req.method, network, reply: ctx.reply });
}
