/**
 * The Solana network the wallet talks to (docs/solana.md): one RPC URL set
 * in the popup's settings, used through `@solana/kit`'s RPC client for the
 * balance, the cluster check and `sendTransaction`. Nothing here signs:
 * a transaction reaches this module already co-signed.
 */
import {
  address,
  createSolanaRpc,
  getBase58Decoder,
  getTransactionDecoder,
  isSolanaError,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
  SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND,
  signature as toSignature,
  type Base64EncodedWireTransaction,
} from '@solana/kit';
import { TandemError } from '../errors/index';
import { base64ToBytes } from '../session/solana-signing-request';
import type { SolanaCommitment, SolanaSendOptions } from '../shared/popup-api';

export type { SolanaCommitment, SolanaSendOptions } from '../shared/popup-api';

/** The Wallet Standard chains Tandem lists (content/solana-wallet.ts). */
export const SOLANA_CHAINS = ['solana:mainnet', 'solana:devnet', 'solana:testnet', 'solana:localnet'] as const;
export type SolanaChain = (typeof SOLANA_CHAINS)[number];

/** The public clusters' genesis hashes (what `getGenesisHash` answers); any other cluster is a local one. */
const GENESIS: Record<string, SolanaChain> = {
  '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d': 'solana:mainnet',
  EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG: 'solana:devnet',
  '4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY': 'solana:testnet',
};

const COMMITMENTS: readonly SolanaCommitment[] = ['processed', 'confirmed', 'finalized'];

/** The Solana RPC failed, or answered something Tandem does not accept. `code` says which. */
export class SolanaNetworkError extends TandemError {
  constructor(
    code:
      | 'solana.noRpcUrl'
      | 'solana.rpcFailed'
      | 'solana.wrongCluster'
      | 'solana.sendFailed'
      | 'solana.blockhashExpired'
      | 'solana.unsignedSlots'
      | 'solana.notConfirmed'
      | 'solana.badOptions',
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details ? { details } : {});
  }
}

/** What the RPC said, readable in a production build too (kit's own messages are codes there). */
function rpcReason(e: unknown): string {
  if (isSolanaError(e)) {
    const c = e.context as Record<string, unknown>;
    if (typeof c.__serverMessage === 'string') return c.__serverMessage;
    if (typeof c.statusCode === 'number') return `HTTP ${c.statusCode}`;
  }
  const m = e instanceof Error ? e.message : String(e);
  return m.slice(0, 300);
}

/**
 * The RPC's preflight refused the transaction because the cluster does not
 * know its blockhash any more (`BlockhashNotFound`): it expired. Nothing is
 * rebuilt or signed again: a new transaction is the user's to approve.
 */
function blockhashExpired(e: unknown): boolean {
  if (!isSolanaError(e, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE)) return false;
  return isSolanaError(e.cause, SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND);
}

const failed = (rpcUrl: string, e: unknown) =>
  new SolanaNetworkError('solana.rpcFailed', `The Solana RPC at ${rpcUrl} failed: ${rpcReason(e)}`, { rpcUrl });

/** Strictly reads the page's options; options Tandem does not know are dropped (they change nothing it signs). */
export function parseSendOptions(x: unknown): SolanaSendOptions {
  if (x === undefined || x === null) return {};
  if (typeof x !== 'object' || Array.isArray(x)) throw new SolanaNetworkError('solana.badOptions', 'the send options must be an object');
  const o = x as Record<string, unknown>;
  const out: SolanaSendOptions = {};
  for (const k of ['preflightCommitment', 'commitment'] as const) {
    if (o[k] === undefined) continue;
    if (!COMMITMENTS.includes(o[k] as SolanaCommitment))
      throw new SolanaNetworkError('solana.badOptions', `${k} must be processed, confirmed or finalized`);
    out[k] = o[k] as SolanaCommitment;
  }
  if (o.skipPreflight !== undefined) {
    if (typeof o.skipPreflight !== 'boolean') throw new SolanaNetworkError('solana.badOptions', 'skipPreflight must be true or false');
    out.skipPreflight = o.skipPreflight;
  }
  for (const k of ['maxRetries', 'minContextSlot'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'number' || !Number.isSafeInteger(o[k]) || (o[k] as number) < 0)
      throw new SolanaNetworkError('solana.badOptions', `${k} must be a whole number`);
    out[k] = o[k] as number;
  }
  return out;
}

/** The vault's balance in lamports. */
export async function solanaBalance(rpcUrl: string, account: string): Promise<bigint> {
  try {
    return (await createSolanaRpc(rpcUrl).getBalance(address(account)).send()).value;
  } catch (e) {
    throw failed(rpcUrl, e);
  }
}

/** A recent blockhash and the last block height it is valid for (the lifetime of a transaction built now). */
export async function latestBlockhash(rpcUrl: string): Promise<{ blockhash: string; lastValidBlockHeight: bigint }> {
  try {
    const { value } = await createSolanaRpc(rpcUrl).getLatestBlockhash().send();
    return { blockhash: value.blockhash, lastValidBlockHeight: value.lastValidBlockHeight };
  } catch (e) {
    throw failed(rpcUrl, e);
  }
}

/** Which chain the RPC serves, by its genesis hash: a public cluster's, or `solana:localnet`. */
export async function clusterOf(rpcUrl: string): Promise<SolanaChain> {
  let genesis: string;
  try {
    genesis = await createSolanaRpc(rpcUrl).getGenesisHash().send();
  } catch (e) {
    throw failed(rpcUrl, e);
  }
  return GENESIS[genesis] ?? 'solana:localnet';
}

/** Refuses unless the RPC serves `chain` (a page asking for devnet must not send through a mainnet RPC). */
export async function checkCluster(rpcUrl: string, chain: string): Promise<void> {
  const served = await clusterOf(rpcUrl);
  if (served !== chain)
    throw new SolanaNetworkError(
      'solana.wrongCluster',
      `The page asks to send on ${chain}, but the Solana RPC set in Tandem (${rpcUrl}) serves ${served}. Change the Solana RPC URL in Settings, or the page's network.`,
      { chain, served },
    );
}

/**
 * Sends a signed transaction (base64 wire bytes) through the RPC and
 * returns its signature (the first signature: the transaction id), base58.
 * Every signature slot must be filled first. With `options.commitment`, waits
 * until the cluster reports that commitment (or the transaction's error).
 */
export async function sendSolanaTransaction(
  rpcUrl: string,
  signedBase64: string,
  options: SolanaSendOptions = {},
  timing: { pollMs: number; timeoutMs: number } = { pollMs: 500, timeoutMs: 60_000 },
): Promise<string> {
  const tx = getTransactionDecoder().decode(base64ToBytes(signedBase64));
  const slots = Object.entries(tx.signatures);
  const missing = slots.filter(([, s]) => !s || s.every((b) => b === 0)).map(([who]) => who);
  if (missing.length)
    throw new SolanaNetworkError(
      'solana.unsignedSlots',
      `The transaction also needs the signature of ${missing.join(', ')}; it was not sent.`,
      { missing },
    );
  const id = getBase58Decoder().decode(slots[0]![1]!);
  const rpc = createSolanaRpc(rpcUrl);
  const { commitment, maxRetries, minContextSlot, ...rest } = options;
  let answered: string;
  try {
    answered = await rpc
      .sendTransaction(signedBase64 as Base64EncodedWireTransaction, {
        encoding: 'base64',
        ...rest,
        ...(maxRetries !== undefined ? { maxRetries: BigInt(maxRetries) } : {}),
        ...(minContextSlot !== undefined ? { minContextSlot: BigInt(minContextSlot) } : {}),
      })
      .send();
  } catch (e) {
    if (blockhashExpired(e))
      throw new SolanaNetworkError(
        'solana.blockhashExpired',
        `The transaction ${id} expired while waiting for the co-signer: its recent blockhash is no longer valid on the cluster (a blockhash lives about 60 to 90 seconds), so it was signed but not executed. Send again.`,
        { rpcUrl, id },
      );
    throw new SolanaNetworkError('solana.sendFailed', `The Solana RPC at ${rpcUrl} refused the transaction: ${rpcReason(e)}`, {
      rpcUrl,
    });
  }
  if (answered !== id)
    throw new SolanaNetworkError('solana.sendFailed', `The Solana RPC answered signature ${answered} for the transaction ${id}.`, {
      rpcUrl,
    });
  if (commitment) await confirm(rpcUrl, id, commitment, timing);
  return id;
}

async function confirm(rpcUrl: string, id: string, level: SolanaCommitment, timing: { pollMs: number; timeoutMs: number }) {
  const rpc = createSolanaRpc(rpcUrl);
  const deadline = Date.now() + timing.timeoutMs;
  const rank = (c: string | null | undefined) => (c ? COMMITMENTS.indexOf(c as SolanaCommitment) : -1);
  for (;;) {
    let status: { err: unknown; confirmationStatus: string | null } | null | undefined;
    try {
      [status] = (await rpc.getSignatureStatuses([toSignature(id)]).send()).value;
    } catch (e) {
      throw failed(rpcUrl, e);
    }
    if (status?.err)
      throw new SolanaNetworkError(
        'solana.sendFailed',
        `The transaction ${id} failed on chain: ${JSON.stringify(status.err, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
        { id },
      );
    if (status && rank(status.confirmationStatus) >= rank(level)) return;
    if (Date.now() > deadline)
      throw new SolanaNetworkError(
        'solana.notConfirmed',
        `The transaction ${id} was sent but not ${level} within ${timing.timeoutMs / 1000} s; check it in an explorer.`,
        { id },
      );
    await new Promise((r) => setTimeout(r, timing.pollMs));
  }
}
