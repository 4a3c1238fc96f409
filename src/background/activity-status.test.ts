import { describe, expect, it } from 'vitest';
import type { ActivityEntry, ActivityTx } from '../shared/popup-api';
import type { Network } from '../shared/networks';
import type { ChainClient } from './router-deps';
import { checkStatuses } from './activity-status';
import { ActivityLog } from './activity';
import { memoryArea } from './storage';

/** Overrides that may unset a field (undefined: left out, as in an entry of an earlier version). */
type Loose<T> = { [K in keyof T]?: T[K] | undefined };
const defined = <T>(o: object): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const NET: Network = { chainId: '0x7a69', name: 'Hardhat (local)', rpcUrl: 'http://127.0.0.1:8545', currencySymbol: 'ETH' };
const ME = '0x' + '11'.repeat(20);
const h = (n: number) => '0x' + n.toString(16).padStart(64, '0');

function tx(nonce: number, over: Loose<ActivityTx> = {}): ActivityTx {
  return defined({
    nonce,
    to: '0x' + '22'.repeat(20),
    value: '0x1',
    data: '0x',
    gasLimit: '0x5208',
    type: 2,
    maxFeePerGas: '0x77359400',
    maxPriorityFeePerGas: '0x3b9aca00',
    ...over,
  });
}

function entry(n: number, over: Loose<ActivityEntry> = {}): ActivityEntry {
  return defined({
    hash: h(n),
    account: ME,
    chainId: NET.chainId,
    to: '0x' + '22'.repeat(20),
    value: '0.1',
    symbol: 'ETH',
    what: 'Send',
    origin: 'tandem://wallet',
    at: 1000 + n,
    status: 'pending',
    tx: tx(n),
    ...over,
  });
}

/** A node that knows these receipts (by hash) and this mined nonce count; records what it was asked, in order. */
function node(receipts: Record<string, { status: string } | null>, minedNonces: number) {
  const calls: string[] = [];
  const chain: ChainClient = {
    async call(_n, method, params) {
      calls.push(method === 'eth_getTransactionReceipt' ? `receipt ${params[0] as string}` : method);
      if (method === 'eth_getTransactionCount') return '0x' + minedNonces.toString(16);
      if (method === 'eth_getTransactionReceipt') return receipts[params[0] as string] ?? null;
      throw new Error(`unexpected ${method}`);
    },
    chainIdOf: async () => NET.chainId,
  };
  return { chain, calls };
}

describe('where pending transactions stand', () => {
  it('a receipt: status 1 is confirmed, 0 failed; no receipt with the nonce free stays pending', async () => {
    const { chain } = node({ [h(1)]: { status: '0x1' }, [h(2)]: { status: '0x0' } }, 3);
    const changes = await checkStatuses(chain, NET, [entry(1), entry(2), entry(3)]);
    expect(Object.fromEntries(changes)).toEqual({ [h(1)]: 'confirmed', [h(2)]: 'failed' });
  });

  it('the mined nonce count is read before the receipts (a transaction mined between the reads is not taken for dropped)', async () => {
    const { chain, calls } = node({}, 0);
    await checkStatuses(chain, NET, [entry(1), entry(2)]);
    expect(calls).toEqual(['eth_getTransactionCount', `receipt ${h(1)}`, `receipt ${h(2)}`]);
  });

  it('a replacement mined: the original is replaced, also through a replacement of the replacement', async () => {
    const a = entry(1, { tx: tx(5) });
    const b = entry(2, { tx: tx(5), replaces: a.hash, replaceMode: 'speedUp' });
    const c = entry(3, { tx: tx(5), replaces: b.hash, replaceMode: 'cancel' });
    const { chain } = node({ [c.hash]: { status: '0x1' } }, 6);
    expect(Object.fromEntries(await checkStatuses(chain, NET, [c, b, a]))).toEqual({
      [a.hash]: 'replaced',
      [b.hash]: 'replaced',
      [c.hash]: 'confirmed',
    });
    // A replacement that reverted still took the nonce: the original is replaced all the same.
    const { chain: reverted } = node({ [b.hash]: { status: '0x0' } }, 6);
    expect(Object.fromEntries(await checkStatuses(reverted, NET, [b, a]))).toEqual({ [a.hash]: 'replaced', [b.hash]: 'failed' });
  });

  it('the original mined instead: its replacement is dropped; a nonce taken by a transaction not listed: dropped', async () => {
    const a = entry(1, { tx: tx(5) });
    const b = entry(2, { tx: tx(5), replaces: a.hash, replaceMode: 'speedUp' });
    const { chain } = node({ [a.hash]: { status: '0x1' } }, 6);
    expect(Object.fromEntries(await checkStatuses(chain, NET, [b, a]))).toEqual({ [a.hash]: 'confirmed', [b.hash]: 'dropped' });
    const { chain: other } = node({}, 6);
    expect(Object.fromEntries(await checkStatuses(other, NET, [entry(7, { tx: tx(5) })]))).toEqual({ [h(7)]: 'dropped' });
    // A sibling mined earlier (already confirmed in the log) counts too.
    const { chain: later } = node({}, 6);
    expect(Object.fromEntries(await checkStatuses(later, NET, [{ ...b, status: 'confirmed' }, a]))).toEqual({ [a.hash]: 'replaced' });
  });

  it('checks only open Ethereum entries of the network; Solana entries and settled ones are not asked about', async () => {
    const solana = entry(1, { chainId: 'solana:localnet', status: undefined, tx: undefined });
    const otherChain = entry(2, { chainId: '0x1' });
    const settled = entry(3, { status: 'confirmed' });
    const { chain, calls } = node({}, 0);
    expect((await checkStatuses(chain, NET, [solana, otherChain, settled])).size).toBe(0);
    expect(calls).toEqual([]);
  });

  it('an entry of an earlier version (no status, no transaction fields): a receipt settles it, otherwise it stays as it was', async () => {
    const old = entry(1, { status: undefined, tx: undefined });
    const older = entry(2, { status: undefined, tx: undefined });
    const { chain, calls } = node({ [old.hash]: { status: '0x1' } }, 99);
    expect(Object.fromEntries(await checkStatuses(chain, NET, [old, older]))).toEqual({ [old.hash]: 'confirmed' });
    // No nonce to compare: the count is not even asked for.
    expect(calls).not.toContain('eth_getTransactionCount');
  });

  it('a node that does not answer: the error comes back, nothing is decided', async () => {
    const down: ChainClient = {
      call: async () => {
        throw new Error('down');
      },
      chainIdOf: async () => NET.chainId,
    };
    await expect(checkStatuses(down, NET, [entry(1)])).rejects.toThrow('down');
  });

  it('the log stores the statuses by hash, keeping entries added meanwhile', async () => {
    const log = new ActivityLog(memoryArea());
    await log.add(entry(1));
    const pending = log.setStatuses(new Map([[h(1), 'confirmed' as const]]));
    await log.add(entry(2));
    await pending;
    expect((await log.list(ME)).map((e) => [e.hash, e.status])).toEqual([
      [h(2), 'pending'],
      [h(1), 'confirmed'],
    ]);
  });
});
