/**
 * What the phone co-signer page shows, as plain data: the components render
 * {@link PhoneState}; the controller's actions change it.
 */
import type { PairingPayload } from '../../session/pairing';
import type { SignLink } from '../../session/sign-link';
import type { PairingInfo } from './ceremony';
import { guessDeviceName } from './device-name';
import type { VaultSummary } from './vault-store';

/**
 * A signing link the page was opened with (`#sign=`, from the extension's
 * QR code): where the search for its request stands.
 * - `locked`: unlock first; `looking`: reading the vault's channel;
 * - `unknown-vault`: this phone holds no share of that vault;
 * - `not-found`: the request was not in the channel within `SIGN_LINK_WAIT_MS` (sign-link-flow.ts);
 * - `expired` / `ended` / `refused` / `done`: what became of it;
 * - `offline`: the relay cannot be reached; `invalid`: the link is damaged.
 */
export interface SignLinkState {
  link: SignLink | null;
  status: 'locked' | 'looking' | 'unknown-vault' | 'not-found' | 'expired' | 'ended' | 'refused' | 'done' | 'offline' | 'invalid';
  vaultName?: string;
  detail?: string;
}

/** What the browser said about keeping this page's data. */
export type Persistence = 'granted' | 'denied' | 'unsupported' | 'unknown';

export interface CeremonyState {
  info: PairingInfo;
  status: 'running' | 'done' | 'failed';
  progress: string;
  error?: string;
  address?: string;
  retired?: boolean;
  /** The vault's quorum once done. */
  quorum?: { t: number; n: number };
  /** A re-share replaced this phone's share: earlier backups of it no longer sign. */
  replaced?: boolean;
}

export interface PhoneState {
  ready: boolean;
  hasPin: boolean;
  unlocked: boolean;
  vaults: VaultSummary[];
  deviceName: string;
  /** The nodes this phone asks what a transaction will do (Settings); none: previews are unavailable. */
  previewRpcUrls: string[];
  persistence: Persistence;
  /** A pairing from the link, not yet joined. */
  pairing: { info: PairingInfo; payload: PairingPayload } | null;
  pairingError: string | null;
  ceremony: CeremonyState | null;
  /** Vaults that failed to open after unlocking. */
  loadErrors: string[];
  /** A signing link the page was opened with, until its request is on screen (or the user leaves it). */
  signLink: SignLinkState | null;
}

/** The state before the store was read: locked, nothing open. */
export function initialPhoneState(): PhoneState {
  return {
    ready: false,
    hasPin: false,
    unlocked: false,
    vaults: [],
    deviceName: guessDeviceName(),
    previewRpcUrls: [],
    persistence: 'unknown',
    pairing: null,
    pairingError: null,
    ceremony: null,
    loadErrors: [],
    signLink: null,
  };
}
