/**
 * An Ethereum transaction Tandem broadcast, as an entry of Home's "Recent
 * activity" (activity.ts): what the approval screen showed (recipient,
 * amount, what it was) and the signed transaction's own fields (nonce, to,
 * value, data, gas limit, type, fees), so that a pending one can be rebuilt
 * with the same nonce and higher fees (activity-replace.ts). Starts
 * `pending`; activity-status.ts follows it. Public data only.
 */
import type { Transaction } from 'ethers';
import type { ActivityEntry, ActivityTx, SignView } from '../shared/popup-api';

const hex = (x: bigint) => '0x' + x.toString(16);

/** The fields of a signed (or unsigned) transaction of type 0 or 2 that rebuild it. */
export function activityTxOf(tx: Transaction): ActivityTx {
  const base = { nonce: tx.nonce, to: tx.to, value: hex(tx.value), data: tx.data, gasLimit: hex(tx.gasLimit) };
  if (tx.type === 2)
    return { ...base, type: 2, maxFeePerGas: hex(tx.maxFeePerGas ?? 0n), maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGas ?? 0n) };
  return { ...base, type: 0, gasPrice: hex(tx.gasPrice ?? 0n) };
}

/** The entry of a broadcast transaction (the approval's view, the signed transaction, its hash). */
export function ethereumActivityEntry(a: { view: SignView; tx: Transaction; hash: string; origin: string; at: number }): ActivityEntry {
  const { view } = a;
  const t = view.transaction!;
  const what = t.call ? `ERC-20 ${t.call.method}${t.call.unlimited ? ' (unlimited)' : ''}` : t.to ? 'Send' : 'Contract creation';
  const replaces = view.replaces;
  return {
    hash: a.hash,
    account: view.account,
    chainId: view.chainId,
    to: t.call ? t.call.to : t.to,
    value: t.call?.formatted ?? t.value,
    symbol: t.call?.formatted ? t.call.symbol! : view.currencySymbol,
    what: replaces ? replacementWhat(replaces) : what,
    origin: a.origin,
    at: a.at,
    status: 'pending',
    // Only types 0 and 2 are built (tx-builder.ts); another type is listed, not replaceable.
    ...(a.tx.type === 0 || a.tx.type === 2 ? { tx: activityTxOf(a.tx) } : {}),
    ...(replaces ? { replaces: replaces.hash, replaceMode: replaces.mode } : {}),
  };
}

/** A Cancel is "Cancel"; a Speed up names what it speeds up ("Speed up: Send"), and a sped-up Cancel or Speed up stays what it was. */
function replacementWhat(r: NonNullable<SignView['replaces']>): string {
  if (r.mode === 'cancel') return 'Cancel';
  return r.what === 'Cancel' || r.what.startsWith('Speed up') ? r.what : `Speed up: ${r.what}`;
}
