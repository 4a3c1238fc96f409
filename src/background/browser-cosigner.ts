/**
 * This browser as a co-signer (docs/browser-cosigner.md): while the popup's
 * Co-sign screen is open, the extension listens on the paired channel of
 * each co-signed vault it holds and answers other devices' signing requests,
 * with the phone's request service (shared/signing-service.ts): every request
 * parsed strictly and its digest and account recomputed here, shown with the
 * same request screen, previewed on this browser's own node for the chain,
 * and signed only once the user approves it here. Leaving the screen, or
 * closing the last Tandem window, stops listening (a request on screen is
 * refused).
 */
import { encodeDeviceVault, vaultId, type DeviceVault } from '../session/device-vault';
import { requestAccount } from '../session/account-path';
import type { OpenedMailbox, OpenMailboxOptions } from '../session/relay-transport';
import type { SigningRequest } from '../session/signing-request';
import type { CosignScreenState } from '../shared/popup-api';
import { SigningService } from '../shared/signing-service';
import { previewTransaction, unavailablePreview, type TxPreview } from '../shared/tx-preview';
import { WalletError } from '../shared/wallet-errors';
import { openDeviceVault } from './device-vault-store';
import type { NetworkStore } from './networks';
import type { ChainClient } from './router-deps';
import type { WalletService } from './vault/wallet';

export interface BrowserCosignerDeps {
  wallet: Pick<WalletService, 'vaults' | 'isUnlocked' | 'openShare' | 'shareFormatOf' | 'replaceShare'>;
  networks: Pick<NetworkStore, 'find'>;
  chain: ChainClient;
  onChange(): void;
  open?: (o: OpenMailboxOptions) => Promise<OpenedMailbox>;
  roundTimeoutMs?: number;
}

/** Why a transaction has no preview here: no network of this browser serves its chain. */
const noNetwork = (chainId: number) => `this browser has no network for chain ${chainId} (add it under Settings › Networks)`;

export class BrowserCosigner {
  private service: SigningService | null = null;
  /** Vault names by channel id (the service's vault id), for the screen. */
  private names = new Map<string, string>();
  /** The wallet record each channel's vault was opened from, by channel id. */
  private recordIds = new Map<string, string>();

  constructor(private readonly deps: BrowserCosignerDeps) {}

  /**
   * Starts listening on every co-signed vault's channel (again: restarts
   * them, e.g. after a vault was added, deleted or re-shared). Needs the
   * wallet unlocked.
   */
  async start(): Promise<void> {
    if (!(await this.deps.wallet.isUnlocked())) throw new WalletError('wallet.locked');
    const views = await this.deps.wallet.vaults();
    if (!views.some((v) => v.kind === 'tss')) throw new WalletError('cosign.noVault');
    this.stop();
    const service = new SigningService({
      device: 'browser',
      noNode: 'this browser has no network for this chain',
      onChange: () => this.deps.onChange(),
      onBurn: (vault) => this.storeBurn(vault),
      previewOf: (request, vault) => this.preview(request, vault),
      ...(this.deps.open ? { open: this.deps.open } : {}),
      ...(this.deps.roundTimeoutMs ? { roundTimeoutMs: this.deps.roundTimeoutMs } : {}),
    });
    this.service = service;
    for (const view of views) {
      const record = await openDeviceVault(this.deps.wallet, view);
      if (!record || this.service !== service) continue;
      this.names.set(vaultId(record), view.name);
      this.recordIds.set(vaultId(record), view.id);
      void service.listen(record);
    }
    this.deps.onChange();
  }

  /** While listening: restarts when the co-signed vaults changed (added, deleted, a re-share committed); never throws. */
  async refresh(): Promise<void> {
    if (!this.service) return;
    const ids = (await this.deps.wallet.vaults()).filter((v) => v.kind === 'tss').map((v) => v.id);
    const now = [...this.recordIds.values()];
    if (ids.length === now.length && ids.every((id) => now.includes(id))) return;
    await this.start().catch(() => this.stop());
  }

  /** Stops listening; a request on screen is refused ("the browser stopped listening"). */
  stop(): void {
    const s = this.service;
    this.service = null;
    this.names.clear();
    this.recordIds.clear();
    if (s) {
      s.stopAll();
      this.deps.onChange();
    }
  }

  get listening(): boolean {
    return this.service !== null;
  }

  /** The user's decision on a request shown on the Co-sign screen. */
  decide(key: string, approve: boolean): void {
    if (!this.service?.pending.some((p) => p.key === key)) throw new WalletError('cosign.gone');
    this.service.decide(key, approve, 'the user rejected it in the browser');
  }

  /** What the Co-sign screen shows, or null while not listening. */
  state(): CosignScreenState | null {
    const s = this.service;
    if (!s) return null;
    const channels = [...this.names].map(([id, name]) => ({ vaultName: name, status: s.status(id) ?? { state: 'connecting' as const } }));
    return { channels, pending: [...s.pending], results: [...s.results] };
  }

  /** This browser's own preview of a transaction it decoded, on its network for the chain (never the requester's). */
  private async preview(request: SigningRequest, vault: DeviceVault): Promise<TxPreview> {
    if (request.kind !== 'transaction') return unavailablePreview('not a transaction');
    const network = await this.deps.networks.find('0x' + request.chainId.toString(16));
    if (!network) return unavailablePreview(noNetwork(request.chainId));
    return previewTransaction((m, p) => this.deps.chain.call(network, m, p), request.tx, requestAccount(request, vault), {
      currencySymbol: network.currencySymbol,
    });
  }

  /**
   * Stores a vault whose OT pair with a peer was burned, into the record it
   * was opened from, and only while that record still holds the same share
   * generation (a re-share committed meanwhile must never be overwritten with
   * the older share): otherwise it throws, and the pair stays refused in memory.
   */
  private async storeBurn(vault: DeviceVault): Promise<void> {
    const id = this.recordIds.get(vaultId(vault));
    const view = id ? (await this.deps.wallet.vaults()).find((v) => v.id === id) : undefined;
    const current = view ? await openDeviceVault(this.deps.wallet, view) : null;
    if (!view || current?.ecdsa.epoch !== vault.ecdsa.epoch) throw new WalletError('vault.cannotUpdateShare');
    const blob = new TextEncoder().encode(encodeDeviceVault(vault));
    try {
      await this.deps.wallet.replaceShare(view.id, blob);
    } finally {
      blob.fill(0);
    }
  }
}
