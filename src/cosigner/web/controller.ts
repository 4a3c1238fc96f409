/**
 * The phone co-signer's state and actions, outside the components.
 * Components render {@link PhoneState} (phone-state.ts) and call the
 * actions; each action resolves with an error message for the user, or null.
 *
 * This file boots the page and keeps the vaults' lifecycle: unlock (open
 * every vault, listen on its channel, finish a pending change), lock,
 * delete. The rest is in its own module: the pairing and its ceremony
 * (pairing-flow.ts), a signing link (sign-link-flow.ts), backups
 * (backup-actions.ts), the device name (device-name.ts), the nodes for
 * transaction previews (preview-nodes.ts), storage
 * persistence (persistence.ts); what they share is phone-core.ts.
 */
import { vaultId, type DeviceVault } from '../../session/device-vault';
import { hasSignLink } from '../../session/sign-link';
import { exportBackup, importBackup } from './backup-actions';
import { setDeviceName } from './device-name';
import { setPreviewRpcUrls } from './preview-nodes';
import { explain } from './explain-error';
import { joinPairing, readPairing } from './pairing-flow';
import { finishOnPhone } from './pending';
import { checkPersistence } from './persistence';
import { PhoneCore, type SigningOptions } from './phone-core';
import type { PhoneState } from './phone-state';
import { SignLinkFlow } from './sign-link-flow';
import type { SigningService } from '../../shared/signing-service';
import { VaultStoreError, type StoreBackend, type UnlockedStore } from './vault-store';

export class PhoneController {
  private readonly core: PhoneCore;
  private readonly signLink: SignLinkFlow;
  /** Rejects when the phone locks: a change still pending stops asking (it stays as stored). */
  private locked: Promise<never> = Promise.resolve() as unknown as Promise<never>;
  private relock: (e: Error) => void = () => undefined;

  constructor(backend: StoreBackend, iterations?: number, signingOptions: SigningOptions = {}) {
    this.core = new PhoneCore(backend, iterations, signingOptions, () => {
      this.signLink.follow();
      this.core.emit();
    });
    this.signLink = new SignLinkFlow(this.core);
  }

  get state(): PhoneState {
    return this.core.state;
  }

  get signing(): SigningService {
    return this.core.signing;
  }

  subscribe(l: () => void): () => void {
    return this.core.subscribe(l);
  }

  /** Reads the store and the pairing in the URL fragment. */
  async boot(hash: string): Promise<void> {
    const { store } = this.core;
    const [hasPin, vaults, name, previewRpcUrls] = await Promise.all([
      store.hasPin(),
      store.list(),
      store.deviceName(),
      store.previewRpcUrls(),
    ]);
    this.core.set({ hasPin, vaults, ...(name ? { deviceName: name } : {}), previewRpcUrls, ready: true });
    if (hasSignLink(hash)) this.readSignLink(hash);
    else if (hash.includes('p=')) this.readPairing(hash);
    void this.checkPersistence(false);
  }

  /** Takes a pairing from a link (the page's fragment, or pasted text). */
  readPairing(hashOrUrl: string): void {
    readPairing(this.core, hashOrUrl);
  }

  dropPairing(): void {
    this.core.set({ pairing: null, pairingError: null });
  }

  /** Joins the pairing's ceremony (the store must be unlocked). */
  join(deviceName: string): Promise<string | null> {
    return joinPairing(this.core, deviceName);
  }

  closeCeremony(): void {
    this.core.set({ ceremony: null });
  }

  /** Takes a signing link (the page's fragment): its request shows on the approval screen once unlocked. */
  readSignLink(hashOrUrl: string): void {
    this.signLink.read(hashOrUrl);
  }

  /** Looks for the linked request again (after the relay could not be reached). */
  retrySignLink(): Promise<void> {
    return this.signLink.retry();
  }

  /** Leaves the signing link's screen (back to the vaults). */
  dropSignLink(): void {
    this.signLink.drop();
  }

  /** Asks the browser to keep this page's data, or only reads whether it does when `ask` is false. */
  checkPersistence(ask: boolean): Promise<void> {
    return checkPersistence(this.core, ask);
  }

  setDeviceName(name: string): Promise<string | null> {
    return setDeviceName(this.core, name);
  }

  /** The nodes for transaction previews, one URL per line (an empty text removes them). */
  setPreviewRpcUrls(text: string): Promise<string | null> {
    return setPreviewRpcUrls(this.core, text);
  }

  /** Exports one vault's share as a backup file's text (same format as the extension and the CLI). */
  exportBackup(id: string, password: string): Promise<{ text: string; filename: string } | string> {
    return exportBackup(this.core, id, password);
  }

  /** Restores a backup file (the store must be unlocked); a wrong password or a duplicate changes nothing. */
  importBackup(text: string, password: string): Promise<string | null> {
    return importBackup(this.core, text, password);
  }

  /** Unlocks with the PIN; a wrong one changes nothing. */
  async unlock(pin: string): Promise<string | null> {
    try {
      await this.openAll(await this.core.store.unlock(pin));
      return null;
    } catch (e) {
      return e instanceof VaultStoreError ? e.message : `Cannot unlock: ${explain(e)}`;
    }
  }

  /** Chooses the PIN (first use). */
  async choosePin(pin: string): Promise<string | null> {
    try {
      await this.openAll(await this.core.store.setPin(pin));
      return null;
    } catch (e) {
      return e instanceof VaultStoreError ? e.message : `Cannot set the PIN: ${explain(e)}`;
    }
  }

  lock(): void {
    this.relock(new Error('the phone was locked'));
    if (this.core.state.signLink) this.dropSignLink();
    this.core.signing.stopAll();
    this.core.unlocked = null;
    this.core.vaults.clear();
    this.core.set({ unlocked: false });
  }

  /** Joins a vault's channel again after the relay could not be reached. */
  async retry(id: string): Promise<void> {
    const v = this.core.vaults.get(id);
    if (v) await this.core.signing.listen(v);
  }

  /** Back online: joins again every channel that could not be opened. */
  async retryOffline(): Promise<void> {
    await Promise.all(this.core.signing.offline().map((id) => this.retry(id)));
  }

  /** Deletes this phone's share of a vault. */
  async deleteVault(id: string): Promise<string | null> {
    const { core } = this;
    if (!core.unlocked) return 'Unlock first.';
    core.signing.forget(id);
    await core.unlocked.remove(id);
    core.vaults.delete(id);
    await core.refreshVaults();
    return null;
  }

  /** Unlocked: opens every vault, listens on its channel, looks for a linked request, finishes pending changes. */
  private async openAll(store: UnlockedStore): Promise<void> {
    const { core } = this;
    core.unlocked = store;
    const { vaults, errors } = await store.loadAll();
    core.vaults = new Map(vaults.map((v) => [vaultId(v), v]));
    core.set({ unlocked: true, hasPin: true, loadErrors: errors, vaults: await core.store.list() });
    const linked = core.state.signLink?.link?.vault.toLowerCase();
    // The linked vault's channel is opened by SignLinkFlow.find, from the link's position.
    for (const v of vaults) if (v.address.toLowerCase() !== linked) void core.signing.listen(v);
    if (core.state.signLink?.link) await this.signLink.find();
    this.locked = new Promise<never>((_, reject) => (this.relock = reject));
    this.locked.catch(() => undefined);
    for (const v of vaults) if (v.pending) void this.finishPending(store, v);
  }

  /** A change of generation this phone did not see end: finished now, or once the other devices answer (pending.ts). */
  private async finishPending(store: UnlockedStore, v: DeviceVault): Promise<void> {
    const { core } = this;
    const open = core.signingOptions.open;
    const out = await finishOnPhone({ vault: v, store, stopped: this.locked, ...(open ? { open } : {}) }).catch(() => null);
    if (!out || core.unlocked !== store) return;
    const id = vaultId(v);
    if (out.kind === 'retired') {
      core.signing.forget(id);
      core.vaults.delete(id);
    } else if (out.kind === 'member' && !out.vault.pending) {
      core.vaults.set(id, out.vault);
      void core.signing.listen(out.vault);
    } else return;
    await core.refreshVaults();
  }
}
