/**
 * The internal channel between the popup and the background. Only extension
 * pages may use it: the background checks that the sender's origin is the
 * extension itself, so a web page (or a content script acting for one) can
 * never reach these commands.
 */
import type { Network } from './networks';
import type { SigningRequest } from '../session/signing-request';

/** Port the popup opens to receive state pushes. */
export const POPUP_PORT_NAME = 'tandem-popup';

/** Kinds of requests that wait for the user in the popup. */
export type ApprovalKind = 'connect' | 'addChain' | 'sign';

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
  /** For sign: what is to be signed, decoded. */
  sign?: SignView;
}

/** A signing request as the approval screen shows it (amounts already formatted). */
export interface SignView {
  /** The vault account that signs. */
  account: string;
  chainId: string;
  networkName: string;
  currencySymbol: string;
  /** The request sent to the co-signers (they decode and hash it themselves). */
  request: SigningRequest;
  transaction?: {
    to: string | null;
    /** Value in the native coin, decimal text. */
    value: string;
    nonce: number;
    gasLimit: string;
    /** Fees in gwei, decimal text. */
    maxFeeGwei: string;
    maxPriorityFeeGwei: string;
    /** Largest possible total cost (value + gas limit x max fee), native coin. */
    maxCost: string;
    /** Calldata size in bytes, and its first bytes (hex) when not decoded. */
    dataBytes: number;
    dataPreview: string;
    /** ERC-20 call, decoded. */
    call?: {
      method: 'transfer' | 'approve' | 'transferFrom';
      token: string;
      to: string;
      /** Base units. */
      amount: string;
      unlimited: boolean;
      /** When the token is in the user's list: its symbol and the amount in its units. */
      symbol?: string;
      formatted?: string;
    };
  };
  /** personal_sign: the message as text (or hex when it is not UTF-8). */
  message?: { text: string; isHex: boolean };
  /** eth_signTypedData_v4: domain and message for a readable tree. */
  typedData?: { primaryType: string; domain: Record<string, unknown>; message: Record<string, unknown> };
}

/** Key generation or re-share with other devices, as the pairing screen shows it. */
export interface CeremonyView {
  kind: 'keygen' | 'reshare';
  /** waiting: devices are joining; running: key generation; done: stored; failed: nothing stored. */
  status: 'waiting' | 'running' | 'done' | 'failed';
  name: string;
  t: number;
  n: number;
  /** Pairing text (for `tandem-cosigner join`) and link (phone camera). Secret: only on screen. */
  pairing: string;
  link: string;
  /** This device's id in the ceremony. */
  thisDevice: string;
  /** How many devices join besides this one. */
  joiners: number;
  /** True when this device joined another device's ceremony (no code to show). */
  joining?: boolean;
  /** Devices that joined so far (without this one). */
  joined: string[];
  /** What is happening now, one line. */
  progress?: string;
  address?: string;
  error?: string;
}

/** A transaction this wallet broadcast. */
export interface ActivityEntry {
  hash: string;
  account: string;
  chainId: string;
  to: string | null;
  /** Native value, decimal text, and what it was (e.g. an ERC-20 call). */
  value: string;
  symbol: string;
  what: string;
  origin: string;
  at: number;
}

/** The origin of requests made in the popup itself (the Send screen). */
export const WALLET_ORIGIN = 'tandem://wallet';

/** An ERC-20 token the user follows, with the active vault's balance (null when it could not be read). */
export interface TokenView {
  address: string;
  symbol: string;
  decimals: number;
  balance: string | null;
}

/** What `getBalance` answers. */
export interface BalanceView {
  account: string;
  chainId: string;
  /** Decimal text in the native coin. */
  value: string;
  symbol: string;
  /** The followed tokens of this network. */
  tokens: TokenView[];
}

/** Co-signing in progress for an approval. */
export interface SigningProgress {
  approvalId: string;
  /** One line per step: asked, answers, signing, signed, broadcast. */
  steps: string[];
  /**
   * While the co-signers have not answered: the phone co-signer page's link
   * to this request (`<relay>/cosigner/#sign=...`, routing data only, no key)
   * for a QR code, and when the request expires (ms since 1970).
   */
  cosignLink?: { url: string; expires: number };
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
  /** For 'tss' vaults: threshold and number of devices. */
  t?: number;
  n?: number;
}

/** Everything the popup renders. */
export interface WalletState {
  /** The active vault (the account dApps see). */
  vault: VaultView | null;
  /** Every vault in this browser. */
  vaults: VaultView[];
  locked: boolean;
  networks: Network[];
  selectedChainId: string;
  approvals: ApprovalView[];
  sites: ConnectedSite[];
  autoLockMinutes: number;
  /** Relay used to pair and co-sign. */
  relayUrl: string;
  /** Seconds to wait for the co-signer to answer a signing request. */
  cosignTimeoutSeconds: number;
  /** Key generation in progress (or just finished/failed), if any. */
  ceremony: CeremonyView | null;
  signing: SigningProgress | null;
  /** Recent transactions of the active vault, newest first. */
  activity: ActivityEntry[];
  /** ERC-20 tokens followed on the selected network (without balances). */
  tokens: Array<{ address: string; symbol: string; decimals: number }>;
  /** The last send from the Send screen that failed (shown on Home until the next one). */
  sendError: string | null;
}

/** Commands the popup sends with chrome.runtime.sendMessage. */
/** Runs one popup command in the background; resolves to the error text, or null when it succeeded. */
export type RunCommand = (cmd: PopupCommand) => Promise<string | null>;

export type PopupCommand =
  | { type: 'getState' }
  | { type: 'createDevVault'; name: string; password: string }
  | { type: 'unlock'; password: string }
  | { type: 'lock' }
  | { type: 'decideApproval'; id: string; approve: boolean }
  | { type: 'disconnectSite'; origin: string }
  | { type: 'selectNetwork'; chainId: string }
  | { type: 'setNetworkRpc'; chainId: string; rpcUrl: string }
  | { type: 'setAutoLock'; minutes: number }
  | { type: 'setRelayUrl'; url: string }
  /** How long to wait for the co-signer to answer a signing request. */
  | { type: 'setCosignTimeout'; seconds: number }
  /** Starts key generation with other devices; `password` creates the keyring on first run (or opens it). */
  | { type: 'startKeygen'; name: string; t: number; n: number; password?: string }
  /** Stops the ceremony in progress (nothing is stored), or clears a finished one. */
  | { type: 'closeCeremony' }
  /** Joins another device's key generation or re-share from its pairing text or link. */
  | { type: 'joinCeremony'; pairing: string; password?: string }
  /** Re-shares the active vault to newN devices with threshold newT (same address). */
  | { type: 'startReshare'; newT: number; newN: number }
  /** An encrypted backup of this device's share of the active vault (reply `result`: {@link BackupExport}). */
  | { type: 'exportBackup'; password: string }
  /** Restores a backup; `walletPassword` creates (first run) or opens the keyring when given. */
  | { type: 'importBackup'; text: string; password: string; walletPassword?: string }
  | { type: 'deleteVault'; id: string }
  | { type: 'selectVault'; id: string }
  | { type: 'renameVault'; id: string; name: string }
  /** Changes the fees of a pending transaction approval (gwei, decimal text). */
  | { type: 'adjustFees'; id: string; maxFeeGwei: string; maxPriorityFeeGwei: string; gasLimit: string }
  /** The active vault's balance on the selected network (reply `result`: {@link BalanceView}). */
  | { type: 'getBalance' }
  /** Sends the native coin from the active vault: queues a signing approval like a dApp's. */
  | { type: 'send'; to: string; amount: string; token?: string }
  /** Follows an ERC-20 token on the selected network (symbol and decimals read from the contract). */
  | { type: 'addToken'; address: string }
  | { type: 'removeToken'; address: string };

/** What `exportBackup` answers. */
export interface BackupExport {
  filename: string;
  text: string;
}

/** The background's answer to every command: the new state, or an error for the user. */
export type PopupReply = { ok: true; state: WalletState; result?: unknown } | { ok: false; error: string; state?: WalletState };

/** Messages pushed on the popup port. */
export type PopupPush = { type: 'state'; state: WalletState };

/**
 * Sent by the approval window on the popup port just before it closes itself
 * (everything it showed was decided): its going away is not a rejection.
 */
export type PopupPortMessage = { type: 'closing' };

/** Shortest password accepted when creating a vault. */
export const MIN_PASSWORD_LENGTH = 8;
/** Largest backup file accepted (a 16-device vault record is far smaller). */
export const MAX_BACKUP_BYTES = 1024 * 1024;
/** Allowed auto-lock range, minutes. */
export const AUTO_LOCK_MIN = 1;
export const AUTO_LOCK_MAX = 1440;
/** Allowed wait for a co-signer's answer, seconds. */
export const COSIGN_TIMEOUT_MIN = 5;
export const COSIGN_TIMEOUT_MAX = 600;

/** Validates a command from an extension page; returns null if malformed. */
export function parsePopupCommand(x: unknown): PopupCommand | null {
  if (typeof x !== 'object' || x === null) return null;
  const m = x as Record<string, unknown>;
  const str = (v: unknown, max = 256): v is string => typeof v === 'string' && v.length <= max;
  /** A device count or threshold: a whole number in 2..16. */
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 2 && v <= 16;
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
    case 'setRelayUrl':
      return str(m.url, 200) ? { type: m.type, url: m.url } : null;
    case 'setCosignTimeout':
      return typeof m.seconds === 'number' && Number.isInteger(m.seconds) ? { type: m.type, seconds: m.seconds } : null;
    case 'startKeygen':
      if (!str(m.name, 64) || !count(m.t) || !count(m.n) || (m.password !== undefined && !str(m.password, 1024))) return null;
      return { type: m.type, name: m.name, t: m.t, n: m.n, ...(m.password !== undefined ? { password: m.password as string } : {}) };
    case 'closeCeremony':
      return { type: m.type };
    case 'joinCeremony':
      if (!str(m.pairing, 4096) || (m.password !== undefined && !str(m.password, 1024))) return null;
      return { type: m.type, pairing: m.pairing, ...(m.password !== undefined ? { password: m.password as string } : {}) };
    case 'startReshare':
      return count(m.newT) && count(m.newN) ? { type: m.type, newT: m.newT, newN: m.newN } : null;
    case 'exportBackup':
      return str(m.password, 1024) ? { type: m.type, password: m.password } : null;
    case 'importBackup':
      if (!str(m.text, MAX_BACKUP_BYTES) || !str(m.password, 1024) || (m.walletPassword !== undefined && !str(m.walletPassword, 1024)))
        return null;
      return {
        type: m.type,
        text: m.text,
        password: m.password,
        ...(m.walletPassword !== undefined ? { walletPassword: m.walletPassword as string } : {}),
      };
    case 'getBalance':
      return { type: m.type };
    case 'adjustFees':
      return str(m.id, 64) && str(m.maxFeeGwei, 40) && str(m.maxPriorityFeeGwei, 40) && str(m.gasLimit, 20)
        ? { type: m.type, id: m.id, maxFeeGwei: m.maxFeeGwei, maxPriorityFeeGwei: m.maxPriorityFeeGwei, gasLimit: m.gasLimit }
        : null;
    case 'send':
      if (!str(m.to, 64) || !str(m.amount, 80) || (m.token !== undefined && !str(m.token, 64))) return null;
      return { type: m.type, to: m.to, amount: m.amount, ...(m.token !== undefined ? { token: m.token as string } : {}) };
    case 'addToken':
    case 'removeToken':
      return str(m.address, 64) ? { type: m.type, address: m.address } : null;
    case 'selectVault':
      return str(m.id, 64) ? { type: m.type, id: m.id } : null;
    case 'renameVault':
      return str(m.id, 64) && str(m.name, 64) ? { type: m.type, id: m.id, name: m.name } : null;
    case 'deleteVault':
      return str(m.id, 64) ? { type: m.type, id: m.id } : null;
    default:
      return null;
  }
}
