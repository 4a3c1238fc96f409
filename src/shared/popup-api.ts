/**
 * The internal channel between the popup and the background. Only extension
 * pages may use it: the background checks that the sender's origin is the
 * extension itself, so a web page (or a content script acting for one) can
 * never reach these commands.
 */
import type { Network } from './networks';

/** Port the popup opens to receive state pushes. */
export const POPUP_PORT_NAME = 'tandem-popup';

/** Kinds of requests that wait for the user in the popup. */
export type ApprovalKind = 'connect' | 'addChain';

/** A request waiting for the user's decision, as the popup sees it. */
export interface ApprovalView {
  id: string;
  kind: ApprovalKind;
  origin: string;
  /** The dApp method that asked (eth_requestAccounts, wallet_requestPermissions, wallet_addEthereumChain). */
  method: string;
  createdAt: number;
  /** For addChain: the network the site wants to add. */
  network?: Network;
}

/** A site with the eth_accounts permission. */
export interface ConnectedSite {
  origin: string;
  accounts: string[];
  grantedAt: number;
}

/** The vault as the popup shows it (no secrets). */
export interface VaultView {
  id: string;
  name: string;
  /** 'development' vaults have no signing path; 'tss' vaults are co-signed. */
  kind: 'development' | 'tss';
  address: string;
  createdAt: number;
}

/** Everything the popup renders. */
export interface WalletState {
  vault: VaultView | null;
  locked: boolean;
  networks: Network[];
  selectedChainId: string;
  approvals: ApprovalView[];
  sites: ConnectedSite[];
  autoLockMinutes: number;
}

/** Commands the popup sends with chrome.runtime.sendMessage. */
export type PopupCommand =
  | { type: 'getState' }
  | { type: 'createDevVault'; name: string; password: string }
  | { type: 'unlock'; password: string }
  | { type: 'lock' }
  | { type: 'decideApproval'; id: string; approve: boolean }
  | { type: 'disconnectSite'; origin: string }
  | { type: 'selectNetwork'; chainId: string }
  | { type: 'setNetworkRpc'; chainId: string; rpcUrl: string }
  | { type: 'setAutoLock'; minutes: number };

/** The background's answer to every command: the new state, or an error for the user. */
export type PopupReply = { ok: true; state: WalletState } | { ok: false; error: string; state?: WalletState };

/** Messages pushed on the popup port. */
export type PopupPush = { type: 'state'; state: WalletState };

/** Shortest password accepted when creating a vault. */
export const MIN_PASSWORD_LENGTH = 8;
/** Allowed auto-lock range, minutes. */
export const AUTO_LOCK_MIN = 1;
export const AUTO_LOCK_MAX = 1440;

/** Validates a command from an extension page; returns null if malformed. */
export function parsePopupCommand(x: unknown): PopupCommand | null {
  if (typeof x !== 'object' || x === null) return null;
  const m = x as Record<string, unknown>;
  const str = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length <= max;
  switch (m.type) {
    case 'getState':
    case 'lock':
      return { type: m.type };
    case 'createDevVault':
      return str(m.name, 64) && str(m.password, 1024) ? { type: m.type, name: m.name, password: m.password } : null;
    case 'unlock':
      return str(m.password, 1024) ? { type: m.type, password: m.password } : null;
    case 'decideApproval':
      return str(m.id, 64) && typeof m.approve === 'boolean' ? { type: m.type, id: m.id, approve: m.approve } : null;
    case 'disconnectSite':
      return str(m.origin, 512) ? { type: m.type, origin: m.origin } : null;
    case 'selectNetwork':
      return str(m.chainId, 20) ? { type: m.type, chainId: m.chainId } : null;
    case 'setNetworkRpc':
      return str(m.chainId, 20) && str(m.rpcUrl, 2048) ? { type: m.type, chainId: m.chainId, rpcUrl: m.rpcUrl } : null;
    case 'setAutoLock':
      return typeof m.minutes === 'number' && Number.isInteger(m.minutes) ? { type: m.type, minutes: m.minutes } : null;
    default:
      return null;
  }
}
