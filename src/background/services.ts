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
import {
  AUTO_LOCK_MAX,
  AUTO_LOCK_MIN,
  COSIGN_TIMEOUT_MAX,
  COSIGN_TIMEOUT_MIN,
  type PopupCommand,
  type WalletState,
} from '../shared/popup-api';
import { normalizeChainId } from '../shared/networks';
import { rpcErrors } from '../shared/rpc-errors';
import { CeremonySessions, openDeviceVault, storeDeviceVault } from './ceremony-sessions';
import { openBackup, sealBackup } from '../crypto/backup';
import { ActivityLog } from './activity';
import { TokenList, transferData } from './tokens';
import { WALLET_ORIGIN, type BalanceView } from '../shared/popup-api';
import { formatEther, getAddress, parseEther } from 'ethers';
import { SIGN_ROUND_TIMEOUT_MS, TssSigner } from './tss-signer';
import { signView } from '../shared/sign-view';
import { withFees } from './tx-builder';
import type { SigningProgress } from '../shared/popup-api';
import type { OpenedMailbox, OpenMailboxOptions } from '../session/relay-transport';
import type { CeremonyTiming } from '../session/ceremonies';

const AUTO_LOCK_KEY = 'settings.autoLockMinutes.v1';
const RELAY_URL_KEY = 'settings.relayUrl.v1';
const COSIGN_TIMEOUT_KEY = 'settings.cosignTimeoutSeconds.v1';
/** Seconds the co-signer has to answer (its user decides) unless the user changes it. */
export const DEFAULT_COSIGN_TIMEOUT_SECONDS = 120;
/** The relay used to pair devices and co-sign unless the user changes it. */
export const DEFAULT_RELAY_URL = 'http://127.0.0.1:8787';
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
  /** Opens a relay room (tests pass an in-memory one). */
  openMailbox?: (opts: OpenMailboxOptions) => Promise<OpenedMailbox>;
  keygenTiming?: CeremonyTiming;
  signTiming?: CeremonyTiming;
}

/** All services of the background. */
export class Services {
  readonly permissions: PermissionStore;
  readonly networks: NetworkStore;
  readonly wallet: WalletService;
  readonly pages = new PagePorts();
  readonly approvals: ApprovalQueue;
  readonly routerDeps: RouterDeps;
  readonly ceremonies: CeremonySessions;
  readonly signer: TssSigner;
  private signing: SigningProgress | null = null;
  readonly activity: ActivityLog;
  readonly tokens: TokenList;
  private sendError: string | null = null;

  constructor(private readonly deps: ServiceDeps) {
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
      timing: async () =>
        deps.signTiming ?? { joinTimeoutMs: (await this.cosignTimeoutSeconds()) * 1000, roundTimeoutMs: SIGN_ROUND_TIMEOUT_MS },
    });
    this.routerDeps = {
      permissions: this.permissions,
      approvals: this.approvals,
      networks: this.networks,
      wallet: this.wallet,
      chain: deps.chain,
      events: this.pages,
      openPopup: deps.openPopup,
      signer: this.signer,
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

  async cosignTimeoutSeconds(): Promise<number> {
    return (await this.deps.local.get<number>(COSIGN_TIMEOUT_KEY)) ?? DEFAULT_COSIGN_TIMEOUT_SECONDS;
  }

  async relayUrl(): Promise<string> {
    return (await this.deps.local.get<string>(RELAY_URL_KEY)) ?? DEFAULT_RELAY_URL;
  }

  /**
   * The active account may have changed (a co-signed vault replaced the
   * development one): connected pages of the old account see it go.
   */
  private lastAccount: string | null | undefined;
  private async afterVaultChange(): Promise<void> {
    const account = await this.wallet.activeAccount();
    if (this.lastAccount !== undefined && account !== this.lastAccount) await this.afterLockChange();
    else this.deps.onStateChange();
    this.lastAccount = account;
  }

  async autoLockMinutes(): Promise<number> {
    return (await this.deps.local.get<number>(AUTO_LOCK_KEY)) ?? DEFAULT_AUTO_LOCK_MINUTES;
  }

  /** Re-arms the idle timer (call on user activity while unlocked). */
  async touch(): Promise<void> {
    if (await this.wallet.isUnlocked()) this.deps.armAutoLock(await this.autoLockMinutes());
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
    const vault = await this.wallet.vault();
    const selectedChainId = (await this.networks.selected()).chainId;
    return {
      vault,
      vaults: await this.wallet.vaults(),
      locked: !(await this.wallet.isUnlocked()),
      networks: await this.networks.list(),
      selectedChainId,
      approvals: (await this.approvals.list()).map(({ reply: _reply, ...view }) => view),
      sites: await this.permissions.sites(),
      autoLockMinutes: await this.autoLockMinutes(),
      relayUrl: await this.relayUrl(),
      cosignTimeoutSeconds: await this.cosignTimeoutSeconds(),
      ceremony: await this.ceremonies.current(),
      signing: this.signing,
      activity: await this.activity.list(vault?.address),
      sendError: this.sendError,
      tokens: await this.tokens.list(selectedChainId),
    };
  }

  /** Runs one popup command; errors are thrown with a message for the user. */
  async command(cmd: PopupCommand): Promise<WalletState> {
    return (await this.run(cmd)).state;
  }

  /** Runs one popup command and returns the new state and, for some commands, a result. */
  async run(cmd: PopupCommand): Promise<{ state: WalletState; result?: unknown }> {
    let result: unknown;
    try {
      result = await this.carryOut(cmd);
    } finally {
      // Any command may have unlocked the wallet, even one that failed afterwards: (re)arm the idle timer.
      if (cmd.type !== 'lock') await this.touch();
    }
    this.deps.onStateChange();
    return { state: await this.state(), ...(result !== undefined ? { result } : {}) };
  }

  /** Carries out one popup command; returns the reply's `result` for the commands that have one. */
  private async carryOut(cmd: PopupCommand): Promise<unknown> {
    let result: unknown;
    switch (cmd.type) {
      case 'getState':
        break;
      case 'createDevVault':
        await this.wallet.createDevVault(cmd.name, cmd.password);
        await this.afterLockChange();
        break;
      case 'unlock':
        await this.wallet.unlock(cmd.password);
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
      case 'setRelayUrl':
        await this.deps.local.set(RELAY_URL_KEY, parseRelayUrl(cmd.url));
        break;
      case 'setCosignTimeout':
        if (cmd.seconds < COSIGN_TIMEOUT_MIN || cmd.seconds > COSIGN_TIMEOUT_MAX)
          throw new Error(`The co-signer wait must be between ${COSIGN_TIMEOUT_MIN} and ${COSIGN_TIMEOUT_MAX} seconds.`);
        await this.deps.local.set(COSIGN_TIMEOUT_KEY, cmd.seconds);
        break;
      case 'startKeygen':
        if (cmd.password !== undefined) await this.wallet.ensureKeyring(cmd.password);
        else if (!(await this.wallet.isUnlocked())) throw new Error('Unlock Tandem first.');
        this.lastAccount = await this.wallet.activeAccount();
        await this.ceremonies.start({ name: cmd.name, t: cmd.t, n: cmd.n, relayUrl: await this.relayUrl() });
        break;
      case 'closeCeremony':
        await this.ceremonies.close();
        break;
      case 'joinCeremony': {
        if (cmd.password !== undefined) await this.wallet.ensureKeyring(cmd.password);
        else if (!(await this.wallet.isUnlocked())) throw new Error('Unlock Tandem first.');
        const active = await this.wallet.vault();
        const vault = await openDeviceVault(this.wallet, active);
        this.lastAccount = await this.wallet.activeAccount();
        await this.ceremonies.join(cmd.pairing, vault && active ? { vault, vaultRecordId: active.id } : undefined);
        break;
      }
      case 'startReshare': {
        const active = await this.wallet.vault();
        const vault = await openDeviceVault(this.wallet, active);
        if (!vault || !active) throw new Error('Only a co-signed vault can be re-shared.');
        this.lastAccount = await this.wallet.activeAccount();
        await this.ceremonies.startReshare({
          vault,
          vaultRecordId: active.id,
          newT: cmd.newT,
          newN: cmd.newN,
          relayUrl: await this.relayUrl(),
        });
        break;
      }
      case 'exportBackup':
        result = await this.exportBackup(cmd.password);
        break;
      case 'importBackup':
        await this.importBackup(cmd.text, cmd.password, cmd.walletPassword);
        break;
      case 'getBalance':
        result = await this.balance();
        break;
      case 'adjustFees': {
        const a = (await this.approvals.list()).find((x) => x.id === cmd.id);
        if (a?.sign?.request.kind !== 'transaction') throw new Error('This request is no longer pending.');
        if (this.signing?.approvalId === a.id) throw new Error('Co-signing has started: the fees can no longer change.');
        const network = (await this.networks.find(a.sign.chainId)) ?? (await this.networks.selected());
        const tx = withFees(a.sign.request.tx, cmd);
        await this.approvals.updateSign(
          a.id,
          signView({ ...a.sign.request, tx }, a.sign.account, network, await this.tokens.list(network.chainId)),
        );
        break;
      }
      case 'send':
        await this.send(cmd.to, cmd.amount, cmd.token);
        break;
      case 'addToken':
        await this.tokens.add(await this.networks.selected(), cmd.address);
        break;
      case 'removeToken':
        await this.tokens.remove((await this.networks.selected()).chainId, cmd.address);
        break;
      case 'selectVault': {
        const before = await this.wallet.activeAccount();
        await this.wallet.selectVault(cmd.id);
        if ((await this.wallet.activeAccount()) !== before) await this.afterLockChange();
        break;
      }
      case 'renameVault':
        await this.wallet.renameVault(cmd.id, cmd.name);
        break;
      case 'deleteVault': {
        const before = await this.wallet.activeAccount();
        await this.wallet.deleteVault(cmd.id);
        if ((await this.wallet.activeAccount()) !== before) await this.afterLockChange();
        break;
      }
    }
    return result;
  }

  private async balance(): Promise<BalanceView | null> {
    const account = await this.wallet.activeAccount();
    if (!account) return null;
    const network = await this.networks.selected();
    const wei = BigInt((await this.deps.chain.call(network, 'eth_getBalance', [account, 'latest'])) as string);
    return {
      account,
      chainId: network.chainId,
      value: formatEther(wei),
      symbol: network.currencySymbol,
      tokens: await this.tokens.balances(network, account),
    };
  }

  /**
   * The Send screen: checks the recipient and amount, then queues a signing
   * approval exactly like a dApp's eth_sendTransaction (same decoding, same
   * co-signing). Resolves once the approval is queued; the outcome shows in
   * the activity list, or as `sendError`.
   */
  private async send(toText: string, amount: string, tokenAddress?: string): Promise<void> {
    const account = await this.wallet.activeAccount();
    if (!account) throw new Error('Unlock Tandem first.');
    let to: string;
    try {
      to = getAddress(toText.trim());
    } catch {
      throw new Error('The recipient is not a valid address (check its checksum).');
    }
    let tx: { from: string; to: string; value?: string; data?: string };
    if (tokenAddress) {
      const token = (await this.tokens.list((await this.networks.selected()).chainId)).find(
        (t) => t.address.toLowerCase() === tokenAddress.toLowerCase(),
      );
      if (!token) throw new Error('This token is not in the list of this network.');
      tx = { from: account, to: token.address, data: transferData(token, to, amount) };
    } else {
      let wei: bigint;
      try {
        wei = parseEther(amount.trim());
      } catch {
        throw new Error('Enter the amount as a number, e.g. 0.05.');
      }
      if (wei <= 0n) throw new Error('The amount must be more than 0.');
      tx = { from: account, to, value: '0x' + wei.toString(16) };
    }
    this.sendError = null;
    const queued = (await this.approvals.list()).length;
    void this.signer.handle({ origin: WALLET_ORIGIN }, account, { method: 'eth_sendTransaction', params: [tx] }).catch((e: unknown) => {
      this.sendError = e instanceof Error ? e.message : 'The transaction was not sent.';
      this.deps.onStateChange();
    });
    // Answer once the approval is queued (or building it failed), so the popup shows it.
    for (let i = 0; i < 100 && (await this.approvals.list()).length === queued && this.sendError === null; i++)
      await new Promise((r) => setTimeout(r, 50));
    if (this.sendError) throw new Error(this.sendError);
  }

  /** An encrypted backup of this device's share of the active co-signed vault. */
  private async exportBackup(password: string): Promise<{ filename: string; text: string }> {
    const active = await this.wallet.vault();
    const vault = await openDeviceVault(this.wallet, active);
    if (!vault || !active) throw new Error('Only a co-signed vault has a share to back up.');
    const text = await sealBackup(vault, password, this.deps.pbkdf2Iterations);
    const slug =
      active.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'vault';
    return { filename: `tandem-${slug}-${active.address.slice(2, 8).toLowerCase()}.backup.json`, text };
  }

  /** Restores a backup; nothing changes when the password is wrong or the vault is already here. */
  private async importBackup(text: string, password: string, walletPassword?: string): Promise<void> {
    const vault = await openBackup(text, password);
    if (walletPassword !== undefined) await this.wallet.ensureKeyring(walletPassword);
    else if (!(await this.wallet.isUnlocked())) throw new Error('Unlock Tandem first.');
    if ((await this.wallet.vaults()).some((v) => v.kind === 'tss' && v.address === vault.address))
      throw new Error(`The vault ${vault.address} is already in Tandem; nothing was changed.`);
    const before = await this.wallet.activeAccount();
    await storeDeviceVault(this.wallet, vault);
    if ((await this.wallet.activeAccount()) !== before) await this.afterLockChange();
  }
}

/** A relay base URL: http(s), no credentials, query or fragment; trailing slashes dropped. */
export function parseRelayUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new Error('The relay URL is not a URL (e.g. https://relay.example).');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error('The relay URL must start with https:// (or http:// for a local relay).');
  if (u.username || u.password || u.search || u.hash) throw new Error('The relay URL must not contain credentials, a query or a fragment.');
  return (u.origin + u.pathname).replace(/\/+$/, '');
}
