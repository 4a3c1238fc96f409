/** This phone's name, as the other devices of its vaults see it: guessed at first, then the user's choice. */
import type { PhoneCore } from './phone-core';

/** The default device name: what kind of phone this looks like. */
export function guessDeviceName(): string {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua)) return 'iPad';
  const android = /Android[^;]*;\s*([^;)]+?)(?:\s+Build|\))/.exec(ua);
  if (android?.[1] && android[1] !== 'K') return android[1].trim().slice(0, 32);
  if (/Android/.test(ua)) return 'Android phone';
  return 'My phone';
}

/** Stores the name (trimmed, at most 40 characters); resolves with an error message for the user, or null. */
export async function setDeviceName(core: PhoneCore, name: string): Promise<string | null> {
  const n = name.trim().slice(0, 40);
  if (!n) return 'Give this phone a name.';
  await core.store.setDeviceName(n);
  core.set({ deviceName: n });
  return null;
}
