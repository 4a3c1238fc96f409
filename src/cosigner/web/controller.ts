/**
 * The phone co-signer's state and actions, outside the components: the
 * vault store (locked or unlocked), the pairing from the URL fragment, a
 * ceremony in progress, the signing service and the browser's storage
 * persistence. Components render {@link PhoneState} and call the actions;
 * each action resolves with an error message for the user, or null.
 */
import { sealBackup, openBackup, BackupError } from '../../crypto/backup';
import { CeremonyTimeout } from '../../session/mailbox';
import { CeremonyAbort } from '../../session/run-protocol';
import { vaultId, type DeviceVault } from '../../session/device-vault';
import { parsePairingFragment, type PairingPayload } from '../../session/pairing';
import { hasSignLink, parseSignLinkFragment, type SignLink } from '../../session/sign-link';
import { joinCeremony, pairingInfo, type PairingInfo } from './ceremony';
import { SigningService } from './signing-service';
import { finishOnPhone } from './pending';
import { PhoneVaultStore, VaultStoreError, type StoreBackend, type UnlockedStore, type VaultSummary } from './vault-store';
import { TandemError } from '../../errors/index';

/** How long the page looks for a linked request once the vault's channel is open. */
export const SIGN_LINK_WAIT_MS = 15_000;

/**
 * A signing link the page was opened with (`#sign=`, from the extension's
 * QR code): where the search for its request stands.
 * - `locked`: unlock first; `looking`: reading the vault's channel;
 * - `unknown-vault`: this phone holds no share of that vault;
 * - `not-found`: the request was not in the channel within {@link SIGN_LINK_WAIT_MS};
 * - `expired` / `ended` / `refused` / `done`: what became of it;
 * - `offline`: the relay cannot be reached; `invalid`: the link is damaged.
 */
export interface SignLinkState {
  link: SignLink | null;
  status: 'locked' | 'looking' | 'unknown-vault' | 'not-found' | 'expired' | 'ended' | 'refused' | 'done' | 'offline' | 'invalid';
  vaultName?: string;
  detail?: string;
}

/** What the browser said about keeping this page's data. */
export type Persistence = 'granted' | 'denied' | 'unsupported' | 'unknown';

export interface CeremonyState {
  info: PairingInfo;
  status: 'running' | 'done' | 'failed';
  progress: string;
  error?: string;
  address?: string;
  retired?: boolean;
  /** The vault's quorum once done. */
  quorum?: { t: number; n: number };
  /** A re-share replaced this phone's share: earlier backups of it no longer sign. */
  replaced?: boolean;
}

export interface PhoneState {
  ready: boolean;
  hasPin: boolean;
  unlocked: boolean;
  vaults: VaultSummary[];
  deviceName: string;
  persistence: Persistence;
  /** A pairing from the link, not yet joined. */
  pairing: { info: PairingInfo; payload: PairingPayload } | null;
  pairingError: string | null;
  ceremony: CeremonyState | null;
  /** Vaults that failed to open after unlocking. */
  loadErrors: string[];
  /** A signing link the page was opened with, until its request is on screen (or the user leaves it). */
  signLink: SignLinkState | null;
}

/** The default device name: what kind of phone this looks like. */
function guessDeviceName(): string {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua)) return 'iPad';
  const android = /Android[^;]*;\s*([^;)]+?)(?:\s+Build|\))/.exec(ua);
  if (android?.[1] && android[1] !== 'K') return android[1].trim().slice(0, 32);
  if (/Android/.test(ua)) return 'Android phone';
  return 'My phone';
}

/** Keeps the screen on during a ceremony where the browser allows it (a sleeping phone drops out). */
async function keepScreenOn(): Promise<WakeLockSentinel | null> {
  try {
    return typeof navigator === 'undefined' ? null : ((await navigator.wakeLock?.request('screen')) ?? null);
  } catch {
    return null;
  }
}

function explain(e: unknown): string {
  if (e instanceof CeremonyTimeout) return e.message;
  if (e instanceof CeremonyAbort) return `${e.message}${e.deviceId ? ` (device ${e.deviceId})` : ''}`;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 300);
}

export class PhoneController {
  state: PhoneState = {
    ready: false,
    hasPin: false,
    unlocked: false,
    vaults: [],
    deviceName: guessDeviceName(),
    persistence: 'unknown',
    pairing: null,
    pairingError: null,
    ceremony: null,
    loadErrors: [],
    signLink: null,
  };
  readonly signing: SigningService;
  private readonly store: PhoneVaultStore;
  private unlocked: UnlockedStore | null = null;
  private vaults = new Map<string, DeviceVault>();
  private listeners = new Set<() => void>();
  private signLinkTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    backend: StoreBackend,
    iterations?: number,
    private readonly signingOptions: Partial<ConstructorParameters<typeof SigningService>[0]> = {},
  ) {
    this.store = new PhoneVaultStore(backend, iterations);
    this.signing = new SigningService({
      ...signingOptions,
      onChange: () => {
        this.followSignLink();
        this.emit();
      },
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

  private emit(): void {
    this.state = { ...this.state };
    for (const l of this.listeners) l();
  }

  private set(patch: Partial<PhoneState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  /** Reads the store and the pairing in the URL fragment. */
  async boot(hash: string): Promise<void> {
    const [hasPin, vaults, name] = await Promise.all([this.store.hasPin(), this.store.list(), this.store.deviceName()]);
    this.set({ hasPin, vaults, ...(name ? { deviceName: name } : {}), ready: true });
    if (hasSignLink(hash)) this.readSignLink(hash);
    else if (hash.includes('p=')) this.readPairing(hash);
    void this.checkPersistence(false);
  }

  /** Takes a pairing from a link (the page's fragment, or pasted text). */
  readPairing(hashOrUrl: string): void {
    try {
      const payload = parsePairingFragment(hashOrUrl.includes('p=') ? hashOrUrl : `p=${hashOrUrl.trim()}`);
      this.set({ pairing: { payload, info: pairingInfo(payload) }, pairingError: null, ceremony: null });
    } catch (e) {
      this.set({ pairing: null, pairingError: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * Takes a signing link (the page's fragment): once unlocked, reads the
   * linked vault's channel from the link's position and waits for the
   * request, which then shows on the normal approval screen.
   */
  readSignLink(hashOrUrl: string): void {
    let link: SignLink;
    try {
      link = parseSignLinkFragment(hashOrUrl);
    } catch (e) {
      this.set({ signLink: { link: null, status: 'invalid', detail: e instanceof Error ? e.message : String(e) } });
      return;
    }
    this.set({ pairing: null, pairingError: null, signLink: { link, status: 'locked' } });
    if (this.unlocked) void this.findSignLink();
  }

  /** Looks for the linked request again (after the relay could not be reached). */
  async retrySignLink(): Promise<void> {
    const link = this.state.signLink?.link;
    if (!link || !this.unlocked) return;
    this.set({ signLink: { link, status: 'looking' } });
    await this.findSignLink();
  }

  /** Leaves the signing link's screen (back to the vaults). */
  dropSignLink(): void {
    if (this.signLinkTimer) clearTimeout(this.signLinkTimer);
    this.signLinkTimer = null;
    this.set({ signLink: null });
  }

  /** Unlocked: finds the linked vault and reads its channel from the link's position. */
  private async findSignLink(): Promise<void> {
    const state = this.state.signLink;
    const link = state?.link;
    if (!link) return;
    const vault = this.vaultAt(link.vault);
    if (!vault) {
      this.set({ signLink: { link, status: 'unknown-vault' } });
      return;
    }
    const id = vaultId(vault);
    this.set({ signLink: { link, status: 'looking', vaultName: vault.name } });
    // Known already (shown now, or read earlier on this page): no need to read the channel again.
    if (!this.signing.seen.has(link.requestId) && !this.signing.busy(id)) await this.signing.listen(vault, link.after);
    if (this.state.signLink?.link !== link) return;
    const giveUp = () => {
      this.signLinkTimer = null;
      const now = this.state.signLink;
      if (now?.link !== link || now.status !== 'looking') return;
      // Another request of this vault is on screen: the linked one comes after it.
      if (this.signing.busy(id)) this.signLinkTimer = setTimeout(giveUp, SIGN_LINK_WAIT_MS);
      else this.set({ signLink: { ...now, status: 'not-found' } });
    };
    if (this.signLinkTimer) clearTimeout(this.signLinkTimer);
    this.signLinkTimer = setTimeout(giveUp, SIGN_LINK_WAIT_MS);
    this.followSignLink();
  }

  /** The unlocked vault with this address (a signing link names its vault by address). */
  private vaultAt(address: string): DeviceVault | undefined {
    const a = address.toLowerCase();
    return [...this.vaults.values()].find((v) => v.address.toLowerCase() === a);
  }

  /** Updates the signing link's status from what the signing service read. */
  private followSignLink(): void {
    const s = this.state.signLink;
    if (!s?.link || s.status !== 'looking') return;
    const vault = this.vaultAt(s.link.vault);
    const channel = vault ? this.signing.status(vaultId(vault)) : undefined;
    const seen = this.signing.seen.get(s.link.requestId);
    let next: SignLinkState | null | undefined;
    if (seen?.state === 'shown')
      next = null; // on the approval screen now
    else if (seen?.state === 'done') next = { ...s, status: 'done', detail: seen.outcome };
    else if (seen) next = { ...s, status: seen.state, detail: seen.detail };
    else if (channel?.state === 'offline') next = { ...s, status: 'offline', detail: channel.error };
    if (next === undefined) return;
    if (this.signLinkTimer) clearTimeout(this.signLinkTimer);
    this.signLinkTimer = null;
    this.state = { ...this.state, signLink: next };
  }

  dropPairing(): void {
    this.set({ pairing: null, pairingError: null });
  }

  /**
   * Asks the browser to keep this page's data (`navigator.storage.persist()`),
   * or only reads whether it does (`persisted()`) when `ask` is false.
   */
  async checkPersistence(ask: boolean): Promise<void> {
    const s = typeof navigator !== 'undefined' ? navigator.storage : undefined;
    if (!s || typeof s.persisted !== 'function') return this.set({ persistence: 'unsupported' });
    try {
      let granted = await s.persisted();
      if (!granted && ask && typeof s.persist === 'function') granted = await s.persist();
      this.set({ persistence: granted ? 'granted' : ask ? 'denied' : 'unknown' });
    } catch {
      this.set({ persistence: 'unsupported' });
    }
  }

  private async openAll(store: UnlockedStore): Promise<void> {
    this.unlocked = store;
    const { vaults, errors } = await store.loadAll();
    this.vaults = new Map(vaults.map((v) => [vaultId(v), v]));
    this.set({ unlocked: true, hasPin: true, loadErrors: errors, vaults: await this.store.list() });
    const linked = this.state.signLink?.link?.vault.toLowerCase();
    // The linked vault's channel is opened by findSignLink, from the link's position.
    for (const v of vaults) if (v.address.toLowerCase() !== linked) void this.signing.listen(v);
    if (this.state.signLink?.link) await this.findSignLink();
    this.locked = new Promise<never>((_, reject) => (this.relock = reject));
    this.locked.catch(() => undefined);
    for (const v of vaults) if (v.pending) void this.finishPending(store, v);
  }

  /** Rejects when the phone locks: a change still pending stops asking (it stays as stored). */
  private locked: Promise<never> = Promise.resolve() as unknown as Promise<never>;
  private relock: (e: Error) => void = () => undefined;

  /** A change of generation this phone did not see end: finished now, or once the other devices answer (pending.ts). */
  private async finishPending(store: UnlockedStore, v: DeviceVault): Promise<void> {
    const open = this.signingOptions.open;
    const out = await finishOnPhone({ vault: v, store, stopped: this.locked, ...(open ? { open } : {}) }).catch(() => null);
    if (!out || this.unlocked !== store) return;
    const id = vaultId(v);
    if (out.kind === 'retired') {
      this.signing.forget(id);
      this.vaults.delete(id);
    } else if (out.kind === 'member' && !out.vault.pending) {
      this.vaults.set(id, out.vault);
      void this.signing.listen(out.vault);
    } else return;
    this.set({ vaults: await this.store.list() });
  }

  /** Unlocks with the PIN; a wrong one changes nothing. */
  async unlock(pin: string): Promise<string | null> {
    try {
      await this.openAll(await this.store.unlock(pin));
      return null;
    } catch (e) {
      return e instanceof VaultStoreError ? e.message : `Cannot unlock: ${explain(e)}`;
    }
  }

  /** Chooses the PIN (first use). */
  async choosePin(pin: string): Promise<string | null> {
    try {
      await this.openAll(await this.store.setPin(pin));
      return null;
    } catch (e) {
      return e instanceof VaultStoreError ? e.message : `Cannot set the PIN: ${explain(e)}`;
    }
  }

  lock(): void {
    this.relock(new Error('the phone was locked'));
    if (this.state.signLink) this.dropSignLink();
    this.signing.stopAll();
    this.unlocked = null;
    this.vaults.clear();
    this.set({ unlocked: false });
  }

  async setDeviceName(name: string): Promise<string | null> {
    const n = name.trim().slice(0, 40);
    if (!n) return 'Give this phone a name.';
    await this.store.setDeviceName(n);
    this.set({ deviceName: n });
    return null;
  }

  /** Joins the pairing's ceremony (the store must be unlocked). */
  async join(deviceName: string): Promise<string | null> {
    const pairing = this.state.pairing;
    if (!pairing) return 'There is no pairing to join: scan the QR code again.';
    if (!this.unlocked) return 'Unlock first.';
    const nameErr = await this.setDeviceName(deviceName);
    if (nameErr) return nameErr;
    const { info, payload } = pairing;
    const oldVault = info.kind === 'reshare' && info.vaultId ? this.vaults.get(info.vaultId) : undefined;
    // The old share signs no more while it is being re-shared.
    if (oldVault) this.signing.forget(info.vaultId!);
    const ceremony: CeremonyState = {
      info,
      status: 'running',
      progress: info.kind === 'keygen' ? 'Joining… waiting for the other devices.' : 'Joining the re-share… waiting for the other devices.',
    };
    this.set({ pairing: null, ceremony });
    const awake = await keepScreenOn();
    const update = (patch: Partial<CeremonyState>) => {
      if (this.state.ceremony?.info !== info) return; // closed meanwhile
      this.set({ ceremony: { ...this.state.ceremony!, ...patch } });
    };
    try {
      const outcome = await joinCeremony({
        pairing: payload,
        deviceName: this.state.deviceName,
        store: this.unlocked,
        ...(oldVault ? { oldVault } : {}),
        onEvent: (e) => {
          if (e.kind === 'roster')
            update({ progress: `All ${e.members.length} devices are in. Generating the keys together (a few seconds)…` });
          else if (e.kind === 'confirmed') update({ progress: 'Every device confirmed the same keys. Saving…' });
        },
      });
      if (outcome.kind === 'retired') {
        this.vaults.delete(outcome.vaultId);
        update({
          status: 'done',
          retired: true,
          progress: 'This phone gave its place up: every new device stored its share, so this one was deleted.',
        });
      } else {
        this.vaults.set(outcome.summary.id, outcome.vault);
        update({
          status: 'done',
          address: outcome.vault.address,
          quorum: { t: outcome.vault.ecdsa.t, n: outcome.vault.members.length },
          replaced: outcome.replaced,
          progress: outcome.pending
            ? `Stored, but pending: ${outcome.pending}.`
            : outcome.replaced
              ? 'Re-shared: same address, new share stored.'
              : 'Your share is stored on this phone.',
        });
        void this.signing.listen(outcome.vault);
        await this.checkPersistence(true);
      }
      this.set({ vaults: await this.store.list() });
      return null;
    } catch (e) {
      update({
        status: 'failed',
        error: `${info.kind === 'keygen' ? 'Key generation' : 'The re-share'} failed: ${explain(e)}. Nothing was stored or changed; start again from the extension.`,
      });
      if (oldVault) void this.signing.listen(oldVault);
      return null;
    } finally {
      void awake?.release().catch(() => undefined);
    }
  }

  /** Joins a vault's channel again after the relay could not be reached. */
  async retry(id: string): Promise<void> {
    const v = this.vaults.get(id);
    if (v) await this.signing.listen(v);
  }

  /** Back online: joins again every channel that could not be opened. */
  async retryOffline(): Promise<void> {
    await Promise.all(this.signing.offline().map((id) => this.retry(id)));
  }

  closeCeremony(): void {
    this.set({ ceremony: null });
  }

  /** Exports one vault's share as a backup file's text (same format as the extension and the CLI). */
  async exportBackup(id: string, password: string): Promise<{ text: string; filename: string } | string> {
    const v = this.vaults.get(id);
    if (!v) return 'Unlock first.';
    try {
      const text = await sealBackup(v, password);
      const slug =
        v.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '') || 'vault';
      return { text, filename: `tandem-${slug}-${id.slice(0, 6)}.backup.json` };
    } catch (e) {
      return e instanceof BackupError ? e.message : `Cannot make the backup: ${explain(e)}`;
    }
  }

  /** Restores a backup file (the store must be unlocked); a wrong password or a duplicate changes nothing. */
  async importBackup(text: string, password: string): Promise<string | null> {
    if (!this.unlocked) return 'Unlock first.';
    let vault: DeviceVault;
    try {
      vault = await openBackup(text, password);
    } catch (e) {
      return e instanceof BackupError ? e.message : `Cannot open the backup: ${explain(e)}`;
    }
    try {
      const summary = await this.unlocked.save(vault);
      this.vaults.set(summary.id, vault);
      this.set({ vaults: await this.store.list() });
      void this.signing.listen(vault);
      await this.checkPersistence(true);
      return null;
    } catch (e) {
      return e instanceof VaultStoreError ? e.message : `Cannot store the backup: ${explain(e)}`;
    }
  }

  /** Deletes this phone's share of a vault. */
  async deleteVault(id: string): Promise<string | null> {
    if (!this.unlocked) return 'Unlock first.';
    this.signing.forget(id);
    await this.unlocked.remove(id);
    this.vaults.delete(id);
    this.set({ vaults: await this.store.list() });
    return null;
  }
}
