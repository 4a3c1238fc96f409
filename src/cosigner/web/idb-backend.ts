/** The vault store's IndexedDB tables (`idb`): `meta` (PIN record, settings) and `vaults`. */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { VaultStoreError, type PinRecord, type StoreBackend, type VaultRecord } from './vault-store';

interface Schema extends DBSchema {
  meta: { key: string; value: PinRecord | string };
  vaults: { key: string; value: VaultRecord };
}

const DB_NAME = 'tandem-phone-cosigner';

export function idbBackend(): StoreBackend {
  let db: Promise<IDBPDatabase<Schema>> | undefined;
  const get = () =>
    (db ??= openDB<Schema>(DB_NAME, 1, {
      upgrade(d) {
        d.createObjectStore('meta');
        d.createObjectStore('vaults', { keyPath: 'id' });
      },
    }));
  return {
    getPin: async () => (await (await get()).get('meta', 'pin')) as PinRecord | undefined,
    putPin: async (p) => void (await (await get()).put('meta', p, 'pin')),
    getSetting: async (k) => {
      const v = await (await get()).get('meta', `setting:${k}`);
      return typeof v === 'string' ? v : undefined;
    },
    putSetting: async (k, v) => void (await (await get()).put('meta', v, `setting:${k}`)),
    listVaults: async () => (await get()).getAll('vaults'),
    getVault: async (id) => (await get()).get('vaults', id),
    putVault: async (r, replace) => {
      const tx = (await get()).transaction('vaults', 'readwrite');
      if (!replace && (await tx.store.getKey(r.id)) !== undefined) {
        void tx.done.catch(() => undefined);
        tx.abort();
        throw new VaultStoreError('This phone already holds a share of this vault. Nothing was changed.', 'phoneStore.alreadyHeld');
      }
      await tx.store.put(r);
      await tx.done;
    },
    deleteVault: async (id) => void (await (await get()).delete('vaults', id)),
  };
}
