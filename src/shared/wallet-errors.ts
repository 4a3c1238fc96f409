/**
 * Everything the wallet can tell its user went wrong, in one table: a stable
 * code (what the popup, the background and the tests match on) and the text
 * the user reads. A message says what to do next. Details are the values a
 * message is made from (never a secret: they travel to the popup).
 *
 * To add an error: add its code and message here, then
 * `throw new WalletError('area.what', details)`.
 */
import { TandemError } from '../errors/index';

const MESSAGES = {
  // The wallet and its vaults
  'wallet.locked': () => 'Unlock Tandem first.',
  'wallet.lockedApprove': () => 'Unlock Tandem first, then approve.',
  'wallet.wrongPassword': () => 'Wrong password. Nothing was changed; check the password and try again.',
  'wallet.exists': () => 'A vault already exists in this browser.',
  'wallet.none': () => 'There is no vault yet: create one first.',
  'wallet.passwordTooShort': (d: { min: number }) => `Use a password of at least ${d.min} characters.`,
  'vault.unknown': (d: { id: string }) => `Unknown vault ${d.id}.`,
  'vault.gone': () => 'That vault no longer exists.',
  'vault.nameEmpty': () => 'Give the vault a name.',
  'vault.switchUnavailable': () => 'Switching vaults is not available here.',
  'vault.notCosigned': (d: { action: 'reshare' | 'backup' }) =>
    d.action === 'reshare' ? 'Only a co-signed vault can be re-shared.' : 'Only a co-signed vault has a share to back up.',
  'vault.noShare': () => 'This vault has no share to sign with.',
  'vault.cannotUpdateShare': () => 'this wallet cannot update its stored share',
  'vault.watchOnly': () =>
    'This is a watch-only address: Tandem has no key for it and cannot sign. Create or join a co-signed vault to sign and send.',
  // This browser as a co-signer (its Co-sign screen)
  'cosign.noVault': () => 'This browser holds no co-signed vault to co-sign for: join one from a pairing code first.',
  'cosign.gone': () => 'That request is no longer waiting here (it ended, or the screen stopped listening).',
  // Accounts of a co-signed vault (docs/accounts.md)
  'account.unknown': (d: { index: number }) => `There is no account #${d.index} in this vault.`,
  'account.nameEmpty': () => 'Give the account a name.',
  'account.tooMany': (d: { max: number }) => `A vault has at most ${d.max} accounts here; rename or reuse one.`,
  'account.watchOnly': () => 'A watch-only address is one account: add another address to watch instead.',
  'account.notInVault': (d: { account: string }) => `${d.account} is not an account of the active vault: switch vaults first.`,
  'account.notGranted': (d: { account: string }) =>
    `The site is not connected to ${d.account}: connect that account to the site first (or switch to a connected one).`,
  // Watch-only addresses
  'watch.badAddress': () => 'This is not an Ethereum address (0x followed by 40 hexadecimal characters).',
  'watch.badChecksum': () =>
    'This address has a wrong checksum (its mixed upper and lower case does not match): check that it was copied whole.',
  'watch.alreadyHere': (d: { address: string }) => `The address ${d.address} is already in Tandem; nothing was changed.`,
  // Backups
  'backup.alreadyHere': (d: { address: string }) => `The vault ${d.address} is already in Tandem; nothing was changed.`,
  // Settings
  'settings.autoLockRange': (d: { min: number; max: number }) => `Auto-lock must be between ${d.min} and ${d.max} minutes.`,
  'settings.cosignTimeoutRange': (d: { min: number; max: number }) => `The co-signer wait must be between ${d.min} and ${d.max} seconds.`,
  'relayUrl.notUrl': () => 'The relay URL is not a URL (e.g. https://relay.example).',
  'relayUrl.scheme': () => 'The relay URL must start with https:// (or http:// for a local relay).',
  'relayUrl.extras': () => 'The relay URL must not contain credentials, a query or a fragment.',
  'solanaRpcUrl.notUrl': () => 'The Solana RPC URL is not a URL (e.g. https://api.devnet.solana.com).',
  'solanaRpcUrl.scheme': () => 'The Solana RPC URL must start with https:// (or http:// for a local validator).',
  'solanaRpcUrl.credentials': () =>
    'The Solana RPC URL must not contain a user name or password (an API key in the path or query is fine).',
  'solanaRpcUrl.fragment': () => 'The Solana RPC URL must not contain a fragment (#…).',
  // Networks and tokens
  'network.unknown': (d: { chainId?: string }) =>
    d.chainId ? `Unknown network ${d.chainId}: add it in Settings first.` : 'Unknown network.',
  'network.badRpcUrl': () => 'The RPC URL must be an http:// or https:// URL.',
  'chain.noChainId': () => 'The RPC endpoint did not answer with a chain id.',
  'token.badAddress': () => 'The token address is not a valid address (check its checksum).',
  'token.exists': () => 'This token is already in the list.',
  'token.tooMany': (d: { max: number }) => `At most ${d.max} tokens per network.`,
  'token.notErc20': (d: { address: string; network: string }) =>
    `${d.address} does not answer as an ERC-20 token on ${d.network} (no symbol or decimals).`,
  'token.badDecimals': () => 'This token reports unusable decimals.',
  'token.notListed': () => 'This token is not in the list of this network.',
  'token.networkGone': () => 'The network of this token was removed.',
  // Sending and fees
  'send.badRecipient': () => 'The recipient is not a valid address (check its checksum).',
  'send.badAmount': (d: { decimals?: number }) =>
    d.decimals === undefined
      ? 'Enter the amount as a number, e.g. 0.05.'
      : `Enter the amount as a number with at most ${d.decimals} decimals.`,
  'send.amountNotPositive': () => 'The amount must be more than 0.',
  'send.failed': (d: { reason: string }) => d.reason,
  'solanaSend.badRecipient': () => 'The recipient is not a Solana address (base58, like 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM).',
  'solanaSend.noRpcUrl': () => 'Set a Solana RPC URL in Settings first: Tandem sends through it.',
  'solanaSend.noAccount': () => 'This vault has no Solana account here (unlock Tandem, or use a co-signed vault).',
  'fees.badGwei': () => 'Enter the fees in gwei, e.g. 2.5.',
  'fees.badGasLimit': () => 'The gas limit must be a whole number.',
  'fees.gasLimitTooLow': () => 'The gas limit must be at least 21000.',
  'fees.maxFeeZero': () => 'The max fee must be more than 0.',
  'fees.priorityAboveMax': () => 'The priority fee cannot be above the max fee.',
  'fees.notEip1559': () => 'Only EIP-1559 transactions have adjustable fees.',
  'fees.signingStarted': () => 'Co-signing has started: the fees can no longer change.',
  // Recent activity: Speed up and Cancel of a pending transaction
  'activity.unknown': () => 'This transaction is no longer in Recent activity: nothing was sent.',
  'activity.notActiveAccount': () =>
    'This transaction was sent from another vault: select that vault on Home first, then speed it up or cancel it.',
  'activity.otherNetwork': (d: { chainId: string }) =>
    `This transaction is on another network (chain ${d.chainId}): switch to that network first, then speed it up or cancel it.`,
  'activity.cannotReplace': () =>
    'This transaction cannot be sped up or cancelled here: it was listed by an earlier version of Tandem without its fees, or it is not an Ethereum transaction. Replace it from the site that sent it.',
  'activity.notPending': () =>
    'This transaction is no longer pending (it was mined, replaced or dropped): there is nothing to speed up or cancel.',
  // Approvals and signing
  'approval.gone': () => 'This request is no longer pending.',
  'approval.noNetwork': () => 'This request has no network to add.',
  'approval.unknownKind': () => 'Unknown approval kind.',
  'approval.nothingToSign': () => 'This request has nothing to sign.',
  'approval.alreadySigning': () => 'Already signing this request: wait for the co-signer.',
  'approval.generationMoved': () =>
    "The vault's re-share completed while this request waited for co-signers: it is asked again with the new share generation.",
  // Ceremonies (key generation, re-share) and pairing
  'ceremony.busy': () => 'A ceremony is already running. Finish or cancel it first.',
  'ceremony.badQuorum': (d: { t: number; n: number }) => `A vault needs 2 ≤ threshold ≤ devices ≤ 16 (got ${d.t}-of-${d.n}).`,
  'ceremony.relayUnreachable': (d: { relayUrl: string; reason: string }) =>
    `The relay at ${d.relayUrl} cannot be reached (${d.reason}). Check the relay URL in Settings.`,
  'pairing.invalid': (d: { reason?: string }) => d.reason ?? 'This is not a Tandem pairing code or link.',
  'pairing.noInitiator': () => 'This pairing code has no initiator key: it was not made by Tandem.',
  'pairing.badQuorum': () => 'This pairing code has a bad threshold or device count.',
  'pairing.wrongKind': (d: { kind: string }) => `This pairing code is for a ${d.kind} session, which is not joined this way.`,
  'pairing.badReshare': () => 'This re-share pairing code is malformed.',
  'reshare.retired': () => 'this device was retired by the re-share',
  'reshare.gaveUp': () => 'this device gave its place up in the re-share; its share was deleted',
  'reshare.otherKey': (d: { what: 'address' | 'key' }) => `the re-share ended with another ${d.what}; nothing was stored`,
  // The popup channel
  'popup.malformed': () => 'Malformed command.',
  'popup.noAnswer': () => 'Tandem did not answer. Close the popup and try again.',
  'popup.unexpected': () => 'Something went wrong.',
} satisfies Record<string, (d: never) => string>;

export type WalletErrorCode = keyof typeof MESSAGES;
/** The details a code's message is made from (undefined when it needs none). */
export type WalletErrorDetails<C extends WalletErrorCode> = Parameters<(typeof MESSAGES)[C]>[0];
type Args<C extends WalletErrorCode> =
  Parameters<(typeof MESSAGES)[C]> extends [] ? [details?: undefined, cause?: unknown] : [details: WalletErrorDetails<C>, cause?: unknown];

/** The text the user reads for a code. */
export function walletMessage<C extends WalletErrorCode>(code: C, ...[details]: Args<C>): string {
  return (MESSAGES[code] as (d: unknown) => string)(details);
}

/** True when `code` is one of the table's codes (e.g. a code that came back from the background). */
export function isWalletErrorCode(code: unknown): code is WalletErrorCode {
  return typeof code === 'string' && Object.hasOwn(MESSAGES, code);
}

/** An error of the wallet, with its message from the table above. */
export class WalletError<C extends WalletErrorCode = WalletErrorCode> extends TandemError<C> {
  override name = 'WalletError';
  constructor(code: C, ...[details, cause]: Args<C>) {
    super(code, walletMessage(code, ...([details] as Args<C>)), {
      ...(details ? { details: details as Record<string, unknown> } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  }
}
