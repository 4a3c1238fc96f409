/**
 * The phone's vault store: each device vault (src/session/device-vault.ts)
 * sealed with AES-256-GCM under a key derived from the user's PIN or
 * passphrase (PBKDF2-HMAC-SHA256, 600,000 iterations, WebCrypto), kept in
 * IndexedDB. One PIN protects every vault on this phone; a sealed check
 * value tells a wrong PIN apart before any vault is touched, so a wrong PIN
 * is refused and changes nothing.
 *
 * Stored per vault in the clear: its id, name, address, quorum and this
 * device's id (what the vault list shows while locked). Everything secret
 * (shares, identity keys, the paired channel's secret) is only in the
 * ciphertext.
 *
 * The storage itself is behind {@link StoreBackend} (IndexedDB in the page,
 * a Map in unit tests).
 */
import { decodeDeviceVault, encodeDeviceVault, vaultId, type DeviceVault } from '../../session/device-vault';
import { DecryptError, deriveKeyBytes, importAesKey, newKdfParams, open, seal, type KdfParams, type Sealed } from '../../crypto/at-rest';
import { TandemError } from '../../errors/index.js';

/** Shortest PIN or passphrase accepted. */
export const MIN_PIN_LENGTH = 6;

/** What the vault list shows without the PIN. */
export interface VaultSummary {
  id: string;
  name: string;
  address: string;
  t: number;
  n: number;
  /** This phone's device id in the vault. */
  deviceId: string;
  createdAt: number;
}

export interface VaultRecord extends VaultSummary {
  sealed: Sealed;
}

/** The PIN's KDF parameters and a sealed check value. */
export interface PinRecord {
  kdf: KdfParams;
  check: Sealed;
}

/** Key-value storage under the store (two tables). */
export interface StoreBackend {
  getPin(): Promise<PinRecord | undefined>;
  putPin(p: PinRecord): Promise<void>;
  getSetting(key: string): Promise<string | undefined>;
  putSetting(key: string, value: string): Promise<void>;
  listVaults(): Promise<VaultRecord[]>;
  getVault(id: string): Promise<VaultRecord | undefined>;
  /** Writes a vault record; `replace: false` fails when the id exists. */
  putVault(r: VaultRecord, replace: boolean): Promise<void>;
  deleteVault(id: string): Promise<void>;
}

/** A wrong PIN, a vault that already exists, or a damaged record. Nothing was changed. */
export class VaultStoreError extends TandemError {
  override name = 'VaultStoreError';
  /** `code` defaults to `phoneStore.refused` (the message says what to do). */
  constructor(message: string, code = 'phoneStore.refused') {
    super(code, message);
  }
}

const CHECK_TEXT = 'tandem-phone-cosigner-pin-check-v1';
const checkAad = 'tandem-phone-cosigner:pin';
const vaultAad = (id: string) => `tandem-phone-cosigner:vault:${id}`;

/** An unlocked store: holds the PIN-derived key (non-extractable) in memory only. */
export class UnlockedStore {
  constructor(
    private readonly backend: StoreBackend,
    private readonly key: CryptoKey,
  ) {}

  /** Seals and stores a vault; refuses to overwrite one unless `replace` (a re-share). */
  async save(vault: DeviceVault, replace = false): Promise<VaultSummary> {
    const id = vaultId(vault);
    if (!replace && (await this.backend.getVault(id)))
      throw new VaultStoreError('This phone already holds a share of this vault. Nothing was changed.', 'phoneStore.alreadyHeld');
    const plain = new TextEncoder().encode(encodeDeviceVault(vault));
    try {
      const sealed = await seal(this.key, plain, vaultAad(id));
      const summary: VaultSummary = {
        id,
        name: vault.name,
        address: vault.address,
        t: vault.ecdsa.t,
        n: vault.members.length,
        deviceId: vault.identity.deviceId,
        createdAt: Date.now(),
      };
      await this.backend.putVault({ ...summary, sealed }, replace);
      return summary;
    } finally {
      plain.fill(0);
    }
  }

  /** Opens one vault. */
  async load(id: string): Promise<DeviceVault> {
    const r = await this.backend.getVault(id);
    if (!r) throw new VaultStoreError('This vault is no longer on this phone.');
    let plain: Uint8Array;
    try {
      plain = await open(this.key, r.sealed, vaultAad(id));
    } catch (e) {
      throw new VaultStoreError(
        e instanceof DecryptError
          ? `The stored share of “${r.name}” does not open: it was altered or is damaged. Restore it from a backup.`
          : 'The stored share cannot be read.',
      );
    }
    try {
      const vault = decodeDeviceVault(new TextDecoder().decode(plain));
      if (vaultId(vault) !== id) throw new VaultStoreError('A stored record holds another vault than its label says.');
      return vault;
    } finally {
      plain.fill(0);
    }
  }

  /** Opens every vault (a damaged one is reported, not fatal to the others). */
  async loadAll(): Promise<{ vaults: DeviceVault[]; errors: string[] }> {
    const vaults: DeviceVault[] = [];
    const errors: string[] = [];
    for (const r of await this.backend.listVaults()) {
      try {
        vaults.push(await this.load(r.id));
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    return { vaults, errors };
  }

  async remove(id: string): Promise<void> {
    await this.backend.deleteVault(id);
  }
}

/** The store before unlocking: the vault list, setting the PIN, unlocking. */
export class PhoneVaultStore {
  constructor(
    private readonly backend: StoreBackend,
    /** PBKDF2 iterations for a new PIN (tests use fewer; the page uses the default 600,000). */
    private readonly iterations?: number,
  ) {}

  /** True once a PIN was chosen (the first vault). */
  async hasPin(): Promise<boolean> {
    return (await this.backend.getPin()) !== undefined;
  }

  async list(): Promise<VaultSummary[]> {
    const all = await this.backend.listVaults();
    return all.map(({ sealed: _s, ...summary }) => summary).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Chooses the PIN (only when none is set yet) and returns the unlocked store. */
  async setPin(pin: string): Promise<UnlockedStore> {
    if (pin.length < MIN_PIN_LENGTH)
      throw new VaultStoreError(`Use a PIN or passphrase of at least ${MIN_PIN_LENGTH} characters.`, 'phoneStore.pinTooShort');
    if (await this.hasPin()) throw new VaultStoreError('A PIN is already set on this phone: unlock with it.', 'phoneStore.pinSet');
    const kdf = newKdfParams(this.iterations);
    const key = await keyOf(pin, kdf);
    const check = await seal(key, new TextEncoder().encode(CHECK_TEXT), checkAad);
    await this.backend.putPin({ kdf, check });
    return new UnlockedStore(this.backend, key);
  }

  /** Unlocks with the PIN; a wrong PIN throws {@link VaultStoreError} and changes nothing. */
  async unlock(pin: string): Promise<UnlockedStore> {
    const rec = await this.backend.getPin();
    if (!rec) throw new VaultStoreError('No PIN is set on this phone yet.');
    const key = await keyOf(pin, rec.kdf);
    try {
      const plain = await open(key, rec.check, checkAad);
      if (new TextDecoder().decode(plain) !== CHECK_TEXT) throw new DecryptError();
    } catch {
      throw new VaultStoreError('Wrong PIN. Nothing was changed; try again.', 'phoneStore.wrongPin');
    }
    return new UnlockedStore(this.backend, key);
  }

  async deviceName(): Promise<string | undefined> {
    return this.backend.getSetting('deviceName');
  }

  async setDeviceName(name: string): Promise<void> {
    await this.backend.putSetting('deviceName', name);
  }

  /** The nodes this phone asks for transaction previews (Settings; public URLs, not secret). */
  async previewRpcUrls(): Promise<string[]> {
    const raw = await this.backend.getSetting('previewRpcUrls');
    if (!raw) return [];
    try {
      const v: unknown = JSON.parse(raw);
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  async setPreviewRpcUrls(urls: readonly string[]): Promise<void> {
    await this.backend.putSetting('previewRpcUrls', JSON.stringify(urls));
  }
}

async function keyOf(pin: string, kdf: KdfParams): Promise<CryptoKey> {
  const raw = await deriveKeyBytes(pin, kdf);
  try {
    return await importAesKey(raw);
  } finally {
    raw.fill(0);
  }
}

/** A backend in memory (unit tests, and a page where IndexedDB is unavailable). */
export function memoryBackend(): StoreBackend {
  let pin: PinRecord | undefined;
  const settings = new Map<string, string>();
  const vaults = new Map<string, VaultRecord>();
  return {
    getPin: async () => pin,
    putPin: async (p) => void (pin = p),
    getSetting: async (k) => settings.get(k),
    putSetting: async (k, v) => void settings.set(k, v),
    listVaults: async () => [...vaults.values()],
    getVault: async (id) => vaults.get(id),
    putVault: async (r, replace) => {
      if (!replace && vaults.has(r.id))
        throw new VaultStoreError('This phone already holds a share of this vault. Nothing was changed.', 'phoneStore.alreadyHeld');
      vaults.set(r.id, r);
    },
    deleteVault: async (id) => void vaults.delete(id),
  };
}
