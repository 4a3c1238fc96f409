/**
 * The unattended co-signer's policy for Solana requests: the `solana`
 * object of a policy file (./policy.ts).
 *
 * ```json
 * "solana": { "maxLamports": "1000000000", "dailyLimitLamports": "5000000000", "recipients": ["…"], "allowMessages": false }
 * ```
 *
 * Without it no Solana request is signed. With it, a transaction is signed
 * only when every instruction is a System transfer from the vault (the
 * lamports it spends are what the limits count; a token transfer, an
 * unknown program or accounts in lookup tables cannot be valued and are
 * refused), to an allowed recipient, within the per-transaction limit and
 * the per-day limit (counted in `spent-lamports-<vault>.json`, ./spending.ts).
 */
import { isAddress } from '@solana/kit';
import { isPlainObject } from '../tss/wire.js';
import { SigningRequestRejected } from '../session/signing-request.js';
import { lamportsSpentBy } from '../session/solana-request.js';
import { solanaTransactionOf, type SolanaSigningRequest } from '../session/solana-signing-request.js';
import { PolicyFileError } from './policy.js';

export interface SolanaPolicy {
  /** Largest amount one transaction sends from the vault, in lamports. */
  maxLamports: bigint;
  /** Largest amount sent in one UTC day, in lamports. */
  dailyLimitLamports: bigint;
  /** If set, the only recipients of System transfers (base58). */
  recipients?: string[];
  /** Sign off-chain messages (`solana:signMessage`, Sign-In With Solana); default false. */
  allowMessages: boolean;
}

export type SolanaPolicyRule =
  | 'solanaMessages'
  | 'solanaInstruction'
  | 'solanaRecipient'
  | 'solanaMaxValue'
  | 'solanaDailyLimit'
  | 'solana';

function lamports(x: unknown, what: string): bigint {
  if (typeof x !== 'string' || !/^[0-9]{1,20}$/.test(x))
    throw new PolicyFileError(`solana.${what}`, `solana.${what} must be a decimal string of lamports`);
  return BigInt(x);
}

/** Parses the `solana` object of a policy file; throws naming the field at fault. */
export function parseSolanaPolicy(x: unknown): SolanaPolicy {
  if (!isPlainObject(x)) throw new PolicyFileError('solana', 'solana must be an object');
  for (const k of Object.keys(x))
    if (!['maxLamports', 'dailyLimitLamports', 'recipients', 'allowMessages'].includes(k))
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
  };
}

const refuse = (rule: SolanaPolicyRule, reason: string): never => {
  throw new SigningRequestRejected(`policy: ${reason}`, { code: `policy.${rule}` });
};

/**
 * Checks a (parsed) Solana request against the policy, given the lamports
 * already signed today. Returns the lamports it sends (to add to the day's
 * total once signed); throws SigningRequestRejected with the rule's code.
 */
export function checkSolanaPolicy(req: SolanaSigningRequest, policy: SolanaPolicy | undefined, spentToday: bigint): bigint {
  if (!policy) return refuse('solana', 'Solana signing is not allowed (the policy has no solana section)');
  if (req.kind === 'solana_message') {
    if (!policy.allowMessages) refuse('solanaMessages', 'Solana message signing is not allowed');
    return 0n;
  }
  const view = solanaTransactionOf(req);
  if (view.warnings.length) refuse('solanaInstruction', `the transaction cannot be valued: ${view.warnings.join(' ')}`);
  for (const ix of view.instructions) {
    if (ix.kind !== 'sol-transfer' || ix.from !== req.signer)
      refuse(
        'solanaInstruction',
        `only System transfers from the vault are allowed, not ${ix.kind === 'raw' ? `a ${ix.program} instruction` : `a ${ix.kind}`}`,
      );
    else if (policy.recipients && !policy.recipients.includes(ix.to)) refuse('solanaRecipient', `recipient ${ix.to} is not allowed`);
  }
  const spent = lamportsSpentBy(view, req.signer);
  if (spent > policy.maxLamports)
    refuse('solanaMaxValue', `${spent} lamports is over the per-transaction limit of ${policy.maxLamports} lamports`);
  if (spentToday + spent > policy.dailyLimitLamports)
    refuse(
      'solanaDailyLimit',
      `${spent} lamports would take today's total over the daily limit of ${policy.dailyLimitLamports} lamports (already ${spentToday})`,
    );
  return spent;
}
