/** The vault store in IndexedDB (via idb), schema in ./records.ts. */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { DB_NAME, DB_VERSION, type KeyringRecord, type StoredVaultRecord, type VaultRepository } from './records';

interface VaultDb extends DBSchema {
  meta: { key: string; value: KeyringRecord };
  vaults: { key: string; value: StoredVaultRecord };
}

/** Opens (and creates or upgrades) the vault database. */
export function idbRepository(): VaultRepository {
  let db: Promise<IDBPDatabase<VaultDb>> | undefined;
  const get = () =>
    (db ??= openDB<VaultDb>(DB_NAME, DB_VERSION, {
      upgrade(database, oldVersion) {
        // Version 1: the initial schema. Later versions add steps below, each from the previous version.
        if (oldVersion < 1) {
          database.createObjectStore('meta', { keyPath: 'id' });
          database.createObjectStore('vaults', { keyPath: 'id' });
        }
      },
    }));
  return {
    getKeyring: async () => (await get()).get('meta', 'keyring'),
    putKeyring: async (k) => void (await (await get()).put('meta', k)),
    listVaults: async () => (await get()).getAll('vaults'),
    putVault: async (v) => void (await (await get()).put('vaults', v)),
    deleteVault: async (id) => void (await (await get()).delete('vaults', id)),
  };
}
