/**
 * The extension's preview of a transaction before its approval screen
 * (docs/transaction-preview.md): shared/tx-preview.ts run against the
 * request's network through the background's chain client, never longer
 * than PREVIEW_TIMEOUT_MS (what did not answer is shown as unavailable).
 */
import type { Network } from '../shared/networks';
import type { SignView } from '../shared/popup-api';
import { withPreview } from '../shared/sign-view';
import { labelChanges, PREVIEW_TIMEOUT_MS, previewTransaction, type TxPreview } from '../shared/tx-preview';
import type { ChainClient } from './router-deps';

/** This node's preview of `unsignedTx` sent from `account`. Never throws. */
export function transactionPreview(
  chain: ChainClient,
  network: Network,
  account: string,
  unsignedTx: string,
  timeoutMs = PREVIEW_TIMEOUT_MS,
): Promise<TxPreview> {
  return previewTransaction((method, params) => chain.call(network, method, params), unsignedTx, account, {
    timeoutMs,
    currencySymbol: network.currencySymbol,
  });
}

/** The view with its transaction's preview, token amounts in the units of the user's list (other requests as they are). */
export async function previewed(
  chain: ChainClient,
  network: Network,
  view: SignView,
  tokens: ReadonlyArray<{ address: string; symbol: string; decimals: number }> = [],
  timeoutMs = PREVIEW_TIMEOUT_MS,
): Promise<SignView> {
  if (view.request.kind !== 'transaction' || !view.transaction) return view;
  return withPreview(view, labelChanges(await transactionPreview(chain, network, view.account, view.request.tx, timeoutMs), tokens));
}
