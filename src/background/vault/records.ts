/**
 * The vault store's schema (IndexedDB database `tandem-vaults`), versioned.
 *
 * Version 1:
 * - `meta`   keyPath `id`: the keyring record (`id: 'keyring'`): KDF
 *            parameters and an AES-GCM check value that tells a wrong
 *            password from a right one.
 * - `vaults` keyPath `id`: one {@link VaultRecord} per vault. Public data
 *            (name, address, public key) in clear; the share material only
 *            as an AES-GCM ciphertext bound to the vault id.
 *
 * Record kinds: 'tss' (a co-signed vault, with its encrypted share) and
 * 'watch' (a watch-only address: public data only, no share, no key
 * anywhere). Earlier builds stored 'development' records (an address
 * whose key was discarded, with an encrypted placeholder instead of a
 * share): `migrateLegacyRecord` (legacy-records.ts) rewrites them as 'watch' records the
 * first time the wallet reads them. Adding the 'watch'
 * kind changed no store, so DB_VERSION and RECORD_SCHEMA stay 1.
 */
import type { KdfParams, Sealed } from '../../crypto/at-rest';

export const DB_NAME = 'tandem-vaults';
export const DB_VERSION = 1;
export const RECORD_SCHEMA = 1;

/** The keyring: how to turn the password into the vault key, and a check value. */
export interface KeyringRecord {
  id: 'keyring';
  schema: typeof RECORD_SCHEMA;
  kdf: KdfParams;
  /** Encryption of {@link KEYRING_CHECK} under the vault key. */
  check: Sealed;
  createdAt: number;
}

interface VaultRecordBase {
  id: string;
  schema: typeof RECORD_SCHEMA;
  name: string;
  /** EIP-55 address. */
  address: string;
  createdAt: number;
}

/** A co-signed vault: an account whose key is split among devices; this device's share is stored encrypted. */
export interface CosignedVaultRecord extends VaultRecordBase {
  kind: 'tss';
  /** Compressed secp256k1 group public key, hex. */
  publicKey: string;
  /** Format of the decrypted share blob (a TSS share format). */
  shareFormat: string;
  /** The share material, encrypted (AAD = `vault:<id>`). */
  share: Sealed;
  /** Threshold and number of devices (public). */
  t?: number;
  n?: number;
}

/** A watch-only address: read balances, connect to dApps, never sign (no share, no key). */
export interface WatchRecord extends VaultRecordBase {
  kind: 'watch';
  /**
   * 'development-vault': migrated from a development vault of an earlier
   * build, an address whose private key was discarded when it was made:
   * nothing can ever sign for it, so funds sent to it are lost.
   */
  from?: 'development-vault';
}

/** One vault as written now. */
export type VaultRecord = CosignedVaultRecord | WatchRecord;

/**
 * A development vault stored by an earlier build: an address whose key was
 * discarded, and an encrypted placeholder (format 'tandem-dev-placeholder-v1')
 * where a share would be. Only read, to be migrated to a {@link WatchRecord}.
 */
export interface LegacyDevelopmentRecord extends VaultRecordBase {
  kind: 'development';
  publicKey: string;
  shareFormat: string;
  share: Sealed;
}

/** What a repository may hold: current records, and legacy ones not yet migrated. */
export type StoredVaultRecord = VaultRecord | LegacyDevelopmentRecord;

/** The plaintext under a keyring's check value. */
export const KEYRING_CHECK = 'tandem-keyring-check-v1';

/** Associated data that binds a vault's ciphertext to the vault. */
export const vaultAad = (id: string) => `vault:${id}`;

/** Persistence of the records (IndexedDB in the extension, memory in tests). */
export interface VaultRepository {
  getKeyring(): Promise<KeyringRecord | undefined>;
  putKeyring(k: KeyringRecord): Promise<void>;
  listVaults(): Promise<StoredVaultRecord[]>;
  putVault(v: StoredVaultRecord): Promise<void>;
  deleteVault(id: string): Promise<void>;
}

/** An in-memory repository (tests). */
export function memoryRepository(): VaultRepository & { raw(): unknown } {
  let keyring: KeyringRecord | undefined;
  const vaults = new Map<string, StoredVaultRecord>();
  const copy = <T>(x: T): T => structuredClone(x);
  return {
    getKeyring: async () => (keyring ? copy(keyring) : undefined),
    putKeyring: async (k) => void (keyring = copy(k)),
    listVaults: async () => [...vaults.values()].map(copy),
    putVault: async (v) => void vaults.set(v.id, copy(v)),
    deleteVault: async (id) => void vaults.delete(id),
    raw: () => copy({ keyring, vaults: [...vaults.values()] }),
  };
}
