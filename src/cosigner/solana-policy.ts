/**
 * The unattended co-signer's policy for Solana requests: the `solana`
 * object of a policy file (./policy.ts).
 *
 * ```json
 * "solana": {
 *   "maxLamports": "1000000000", "dailyLimitLamports": "5000000000", "recipients": ["…"], "allowMessages": false,
 *   "tokens": { "<mint>": { "maxAmount": "5000000", "dailyLimit": "20000000" } }
 * }
 * ```
 *
 * Without it no Solana request is signed. With it, a transaction is signed
 * only when every instruction is a System transfer from the vault or a token
 * transfer of a listed mint from the vault, to an allowed recipient, within
 * the per-transaction and per-day limits (lamports counted in
 * `spent-lamports-<vault>.json`, each mint's base units in
 * `spent-token-<mint>-<vault>.json`, ./spending.ts). Anything else cannot be
 * valued and is refused: an unknown program, accounts in lookup tables, a
 * token approval, and a token `Transfer` (it names no mint: only
 * `TransferChecked`, whose mint and decimals the token program checks on
 * chain, says which token moves). With `recipients`, a token transfer's
 * destination must be the associated token account of a listed recipient
 * for that mint (derived here, nothing read from the chain).
 */
import { address, isAddress } from '@solana/kit';
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';
import { isPlainObject } from '../tss/wire.js';
import { SigningRequestRejected } from '../session/signing-request.js';
import { lamportsSpentBy, TOKEN_2022_PROGRAM_ADDRESS, tokensSentBy } from '../session/solana-request.js';
import { solanaTransactionOf, type SolanaSigningRequest } from '../session/solana-signing-request.js';
import { PolicyFileError } from './policy.js';

/** One mint's limits, in its base units. */
export interface TokenLimit {
  maxAmount: bigint;
  dailyLimit: bigint;
}

export interface SolanaPolicy {
  /** Largest amount one transaction sends from the vault, in lamports. */
  maxLamports: bigint;
  /** Largest amount sent in one UTC day, in lamports. */
  dailyLimitLamports: bigint;
  /** If set, the only recipients of System transfers, and the owners of token transfers' destinations (base58). */
  recipients?: string[];
  /** Sign off-chain messages (`solana:signMessage`, Sign-In With Solana); default false. */
  allowMessages: boolean;
  /** Token mints (base58) whose TransferChecked from the vault is signed, with their limits; none by default. */
  tokens?: Record<string, TokenLimit>;
}

export type SolanaPolicyRule =
  | 'solanaMessages'
  | 'solanaInstruction'
  | 'solanaRecipient'
  | 'solanaMaxValue'
  | 'solanaDailyLimit'
  | 'solanaTokenMint'
  | 'solanaTokenMaxValue'
  | 'solanaTokenDailyLimit'
  | 'solana';

/** What a request signed under the policy spends: lamports, and base units per mint. */
export interface SolanaSpend {
  lamports: bigint;
  tokens: Map<string, bigint>;
}

/** What was already signed today: lamports, and base units of a mint. */
export interface SolanaSpentToday {
  lamports: bigint;
  token(mint: string): bigint;
}

function lamports(x: unknown, what: string): bigint {
  if (typeof x !== 'string' || !/^[0-9]{1,20}$/.test(x))
    throw new PolicyFileError(`solana.${what}`, `solana.${what} must be a decimal string of lamports`);
  return BigInt(x);
}

function units(x: unknown, what: string): bigint {
  if (typeof x !== 'string' || !/^[0-9]{1,20}$/.test(x))
    throw new PolicyFileError(what, `${what} must be a decimal string of the token's base units`);
  return BigInt(x);
}

function parseTokens(x: unknown): Record<string, TokenLimit> {
  if (!isPlainObject(x)) throw new PolicyFileError('solana.tokens', 'solana.tokens must be an object of mint addresses');
  const out: Record<string, TokenLimit> = {};
  for (const [mint, limit] of Object.entries(x)) {
    const at = `solana.tokens.${mint}`;
    if (!isAddress(mint)) throw new PolicyFileError(at, `${at}: the key must be a base58 mint address`);
    if (!isPlainObject(limit)) throw new PolicyFileError(at, `${at} must be an object`);
    for (const k of Object.keys(limit))
      if (!['maxAmount', 'dailyLimit'].includes(k)) throw new PolicyFileError(`${at}.${k}`, `unknown field ${at}.${k}`);
    out[mint] = { maxAmount: units(limit.maxAmount, `${at}.maxAmount`), dailyLimit: units(limit.dailyLimit, `${at}.dailyLimit`) };
  }
  return out;
}

/** Parses the `solana` object of a policy file; throws naming the field at fault. */
export function parseSolanaPolicy(x: unknown): SolanaPolicy {
  if (!isPlainObject(x)) throw new PolicyFileError('solana', 'solana must be an object');
  for (const k of Object.keys(x))
    if (!['maxLamports', 'dailyLimitLamports', 'recipients', 'allowMessages', 'tokens'].includes(k))
      throw new PolicyFileError(`solana.${k}`, `unknown field solana.${k}`);
  let recipients: string[] | undefined;
  if (x.recipients !== undefined) {
    if (!Array.isArray(x.recipients) || x.recipients.some((a) => typeof a !== 'string' || !isAddress(a)))
      throw new PolicyFileError('solana.recipients', 'solana.recipients must be an array of base58 Solana addresses');
    recipients = x.recipients as string[];
  }
  if (x.allowMessages !== undefined && typeof x.allowMessages !== 'boolean')
    throw new PolicyFileError('solana.allowMessages', 'solana.allowMessages must be true or false');
  return {
    maxLamports: lamports(x.maxLamports, 'maxLamports'),
    dailyLimitLamports: lamports(x.dailyLimitLamports, 'dailyLimitLamports'),
    ...(recipients ? { recipients } : {}),
    allowMessages: x.allowMessages === true,
    ...(x.tokens !== undefined ? { tokens: parseTokens(x.tokens) } : {}),
  };
}

const refuse = (rule: SolanaPolicyRule, reason: string): never => {
  throw new SigningRequestRejected(`policy: ${reason}`, { code: `policy.${rule}` });
};

/**
 * The associated token accounts of the policy's recipients for the mints
 * (and token programs) this request's token transfers name: the only
 * destinations a token transfer may have when `recipients` is set. Async
 * (a derived address needs SHA-256); empty without `recipients`.
 */
export async function recipientTokenAccounts(req: SolanaSigningRequest, policy: SolanaPolicy | undefined): Promise<Set<string>> {
  const out = new Set<string>();
  if (!policy?.recipients || req.kind !== 'solana_transaction') return out;
  let view: ReturnType<typeof solanaTransactionOf>;
  try {
    view = solanaTransactionOf(req);
  } catch {
    return out; // refused by the check itself
  }
  for (const t of tokensSentBy(view, req.signer)) {
    if (!t.mint) continue;
    const tokenProgram = t.program === 'token' ? TOKEN_PROGRAM_ADDRESS : address(TOKEN_2022_PROGRAM_ADDRESS);
    for (const owner of policy.recipients) {
      const [ata] = await findAssociatedTokenPda({ owner: address(owner), mint: address(t.mint), tokenProgram });
      out.add(ata);
    }
  }
  return out;
}

/**
 * Checks a (parsed) Solana request against the policy, given what was
 * already signed today (and, with `recipients`, the allowed token accounts
 * from {@link recipientTokenAccounts}). Returns what it spends (to add to
 * the day's totals once signed); throws SigningRequestRejected with the
 * rule's code.
 */
export function checkSolanaPolicy(
  req: SolanaSigningRequest,
  policy: SolanaPolicy | undefined,
  today: SolanaSpentToday,
  allowedTokenAccounts: ReadonlySet<string> = new Set(),
): SolanaSpend {
  if (!policy) return refuse('solana', 'Solana signing is not allowed (the policy has no solana section)');
  const tokens = new Map<string, bigint>();
  if (req.kind === 'solana_message') {
    if (!policy.allowMessages) refuse('solanaMessages', 'Solana message signing is not allowed');
    return { lamports: 0n, tokens };
  }
  const view = solanaTransactionOf(req);
  if (view.warnings.length) refuse('solanaInstruction', `the transaction cannot be valued: ${view.warnings.join(' ')}`);
  for (const ix of view.instructions) {
    if (ix.kind === 'sol-transfer' && ix.from === req.signer) {
      if (policy.recipients && !policy.recipients.includes(ix.to)) refuse('solanaRecipient', `recipient ${ix.to} is not allowed`);
      continue;
    }
    if (ix.kind === 'token-transfer' && ix.authority === req.signer) {
      if (ix.mint === undefined)
        refuse('solanaInstruction', 'a token Transfer names no mint and cannot be valued; only TransferChecked is signed');
      const mint = ix.mint as string;
      if (!policy.tokens?.[mint]) refuse('solanaTokenMint', `transfers of the token with mint ${mint} are not allowed`);
      if (policy.recipients && !allowedTokenAccounts.has(ix.target))
        refuse('solanaRecipient', `token account ${ix.target} is not the associated token account of an allowed recipient`);
      tokens.set(mint, (tokens.get(mint) ?? 0n) + ix.amount);
      continue;
    }
    refuse(
      'solanaInstruction',
      `only System and token transfers from the vault are allowed, not ${ix.kind === 'raw' ? `a ${ix.program} instruction` : `a ${ix.kind} that this vault does not make`}`,
    );
  }
  const spent = lamportsSpentBy(view, req.signer);
  if (spent > policy.maxLamports)
    refuse('solanaMaxValue', `${spent} lamports is over the per-transaction limit of ${policy.maxLamports} lamports`);
  if (today.lamports + spent > policy.dailyLimitLamports)
    refuse(
      'solanaDailyLimit',
      `${spent} lamports would take today's total over the daily limit of ${policy.dailyLimitLamports} lamports (already ${today.lamports})`,
    );
  for (const [mint, amount] of tokens) {
    const limit = (policy.tokens as Record<string, TokenLimit>)[mint] as TokenLimit;
    if (amount > limit.maxAmount)
      refuse('solanaTokenMaxValue', `${amount} base units of mint ${mint} is over the per-transaction limit of ${limit.maxAmount}`);
    const before = today.token(mint);
    if (before + amount > limit.dailyLimit)
      refuse(
        'solanaTokenDailyLimit',
        `${amount} base units of mint ${mint} would take today's total over the daily limit of ${limit.dailyLimit} (already ${before})`,
      );
  }
  return { lamports: spent, tokens };
}
