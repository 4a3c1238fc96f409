/**
 * The service worker's services wired together in one place, with the
 * browser-facing parts (storage areas, popup window, alarms, ports) passed
 * in, so the whole thing runs in Node tests with memory stand-ins.
 */
import { ApprovalQueue, type ReplyRoute, type Outcome } from './approvals';
import { NetworkStore } from './networks';
import { PermissionStore } from './permissions';
import { PagePorts } from './page-ports';
import { carryOutApproval, routeRequest, visibleAccounts, type ChainClient, type RequestContext, type RouterDeps } from './router';
import type { KeyValueArea } from './storage';
import { WalletService } from './vault/wallet';
import type { VaultRepository } from './vault/records';
import type { RpcRequest, ProviderState } from '../shared/page-channel';
import { AUTO_LOCK_MAX, AUTO_LOCK_MIN, type PopupCommand, type WalletState } from '../shared/popup-api';
import { normalizeChainId } from '../shared/networks';

const AUTO_LOCK_KEY = 'settings.autoLockMinutes.v1';
/** Auto-lock after this many idle minutes unless the user changes it. */
export const DEFAULT_AUTO_LOCK_MINUTES = 15;

export interface ServiceDeps {
  /** Persistent settings, permissions and networks (the extension's IndexedDB: content scripts cannot reach it). */
  local: KeyValueArea;
  session: KeyValueArea;
  repo: VaultRepository;
  chain: ChainClient;
  openPopup(): void;
  deliverLate(route: ReplyRoute, outcome: Outcome): void;
  /** (Re)arms the idle timer; the caller locks the wallet when it fires. */
  armAutoLock(minutes: number): void;
  /** Called when the state the popup shows may have changed. */
  onStateChange(): void;
  pbkdf2Iterations?: number;
}

/** All services of the background. */
export class Services {
  readonly permissions: PermissionStore;
  readonly networks: NetworkStore;
  readonly wallet: WalletService;
  readonly pages = new PagePorts();
  readonly approvals: ApprovalQueue;
  readonly routerDeps: RouterDeps;

  constructor(private readonly deps: ServiceDeps) {
    this.permissions = new PermissionStore(deps.local);
    this.networks = new NetworkStore(deps.local);
    this.wallet = new WalletService({ repo: deps.repo, session: deps.session, iterations: deps.pbkdf2Iterations });
    this.approvals = new ApprovalQueue({
      area: deps.session,
      onApprove: (a) => carryOutApproval(this.routerDeps, a),
      deliverLate: deps.deliverLate,
      onChange: deps.onStateChange,
    });
    this.routerDeps = {
      permissions: this.permissions,
      approvals: this.approvals,
      networks: this.networks,
      wallet: this.wallet,
      chain: deps.chain,
      events: this.pages,
      openPopup: deps.openPopup,
    };
  }

  /** Answers a dApp request. */
  handleRpc(ctx: RequestContext, req: RpcRequest): Promise<unknown> {
    return routeRequest(this.routerDeps, ctx, req);
  }

  /** What a page of this origin should know on connect. */
  async providerState(origin: string): Promise<ProviderState> {
    return { chainId: (await this.networks.selected()).chainId, accounts: await visibleAccounts(this.routerDeps, origin) };
  }

  async autoLockMinutes(): Promise<number> {
    return (await this.deps.local.get<number>(AUTO_LOCK_KEY)) ?? DEFAULT_AUTO_LOCK_MINUTES;
  }

  /** Re-arms the idle timer (call on user activity while unlocked). */
  async touch(): Promise<void> {
    if (await this.wallet.isUnlocked()) this.deps.armAutoLock(await this.autoLockMinutes());
  }

  /** Locks the wallet and tells every connected page it sees no account now. */
  async lock(): Promise<void> {
    await this.wallet.lock();
    await this.afterLockChange();
  }

  private async afterLockChange(): Promise<void> {
    for (const site of await this.permissions.sites()) {
      this.pages.emitToOrigin(site.origin, 'accountsChanged', await visibleAccounts(this.routerDeps, site.origin));
    }
    this.deps.onStateChange();
  }

  /**
   * After unlocking: connect requests from sites that were already connected
   * needed only the unlock, so they are answered without asking again.
   */
  private async answerConnectedWaiting(): Promise<void> {
    for (const a of await this.approvals.list()) {
      if (a.kind === 'connect' && a.method === 'eth_requestAccounts' && (await this.permissions.isConnected(a.origin))) {
        await this.approvals.decide(a.id, true);
      }
    }
  }

  /** Everything the popup renders. */
  async state(): Promise<WalletState> {
    return {
      vault: await this.wallet.vault(),
      locked: !(await this.wallet.isUnlocked()),
      networks: await this.networks.list(),
      selectedChainId: (await this.networks.selected()).chainId,
      approvals: (await this.approvals.list()).map(({ reply: _reply, ...view }) => view),
      sites: await this.permissions.sites(),
      autoLockMinutes: await this.autoLockMinutes(),
    };
  }

  /** Runs one popup command; errors are thrown with a message for the user. */
  async command(cmd: PopupCommand): Promise<WalletState> {
    switch (cmd.type) {
      case 'getState':
        break;
      case 'createDevVault':
        await this.wallet.createDevVault(cmd.name, cmd.password);
        await this.touch();
        await this.afterLockChange();
        break;
      case 'unlock':
        await this.wallet.unlock(cmd.password);
        await this.touch();
        await this.afterLockChange();
        await this.answerConnectedWaiting();
        break;
      case 'lock':
        await this.lock();
        break;
      case 'decideApproval':
        await this.approvals.decide(cmd.id, cmd.approve);
        break;
      case 'disconnectSite':
        if (await this.permissions.revoke(cmd.origin)) this.pages.emitToOrigin(cmd.origin, 'accountsChanged', []);
        break;
      case 'selectNetwork': {
        const id = normalizeChainId(cmd.chainId);
        if (!id) throw new Error('Unknown network.');
        if (await this.networks.select(id)) this.pages.emitToAll('chainChanged', id);
        break;
      }
      case 'setNetworkRpc':
        await this.networks.setRpcUrl(cmd.chainId, cmd.rpcUrl);
        break;
      case 'setAutoLock':
        if (cmd.minutes < AUTO_LOCK_MIN || cmd.minutes > AUTO_LOCK_MAX)
          throw new Error(`Auto-lock must be between ${AUTO_LOCK_MIN} and ${AUTO_LOCK_MAX} minutes.`);
        await this.deps.local.set(AUTO_LOCK_KEY, cmd.minutes);
        break;
    }
    if (cmd.type !== 'lock') await this.touch();
    this.deps.onStateChange();
    return this.state();
  }
}
