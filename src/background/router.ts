/**
 * The EIP-1193 router: answers one dApp request for one origin. The origin
 * always comes from the browser (the RPC port's sender), never from the page.
 * Requests that need the user (connect, add a network) wait in the approval
 * queue; read-only chain calls go to the selected network's RPC.
 */
import type { Approval } from './approvals';
import type { RpcRequest } from '../shared/page-channel';
import { routeSolana } from './solana-router';
import { ProviderRpcError, RpcErrorCode, rpcErrors } from '../shared/rpc-errors';
import { getAddress } from 'ethers';
import { WalletError } from '../shared/wallet-errors';
import { ask, type RequestContext, type RouterDeps } from './router-deps';
import { FORWARDED_METHODS, REFUSED_METHODS, SIGNING_METHODS } from './rpc-methods';
import { ecRecover, eip2255, expectPermissionRequest, namedAccount, visibleAccounts } from './rpc-accounts';
import { watchAsset } from './rpc-assets';
import { addChain, switchChain } from './rpc-chains';

/** Answers one request; throws a ProviderRpcError for every refusal. */
export async function routeRequest(deps: RouterDeps, ctx: RequestContext, req: RpcRequest): Promise<unknown> {
  const { method } = req;
  const origin = ctx.origin;
  if (method.startsWith('solana_')) return routeSolana(deps, deps.solana, ctx, req);
  switch (method) {
    case 'eth_chainId':
      return (await deps.networks.selected()).chainId;
    case 'net_version':
      return BigInt((await deps.networks.selected()).chainId).toString(10);
    case 'eth_accounts':
      return visibleAccounts(deps, origin);
    case 'personal_ecRecover':
      return ecRecover(req);
    case 'wallet_watchAsset':
      return watchAsset(deps, ctx, req);
    case 'metamask_getProviderState': {
      // What MetaMask's own provider and SDKs read on start.
      const chainId = (await deps.networks.selected()).chainId;
      const accounts = await visibleAccounts(deps, origin);
      return { accounts, chainId, networkVersion: BigInt(chainId).toString(10), isUnlocked: (await deps.wallet.activeAccount()) !== null };
    }
    case 'eth_coinbase':
      return (await visibleAccounts(deps, origin))[0] ?? null;
    case 'eth_requestAccounts': {
      const accounts = await visibleAccounts(deps, origin);
      if (accounts.length) return accounts;
      return ask(deps, { kind: 'connect', origin, method, reply: ctx.reply });
    }
    case 'wallet_requestPermissions': {
      expectPermissionRequest(method, req.params);
      return ask(deps, { kind: 'connect', origin, method, reply: ctx.reply });
    }
    case 'wallet_getPermissions':
      return eip2255(deps, origin);
    case 'wallet_revokePermissions': {
      expectPermissionRequest(method, req.params);
      if (await deps.permissions.revoke(origin)) deps.events.emitToOrigin(origin, 'accountsChanged', []);
      return null;
    }
    case 'wallet_switchEthereumChain':
      return switchChain(deps, origin, req);
    case 'wallet_addEthereumChain':
      return addChain(deps, ctx, req);
    default:
      break;
  }
  const refused = REFUSED_METHODS.get(method);
  if (refused) throw rpcErrors.unsupported(method, refused);
  if (SIGNING_METHODS.has(method)) return routeSigning(deps, ctx, req);
  if (FORWARDED_METHODS.has(method)) {
    const params = req.params === undefined ? [] : req.params;
    if (!Array.isArray(params)) throw rpcErrors.invalidParams(method, 'params must be an array');
    return deps.chain.call(await deps.networks.selected(), method, params);
  }
  throw rpcErrors.unsupported(method);
}

/** A signing method: the site must be connected and see an account of the active vault; the request names which. */
async function routeSigning(deps: RouterDeps, ctx: RequestContext, req: RpcRequest): Promise<unknown> {
  const { method } = req;
  const origin = ctx.origin;
  const accounts = await visibleAccounts(deps, origin);
  if (!(await deps.permissions.isConnected(origin))) throw rpcErrors.unauthorized(method);
  if (!accounts.length)
    throw new ProviderRpcError(
      RpcErrorCode.unauthorized,
      (await deps.wallet.activeAccount())
        ? `${method}: none of the accounts this site is connected to is in the active vault. Switch to one in the popup and retry.`
        : `${method}: Tandem is locked. Unlock it in the popup and retry.`,
    );
  // A watch-only address has no key: refused here, before any approval (eth_sign and eth_signTransaction too).
  if (await deps.wallet.isWatchOnly()) throw rpcErrors.watchOnly(method);
  // The account the request names (it must be one the site sees), else the first the site sees.
  return deps.signer.handle(ctx, getAddress(namedAccount(req, accounts)), req);
}

/**
 * Carries out an approval the user accepted, and returns what the dApp gets.
 * Throws a WalletError (shown in the popup, approval stays pending) if it
 * cannot run yet.
 */
export async function carryOutApproval(deps: RouterDeps, approval: Approval): Promise<unknown> {
  if (approval.kind === 'connect') {
    const mine = await deps.wallet.accounts();
    if (!mine.length) throw new WalletError('wallet.lockedApprove');
    // The accounts the user chose (checked against the vault again: it may have changed). Without a choice
    // (a request answered on unlock, docs/accounts.md) a grant the site still sees stays as it is; else the active account.
    const seen = await visibleAccounts(deps, approval.origin);
    const chosen = approval.accounts?.map((a) => a.toLowerCase()) ?? (seen.length ? null : [mine[0]!.toLowerCase()]);
    if (chosen) {
      const grant = mine.filter((a) => chosen.includes(a.toLowerCase()));
      if (!grant.length) throw new WalletError('account.notInVault', { account: chosen[0]! });
      await deps.permissions.grant(approval.origin, grant);
    }
    const accounts = await visibleAccounts(deps, approval.origin);
    deps.events.emitToOrigin(approval.origin, 'accountsChanged', accounts);
    return approval.method === 'wallet_requestPermissions' ? eip2255(deps, approval.origin) : accounts;
  }
  if (approval.kind === 'watchAsset') {
    const asset = approval.asset;
    const network = asset && (await deps.networks.find(asset.chainId));
    if (!asset || !network || !deps.tokens) throw new WalletError('token.networkGone');
    if (!(await deps.tokens.list(network.chainId)).some((t) => t.address.toLowerCase() === asset.address.toLowerCase()))
      await deps.tokens.add(network, asset.address);
    return true;
  }
  if (approval.kind === 'addChain') {
    if (!approval.network) throw new WalletError('approval.noNetwork');
    await deps.networks.add(approval.network);
    if (await deps.networks.select(approval.network.chainId)) deps.events.emitToAll('chainChanged', approval.network.chainId);
    return null;
  }
  if (approval.kind === 'sign') return deps.signer.execute(approval);
  throw new WalletError('approval.unknownKind');
}
