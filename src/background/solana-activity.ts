/**
 * A Solana transaction Tandem sent (`solana:signAndSendTransaction`, Send
 * SOL) as an entry of Home's "Recent activity" (activity.ts): its signature,
 * the cluster, the origin, and what it did as the co-signers decoded it —
 * SOL sent by System transfers, or a token amount in its units. Public data
 * only. Listed under the vault (its Ethereum address, the key the activity
 * store is read by); the Solana account is the request's signer.
 */
import { formatUnits, lamportsSpentBy, summarizeTokensSent, tokensSentBy } from '../session/solana-request';
import { solanaTransactionOf, type SolanaTransactionRequest } from '../session/solana-signing-request';
import type { ActivityEntry } from '../shared/popup-api';

/** Solana entries carry the cluster as their `chainId` (`solana:devnet`); Ethereum ones a hex chain id. */
export const isSolanaActivity = (e: Pick<ActivityEntry, 'chainId'>): boolean => e.chainId.startsWith('solana:');

const short = (a: string) => `${a.slice(0, 4)}…${a.slice(-4)}`;

export function solanaActivityEntry(a: {
  request: SolanaTransactionRequest;
  /** The vault's address (VaultView.address). */
  vault: string;
  /** The cluster it was sent to, e.g. `solana:localnet`. */
  chain: string;
  /** The transaction's id (its first signature), base58. */
  signature: string;
  origin: string;
  at: number;
}): ActivityEntry {
  const view = solanaTransactionOf(a.request);
  const me = a.request.signer;
  const sol = view.instructions.filter((i) => i.kind === 'sol-transfer' && i.from === me) as Array<{ to: string }>;
  const tokens = tokensSentBy(view, me);
  const recipients = new Set([...sol.map((i) => i.to), ...tokens.map((t) => t.to)]);
  const base = {
    hash: a.signature,
    account: a.vault,
    chainId: a.chain,
    to: recipients.size === 1 ? [...recipients][0]! : null,
    origin: a.origin,
    at: a.at,
  };
  const lamports = formatUnits(lamportsSpentBy(view, me), 9);
  const summary = summarizeTokensSent(tokens);
  if (tokens.length === 0 && sol.length > 0) return { ...base, value: lamports, symbol: 'SOL', what: 'Send' };
  if (sol.length === 0 && summary.length === 1) {
    const [t] = summary as [{ amount: string; mint: string | null }];
    return { ...base, value: t.amount, symbol: t.mint ? `tokens (mint ${short(t.mint)})` : 'of a token', what: 'Token transfer' };
  }
  const more = tokens.length ? ` with ${tokens.length} token transfer${tokens.length === 1 ? '' : 's'}` : '';
  return { ...base, value: lamports, symbol: 'SOL', what: `Solana transaction${more}` };
}
