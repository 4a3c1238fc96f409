/**
 * Unattended co-signing policy: what a co-signer (a home server running
 * `tandem-cosigner serve --policy FILE`) signs without asking anyone.
 * Anything the policy does not explicitly allow is refused with a reason.
 */
import { getAddress } from 'ethers';
import { isPlainObject } from '../tss/wire.js';
import { SigningRequestRejected, type SigningRequest } from '../session/signing-request.js';
import { summarizeTransaction } from '../session/describe-request.js';
import { TandemError } from '../errors/index.js';
import type { TxPreview } from '../shared/tx-preview.js';
import { parseSolanaPolicy, type SolanaPolicy, type SolanaPolicyRule } from './solana-policy.js';

export interface Policy {
  v: 1;
  /** Chain ids the co-signer signs for. */
  chains: number[];
  /** If set, the only recipients (transaction `to`, and an ERC-20 call's recipient/spender). Checksummed. */
  recipients?: string[] | undefined;
  /** Largest native value of one transaction, in wei. */
  maxValueWei: bigint;
  /** Largest native value signed in one UTC day, in wei. */
  dailyLimitWei: bigint;
  /** Sign `personal_sign` messages (default false). */
  allowMessages: boolean;
  /** Sign EIP-712 typed data (default false). */
  allowTypedData: boolean;
  /** Sign unlimited ERC-20 approvals (default false). */
  allowUnlimitedApprovals: boolean;
  /**
   * Refuse a transaction whose pre-flight (this co-signer's own, with `--rpc`) says it will fail,
   * and one whose pre-flight could not run (default false).
   */
  refuseFailing: boolean;
  /** Solana (./solana-policy.ts): absent means no Solana request is signed. */
  solana?: SolanaPolicy;
}

function wei(x: unknown, what: string): bigint {
  if (typeof x !== 'string' || !/^[0-9]{1,78}$/.test(x)) throw new PolicyFileError(what, `${what} must be a decimal string of wei`);
  return BigInt(x);
}

/** Parses a policy file's JSON; throws with the field at fault. */
export function parsePolicy(json: unknown): Policy {
  if (!isPlainObject(json)) throw new PolicyFileError('', 'must be a JSON object');
  const known = [
    'v',
    'chains',
    'recipients',
    'maxValueWei',
    'dailyLimitWei',
    'allowMessages',
    'allowTypedData',
    'allowUnlimitedApprovals',
    'refuseFailing',
    'solana',
  ];
  for (const k of Object.keys(json)) if (!known.includes(k)) throw new PolicyFileError(k, `unknown field ${k}`);
  if (json.v !== 1) throw new PolicyFileError('v', 'v must be 1');
  if (!Array.isArray(json.chains) || json.chains.some((c) => typeof c !== 'number' || !Number.isSafeInteger(c) || c < 1)) {
    throw new PolicyFileError('chains', 'chains must be an array of chain ids');
  }
  let recipients: string[] | undefined;
  if (json.recipients !== undefined) {
    if (!Array.isArray(json.recipients)) throw new PolicyFileError('recipients', 'recipients must be an array of addresses');
    recipients = json.recipients.map((a) => {
      try {
        return getAddress(String(a));
      } catch {
        throw new PolicyFileError('recipients', `recipient ${String(a)} is not an address`);
      }
    });
  }
  const flag = (k: string) => {
    const v = json[k];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') throw new PolicyFileError(k, `${k} must be true or false`);
    return v;
  };
  return {
    v: 1,
    chains: json.chains as number[],
    recipients,
    maxValueWei: wei(json.maxValueWei, 'maxValueWei'),
    dailyLimitWei: wei(json.dailyLimitWei, 'dailyLimitWei'),
    allowMessages: flag('allowMessages'),
    allowTypedData: flag('allowTypedData'),
    allowUnlimitedApprovals: flag('allowUnlimitedApprovals'),
    refuseFailing: flag('refuseFailing'),
    ...(json.solana !== undefined ? { solana: parseSolanaPolicy(json.solana) } : {}),
  };
}

/** Why a policy refuses a request (the error's code). */
export type PolicyRule =
  | 'chain'
  | 'messages'
  | 'typedData'
  | 'recipient'
  | 'unlimitedApproval'
  | 'maxValue'
  | 'dailyLimit'
  | 'preflightFails'
  | 'preflightUnavailable'
  | SolanaPolicyRule;

export const refuse = (rule: PolicyRule, reason: string): never => {
  throw new SigningRequestRejected(`policy: ${reason}`, { code: `policy.${rule}` });
};

/** The policy file is malformed; `field` names the field at fault. */
export class PolicyFileError extends TandemError<'policy.badFile'> {
  override name = 'PolicyFileError';
  constructor(field: string, message: string) {
    super('policy.badFile', `policy: ${message}`, { details: { field } });
  }
}

/**
 * With `refuseFailing`: refuses a transaction whose pre-flight (computed by
 * this co-signer, src/cosigner/preview.ts) fails, or could not run (no node,
 * no answer in time): an unattended co-signer does not sign what it could
 * not check. Other requests, and policies without it, pass.
 */
export function checkPreflight(req: SigningRequest, policy: Pick<Policy, 'refuseFailing'>, preview: TxPreview | null): void {
  if (!policy.refuseFailing || req.kind !== 'transaction') return;
  const p = preview?.preflight ?? { status: 'unavailable' as const, why: 'no pre-flight was run' };
  if (p.status === 'fails') refuse('preflightFails', `the transaction will fail: ${p.reason}`);
  if (p.status === 'unavailable') refuse('preflightUnavailable', `the pre-flight could not run (${p.why}) and refuseFailing is set`);
}

/**
 * Checks a request against the policy, given what was already signed today.
 * Returns the native value the request spends (to add to the day's total
 * once it is signed); throws SigningRequestRejected with the reason.
 */
export function checkPolicy(req: SigningRequest, policy: Policy, spentTodayWei: bigint): bigint {
  if (!policy.chains.includes(req.chainId)) refuse('chain', `chain ${req.chainId} is not allowed`);
  if (req.kind === 'personal_sign') {
    if (!policy.allowMessages) refuse('messages', 'message signing is not allowed');
    return 0n;
  }
  if (req.kind === 'typed_data' || req.kind === 'typed_data_v1') {
    if (!policy.allowTypedData) refuse('typedData', 'typed-data signing is not allowed');
    return 0n;
  }
  const tx = summarizeTransaction(req.tx);
  const allowed = (a: string | null) => !policy.recipients || (a !== null && policy.recipients.includes(a));
  if (!allowed(tx.to)) refuse('recipient', `recipient ${tx.to ?? '(contract creation)'} is not allowed`);
  if (tx.call && !allowed(tx.call.to)) refuse('recipient', `token ${tx.call.method} to ${tx.call.to} is not allowed`);
  if (tx.call?.unlimited && !policy.allowUnlimitedApprovals) refuse('unlimitedApproval', 'unlimited token approvals are not allowed');
  if (tx.valueWei > policy.maxValueWei)
    refuse('maxValue', `value ${tx.valueWei} wei is over the per-transaction limit of ${policy.maxValueWei} wei`);
  if (spentTodayWei + tx.valueWei > policy.dailyLimitWei) {
    refuse(
      'dailyLimit',
      `value ${tx.valueWei} wei would take today's total over the daily limit of ${policy.dailyLimitWei} wei (already ${spentTodayWei})`,
    );
  }
  return tx.valueWei;
}
