/**
 * What the phone's actions share: the observable {@link PhoneState} (with
 * its listeners), the vault store, the store and vaults opened by the PIN,
 * and the signing service that serves them.
 */
import type { DeviceVault } from '../../session/device-vault';
import { TandemError } from '../../errors/index';
import { SigningService } from '../../shared/signing-service';
import { phonePreviews } from './preview-nodes';
import { PhoneVaultStore, type StoreBackend, type UnlockedStore } from './vault-store';
import { initialPhoneState, type PhoneState } from './phone-state';

/** Options for the signing service (tests pass their transport and clock). */
export type SigningOptions = Partial<ConstructorParameters<typeof SigningService>[0]>;

export class PhoneCore {
  state: PhoneState = initialPhoneState();
  readonly store: PhoneVaultStore;
  readonly signing: SigningService;
  /** The store opened by the PIN; null while locked. */
  unlocked: UnlockedStore | null = null;
  /** The vaults opened after unlocking, by vault id. */
  vaults = new Map<string, DeviceVault>();
  private readonly listeners = new Set<() => void>();

  /** `onSigningChange`: the signing service's state changed (the listeners are told by the callee). */
  constructor(
    backend: StoreBackend,
    iterations: number | undefined,
    readonly signingOptions: SigningOptions,
    onSigningChange: () => void,
  ) {
    this.store = new PhoneVaultStore(backend, iterations);
    this.signing = new SigningService({
      previewOf: phonePreviews(() => this.state.previewRpcUrls),
      ...signingOptions,
      onChange: onSigningChange,
      onBurn: async (vault) => {
        // Recorded so that a reload does not use the pair's OT material again; not stored is an error (retried).
        if (!this.unlocked) throw new TandemError('wallet.locked', 'the phone is locked: unlock it');
        await this.unlocked.save(vault, true);
      },
    });
  }

  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Tells the listeners (a new state object, so that a render sees the change). */
  emit(): void {
    this.state = { ...this.state };
    for (const l of this.listeners) l();
  }

  set(patch: Partial<PhoneState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  /** Changes the state without telling the listeners: an {@link emit} or a {@link set} follows. */
  setQuietly(patch: Partial<PhoneState>): void {
    this.state = { ...this.state, ...patch };
  }

  /** Re-reads the vault list from the store. */
  async refreshVaults(): Promise<void> {
    this.set({ vaults: await this.store.list() });
  }
}
