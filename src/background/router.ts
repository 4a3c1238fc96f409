/**
 * The EIP-1193 router: answers one dApp request for one origin. The origin
 * always comes from the browser (the RPC port's sender), never from the page.
 * Requests that need the user (connect, add a network) wait in the approval
 * queue; read-only chain calls go to the selected network's RPC.
 */
import type { ApprovalInput, Approval, Outcome, ReplyRoute } from './approvals';
import { routeSolana, type SolanaDeps } from './solana-router';
import type { NetworkStore } from './networks';
import type { PermissionStore } from './permissions';
import type { Network } from '../shared/networks';
import { normalizeChainId } from '../shared/networks';
import type { ProviderEventName, RpcRequest } from '../shared/page-channel';
import { ProviderRpcError, RpcErrorCode, rpcErrors } from '../shared/rpc-errors';
import { getAddress } from 'ethers';
import { parseRpcUrl } from './networks';
import { WalletError } from '../shared/wallet-errors';
import type { Token } from './tokens';
import { decodeMessageParam, recoverPersonal } from './personal-message';

/** Read-only JSON-RPC methods forwarded as they are to the selected network. */
export const FORWARDED_METHODS: ReadonlySet<string> = new Set([
  'eth_blockNumber',
  'eth_call',
  'eth_estimateGas',
  'eth_feeHistory',
  'eth_gasPrice',
  'eth_getBalance',
  'eth_getBlockByHash',
  'eth_getBlockByNumber',
  'eth_getBlockTransactionCountByHash',
  'eth_getBlockTransactionCountByNumber',
  'eth_getCode',
  'eth_getLogs',
  'eth_getProof',
  'eth_getStorageAt',
  'eth_getTransactionByBlockHashAndIndex',
  'eth_getTransactionByBlockNumberAndIndex',
  'eth_getTransactionByHash',
  'eth_getTransactionCount',
  'eth_getTransactionReceipt',
  'eth_maxPriorityFeePerGas',
  'eth_blobBaseFee',
  'eth_syncing',
  'eth_getBlockReceipts',
  'eth_createAccessList',
  // Filters (viem's and web3's event watchers poll with these): they live on the node.
  'eth_newFilter',
  'eth_newBlockFilter',
  'eth_newPendingTransactionFilter',
  'eth_getFilterChanges',
  'eth_getFilterLogs',
  'eth_uninstallFilter',
  'net_listening',
  'web3_clientVersion',
  'web3_sha3',
]);

/** Methods that need a signature from the vault. */
export const SIGNING_METHODS: ReadonlySet<string> = new Set([
  'eth_sendTransaction',
  'eth_signTransaction',
  'eth_sign',
  'personal_sign',
  'eth_signTypedData',
  'eth_signTypedData_v3',
  'eth_signTypedData_v4',
]);

/** Who asked: the browser-reported origin, and where to answer after a worker restart. */
export interface RequestContext {
  origin: string;
  reply?: ReplyRoute;
}

/** Sends provider events to pages. */
export interface EventSink {
  emitToOrigin(origin: string, event: ProviderEventName, data: unknown): void;
  emitToAll(event: ProviderEventName, data: unknown): void;
}

/** Talks to a network's JSON-RPC endpoint. */
export interface ChainClient {
  call(network: Network, method: string, params: unknown[]): Promise<unknown>;
  /** Asks an RPC URL which chain it serves (eth_chainId). */
  chainIdOf(rpcUrl: string): Promise<string>;
}

/** Signs for the vault with its co-signers. */
export interface VaultSigner {
  /** Checks and decodes a signing request, and waits for the user's decision (an approval of kind 'sign'). */
  handle(ctx: RequestContext, account: string, request: RpcRequest): Promise<unknown>;
  /** Runs an approved signing request; throws a ProviderRpcError for what the dApp should get instead. */
  execute(approval: Approval): Promise<unknown>;
}

export interface RouterDeps {
  permissions: PermissionStore;
  approvals: { request(input: ApprovalInput): Promise<Outcome> };
  networks: NetworkStore;
  wallet: { activeAccount(): Promise<string | null> };
  chain: ChainClient;
  events: EventSink;
  /** Opens the popup so the user sees a new approval. */
  openPopup(): void;
  signer: VaultSigner;
  /** The user's ERC-20 list (wallet_watchAsset). */
  tokens?: {
    inspect(network: Network, address: string): Promise<Token>;
    add(network: Network, address: string): Promise<Token>;
    list(chainId: string): Promise<Token[]>;
  };
  /** The page's Solana methods (solana-router.ts). */
  solana?: SolanaDeps;
}

/**
 * Methods a wallet whose key never exists in one place cannot honour, with
 * what the dApp is told (EIP-1193 4200).
 */
export const REFUSED_METHODS: ReadonlyMap<string, string> = new Map([
  [
    'eth_decrypt',
    'Tandem cannot decrypt: its private key never exists in one place, and threshold decryption of MetaMask-encrypted messages is not supported.',
  ],
  [
    'eth_getEncryptionPublicKey',
    'Tandem has no encryption key: its private key never exists in one place, so it cannot give one (nor decrypt with it).',
  ],
  ['wallet_sendCalls', 'batched calls (EIP-5792) are not supported: send the transactions one by one with eth_sendTransaction.'],
  ['wallet_getCapabilities', 'Tandem has no EIP-5792 capabilities: send transactions one by one with eth_sendTransaction.'],
  ['wallet_getCallsStatus', 'batched calls (EIP-5792) are not supported.'],
  ['wallet_showCallsStatus', 'batched calls (EIP-5792) are not supported.'],
  ['eth_subscribe', 'subscriptions are not supported over the in-page provider: poll with eth_newFilter / eth_getFilterChanges.'],
  ['eth_unsubscribe', 'subscriptions are not supported over the in-page provider.'],
]);

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
  if (SIGNING_METHODS.has(method)) {
    const accounts = await visibleAccounts(deps, origin);
    if (!(await deps.permissions.isConnected(origin))) throw rpcErrors.unauthorized(method);
    if (!accounts.length)
      throw new ProviderRpcError(RpcErrorCode.unauthorized, `${method}: Tandem is locked. Unlock it in the popup and retry.`);
    return deps.signer.handle(ctx, getAddress(accounts[0]!), req);
  }
  if (FORWARDED_METHODS.has(method)) {
    const params = req.params === undefined ? [] : req.params;
    if (!Array.isArray(params)) throw rpcErrors.invalidParams(method, 'params must be an array');
    return deps.chain.call(await deps.networks.selected(), method, params);
  }
  throw rpcErrors.unsupported(method);
}

/**
 * The accounts this origin may see now: its grant while unlocked, else [].
 * Lower-case hex, as MetaMask answers (dApps such as the MetaMask test-dapp
 * compare them with `===` to what eth-sig-util recovers, which is lower case).
 */
export async function visibleAccounts(deps: Pick<RouterDeps, 'permissions' | 'wallet'>, origin: string): Promise<string[]> {
  const granted = await deps.permissions.accountsFor(origin);
  if (!granted.length) return [];
  const active = await deps.wallet.activeAccount();
  if (!active) return [];
  return granted.filter((a) => a.toLowerCase() === active.toLowerCase()).map((a) => a.toLowerCase());
}

/** EIP-2255 wallet_getPermissions, accounts in the same case as eth_accounts. */
async function eip2255(deps: Pick<RouterDeps, 'permissions'>, origin: string) {
  return (await deps.permissions.eip2255(origin)).map((p) => ({
    ...p,
    caveats: p.caveats.map((c) => ({ ...c, value: c.value.map((a) => a.toLowerCase()) })),
  }));
}

/** personal_ecRecover [message, signature]: the address whose key signed the EIP-191 message (no key needed). */
function ecRecover(req: RpcRequest): string {
  const { method, params } = req;
  if (!Array.isArray(params) || params.length < 2 || typeof params[0] !== 'string' || typeof params[1] !== 'string')
    throw rpcErrors.invalidParams(method, 'expected [message, signature]');
  const address = recoverPersonal(decodeMessageParam(params[0]), params[1]);
  if (!address) throw rpcErrors.invalidParams(method, 'the signature is not a valid 65-byte secp256k1 signature');
  return address.toLowerCase();
}

/**
 * EIP-747 wallet_watchAsset: an ERC-20 token the site suggests. Its symbol
 * and decimals are read from the contract before the user is asked (the
 * site's own claims are not shown); a token already followed answers true.
 */
async function watchAsset(deps: RouterDeps, ctx: RequestContext, req: RpcRequest): Promise<unknown> {
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

/** Queues an approval, opens the popup and answers with the user's decision (or throws the error the dApp gets). */
export async function ask(deps: Pick<RouterDeps, 'approvals' | 'openPopup'>, input: ApprovalInput): Promise<unknown> {
  const pending = deps.approvals.request(input);
  deps.openPopup();
  const outcome = await pending;
  if ('error' in outcome) throw new ProviderRpcError(outcome.error.code, outcome.error.message, outcome.error.data);
  return outcome.result;
}

/** EIP-2255: params must be `[{ eth_accounts: {} }]`. */
function expectPermissionRequest(method: string, params: unknown): void {
  if (!Array.isArray(params) || params.length !== 1) throw rpcErrors.invalidParams(method, 'expected [{ eth_accounts: {} }]');
  const p = params[0];
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw rpcErrors.invalidParams(method, 'expected [{ eth_accounts: {} }]');
  const keys = Object.keys(p);
  if (keys.length !== 1 || keys[0] !== 'eth_accounts')
    throw rpcErrors.invalidParams(method, 'only the eth_accounts permission exists in Tandem');
}

/** The single object param of wallet_switchEthereumChain / wallet_addEthereumChain. */
function singleObject(method: string, params: unknown): Record<string, unknown> {
  if (!Array.isArray(params) || params.length !== 1 || typeof params[0] !== 'object' || params[0] === null || Array.isArray(params[0]))
    throw rpcErrors.invalidParams(method, 'expected a single object parameter');
  return params[0] as Record<string, unknown>;
}

/** EIP-3326 wallet_switchEthereumChain: connected sites may switch to a known network. */
async function switchChain(deps: RouterDeps, origin: string, req: RpcRequest): Promise<null> {
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
async function addChain(deps: RouterDeps, ctx: RequestContext, req: RpcRequest): Promise<unknown> {
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

/**
 * Carries out an approval the user accepted, and returns what the dApp gets.
 * Throws a WalletError (shown in the popup, approval stays pending) if it
 * cannot run yet.
 */
export async function carryOutApproval(deps: RouterDeps, approval: Approval): Promise<unknown> {
  if (approval.kind === 'connect') {
    const account = await deps.wallet.activeAccount();
    if (!account) throw new WalletError('wallet.lockedApprove');
    await deps.permissions.grant(approval.origin, [account]);
    const accounts = [account.toLowerCase()];
    deps.events.emitToOrigin(approval.origin, 'accountsChanged', accounts);
    return approval.method === 'wallet_requestPermissions' ? eip2255(deps, approval.origin) : accounts;
  }
  if (approval.kind === 'watchAsset') {
    const asset = approval.asset;
    const network = asset && (await deps.networks.find(asset.chainId));
    if (!asset || !network || !deps.tokens) throw new Error('The network of this token was removed.');
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
