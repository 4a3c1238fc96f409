/**
 * Where the pending Ethereum transactions of Recent activity stand, as the
 * network's node says (docs/activity.md). Asked when the popup asks
 * (`refreshActivity`, and before a replacement): nothing here runs on a timer.
 *
 * For the pending entries of one network (and entries of earlier versions,
 * which had no status):
 *  - a receipt: status 1 → `confirmed`, 0 → `failed`;
 *  - no receipt, and the account's mined nonce count is past the entry's
 *    nonce: another transaction took the nonce, so this one can never be
 *    mined. If that was a replacement of it (a mined entry whose `replaces`
 *    chain leads to it) it is `replaced`, otherwise `dropped`;
 *  - no receipt and the nonce still free: stays `pending`.
 * The nonce count is read before the receipts, so a transaction mined between
 * the two reads is never taken for one whose nonce another took.
 */
import type { Network } from '../shared/networks';
import type { ActivityEntry, ActivityStatus } from '../shared/popup-api';
import type { ChainClient } from './router-deps';
import { isSolanaActivity } from './solana-activity';

interface Receipt {
  status?: string | null;
}

/** True for an entry whose status the node may still change (pending, or of an earlier version without a status). */
export function isOpen(e: ActivityEntry): boolean {
  return !isSolanaActivity(e) && (e.status === undefined || e.status === 'pending');
}

/** The entries of `network` that are still open (bounded by the log's size, activity.ts MAX_ACTIVITY). */
export function openEntriesOf(entries: readonly ActivityEntry[], network: Pick<Network, 'chainId'>): ActivityEntry[] {
  return entries.filter((e) => isOpen(e) && e.chainId.toLowerCase() === network.chainId.toLowerCase());
}

/**
 * Asks the node about the open entries of `network` among `entries` (one
 * account's list, any networks); returns the statuses that changed, by hash.
 * Throws the node's error when it does not answer (nothing is changed then).
 */
export async function checkStatuses(
  chain: ChainClient,
  network: Network,
  entries: readonly ActivityEntry[],
): Promise<Map<string, ActivityStatus>> {
  const open = openEntriesOf(entries, network);
  const changes = new Map<string, ActivityStatus>();
  if (open.length === 0) return changes;
  // Mined nonce counts first (see above), one per account.
  const accounts = [...new Set(open.filter((e) => e.tx).map((e) => e.account.toLowerCase()))];
  const counts = new Map<string, bigint>();
  await Promise.all(
    accounts.map(async (a) => counts.set(a, BigInt((await chain.call(network, 'eth_getTransactionCount', [a, 'latest'])) as string))),
  );
  const receipts = await Promise.all(
    open.map((e) => chain.call(network, 'eth_getTransactionReceipt', [e.hash]) as Promise<Receipt | null>),
  );
  open.forEach((e, i) => {
    const r = receipts[i];
    // A receipt without status (before EIP-658) was mined: confirmed.
    if (r) changes.set(e.hash, r.status === '0x0' ? 'failed' : 'confirmed');
  });
  const byHash = new Map(entries.map((e) => [e.hash, e]));
  const mined = (e: ActivityEntry) => {
    const s = changes.get(e.hash) ?? e.status;
    return s === 'confirmed' || s === 'failed';
  };
  for (const e of open) {
    if (changes.has(e.hash) || !e.tx) continue;
    const count = counts.get(e.account.toLowerCase());
    if (count === undefined || count <= BigInt(e.tx.nonce)) continue;
    const siblings = entries.filter((x) => x !== e && sameNonce(x, e) && mined(x));
    changes.set(e.hash, siblings.some((x) => replacesChainReaches(x, e.hash, byHash)) ? 'replaced' : 'dropped');
  }
  return changes;
}

function sameNonce(a: ActivityEntry, b: ActivityEntry): boolean {
  return (
    a.tx !== undefined &&
    b.tx !== undefined &&
    a.tx.nonce === b.tx.nonce &&
    a.account.toLowerCase() === b.account.toLowerCase() &&
    a.chainId.toLowerCase() === b.chainId.toLowerCase()
  );
}

/** True when `from` replaces `hash`, directly or through replacements of replacements. */
function replacesChainReaches(from: ActivityEntry, hash: string, byHash: ReadonlyMap<string, ActivityEntry>): boolean {
  const seen = new Set<string>();
  let at: ActivityEntry | undefined = from;
  while (at?.replaces && !seen.has(at.hash)) {
    if (at.replaces === hash) return true;
    seen.add(at.hash);
    at = byHash.get(at.replaces);
  }
  return false;
}
