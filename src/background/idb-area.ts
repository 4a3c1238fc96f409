/**
 * A persistent key-value area in the extension's own IndexedDB. Used instead
 * of chrome.storage.local for permissions, networks and settings because
 * content scripts can read and write chrome.storage.local, but never the
 * extension origin's IndexedDB: a compromised page renderer cannot grant
 * itself a connection.
 */
import { openDB, type DBSchema } from 'idb';
import type { KeyValueArea } from './storage';

export const SETTINGS_DB = 'tandem-settings';
const VERSION = 1;

interface SettingsDb extends DBSchema {
  kv: { key: string; value: unknown };
}

/** Opens (creating on first use) the settings database. */
export function idbArea(name = SETTINGS_DB): KeyValueArea {
  const db = openDB<SettingsDb>(name, VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) database.createObjectStore('kv');
    },
  });
  return {
    get: async <T>(key: string) => (await (await db).get('kv', key)) as T | undefined,
    set: async (key, value) => void (await (await db).put('kv', value, key)),
    remove: async (key) => void (await (await db).delete('kv', key)),
  };
}
