/**
 * Turns a dApp's `eth_sendTransaction` parameter into an unsigned EIP-1559
 * transaction (or a legacy EIP-155 one when the dApp asks for it): checks `from`, fills nonce, gas limit and fees from the
 * selected network (what the dApp set is kept: an explicit nonce and fees too, as a replacement of a pending
 * transaction sets them), and serializes it with
 * ethers for the co-signers (who decode and hash it themselves). A call
 * whose gas the node cannot estimate (it reverts) gets FALLBACK_GAS_LIMIT:
 * the approval screen shows why it will fail.
 */
import { Transaction, getAddress, isHexString, parseUnits } from 'ethers';
import type { Network } from '../shared/networks';
import { ProviderRpcError, RpcErrorCode, rpcErrors } from '../shared/rpc-errors';
import type { ChainClient } from './router-deps';
import { WalletError } from '../shared/wallet-errors';

/** Fallback priority fee when the node cannot suggest one: 1 gwei. */
export const DEFAULT_PRIORITY_FEE = 1_000_000_000n;
/**
 * Gas limit of a call whose estimate the node refused (it reverts now, or
 * cannot run): the transaction still reaches the approval screen, where its
 * preview says why it will fail (docs/transaction-preview.md), and the user
 * can reject it or change the limit.
 */
export const FALLBACK_GAS_LIMIT = 1_000_000n;

/** The dApp's transaction object (EIP-1474 / eth_sendTransaction). */
interface TxParams {
  from?: unknown;
  to?: unknown;
  value?: unknown;
  data?: unknown;
  input?: unknown;
  gas?: unknown;
  gasLimit?: unknown;
  maxFeePerGas?: unknown;
  maxPriorityFeePerGas?: unknown;
  gasPrice?: unknown;
  nonce?: unknown;
  chainId?: unknown;
  type?: unknown;
}

const METHOD = 'eth_sendTransaction';

function quantity(x: unknown, what: string): bigint | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(x))
    throw rpcErrors.invalidParams(METHOD, `${what} must be a 0x-prefixed hex quantity`);
  return BigInt(x);
}

function address(x: unknown, what: string): string {
  if (typeof x !== 'string') throw rpcErrors.invalidParams(METHOD, `${what} must be an address`);
  try {
    return getAddress(x);
  } catch {
    throw rpcErrors.invalidParams(METHOD, `${what} ${x} is not a valid address (check its checksum)`);
  }
}

/** Parses `params` of eth_sendTransaction; refuses another `from` than the vault's. */
export function parseTxParams(params: unknown, account: string): TxParams & { from: string } {
  if (!Array.isArray(params) || params.length < 1 || typeof params[0] !== 'object' || params[0] === null || Array.isArray(params[0]))
    throw rpcErrors.invalidParams(METHOD, 'expected [transaction]');
  const p = params[0] as TxParams;
  const from = p.from === undefined ? account : address(p.from, 'from');
  if (from.toLowerCase() !== account.toLowerCase())
    throw rpcErrors.invalidParams(METHOD, `from ${from} is not this site's account ${account}`);
  return { ...p, from };
}

/** What the builder produced: the unsigned transaction (hex) for the co-signers. */
export interface BuiltTransaction {
  unsignedTx: string;
  chainId: number;
}

/** Builds the unsigned transaction, asking the network for what the dApp left out. */
export async function buildTransaction(chain: ChainClient, network: Network, account: string, params: unknown): Promise<BuiltTransaction> {
  const p = parseTxParams(params, account);
  const chainId = BigInt(network.chainId);
  const asked = quantity(p.chainId, 'chainId');
  if (asked !== undefined && asked !== chainId)
    throw rpcErrors.invalidParams(
      METHOD,
      `the transaction is for chain ${asked}, but Tandem is on ${network.name} (${chainId}); switch networks first`,
    );
  const to = p.to === undefined || p.to === null ? null : address(p.to, 'to');
  const value = quantity(p.value, 'value') ?? 0n;
  // MetaMask treats an empty string as no data (the test-dapp sends data: "").
  const given = p.data ?? p.input;
  const dataRaw = given === undefined || given === null || given === '' ? '0x' : given;
  if (typeof dataRaw !== 'string' || !isHexString(dataRaw) || dataRaw.length % 2 !== 0)
    throw rpcErrors.invalidParams(METHOD, 'data must be 0x-prefixed hex bytes');
  const data = dataRaw.toLowerCase();
  if (to === null && data === '0x') throw rpcErrors.invalidParams(METHOD, 'a transaction needs a recipient (to) or contract code (data)');
  const call = (method: string, args: unknown[]) => chain.call(network, method, args) as Promise<string>;

  // An explicit nonce is kept (a replacement of a pending transaction: activity-replace.ts), within what a transaction can carry.
  const nonce = quantity(p.nonce, 'nonce') ?? BigInt(await call('eth_getTransactionCount', [account, 'pending']));
  if (nonce > BigInt(Number.MAX_SAFE_INTEGER)) throw rpcErrors.invalidParams(METHOD, 'nonce is too large');
  let gasLimit = quantity(p.gas ?? p.gasLimit, 'gas');
  if (gasLimit === undefined) {
    let estimate: bigint | null;
    try {
      estimate = BigInt(await call('eth_estimateGas', [{ from: account, ...(to ? { to } : {}), value: '0x' + value.toString(16), data }]));
    } catch (e) {
      // The node answered that it cannot estimate (a revert, mostly): shown on the approval screen, not refused here.
      if (!(e instanceof ProviderRpcError) || e.code === RpcErrorCode.chainDisconnected) throw e;
      estimate = null;
    }
    // Contract calls get a margin; a plain transfer's estimate is exact.
    gasLimit = estimate === null ? FALLBACK_GAS_LIMIT : data === '0x' ? estimate : (estimate * 12n) / 10n;
  }
  // A legacy transaction when the dApp asks for one (type 0x0, or a gas price without EIP-1559 fees), as MetaMask does.
  if (p.type === '0x0' || (p.gasPrice != null && p.maxFeePerGas == null && p.maxPriorityFeePerGas == null)) {
    const gasPrice = quantity(p.gasPrice, 'gasPrice') ?? BigInt(await call('eth_gasPrice', []));
    const legacy = Transaction.from({ type: 0, chainId, nonce: Number(nonce), to, value, data, gasLimit, gasPrice });
    return { unsignedTx: legacy.unsignedSerialized, chainId: Number(chainId) };
  }
  let maxPriority = quantity(p.maxPriorityFeePerGas, 'maxPriorityFeePerGas');
  let maxFee = quantity(p.maxFeePerGas, 'maxFeePerGas') ?? quantity(p.gasPrice, 'gasPrice');
  if (maxPriority === undefined || maxFee === undefined) {
    const block = (await chain.call(network, 'eth_getBlockByNumber', ['latest', false])) as { baseFeePerGas?: string } | null;
    const baseFee = block?.baseFeePerGas ? BigInt(block.baseFeePerGas) : 0n;
    if (maxPriority === undefined) {
      try {
        maxPriority = BigInt(await call('eth_maxPriorityFeePerGas', []));
      } catch {
        maxPriority = DEFAULT_PRIORITY_FEE;
      }
    }
    // Room for the base fee to double before inclusion (the usual wallet rule).
    maxFee ??= baseFee * 2n + maxPriority;
  }
  if (maxPriority > maxFee) maxPriority = maxFee;
  const tx = Transaction.from({
    type: 2,
    chainId,
    nonce: Number(nonce),
    to,
    value,
    data,
    gasLimit,
    maxFeePerGas: maxFee,
    maxPriorityFeePerGas: maxPriority,
  });
  return { unsignedTx: tx.unsignedSerialized, chainId: Number(chainId) };
}

/** The user's fee choice on the approval screen (gwei as decimal text, gas limit as an integer). */
export interface FeeChoice {
  maxFeeGwei: string;
  maxPriorityFeeGwei: string;
  gasLimit: string;
}

/** The same unsigned transaction with other fees; refuses nonsense (priority above max, gas below 21000). */
export function withFees(unsignedTx: string, fees: FeeChoice): string {
  let maxFee: bigint;
  let priority: bigint;
  try {
    maxFee = parseUnits(fees.maxFeeGwei.trim(), 'gwei');
    priority = parseUnits(fees.maxPriorityFeeGwei.trim(), 'gwei');
  } catch {
    throw new WalletError('fees.badGwei');
  }
  if (!/^[0-9]{1,9}$/.test(fees.gasLimit.trim())) throw new WalletError('fees.badGasLimit');
  const gasLimit = BigInt(fees.gasLimit.trim());
  if (gasLimit < 21_000n) throw new WalletError('fees.gasLimitTooLow');
  if (maxFee <= 0n) throw new WalletError('fees.maxFeeZero');
  if (priority > maxFee) throw new WalletError('fees.priorityAboveMax');
  const tx = Transaction.from(unsignedTx);
  if (tx.type !== 2) throw new WalletError('fees.notEip1559');
  tx.maxFeePerGas = maxFee;
  tx.maxPriorityFeePerGas = priority;
  tx.gasLimit = gasLimit;
  return tx.unsignedSerialized;
}
