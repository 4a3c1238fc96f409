/**
 * What a transaction will do, asked of a node before anyone signs
 * (docs/transaction-preview.md): a pre-flight `eth_call` at the latest block
 * (does it revert, and why), `eth_estimateGas`, whether the account can pay
 * for it, and the account's balance changes (from `eth_simulateV1` where the
 * node offers it; otherwise read from the transaction itself for a plain
 * transfer to an address without code or a known ERC-20 call; otherwise
 * "unavailable", said so).
 *
 * Each device computes its own preview from the request it decoded, with its
 * own node: the extension's background before the approval screen, the CLI
 * co-signer with `--rpc`, the phone when it knows an RPC for the chain. A
 * preview is never sent to another device. Pure apart from the `rpc`
 * function it is given; never throws, and never takes longer than
 * `timeoutMs` (what did not answer by then is "unavailable").
 */
import { formatEther, getAddress, id, isHexString } from 'ethers';
import { summarizeTransaction, type TransactionSummary } from '../session/describe-request';
import { decodeRevert, describeRevert, revertDataOf } from './revert-reason';
import { formatChange } from './units';

// Written without ethers in units.ts (the popup shows it); still exported here.
export { formatChange };

/** One JSON-RPC call to the chain's node; rejects with the node's error (`{ code, message, data }`) or a transport error. */
export type Rpc = (method: string, params: unknown[]) => Promise<unknown>;

/** How long a preview may take before what is missing is shown as unavailable. */
export const PREVIEW_TIMEOUT_MS = 3_000;

/** Does the transaction go through at the latest block? */
export type Preflight =
  | { status: 'ok' }
  /** It reverts (the decoded reason), runs out of gas, or the account cannot pay for it. */
  | { status: 'fails'; reason: string }
  /** The node could not tell (no answer in time, an error that is not about the transaction). */
  | { status: 'unavailable'; why: string };

/** A change of one balance of the signing account. */
export interface BalanceChange {
  /** 'native' (the chain's coin) or the token contract, checksummed. */
  asset: string;
  /** Signed change in base units (wei, a token's smallest unit), decimal text; never 0. */
  amount: string;
  /** A token in the user's list: its symbol and decimals (labelChanges), to show the amount in its units. */
  symbol?: string;
  decimals?: number;
}

/** The account's balance changes, gas fee not included (it is shown on its own). */
export type BalanceChanges =
  | {
      status: 'known';
      /** eth_simulateV1: the node ran it; calldata: read from a plain transfer or an ERC-20 call; reverts: nothing moves. */
      source: 'eth_simulateV1' | 'calldata' | 'reverts';
      changes: BalanceChange[];
      /** What the source cannot see, e.g. fee-on-transfer tokens for `calldata`. */
      note?: string;
    }
  | { status: 'unavailable'; why: string };

export interface TxPreview {
  /** The block the checks ran on, when the node said. */
  block?: number;
  preflight: Preflight;
  gasEstimate: { status: 'ok'; gas: string } | { status: 'unavailable'; why: string };
  balances: BalanceChanges;
}

/** Event topic of ERC-20 (and ERC-721) `Transfer`. */
export const TRANSFER_TOPIC = id('Transfer(address,address,uint256)');
/** The address eth_simulateV1 reports native transfers from (`traceTransfers`, execution-apis #484). */
export const NATIVE_TRANSFER_EMITTER = '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';

export const NO_SIMULATION =
  'preview unavailable on this network: the node does not simulate transactions (eth_simulateV1), and only a plain transfer or a known ERC-20 call can be read from the transaction itself';

const FAILS_NOTE = 'it fails: nothing moves but the gas fee, if it is mined';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown } | { ok: false; timeout: true };

/** Computes the preview of an unsigned transaction (hex, as in a signing request) sent by `from`. */
export async function previewTransaction(
  rpc: Rpc,
  unsignedTx: string,
  from: string,
  opts: { timeoutMs?: number; currencySymbol?: string } = {},
): Promise<TxPreview> {
  const timeoutMs = opts.timeoutMs ?? PREVIEW_TIMEOUT_MS;
  const symbol = opts.currencySymbol ?? 'ETH';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const settle = async <T>(p: Promise<T>): Promise<Settled<T>> => {
    const guarded = p.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const r = await Promise.race([guarded, deadline]);
    return r === 'timeout' ? { ok: false, timeout: true } : r;
  };
  const late = `the node did not answer within ${Math.round(timeoutMs / 100) / 10} s`;
  const whyOf = (r: Settled<unknown>) => (r.ok ? '' : 'timeout' in r ? late : messageOf(r.error));
  try {
    let s: TransactionSummary;
    try {
      s = summarizeTransaction(unsignedTx);
    } catch {
      const why = 'the transaction does not decode';
      return {
        preflight: { status: 'unavailable', why },
        gasEstimate: { status: 'unavailable', why },
        balances: { status: 'unavailable', why },
      };
    }
    const account = getAddress(from);
    const call = { from: account, ...(s.to ? { to: s.to } : {}), value: quantity(s.valueWei), data: s.data };
    // The pre-flight runs with the transaction's own gas limit: the node itself says whether it runs out of gas.
    // (An estimate is only an upper bound that suffices — Hardhat answers 21001 for a plain 21000 transfer.)
    const callWithGas = { ...call, gas: quantity(s.gasLimit) };
    const blockR = await settle(rpc('eth_blockNumber', []));
    const block = blockR.ok && typeof blockR.value === 'string' && isHexString(blockR.value) ? Number(BigInt(blockR.value)) : undefined;
    const tag = block === undefined ? 'latest' : quantity(BigInt(block));
    const plainTransfer = s.to !== null && s.data === '0x';
    const [callR, estR, balR, codeR, simR] = await Promise.all([
      settle(rpc('eth_call', [callWithGas, tag])),
      settle(rpc('eth_estimateGas', [call, tag])),
      settle(rpc('eth_getBalance', [account, tag])),
      plainTransfer ? settle(rpc('eth_getCode', [s.to, tag])) : Promise.resolve(null),
      settle(rpc('eth_simulateV1', [{ blockStateCalls: [{ calls: [call] }], traceTransfers: true }, tag])),
    ]);

    const gasEstimate: TxPreview['gasEstimate'] =
      estR.ok && isQuantity(estR.value)
        ? { status: 'ok', gas: BigInt(estR.value).toString() }
        : { status: 'unavailable', why: estR.ok ? 'the node gave no estimate' : whyOf(estR) };

    let preflight: Preflight;
    if (callR.ok) preflight = { status: 'ok' };
    else if ('timeout' in callR) preflight = { status: 'unavailable', why: late };
    else preflight = failureOf(callR.error);
    if (preflight.status === 'ok' && balR.ok && isQuantity(balR.value)) {
      const balance = BigInt(balR.value);
      const needed = s.valueWei + s.gasLimit * (s.maxFeePerGas ?? s.gasPrice ?? 0n);
      if (balance < needed)
        preflight = {
          status: 'fails',
          reason: `insufficient funds: it may cost up to ${formatEther(needed)} ${symbol} (value + max fee), the account has ${formatEther(balance)} ${symbol}`,
        };
    }

    let balances: BalanceChanges;
    const reverted = !callR.ok && !('timeout' in callR) && preflight.status === 'fails';
    const simulated = simR.ok ? simulatedChanges(simR.value, account) : null;
    if (reverted) balances = { status: 'known', source: 'reverts', changes: [], note: FAILS_NOTE };
    else if (simulated) balances = simulated;
    else if (!callR.ok) balances = { status: 'unavailable', why: whyOf(callR) };
    else balances = calldataChanges(s, account, callR.value, codeR) ?? { status: 'unavailable', why: NO_SIMULATION };

    return { ...(block !== undefined ? { block } : {}), preflight, gasEstimate, balances };
  } finally {
    clearTimeout(timer);
  }
}

/** A failed eth_call: a revert (decoded), another execution failure, or an error that says nothing about the transaction. */
function failureOf(e: unknown): Preflight {
  const data = revertDataOf(e);
  const message = messageOf(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (data !== null) return { status: 'fails', reason: describeRevert(decodeRevert(data)) };
  if (code === 3 || /revert/i.test(message)) return { status: 'fails', reason: describeRevert({ kind: 'empty' }) };
  if (
    /insufficient funds|out of gas|invalid opcode|stack (underflow|overflow)|gas required exceeds|intrinsic gas|invalid jump/i.test(message)
  )
    return { status: 'fails', reason: message };
  return { status: 'unavailable', why: message };
}

/** Balance changes from an eth_simulateV1 answer (Transfer logs, native ones from `traceTransfers`); null when it is not one. */
export function simulatedChanges(result: unknown, account: string): BalanceChanges | null {
  const blocks = Array.isArray(result) ? result : null;
  const first = blocks?.[0] as { calls?: unknown } | undefined;
  const callResult = Array.isArray(first?.calls) ? (first.calls[0] as { status?: unknown; logs?: unknown } | undefined) : undefined;
  if (!callResult || typeof callResult.status !== 'string' || !Array.isArray(callResult.logs)) return null;
  if (!/^0x0*1$/.test(callResult.status)) return { status: 'known', source: 'reverts', changes: [], note: FAILS_NOTE };
  const me = account.toLowerCase();
  const totals = new Map<string, bigint>();
  let nft = false;
  for (const raw of callResult.logs) {
    const log = raw as { address?: unknown; topics?: unknown; data?: unknown };
    if (typeof log.address !== 'string' || !Array.isArray(log.topics) || log.topics[0] !== TRANSFER_TOPIC) continue;
    if (log.topics.length === 4) {
      nft = nft || [log.topics[1], log.topics[2]].some((t) => typeof t === 'string' && topicAddress(t) === me);
      continue;
    }
    if (log.topics.length !== 3 || typeof log.data !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(log.data)) continue;
    const fromA = topicAddress(String(log.topics[1]));
    const toA = topicAddress(String(log.topics[2]));
    const amount = BigInt(log.data);
    const asset = log.address.toLowerCase() === NATIVE_TRANSFER_EMITTER ? 'native' : getAddress(log.address);
    let delta = 0n;
    if (toA === me) delta += amount;
    if (fromA === me) delta -= amount;
    if (delta !== 0n) totals.set(asset, (totals.get(asset) ?? 0n) + delta);
  }
  const changes = [...totals]
    .filter(([, d]) => d !== 0n)
    .map(([asset, d]) => ({ asset, amount: d.toString() }))
    .sort((a, b) => (a.asset === 'native' ? -1 : b.asset === 'native' ? 1 : 0));
  return {
    status: 'known',
    source: 'eth_simulateV1',
    changes,
    ...(nft ? { note: 'NFT (ERC-721) transfers of this account are not shown' } : {}),
  };
}

/**
 * Balance changes read from the transaction itself, where that is sound: a
 * plain transfer to an address without code (the value leaves, nothing runs
 * that could send anything back), or an ERC-20 `transfer`/`transferFrom`/
 * `approve` without value whose pre-flight call succeeded (and did not return
 * false). Null otherwise.
 */
function calldataChanges(
  s: TransactionSummary,
  account: string,
  callResult: unknown,
  codeR: Settled<unknown> | null,
): BalanceChanges | null {
  if (s.to !== null && s.data === '0x') {
    if (!codeR?.ok || codeR.value !== '0x') return null;
    const changes = s.to === account || s.valueWei === 0n ? [] : [{ asset: 'native', amount: (-s.valueWei).toString() }];
    return { status: 'known', source: 'calldata', changes };
  }
  if (!s.call || s.valueWei !== 0n) return null;
  if (typeof callResult !== 'string' || (callResult !== '0x' && !/^0x0{63}1$/.test(callResult))) return null;
  const c = s.call;
  let delta = 0n;
  if (c.method === 'transfer') delta = c.to === account ? 0n : -c.amount;
  else if (c.method === 'transferFrom') {
    const from = tokenSource(s.data);
    if (c.to === account) delta += c.amount;
    if (from === account) delta -= c.amount;
  }
  return {
    status: 'known',
    source: 'calldata',
    changes: delta === 0n ? [] : [{ asset: c.token, amount: delta.toString() }],
    note:
      c.method === 'approve'
        ? 'an approval moves nothing now: it lets the spender move the amount later'
        : 'as the call asks: a token that takes a fee on transfer or rebases may move another amount',
  };
}

/** The `from` argument of an ERC-20 transferFrom calldata (checksummed). */
function tokenSource(data: string): string {
  return getAddress(`0x${data.slice(10 + 24, 10 + 64)}`);
}

/** A preview where nothing could be asked (no node for the chain on this device): every part says why. */
export function unavailablePreview(why: string): TxPreview {
  return {
    preflight: { status: 'unavailable', why },
    gasEstimate: { status: 'unavailable', why },
    balances: { status: 'unavailable', why },
  };
}

/** Human lines (the CLI co-signer): pre-flight, gas, max fee, balance changes. */
export function previewLines(
  p: TxPreview,
  s: Pick<TransactionSummary, 'gasLimit' | 'maxFeePerGas' | 'gasPrice'>,
  symbol = 'ETH',
  tokens: ReadonlyArray<{ address: string; symbol: string; decimals: number }> = [],
): string[] {
  const gas = p.gasEstimate.status === 'ok' ? `, gas ~${p.gasEstimate.gas}` : '';
  const at = p.block !== undefined ? ` (block ${p.block})` : '';
  const lines = [
    p.preflight.status === 'ok'
      ? `pre-flight: ok${gas}${at}`
      : p.preflight.status === 'fails'
        ? `pre-flight: will fail: ${p.preflight.reason}${at}`
        : `pre-flight: unavailable: ${p.preflight.why}`,
  ];
  const sameWhy = (why: string) => p.preflight.status === 'unavailable' && p.preflight.why === why;
  if (p.preflight.status !== 'ok' && !(p.gasEstimate.status === 'unavailable' && sameWhy(p.gasEstimate.why)))
    lines.push(p.gasEstimate.status === 'ok' ? `gas estimate ${p.gasEstimate.gas}` : `gas estimate unavailable: ${p.gasEstimate.why}`);
  lines.push(`max fee ${maxFeeOf(s, symbol)} (gas limit ${s.gasLimit} × ${s.maxFeePerGas !== null ? 'max fee per gas' : 'gas price'})`);
  const b = p.balances;
  if (b.status === 'unavailable')
    lines.push(
      `balance changes: ${b.why.startsWith('preview unavailable') ? b.why : sameWhy(b.why) ? 'unavailable' : `unavailable: ${b.why}`}`,
    );
  else
    lines.push(
      `balance changes (${b.source}): ${b.changes.length ? b.changes.map((c) => formatChange(c, symbol, tokens)).join(', ') : 'none'}, plus the gas fee${b.note ? ` (${b.note})` : ''}`,
    );
  return lines;
}

/** Largest fee the transaction can cost: gas limit × max fee per gas (EIP-1559) or gas price (legacy), in the native coin. */
export function maxFeeOf(s: Pick<TransactionSummary, 'gasLimit' | 'maxFeePerGas' | 'gasPrice'>, symbol = 'ETH'): string {
  return `${formatEther(s.gasLimit * (s.maxFeePerGas ?? s.gasPrice ?? 0n))} ${symbol}`;
}

/** The preview with the symbol and decimals of the tokens of the user's list on its balance changes. */
export function labelChanges(p: TxPreview, tokens: ReadonlyArray<{ address: string; symbol: string; decimals: number }>): TxPreview {
  if (p.balances.status !== 'known' || tokens.length === 0) return p;
  const changes = p.balances.changes.map((c) => {
    const t = c.asset === 'native' ? undefined : tokens.find((x) => x.address.toLowerCase() === c.asset.toLowerCase());
    return t ? { ...c, symbol: t.symbol, decimals: t.decimals } : c;
  });
  return { ...p, balances: { ...p.balances, changes } };
}

function topicAddress(topic: string): string {
  return `0x${topic.slice(-40)}`.toLowerCase();
}

function quantity(x: bigint): string {
  return `0x${x.toString(16)}`;
}

function isQuantity(x: unknown): x is string {
  return typeof x === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(x);
}

/** The node's message (or the transport's), one line, cut. */
function messageOf(e: unknown): string {
  const inner = (e as { info?: { error?: { message?: unknown } }; error?: { message?: unknown } } | null)?.info?.error?.message;
  const raw =
    typeof inner === 'string'
      ? inner
      : e instanceof Error || (typeof e === 'object' && e !== null)
        ? (e as { message?: unknown }).message
        : e;
  const text = String(raw ?? 'unknown error').split('\n')[0]!;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
