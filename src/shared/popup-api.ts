/**
 * The internal channel between the popup and the background. Only extension
 * pages may use it: the background checks that the sender's origin is the
 * extension itself, so a web page (or a content script acting for one) can
 * never reach these commands.
 */
import type { TxPreview } from './tx-preview';
import type { Network } from './networks';
import type { CosignRequest } from '../session/cosign-request';
import type { ChannelStatus, PendingRequest, RequestResult } from './signing-service';

/** Port the popup opens to receive state pushes. */
export const POPUP_PORT_NAME = 'tandem-popup';

/** Kinds of requests that wait for the user in the popup. */
export type ApprovalKind = 'connect' | 'addChain' | 'sign' | 'watchAsset';

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
  /** For watchAsset (EIP-747): the ERC-20 token the site suggests, as its contract reports it. */
  asset?: { address: string; symbol: string; decimals: number; chainId: string; networkName: string };
  /** For connect: the accounts the user chose to connect (set as they approve; absent: the active account). */
  accounts?: string[];
}

/** A signing request as the approval screen shows it (amounts already formatted). */
export interface SignView {
  /** The vault account that signs. */
  account: string;
  /** Its key path when it is a derived account ("m/1"; docs/accounts.md); absent for the vault's own key (m). */
  accountPath?: string;
  /** Its name in this wallet ("Account 2"), when the wallet knows it. */
  accountName?: string;
  chainId: string;
  networkName: string;
  currencySymbol: string;
  /** The request sent to the co-signers (they decode and hash it themselves). */
  request: CosignRequest;
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
    /** Largest possible gas fee (gas limit x max fee per gas, or gas price for legacy), native coin. */
    maxGasFee: string;
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
    /**
     * What this device's node says the transaction will do (shared/tx-preview.ts), computed
     * by this device before its screen; absent while none was computed.
     */
    preview?: TxPreview;
  };
  /** personal_sign: the message as text (or hex when it is not UTF-8). */
  message?: { text: string; isHex: boolean };
  /** eth_signTypedData_v4: domain and message for a readable tree. */
  typedData?: { primaryType: string; domain: Record<string, unknown>; message: Record<string, unknown> };
  /** A Solana request, as every co-signer decodes it (shared/solana-sign-view.ts). */
  solana?: SolanaSignView;
  /** A replacement of a pending transaction from Home's Recent activity (Speed up / Cancel): its hash, how, and what it was. */
  replaces?: { hash: string; mode: ReplaceMode; what: string };
}

/** A Solana transaction or message as the approval screen and the phone show it. */
export interface SolanaSignView {
  kind: 'transaction' | 'message';
  /** Warnings shown above everything (unknown programs, lookup tables). */
  warnings: string[];
  /** One line per instruction (transaction), amounts in their units. */
  instructions: string[];
  /** Lamports the transaction sends from the vault by System transfers, as SOL text. */
  sendsSol?: string;
  /**
   * Token amounts it sends from the vault (SPL Token / Token-2022 transfers), per mint in its units (`2.5`);
   * a transfer that names no mint in base units, mint null.
   */
  sendsTokens?: Array<{ amount: string; mint: string | null }>;
  /** The message as text when printable, else hex. */
  message?: { text: string; isHex: boolean };
  /** `solana:signAndSendTransaction`: once co-signed, Tandem sends it through this RPC (checked to serve `chain`). */
  send?: SolanaSendPlan;
}

export type SolanaCommitment = 'processed' | 'confirmed' | 'finalized';

/** `SolanaSignAndSendTransactionOptions` (@solana/wallet-standard-features), as Tandem passes them on. */
export interface SolanaSendOptions {
  preflightCommitment?: SolanaCommitment;
  /** Wait for this commitment after sending. */
  commitment?: SolanaCommitment;
  skipPreflight?: boolean;
  maxRetries?: number;
  minContextSlot?: number;
}

/** Where and how a co-signed Solana transaction is sent. The RPC URL is shown in the popup only, never to a page. */
export interface SolanaSendPlan {
  /** The Wallet Standard chain the page named, e.g. `solana:devnet`; the RPC serves it. */
  chain: string;
  rpcUrl: string;
  options: SolanaSendOptions;
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

/**
 * Where a broadcast transaction stands (docs/activity.md): `pending` until the
 * node has its receipt (`confirmed`: status 1, `failed`: status 0); `replaced`
 * when a replacement of it (same account and nonce) was mined instead,
 * `dropped` when another transaction took its nonce.
 */
export type ActivityStatus = 'pending' | 'confirmed' | 'failed' | 'replaced' | 'dropped';

/** How a pending Ethereum transaction is replaced: the same one with higher fees, or a 0-value transfer to itself. */
export type ReplaceMode = 'speedUp' | 'cancel';

/**
 * What an Ethereum transaction that was broadcast is made of, as it was signed
 * (quantities as 0x hex): enough to rebuild it with the same nonce and higher fees.
 */
export interface ActivityTx {
  nonce: number;
  to: string | null;
  /** Wei. */
  value: string;
  data: string;
  gasLimit: string;
  /** 2: EIP-1559 (maxFeePerGas, maxPriorityFeePerGas); 0: legacy (gasPrice). */
  type: 0 | 2;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  gasPrice?: string;
}

/** A transaction this wallet broadcast. */
export interface ActivityEntry {
  /** The transaction hash (Ethereum) or id, its first signature in base58 (Solana). */
  hash: string;
  /** The vault it is listed under: its Ethereum address, for Solana entries too. */
  account: string;
  /** A hex chain id, or a Solana cluster (`solana:devnet`): background/solana-activity.ts. */
  chainId: string;
  /** The recipient (a Solana token transfer: the destination token account), null when none or several. */
  to: string | null;
  /** Native value, decimal text, and what it was (e.g. an ERC-20 call). */
  value: string;
  symbol: string;
  what: string;
  origin: string;
  at: number;
  /** Ethereum entries: where the transaction stands (absent on Solana entries and on entries of earlier versions until checked). */
  status?: ActivityStatus;
  /** Ethereum entries: the signed transaction's fields (absent on entries of earlier versions: those cannot be replaced). */
  tx?: ActivityTx;
  /** A replacement: the hash of the pending transaction it replaces, and how. */
  replaces?: string;
  replaceMode?: ReplaceMode;
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

/** What `getSolanaBalance` answers. */
export interface SolanaBalanceView {
  address: string;
  lamports: string;
  /** The same in SOL, decimal text. */
  sol: string;
  /** The cluster the RPC serves (by its genesis hash), e.g. `solana:devnet`. */
  chain: string;
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
/** One Ethereum account of a vault (docs/accounts.md). */
export interface AccountView {
  /** 0 for the vault's own key; k for the derived key m/k. */
  index: number;
  name: string;
  /** EIP-55. */
  address: string;
  /** "m" or "m/k". */
  path: string;
}

export interface VaultView {
  id: string;
  name: string;
  /** 'tss' vaults are co-signed; 'watch' is a watch-only address (reads and connects, never signs). */
  kind: 'tss' | 'watch';
  /** The vault's own address (account #0). */
  address: string;
  /** Its accounts (a watch-only address: just itself), #0 first. */
  accounts: AccountView[];
  /** The active account: the one dApps see first, Home shows and Send sends from. */
  account: AccountView;
  createdAt: number;
  /**
   * A watch-only address that was a development vault of an earlier build:
   * its private key was discarded when it was made, so nothing can ever sign
   * for it and funds sent to it are lost.
   */
  keyDiscarded?: true;
  /** For 'tss' vaults: threshold and number of devices. */
  t?: number;
  n?: number;
}

/** The Co-sign screen (background/browser-cosigner.ts): the channels listened on, requests waiting, and what became of earlier ones. */
export interface CosignScreenState {
  channels: Array<{ vaultName: string; status: ChannelStatus }>;
  pending: PendingRequest[];
  results: RequestResult[];
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
  /** The Solana RPC URL (Settings), or null when none is set: then Solana transactions cannot be sent from Tandem. */
  solanaRpcUrl: string | null;
  /** Seconds to wait for the co-signer to answer a signing request. */
  cosignTimeoutSeconds: number;
  /** Key generation in progress (or just finished/failed), if any. */
  ceremony: CeremonyView | null;
  signing: SigningProgress | null;
  /** Recent transactions of the active vault, newest first. */
  activity: ActivityEntry[];
  /** ERC-20 tokens followed on the selected network (without balances). */
  tokens: Array<{ address: string; symbol: string; decimals: number }>;
  /** window.ethereum says isMetaMask: true (Settings; on unless turned off). */
  metaMaskCompat: boolean;
  /** The last send from the Send screen that failed (shown on Home until the next one). */
  sendError: string | null;
  /** This browser co-signing other devices' requests (its Co-sign screen is open), or null. */
  cosigning: CosignScreenState | null;
}

/** The commands (one typed map), their parser and limits: see popup-commands.ts. */
export {
  AUTO_LOCK_MAX,
  AUTO_LOCK_MIN,
  COSIGN_TIMEOUT_MAX,
  COSIGN_TIMEOUT_MIN,
  MAX_BACKUP_BYTES,
  MIN_PASSWORD_LENGTH,
  parsePopupCommand,
  type BackupExport,
  type CommandOf,
  type CommandType,
  type Params,
  type PopupCommand,
  type PopupCommands,
  type PopupReply,
  type Result,
  type RunCommand,
} from './popup-commands';

/** Messages pushed on the popup port. */
export type PopupPush = { type: 'state'; state: WalletState };

/**
 * What a popup page says on its port: `opened` once, on its first connection
 * (the user opened it: auto-lock is re-armed, as by a command; not when it
 * connects again after a worker restart); `closing`, from the approval window
 * just before it closes itself (everything it showed was decided): its going
 * away is not a rejection.
 */
export type PopupPortMessage = { type: 'opened' } | { type: 'closing' };
