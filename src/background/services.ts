/**
 * The service worker's services wired together in one place, with the
 * browser-facing parts (storage areas, popup window, alarms, ports) passed
 * in, so the whole thing runs in Node tests with memory stand-ins.
 */
import { errorCode } from '../errors/index';
import type { ProviderState, RpcRequest } from '../shared/page-channel';
import type { ActivityEntry, SigningProgress, VaultView, WalletState } from '../shared/popup-api';
import { type PopupCommand, type PopupReply, parsePopupCommand, type Result } from '../shared/popup-commands';
import { rpcErrors } from '../shared/rpc-errors';
import { walletMessage } from '../shared/wallet-errors';
import type { CeremonyTiming } from '../session/ceremonies';
import type { OpenedMailbox, OpenMailboxOptions } from '../session/relay-transport';
import { ActivityLog } from './activity';
import { ApprovalQueue, type Outcome, type ReplyRoute } from './approvals';
import { CeremonySessions } from './ceremony-sessions';
import { standingOf, type VaultStanding } from './ceremony-view';
import { openDeviceVault } from './device-vault-store';
import { type CommandContext, handleCommand } from './commands/index';
import { NetworkStore } from './networks';
import { PagePorts } from './page-ports';
import { finishAllPending, finishPendingVault, watchPendingVault, type PendingDeps } from './pending-generations';
import { PermissionStore } from './permissions';
import { carryOutApproval, routeRequest } from './router';
import type { ChainClient, RequestContext, RouterDeps } from './router-deps';
import { visibleAccounts } from './rpc-accounts';
import { SettingsStore } from './settings';
import type { KeyValueArea } from './storage';
import { TokenList } from './tokens';
import { SIGN_ROUND_TIMEOUT_MS, TssSigner } from './tss-signer';
import { BrowserCosigner } from './browser-cosigner';
import { solanaAccount } from './solana-account';
import type { VaultRepository } from './vault/records';
import { WalletService } from './vault/wallet';

export { DEFAULT_AUTO_LOCK_MINUTES, DEFAULT_COSIGN_TIMEOUT_SECONDS, DEFAULT_RELAY_URL, parseRelayUrl } from './settings';

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
  /** Applies the MetaMask-compatibility switch to pages loaded from now on. */
  applyMetaMaskCompat?(enabled: boolean): Promise<void>;
  pbkdf2Iterations?: number;
  /** Opens a relay room (tests pass an in-memory one). */
  openMailbox?: (opts: OpenMailboxOptions) => Promise<OpenedMailbox>;
  keygenTiming?: CeremonyTiming;
  signTiming?: CeremonyTiming;
}

/** All services of the background; popup commands run against it (it is their {@link CommandContext}). */
export class Services implements CommandContext {
  readonly permissions: PermissionStore;
  readonly networks: NetworkStore;
  readonly wallet: WalletService;
  readonly pages = new PagePorts();
  readonly approvals: ApprovalQueue;
  readonly routerDeps: RouterDeps;
  readonly ceremonies: CeremonySessions;
  readonly signer: TssSigner;
  readonly cosigner: BrowserCosigner;
  private signing: SigningProgress | null = null;
  readonly activity: ActivityLog;
  readonly tokens: TokenList;
  sendError: string | null = null;
  readonly settings: SettingsStore;
  readonly chain: ChainClient;
  readonly pbkdf2Iterations: number | undefined;

  constructor(private readonly deps: ServiceDeps) {
    this.settings = new SettingsStore(deps.local);
    this.chain = deps.chain;
    this.pbkdf2Iterations = deps.pbkdf2Iterations;
    this.permissions = new PermissionStore(deps.local);
    this.networks = new NetworkStore(deps.local);
    this.wallet = new WalletService({ repo: deps.repo, session: deps.session, iterations: deps.pbkdf2Iterations, prefs: deps.local });
    this.approvals = new ApprovalQueue({
      area: deps.session,
      onApprove: (a) => carryOutApproval(this.routerDeps, a),
      deliverLate: deps.deliverLate,
      onChange: deps.onStateChange,
    });
    this.activity = new ActivityLog(deps.local);
    this.tokens = new TokenList(deps.local, deps.chain);
    this.ceremonies = new CeremonySessions({
      wallet: this.wallet,
      session: deps.session,
      onChange: () => void this.afterVaultChange(),
      standing: (ceremony) => this.vaultStanding(ceremony),
      ...(deps.openMailbox ? { open: deps.openMailbox } : {}),
      ...(deps.keygenTiming ? { timing: deps.keygenTiming } : {}),
    });
    this.signer = new TssSigner({
      wallet: this.wallet,
      networks: this.networks,
      chain: deps.chain,
      approvals: this.approvals,
      openPopup: deps.openPopup,
      onProgress: (p) => {
        this.signing = p;
        deps.onStateChange();
      },
      onBroadcast: (entry) => this.activity.add(entry),
      tokensOf: (chainId) => this.tokens.list(chainId),
      ...(deps.openMailbox ? { open: deps.openMailbox } : {}),
      finishPending: (view) => finishPendingVault(this.pendingDeps(), view),
      watchPending: (view, record, timeoutMs) => watchPendingVault(this.pendingDeps(), view, record, timeoutMs),
      timing: async () =>
        deps.signTiming ?? { joinTimeoutMs: (await this.settings.cosignTimeoutSeconds()) * 1000, roundTimeoutMs: SIGN_ROUND_TIMEOUT_MS },
    });
    this.cosigner = new BrowserCosigner({
      wallet: this.wallet,
      networks: this.networks,
      chain: deps.chain,
      onChange: deps.onStateChange,
      ...(deps.openMailbox ? { open: deps.openMailbox } : {}),
    });
    this.routerDeps = {
      permissions: this.permissions,
      approvals: this.approvals,
      networks: this.networks,
      wallet: this.wallet,
      chain: deps.chain,
      events: this.pages,
      tokens: this.tokens,
      openPopup: deps.openPopup,
      signer: this.signer,
      solana: { ...solanaAccount(this.wallet), rpcUrl: () => this.settings.solanaRpcUrl() },
    };
  }

  private pendingDeps(): PendingDeps {
    return {
      wallet: this.wallet,
      onChange: () => void this.afterVaultChange(),
      ...(this.deps.openMailbox ? { open: this.deps.openMailbox } : {}),
    };
  }

  /** Where the vault that ceremony `ceremony` stored stands (it was cut off after its confirmation), or null: none. */
  private async vaultStanding(ceremony: string): Promise<VaultStanding | null> {
    for (const view of await this.wallet.vaults()) {
      const record = await openDeviceVault(this.wallet, view);
      const standing = record && standingOf(record, ceremony);
      if (standing) return standing;
    }
    return null;
  }

  private finishing: Promise<void> | null = null;
  /**
   * Finishes what it can of every pending change of generation (on unlock,
   * and when the worker starts unlocked); one run at a time, never throws.
   */
  finishPendingChanges(): Promise<void> {
    this.finishing ??= finishAllPending(this.pendingDeps()).finally(() => {
      this.finishing = null;
    });
    return this.finishing;
  }

  /** Answers a dApp request. */
  handleRpc(ctx: RequestContext, req: RpcRequest): Promise<unknown> {
    return routeRequest(this.routerDeps, ctx, req);
  }

  /** What a page of this origin should know on connect. */
  async providerState(origin: string): Promise<ProviderState> {
    return {
      chainId: (await this.networks.selected()).chainId,
      accounts: await visibleAccounts(this.routerDeps, origin),
      isMetaMask: await this.settings.metaMaskCompat(),
    };
  }

  /**
   * The active account may have changed (a co-signed vault replaced the
   * watch-only address): connected pages of the old account see it go.
   */
  private lastAccount: string | null | undefined;
  private async afterVaultChange(): Promise<void> {
    // A co-signing browser listens with the vaults as they are now (a re-share commits a new record).
    await this.cosigner.refresh();
    const account = await this.wallet.activeAccount();
    if (this.lastAccount !== undefined && account !== this.lastAccount) await this.accountsChanged();
    else this.deps.onStateChange();
    this.lastAccount = account;
  }

  async noteActiveAccount(): Promise<void> {
    this.lastAccount = await this.wallet.activeAccount();
  }

  signingApprovalId(): string | null {
    return this.signing?.approvalId ?? null;
  }

  stateChanged(): void {
    this.deps.onStateChange();
  }

  async applyMetaMaskCompat(enabled: boolean): Promise<void> {
    await this.deps.applyMetaMaskCompat?.(enabled);
  }

  /** Re-arms the idle timer (call on user activity while unlocked). */
  async touch(): Promise<void> {
    if (await this.wallet.isUnlocked()) this.deps.armAutoLock(await this.settings.autoLockMinutes());
  }

  /**
   * The approval window was closed: the requests it showed (`ids`) that are
   * still pending are rejected (4001), except one whose co-signing already
   * runs (it finishes and answers the dApp itself).
   */
  async approvalWindowClosed(ids: readonly string[]): Promise<void> {
    await this.approvals.abandonWhere(
      (a) => ids.includes(a.id) && !this.signer.isSigning(a.id),
      rpcErrors.userRejected('The request (the Tandem window was closed)').toJSON(),
    );
  }

  /** Locks the wallet and tells every connected page it sees no account now. */
  async lock(): Promise<void> {
    this.cosigner.stop();
    await this.wallet.lock();
    await this.accountsChanged();
  }

  async accountsChanged(): Promise<void> {
    for (const site of await this.permissions.sites()) {
      this.pages.emitToOrigin(site.origin, 'accountsChanged', await visibleAccounts(this.routerDeps, site.origin));
    }
    this.deps.onStateChange();
  }

  /**
   * After unlocking: connect requests from sites that were already connected
   * needed only the unlock, so they are answered without asking again.
   */
  async answerConnectedWaiting(): Promise<void> {
    for (const a of await this.approvals.list()) {
      // Only where the site still sees a granted account: its grant is kept as it is (nothing new is granted unasked).
      if (a.kind === 'connect' && a.method === 'eth_requestAccounts' && (await visibleAccounts(this.routerDeps, a.origin)).length) {
        await this.approvals.decide(a.id, true);
      }
    }
  }

  /** Recent activity of the active account, and the vault's Solana entries (listed under its own address). */
  private async activityOf(vault: VaultView | null): Promise<ActivityEntry[]> {
    if (!vault) return this.activity.list();
    const account = vault.account.address.toLowerCase();
    const own = vault.address.toLowerCase();
    return (await this.activity.list()).filter(
      (e) => e.account.toLowerCase() === account || (e.chainId.startsWith('solana:') && e.account.toLowerCase() === own),
    );
  }

  /**
   * Everything the popup renders. All reads run together (the popup waits for
   * this on every open): the two that depend on another read wait for it alone.
   */
  async state(): Promise<WalletState> {
    const vaultRead = this.wallet.vault();
    const selectedRead = this.networks.selected();
    const read = await allOf({
      vault: vaultRead,
      selected: selectedRead,
      vaults: this.wallet.vaults(),
      unlocked: this.wallet.isUnlocked(),
      networks: this.networks.list(),
      approvals: this.approvals.list(),
      sites: this.permissions.sites(),
      autoLockMinutes: this.settings.autoLockMinutes(),
      relayUrl: this.settings.relayUrl(),
      solanaRpcUrl: this.settings.solanaRpcUrl(),
      cosignTimeoutSeconds: this.settings.cosignTimeoutSeconds(),
      metaMaskCompat: this.settings.metaMaskCompat(),
      ceremony: this.ceremonies.current(),
      activity: vaultRead.then((vault) => this.activityOf(vault)),
      tokens: selectedRead.then((selected) => this.tokens.list(selected.chainId)),
    });
    const { vault, selected, unlocked, approvals, ...rest } = read;
    return {
      ...rest,
      vault,
      locked: !unlocked,
      selectedChainId: selected.chainId,
      approvals: approvals.map(({ reply: _reply, ...view }) => view),
      signing: this.signing,
      sendError: this.sendError,
      cosigning: this.cosigner.state(),
    };
  }

  /** Runs one popup command; errors are thrown with a message for the user. */
  async command(cmd: PopupCommand): Promise<WalletState> {
    return (await this.run(cmd)).state;
  }

  /** Runs one popup command and returns the new state and, for some commands, a result. */
  async run<C extends PopupCommand>(cmd: C): Promise<{ state: WalletState; result?: Result<C['type']> }> {
    let result: Result<C['type']>;
    try {
      result = await handleCommand(this, cmd);
    } finally {
      // Any command may have unlocked the wallet, even one that failed afterwards: (re)arm the idle timer.
      // Not the popup's own poll of pending transactions (Recent activity): that is no sign of the user.
      if (cmd.type !== 'lock' && cmd.type !== 'refreshActivity') await this.touch();
    }
    // Other popup pages learn the change; getState changes nothing (a page's first state comes with its port,
    // and the background records what a reply shows an approval window as it records a push: index.ts).
    if (cmd.type !== 'getState') this.deps.onStateChange();
    return { state: await this.state(), ...(result !== undefined ? { result } : {}) };
  }

  /** Answers a message from an extension page: parses it strictly, runs it, and replies with the state or the error's code and text. */
  async answer(raw: unknown): Promise<PopupReply> {
    const cmd = parsePopupCommand(raw);
    if (!cmd) return { ok: false, code: 'popup.malformed', error: walletMessage('popup.malformed') };
    try {
      return { ok: true, ...(await this.run(cmd)) } as PopupReply;
    } catch (err) {
      return {
        ok: false,
        code: errorCode(err) ?? 'popup.unexpected',
        error: err instanceof Error ? err.message : walletMessage('popup.unexpected'),
        state: await this.state(),
      };
    }
  }
}

/** Awaits every promise of `o` together; the values under the same keys (one list of names, not two in step). */
async function allOf<T extends Record<string, unknown>>(o: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const keys = Object.keys(o) as (keyof T)[];
  const values = await Promise.all(keys.map((k) => o[k]));
  return Object.fromEntries(keys.map((k, i) => [k, values[i]])) as T;
}
