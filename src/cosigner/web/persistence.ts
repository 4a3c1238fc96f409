/** Whether the browser keeps this page's data (`navigator.storage`): the phone's shares live only there. */
import type { PhoneCore } from './phone-core';

/**
 * Asks the browser to keep this page's data (`navigator.storage.persist()`),
 * or only reads whether it does (`persisted()`) when `ask` is false; the
 * answer goes to `state.persistence`.
 */
export async function checkPersistence(core: PhoneCore, ask: boolean): Promise<void> {
  const s = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  if (!s || typeof s.persisted !== 'function') return core.set({ persistence: 'unsupported' });
  try {
    let granted = await s.persisted();
    if (!granted && ask && typeof s.persist === 'function') granted = await s.persist();
    core.set({ persistence: granted ? 'granted' : ask ? 'denied' : 'unknown' });
  } catch {
    core.set({ persistence: 'unsupported' });
  }
}
