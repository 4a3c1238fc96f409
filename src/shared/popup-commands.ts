/**
 * The popup's commands to the background, written once: {@link PopupCommands}
 * maps each command to its params and its result; {@link PARAMS} is the strict
 * parser of each command's params (the background parses every message with
 * it: an extension page is trusted, but a bug there must not reach a handler
 * with the wrong shape); the background has one handler per command
 * (`src/background/commands/`), and the popup's `sendCommand(type, params)`
 * is typed by the same map.
 */
import type { BalanceView, ReplaceMode, SolanaBalanceView, WalletState } from './popup-api';
import type { WalletErrorCode } from './wallet-errors';

/** What `exportBackup` answers. */
export interface BackupExport {
  filename: string;
  text: string;
}

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

type None = Record<never, never>;

/** Every command: its params and what it answers besides the new state (`undefined`: nothing). */
export interface PopupCommands {
  getState: { params: None; result: undefined };
  /**
   * Adds a watch-only address (balances, dApp connections, never signs) and makes it active;
   * `password` creates the keyring on first run (or opens it); otherwise the wallet must be unlocked.
   */
  addWatchOnly: { params: { name: string; address: string; password?: string }; result: undefined };
  unlock: { params: { password: string }; result: undefined };
  lock: { params: None; result: undefined };
  /** `accounts`: for a connect approval, the accounts of the active vault to connect (default: the active one). */
  decideApproval: { params: { id: string; approve: boolean; accounts?: string[] }; result: undefined };
  disconnectSite: { params: { origin: string }; result: undefined };
  selectNetwork: { params: { chainId: string }; result: undefined };
  setNetworkRpc: { params: { chainId: string; rpcUrl: string }; result: undefined };
  setAutoLock: { params: { minutes: number }; result: undefined };
  setRelayUrl: { params: { url: string }; result: undefined };
  /** The Solana RPC URL (balance, signAndSendTransaction, Send SOL); an empty text clears it. */
  setSolanaRpcUrl: { params: { url: string }; result: undefined };
  /** How long to wait for the co-signer to answer a signing request. */
  setCosignTimeout: { params: { seconds: number }; result: undefined };
  /** MetaMask compatibility of the in-page provider (isMetaMask), for pages loaded afterwards. */
  setMetaMaskCompat: { params: { enabled: boolean }; result: undefined };
  /** Starts key generation with other devices; `password` creates the keyring on first run (or opens it). */
  startKeygen: { params: { name: string; t: number; n: number; password?: string }; result: undefined };
  /** Stops the ceremony in progress (nothing is stored), or clears a finished one. */
  closeCeremony: { params: None; result: undefined };
  /** Joins another device's key generation or re-share from its pairing text or link. */
  joinCeremony: { params: { pairing: string; password?: string }; result: undefined };
  /**
   * Re-shares the active vault to newN devices with threshold newT (same
   * address). `leaving`: this device is not one of them; it deals, and deletes
   * its share only once every new device said it stored its own.
   */
  startReshare: { params: { newT: number; newN: number; leaving?: boolean }; result: undefined };
  /** An encrypted backup of this device's share of the active vault. */
  exportBackup: { params: { password: string }; result: BackupExport };
  /** Restores a backup; `walletPassword` creates (first run) or opens the keyring when given. */
  importBackup: { params: { text: string; password: string; walletPassword?: string }; result: undefined };
  deleteVault: { params: { id: string }; result: undefined };
  selectVault: { params: { id: string }; result: undefined };
  renameVault: { params: { id: string; name: string }; result: undefined };
  /** This browser starts answering other devices' signing requests (its Co-sign screen opened). */
  startCosigning: { params: None; result: undefined };
  /** It stops (the screen closed); a request on screen is refused. */
  stopCosigning: { params: None; result: undefined };
  /** The user's decision on a request shown on the Co-sign screen. */
  decideCosign: { params: { key: string; approve: boolean }; result: undefined };
  /** Adds the next account of the active co-signed vault (derived key m/k, docs/accounts.md) and makes it active. */
  addAccount: { params: { name: string }; result: undefined };
  /** Makes account `index` of the active vault the active one (connected sites see accountsChanged). */
  selectAccount: { params: { index: number }; result: undefined };
  renameAccount: { params: { index: number; name: string }; result: undefined };
  /** Each account's native balance on the selected network (null where the node did not answer). */
  getAccountBalances: { params: None; result: Array<{ index: number; value: string | null }> };
  /** Changes the fees of a pending transaction approval (gwei, decimal text). */
  adjustFees: { params: { id: string; maxFeeGwei: string; maxPriorityFeeGwei: string; gasLimit: string }; result: undefined };
  /** The active vault's balance on the selected network (null while locked). */
  getBalance: { params: None; result: BalanceView | null };
  /** The active co-signed vault's Solana address (docs/solana.md); null while locked or for a watch-only address. */
  getSolanaAccount: { params: None; result: { address: string } | null };
  /**
   * The Solana account's balance through the Solana RPC set in Settings, and the cluster that RPC serves;
   * null while locked, for a watch-only address or without an RPC URL; the error `solana.rpcFailed` when the RPC fails.
   */
  getSolanaBalance: { params: None; result: SolanaBalanceView | null };
  /**
   * Sends SOL from the active vault's Solana account (amount in SOL, decimal text) through the Solana RPC:
   * queues the same approval as a page's solana:signAndSendTransaction.
   */
  sendSol: { params: { to: string; amount: string }; result: undefined };
  /**
   * Asks the selected network's node where the active vault's pending transactions stand (docs/activity.md):
   * receipts, and nonces taken by another transaction; the state's `activity` shows the result. Nothing while locked.
   */
  refreshActivity: { params: None; result: undefined };
  /**
   * Speed up (same transaction, higher fees) or Cancel (0-value transfer to itself, higher fees) of a pending
   * Ethereum transaction of the active vault on the selected network: queues its approval like `send`.
   */
  replaceTransaction: { params: { hash: string; mode: ReplaceMode }; result: undefined };
  /** Sends the native coin (or a listed token) from the active vault: queues a signing approval like a dApp's. */
  send: { params: { to: string; amount: string; token?: string }; result: undefined };
  /** Follows an ERC-20 token on the selected network (symbol and decimals read from the contract). */
  addToken: { params: { address: string }; result: undefined };
  removeToken: { params: { address: string }; result: undefined };
}

export type CommandType = keyof PopupCommands;
export type Params<K extends CommandType> = PopupCommands[K]['params'];
export type Result<K extends CommandType> = PopupCommands[K]['result'];

/** A command as sent on the wire: its type and its params in one object. */
export type PopupCommand = { [K in CommandType]: { type: K } & Params<K> }[CommandType];
/** The command of type K. */
export type CommandOf<K extends CommandType> = Extract<PopupCommand, { type: K }>;

/** The background's answer to a command: the new state and the command's result, or an error for the user. */
export type PopupReply<K extends CommandType = CommandType> =
  | ({ ok: true; state: WalletState } & ([Result<K>] extends [undefined] ? { result?: undefined } : { result: Result<K> }))
  | { ok: false; error: string; code: WalletErrorCode | string; state?: WalletState };

/** Runs one popup command in the background; resolves to the error text, or null when it succeeded. */
export type RunCommand = (cmd: PopupCommand) => Promise<string | null>;

/** A check of one field: true when `v` is valid (undefined is valid only for an optional field). */
type Check<V> = (v: unknown) => v is V;
type Schema<P> = { [F in keyof P]-?: Check<P[F]> };

const str =
  (max: number): Check<string> =>
  (v): v is string =>
    typeof v === 'string' && v.length <= max;
const bool: Check<boolean> = (v): v is boolean => typeof v === 'boolean';
const int: Check<number> = (v): v is number => typeof v === 'number' && Number.isInteger(v);
/** A device count or threshold: a whole number in 2..16. */
const count: Check<number> = (v): v is number => int(v) && v >= 2 && v <= 16;
/** An account index: a whole number in 0..999 (session/account-path.ts MAX_ACCOUNT_INDEX). */
const accountIndex: Check<number> = (v): v is number => int(v) && v >= 0 && v <= 999;
/** 1..50 addresses (0x + 40 hex). */
const addressList: Check<string[]> = (v): v is string[] =>
  Array.isArray(v) && v.length >= 1 && v.length <= 50 && v.every((a) => typeof a === 'string' && /^0x[0-9a-fA-F]{40}$/.test(a));
const oneOf =
  <V extends string>(...values: V[]): Check<V> =>
  (v): v is V =>
    typeof v === 'string' && (values as string[]).includes(v);
const optional =
  <V>(check: Check<V>): Check<V | undefined> =>
  (v): v is V | undefined =>
    v === undefined || check(v);

const PASSWORD = str(1024);
const ID = str(64);

/** The strict parser of every command's params: one check per field; unknown fields are dropped. */
export const PARAMS: { [K in CommandType]: Schema<Params<K>> } = {
  getState: {},
  addWatchOnly: { name: str(64), address: str(64), password: optional(PASSWORD) },
  unlock: { password: PASSWORD },
  lock: {},
  decideApproval: { id: ID, approve: bool, accounts: optional(addressList) },
  disconnectSite: { origin: str(512) },
  selectNetwork: { chainId: str(20) },
  setNetworkRpc: { chainId: str(20), rpcUrl: str(2048) },
  setAutoLock: { minutes: int },
  setRelayUrl: { url: str(200) },
  setSolanaRpcUrl: { url: str(2048) },
  setCosignTimeout: { seconds: int },
  setMetaMaskCompat: { enabled: bool },
  startKeygen: { name: str(64), t: count, n: count, password: optional(PASSWORD) },
  closeCeremony: {},
  joinCeremony: { pairing: str(4096), password: optional(PASSWORD) },
  startReshare: { newT: count, newN: count, leaving: optional(bool) },
  exportBackup: { password: PASSWORD },
  importBackup: { text: str(MAX_BACKUP_BYTES), password: PASSWORD, walletPassword: optional(PASSWORD) },
  deleteVault: { id: ID },
  selectVault: { id: ID },
  renameVault: { id: ID, name: str(64) },
  startCosigning: {},
  stopCosigning: {},
  decideCosign: { key: str(32), approve: bool },
  addAccount: { name: str(64) },
  selectAccount: { index: accountIndex },
  renameAccount: { index: accountIndex, name: str(64) },
  getAccountBalances: {},
  adjustFees: { id: ID, maxFeeGwei: str(40), maxPriorityFeeGwei: str(40), gasLimit: str(20) },
  getBalance: {},
  getSolanaAccount: {},
  getSolanaBalance: {},
  sendSol: { to: str(64), amount: str(40) },
  refreshActivity: {},
  replaceTransaction: { hash: str(100), mode: oneOf('speedUp', 'cancel') },
  send: { to: str(64), amount: str(80), token: optional(str(64)) },
  addToken: { address: str(64) },
  removeToken: { address: str(64) },
};

/** Validates a command from an extension page; returns null if malformed. */
export function parsePopupCommand(x: unknown): PopupCommand | null {
  if (typeof x !== 'object' || x === null) return null;
  const m = x as Record<string, unknown>;
  if (typeof m.type !== 'string' || !Object.hasOwn(PARAMS, m.type)) return null;
  const schema = PARAMS[m.type as CommandType] as Record<string, Check<unknown>>;
  const cmd: Record<string, unknown> = { type: m.type };
  for (const [field, check] of Object.entries(schema)) {
    const v = m[field];
    if (!check(v)) return null;
    if (v !== undefined) cmd[field] = v;
  }
  return cmd as PopupCommand;
}
