/**
 * What the EIP-1193 router (router.ts) and its method handlers need from the
 * rest of the service worker, and how they ask the user.
 */
import type { ApprovalInput, Approval, Outcome, ReplyRoute } from './approvals';
import type { NetworkStore } from './networks';
import type { PermissionStore } from './permissions';
import type { Network } from '../shared/networks';
import type { ProviderEventName, RpcRequest } from '../shared/page-channel';
import { ProviderRpcError } from '../shared/rpc-errors';
import type { Token } from './tokens';
import type { SolanaDeps } from './solana-router';

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
  wallet: {
    activeAccount(): Promise<string | null>;
    /** The active vault's accounts while unlocked, the active one first ([] while locked). */
    accounts(): Promise<string[]>;
    /** True while unlocked with a watch-only address active: signing requests are refused before the user is asked. */
    isWatchOnly(): Promise<boolean>;
  };
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

/** Queues an approval, opens the popup and answers with the user's decision (or throws the error the dApp gets). */
export async function ask(deps: Pick<RouterDeps, 'approvals' | 'openPopup'>, input: ApprovalInput): Promise<unknown> {
  const pending = deps.approvals.request(input);
  deps.openPopup();
  const outcome = await pending;
  if ('error' in outcome) throw new ProviderRpcError(outcome.error.code, outcome.error.message, outcome.error.data);
  return outcome.result;
}
