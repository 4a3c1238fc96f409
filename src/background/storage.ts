/**
 * A tiny key-value interface over chrome.storage areas, so that the services
 * of the service worker can be tested in Node with {@link memoryArea}.
 */

/** One storage area (chrome.storage.local, chrome.storage.session, or memory). */
export interface KeyValueArea {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}

/** Wraps a chrome.storage area. */
export function chromeArea(area: chrome.storage.StorageArea): KeyValueArea {
  return {
    async get<T>(key: string) {
      const got = await area.get(key);
      return got[key] as T | undefined;
    },
    set: (key, value) => area.set({ [key]: value }),
    remove: (key) => area.remove(key),
  };
}

/** An in-memory area (tests; values are deep-copied like chrome.storage does). */
export function memoryArea(initial: Record<string, unknown> = {}): KeyValueArea & { dump(): Record<string, unknown> } {
  const data = new Map<string, string>(Object.entries(initial).map(([k, v]) => [k, JSON.stringify(v)]));
  return {
    async get<T>(key: string) {
      const raw = data.get(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    async set(key, value) {
      data.set(key, JSON.stringify(value));
    },
    async remove(key) {
      data.delete(key);
    },
    dump: () => Object.fromEntries([...data].map(([k, v]) => [k, JSON.parse(v)])),
  };
}
