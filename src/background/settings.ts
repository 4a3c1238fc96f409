/**
 * The user's settings (auto-lock, relay, co-signer wait, MetaMask compatibility, Solana RPC), kept in the
 * extension's IndexedDB; each setter checks its value first.
 */
import { AUTO_LOCK_MAX, AUTO_LOCK_MIN, COSIGN_TIMEOUT_MAX, COSIGN_TIMEOUT_MIN } from '../shared/popup-commands';
import { relayUrlFault } from '../session/pairing';
import { WalletError } from '../shared/wallet-errors';
import type { KeyValueArea } from './storage';

const AUTO_LOCK_KEY = 'settings.autoLockMinutes.v1';
const RELAY_URL_KEY = 'settings.relayUrl.v1';
const COSIGN_TIMEOUT_KEY = 'settings.cosignTimeoutSeconds.v1';
const METAMASK_COMPAT_KEY = 'settings.metaMaskCompat.v1';
const SOLANA_RPC_URL_KEY = 'settings.solanaRpcUrl.v1';
/** Seconds the co-signer has to answer (its user decides) unless the user changes it. */
export const DEFAULT_COSIGN_TIMEOUT_SECONDS = 120;
/** The relay used to pair devices and co-sign unless the user changes it. */
export const DEFAULT_RELAY_URL = 'http://127.0.0.1:8787';
/** Auto-lock after this many idle minutes unless the user changes it. */
export const DEFAULT_AUTO_LOCK_MINUTES = 15;

export class SettingsStore {
  constructor(private readonly local: KeyValueArea) {}

  async autoLockMinutes(): Promise<number> {
    return (await this.local.get<number>(AUTO_LOCK_KEY)) ?? DEFAULT_AUTO_LOCK_MINUTES;
  }

  async setAutoLockMinutes(minutes: number): Promise<void> {
    if (minutes < AUTO_LOCK_MIN || minutes > AUTO_LOCK_MAX)
      throw new WalletError('settings.autoLockRange', { min: AUTO_LOCK_MIN, max: AUTO_LOCK_MAX });
    await this.local.set(AUTO_LOCK_KEY, minutes);
  }

  async relayUrl(): Promise<string> {
    return (await this.local.get<string>(RELAY_URL_KEY)) ?? DEFAULT_RELAY_URL;
  }

  async setRelayUrl(text: string): Promise<void> {
    await this.local.set(RELAY_URL_KEY, parseRelayUrl(text));
  }

  async cosignTimeoutSeconds(): Promise<number> {
    return (await this.local.get<number>(COSIGN_TIMEOUT_KEY)) ?? DEFAULT_COSIGN_TIMEOUT_SECONDS;
  }

  /** window.ethereum says isMetaMask (on unless the user turned it off). */
  async metaMaskCompat(): Promise<boolean> {
    return (await this.local.get<boolean>(METAMASK_COMPAT_KEY)) ?? true;
  }

  async setMetaMaskCompat(enabled: boolean): Promise<void> {
    await this.local.set(METAMASK_COMPAT_KEY, enabled);
  }

  /** The Solana JSON-RPC URL (balance, signAndSendTransaction); null until the user sets one (there is no default). */
  async solanaRpcUrl(): Promise<string | null> {
    return (await this.local.get<string | null>(SOLANA_RPC_URL_KEY)) ?? null;
  }

  /** Sets the Solana RPC URL; an empty text clears it. */
  async setSolanaRpcUrl(text: string): Promise<void> {
    await this.local.set(SOLANA_RPC_URL_KEY, text.trim() === '' ? null : parseSolanaRpcUrl(text));
  }

  async setCosignTimeoutSeconds(seconds: number): Promise<void> {
    if (seconds < COSIGN_TIMEOUT_MIN || seconds > COSIGN_TIMEOUT_MAX)
      throw new WalletError('settings.cosignTimeoutRange', { min: COSIGN_TIMEOUT_MIN, max: COSIGN_TIMEOUT_MAX });
    await this.local.set(COSIGN_TIMEOUT_KEY, seconds);
  }
}

/** Which {@link WalletError} each of the pairing's relay URL checks throws here (the popup's stable codes). */
const RELAY_URL_CODES = {
  notUrl: 'relayUrl.notUrl',
  scheme: 'relayUrl.scheme',
  credentials: 'relayUrl.extras',
  queryOrFragment: 'relayUrl.extras',
} as const;

/**
 * A relay base URL: what a pairing payload and a signing link accept
 * ({@link relayUrlFault}: http(s), no credentials, query or fragment), with
 * surrounding spaces and trailing slashes dropped.
 */
export function parseRelayUrl(text: string): string {
  const trimmed = text.trim();
  const fault = relayUrlFault(trimmed);
  if (fault) throw new WalletError(RELAY_URL_CODES[fault.check]);
  const u = new URL(trimmed);
  return (u.origin + u.pathname).replace(/\/+$/, '');
}

/**
 * A Solana RPC URL: http(s), no user name or password, no fragment. A query
 * is kept (providers put an API key there), so the URL is never shown to a
 * page: only the popup shows it.
 */
export function parseSolanaRpcUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new WalletError('solanaRpcUrl.notUrl');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WalletError('solanaRpcUrl.scheme');
  if (u.username || u.password) throw new WalletError('solanaRpcUrl.credentials');
  if (u.hash) throw new WalletError('solanaRpcUrl.fragment');
  // As typed: `https://host` stays without the slash URL adds.
  return u.pathname === '/' && !u.search ? u.origin : u.href;
}
