/** The router's EIP-747 wallet_watchAsset. */
import type { RpcRequest } from '../shared/page-channel';
import { rpcErrors } from '../shared/rpc-errors';
import type { Token } from './tokens';
import { ask, type RequestContext, type RouterDeps } from './router-deps';

/**
 * EIP-747 wallet_watchAsset: an ERC-20 token the site suggests. Its symbol
 * and decimals are read from the contract before the user is asked (the
 * site's own claims are not shown); a token already followed answers true.
 */
export async function watchAsset(deps: RouterDeps, ctx: RequestContext, req: RpcRequest): Promise<unknown> {
  const { method } = req;
  const p = (Array.isArray(req.params) ? req.params[0] : req.params) as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null) throw rpcErrors.invalidParams(method, 'expected { type, options: { address } }');
  if (p.type !== 'ERC20') throw rpcErrors.unsupported(method, `only ERC20 tokens can be watched in Tandem, not ${String(p.type)}.`);
  const options = p.options as Record<string, unknown> | undefined;
  if (typeof options?.address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(options.address))
    throw rpcErrors.invalidParams(method, 'options.address must be a token contract address');
  if (!deps.tokens) throw rpcErrors.unsupported(method);
  const network = await deps.networks.selected();
  const address = options.address.toLowerCase();
  if ((await deps.tokens.list(network.chainId)).some((t) => t.address.toLowerCase() === address)) return true;
  let token: Token;
  try {
    token = await deps.tokens.inspect(network, address);
  } catch (e) {
    throw rpcErrors.invalidParams(method, e instanceof Error ? e.message : 'not an ERC-20 token');
  }
  const asset = { ...token, chainId: network.chainId, networkName: network.name };
  return ask(deps, { kind: 'watchAsset', origin: ctx.origin, method, asset, reply: ctx.reply });
}
