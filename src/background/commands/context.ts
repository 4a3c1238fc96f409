/**
 * What a popup command's handler may use: the background's services and the
 * few things the popup's state is made of. `Services` implements it; each
 * handler is one function `(ctx, params) => result` in a file of its group.
 */
import type { CommandType, Params, Result } from '../../shared/popup-commands';
import { WalletError } from '../../shared/wallet-errors';
import type { ActivityLog } from '../activity';
import type { ApprovalQueue } from '../approvals';
import type { CeremonySessions } from '../ceremony-sessions';
import type { NetworkStore } from '../networks';
import type { PagePorts } from '../page-ports';
import type { PermissionStore } from '../permissions';
import type { ChainClient } from '../router-deps';
import type { SettingsStore } from '../settings';
import type { TokenList } from '../tokens';
import type { TssSigner } from '../tss-signer';
import type { WalletService } from '../vault/wallet';
import type { BrowserCosigner } from '../browser-cosigner';

export interface CommandContext {
  readonly wallet: WalletService;
  readonly approvals: ApprovalQueue;
  readonly permissions: PermissionStore;
  readonly pages: PagePorts;
  readonly networks: NetworkStore;
  readonly tokens: TokenList;
  readonly ceremonies: CeremonySessions;
  readonly signer: TssSigner;
  /** This browser as a co-signer of other devices' requests (its Co-sign screen). */
  readonly cosigner: BrowserCosigner;
  readonly settings: SettingsStore;
  readonly chain: ChainClient;
  /** Recent activity (transactions broadcast, and where they stand). */
  readonly activity: ActivityLog;
  /** PBKDF2 iterations for new backups (tests lower it). */
  readonly pbkdf2Iterations: number | undefined;
  lock(): Promise<void>;
  /** The lock state or the active vault changed: tells connected pages what they see now, and the popup. */
  accountsChanged(): Promise<void>;
  /** After unlocking: answers the connect requests of sites that were connected already. */
  answerConnectedWaiting(): Promise<void>;
  /** Finishes what it can of the vaults' pending changes of generation (docs/generations.md); never throws. */
  finishPendingChanges(): Promise<void>;
  /** Remembers the active account before a ceremony that may replace it (its pages are told when it does). */
  noteActiveAccount(): Promise<void>;
  /** The approval being co-signed now, if any. */
  signingApprovalId(): string | null;
  /** The last failed send from the Send screen (shown on Home); setting it tells the popup. */
  sendError: string | null;
  stateChanged(): void;
  /** Applies the MetaMask-compatibility switch to pages loaded from now on (the browser's part). */
  applyMetaMaskCompat(enabled: boolean): Promise<void>;
}

/** The handler of one command. */
export type Handler<K extends CommandType> = (ctx: CommandContext, params: Params<K>) => Promise<Result<K>>;
/** The handlers of a group of commands. */
export type Handlers<K extends CommandType> = { [P in K]: Handler<P> };

/** Throws `wallet.locked` unless the wallet is unlocked; with a password, creates or opens the keyring first. */
export async function ensureUnlocked(ctx: CommandContext, password?: string): Promise<void> {
  if (password !== undefined) await ctx.wallet.ensureKeyring(password);
  else if (!(await ctx.wallet.isUnlocked())) throw new WalletError('wallet.locked');
}
