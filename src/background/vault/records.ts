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

/** One vault (an account whose key is split among devices). */
export interface VaultRecord {
  id: string;
  schema: typeof RECORD_SCHEMA;
  name: string;
  /** 'development': no signing path, for building the UI before the TSS engine; 'tss': co-signed. */
  kind: 'development' | 'tss';
  /** EIP-55 address. */
  address: string;
  /** Compressed secp256k1 group public key, hex. */
  publicKey: string;
  /** Format of the decrypted share blob, e.g. 'tandem-dev-placeholder-v1' or a TSS share format. */
  shareFormat: string;
  /** The share material, encrypted (AAD = `vault:<id>`). */
  share: Sealed;
  createdAt: number;
  /** 'tss' vaults: threshold and number of devices (public). */
  t?: number;
  n?: number;
}

/** The plaintext under a keyring's check value. */
export const KEYRING_CHECK = 'tandem-keyring-check-v1';

/** Associated data that binds a vault's ciphertext to the vault. */
export const vaultAad = (id: string) => `vault:${id}`;

/** Persistence of the records (IndexedDB in the extension, memory in tests). */
export interface VaultRepository {
  getKeyring(): Promise<KeyringRecord | undefined>;
  putKeyring(k: KeyringRecord): Promise<void>;
  listVaults(): Promise<VaultRecord[]>;
  putVault(v: VaultRecord): Promise<void>;
  deleteVault(id: string): Promise<void>;
}

/** An in-memory repository (tests). */
export function memoryRepository(): VaultRepository & { raw(): unknown } {
  let keyring: KeyringRecord | undefined;
  const vaults = new Map<string, VaultRecord>();
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
