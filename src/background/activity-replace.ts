/**
 * Speed up and Cancel of a pending Ethereum transaction (docs/activity.md):
 * the `eth_sendTransaction` parameters of its replacement, which then goes
 * through the same approval and co-signing as any other transaction
 * (commands/activity.ts).
 *
 *  - Speed up: the same to, value, data, gas limit and nonce, higher fees.
 *  - Cancel: a 0-value transfer from the account to itself, gas 21000, the
 *    same nonce, higher fees: once mined, the original can never be.
 *
 * Fees are raised at least 10 % above the highest of the pending
 * transactions with that nonce (nodes refuse a replacement below that:
 * "replacement transaction underpriced") and never below what the node
 * suggests now. EIP-1559 raises both maxFeePerGas and maxPriorityFeePerGas;
 * legacy the gasPrice. The type stays the original's.
 */
import { getAddress } from 'ethers';
import type { Network } from '../shared/networks';
import type { ActivityEntry, ActivityTx, ReplaceMode } from '../shared/popup-api';
import { WalletError } from '../shared/wallet-errors';
import { isOpen } from './activity-status';
import type { ChainClient } from './router-deps';
import { isSolanaActivity } from './solana-activity';
import { DEFAULT_PRIORITY_FEE } from './tx-builder';

/** Gas of a plain transfer (a Cancel). */
export const TRANSFER_GAS = 21_000n;

const hex = (x: bigint) => '0x' + x.toString(16);
/** The largest of bigints (Math.max takes numbers only). */
function max(...xs: bigint[]): bigint {
  let m = xs[0]!;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/** At least 10 % more, rounded up, and at least 1 wei more (0 stays replaceable). */
export function bumped(fee: bigint): bigint {
  const tenth = (fee + 9n) / 10n;
  return fee + (tenth > 0n ? tenth : 1n);
}

/**
 * Refuses what cannot be replaced, with a code: another account's entry
 * (`activity.notActiveAccount`), one of another network than the selected
 * one (`activity.otherNetwork`), a Solana entry or one of an earlier version
 * without its transaction's fields (`activity.cannotReplace`), and one no
 * longer pending (`activity.notPending`).
 */
export function checkReplaceable(
  entry: ActivityEntry,
  account: string,
  network: Pick<Network, 'chainId'>,
): asserts entry is ActivityEntry & { tx: ActivityTx } {
  if (entry.account.toLowerCase() !== account.toLowerCase()) throw new WalletError('activity.notActiveAccount');
  if (isSolanaActivity(entry) || !entry.tx) throw new WalletError('activity.cannotReplace');
  if (entry.status !== 'pending') throw new WalletError('activity.notPending');
  if (entry.chainId.toLowerCase() !== network.chainId.toLowerCase())
    throw new WalletError('activity.otherNetwork', { chainId: BigInt(entry.chainId).toString(10) });
}

/** The fee fields of the replacement: above every pending transaction of the nonce, and at least the node's suggestion. */
async function replacementFees(
  chain: ChainClient,
  network: Network,
  tx: ActivityTx,
  same: readonly ActivityTx[],
): Promise<Record<string, string>> {
  const highest = (f: (t: ActivityTx) => string | undefined) => max(...[tx, ...same].map((t) => BigInt(f(t) ?? '0x0')));
  const call = (method: string, params: unknown[]) => chain.call(network, method, params);
  if (tx.type === 0) {
    const now = BigInt((await call('eth_gasPrice', [])) as string);
    return { type: '0x0', gasPrice: hex(max(bumped(highest((t) => t.gasPrice ?? t.maxFeePerGas)), now)) };
  }
  const block = (await call('eth_getBlockByNumber', ['latest', false])) as { baseFeePerGas?: string } | null;
  const baseFee = block?.baseFeePerGas ? BigInt(block.baseFeePerGas) : 0n;
  let suggested: bigint;
  try {
    suggested = BigInt((await call('eth_maxPriorityFeePerGas', [])) as string);
  } catch {
    suggested = DEFAULT_PRIORITY_FEE;
  }
  const priority = max(bumped(highest((t) => t.maxPriorityFeePerGas ?? t.gasPrice)), suggested);
  // As tx-builder.ts: room for the base fee to double before inclusion.
  const maxFee = max(bumped(highest((t) => t.maxFeePerGas ?? t.gasPrice)), baseFee * 2n + priority);
  return { type: '0x2', maxFeePerGas: hex(maxFee), maxPriorityFeePerGas: hex(priority) };
}

/**
 * The `eth_sendTransaction` parameter of the replacement of `entry` (checked
 * with checkReplaceable); `log`: the account's entries, for the other pending
 * transactions with the same nonce (a replacement replaced again).
 */
export async function replacementParams(
  chain: ChainClient,
  network: Network,
  entry: ActivityEntry & { tx: ActivityTx },
  mode: ReplaceMode,
  log: readonly ActivityEntry[],
): Promise<Record<string, string>> {
  const { tx } = entry;
  const same = log
    .filter((e) => e.hash !== entry.hash && isOpen(e) && e.tx?.nonce === tx.nonce && e.chainId === entry.chainId)
    .filter((e) => e.account.toLowerCase() === entry.account.toLowerCase())
    .map((e) => e.tx!)
    .filter((t) => t.type === tx.type);
  const fees = await replacementFees(chain, network, tx, same);
  const from = getAddress(entry.account);
  const nonce = hex(BigInt(tx.nonce));
  if (mode === 'cancel') return { from, to: from, value: '0x0', data: '0x', gas: hex(TRANSFER_GAS), nonce, ...fees };
  return { from, ...(tx.to ? { to: tx.to } : {}), value: tx.value, data: tx.data, gas: tx.gasLimit, nonce, ...fees };
}
