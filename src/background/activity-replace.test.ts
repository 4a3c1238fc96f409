import { describe, expect, it, vi } from 'vitest';
import { Transaction, getAddress } from 'ethers';
import type { ActivityEntry, ActivityTx } from '../shared/popup-api';
import type { Network } from '../shared/networks';
import type { ChainClient } from './router-deps';
import { bumped, checkReplaceable, replacementParams } from './activity-replace';
import { buildTransaction } from './tx-builder';
import { rejectedCode, thrownCode } from '../errors/codes.test-util';
import { newServices } from './cosigned-services.test-util';
import { memoryArea } from './storage';

/** Overrides that may unset a field (undefined: left out, as in an entry of an earlier version). */
type Loose<T> = { [K in keyof T]?: T[K] | undefined };
const defined = <T>(o: object): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const NET: Network = { chainId: '0x7a69', name: 'Hardhat (local)', rpcUrl: 'http://127.0.0.1:8545', currencySymbol: 'ETH' };
const ME = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
const TO = getAddress('0x' + '22'.repeat(20));
const GWEI = 1_000_000_000n;
const hex = (x: bigint) => '0x' + x.toString(16);

function entry(over: Loose<ActivityEntry> = {}, tx: Loose<ActivityTx> = {}): ActivityEntry & { tx: ActivityTx } {
  return defined({
    hash: '0x' + 'ab'.repeat(32),
    account: ME,
    chainId: NET.chainId,
    to: TO,
    value: '0.5',
    symbol: 'ETH',
    what: 'Send',
    origin: 'tandem://wallet',
    at: 1,
    status: 'pending',
    tx: defined({
      nonce: 9,
      to: TO,
      value: '0x6f05b59d3b20000',
      data: '0xabcdef',
      gasLimit: '0x186a0',
      type: 2,
      maxFeePerGas: hex(20n * GWEI),
      maxPriorityFeePerGas: hex(2n * GWEI),
      ...tx,
    }),
    ...over,
  }) as ActivityEntry & { tx: ActivityTx };
}

/** A node suggesting this base fee, priority fee and gas price; records what it was asked. */
function node({ baseFee = GWEI, priority = GWEI, gasPrice = 3n * GWEI } = {}) {
  const calls: string[] = [];
  const chain: ChainClient = {
    async call(_n, method) {
      calls.push(method);
      return {
        eth_getBlockByNumber: { baseFeePerGas: hex(baseFee) },
        eth_maxPriorityFeePerGas: hex(priority),
        eth_gasPrice: hex(gasPrice),
      }[method];
    },
    chainIdOf: async () => NET.chainId,
  };
  return { chain, calls };
}

describe('Speed up and Cancel', () => {
  it('raises a fee at least 10 % (rounded up) and at least 1 wei', () => {
    expect([bumped(0n), bumped(1n), bumped(10n), bumped(100n), bumped(101n), bumped(2n * GWEI)]).toEqual([
      1n,
      2n,
      11n,
      110n,
      112n,
      2_200_000_000n,
    ]);
  });

  it('Speed up: same to, value, data, gas and nonce; both EIP-1559 fees 10 % up, or the node suggestion when higher', async () => {
    const { chain } = node();
    const e = entry();
    expect(await replacementParams(chain, NET, e, 'speedUp', [e])).toEqual({
      from: ME,
      to: TO,
      value: e.tx.value,
      data: '0xabcdef',
      gas: '0x186a0',
      nonce: '0x9',
      type: '0x2',
      maxFeePerGas: hex(22n * GWEI),
      maxPriorityFeePerGas: hex(2_200_000_000n),
    });
    // The base fee rose: the max fee leaves room for it to double; the node's priority fee suggestion is higher too.
    const busy = await replacementParams(node({ baseFee: 30n * GWEI, priority: 5n * GWEI }).chain, NET, e, 'speedUp', [e]);
    expect([busy.maxFeePerGas, busy.maxPriorityFeePerGas]).toEqual([hex(65n * GWEI), hex(5n * GWEI)]);
  });

  it('Cancel: a 0-value transfer to the account itself, gas 21000, same nonce, higher fees', async () => {
    const e = entry();
    expect(await replacementParams(node().chain, NET, e, 'cancel', [e])).toEqual({
      from: ME,
      to: ME,
      value: '0x0',
      data: '0x',
      gas: '0x5208',
      nonce: '0x9',
      type: '0x2',
      maxFeePerGas: hex(22n * GWEI),
      maxPriorityFeePerGas: hex(2_200_000_000n),
    });
  });

  it('legacy: the gas price 10 % up, or the node gas price when higher; the type stays legacy', async () => {
    const e = entry({}, { type: 0, gasPrice: hex(10n * GWEI), maxFeePerGas: undefined, maxPriorityFeePerGas: undefined });
    const { chain, calls } = node();
    expect(await replacementParams(chain, NET, e, 'speedUp', [e])).toMatchObject({ type: '0x0', gasPrice: hex(11n * GWEI) });
    expect(calls).toEqual(['eth_gasPrice']);
    expect(await replacementParams(node({ gasPrice: 50n * GWEI }).chain, NET, e, 'cancel', [e])).toMatchObject({
      to: ME,
      gasPrice: hex(50n * GWEI),
    });
  });

  it('above every pending transaction of the nonce (a replacement replaced again), not only the one clicked', async () => {
    const a = entry();
    const b = entry(
      { hash: '0x' + 'cd'.repeat(32), replaces: a.hash },
      { maxFeePerGas: hex(40n * GWEI), maxPriorityFeePerGas: hex(4n * GWEI) },
    );
    const other = entry({ hash: '0x' + 'ef'.repeat(32) }, { nonce: 10, maxFeePerGas: hex(99n * GWEI) });
    const p = await replacementParams(node().chain, NET, a, 'speedUp', [other, b, a]);
    expect([p.maxFeePerGas, p.maxPriorityFeePerGas]).toEqual([hex(44n * GWEI), hex(4_400_000_000n)]);
  });

  it('the builder keeps the replacement nonce and fees exactly (it asks the node for nothing)', async () => {
    const e = entry();
    const params = await replacementParams(node().chain, NET, e, 'speedUp', [e]);
    const asked = vi.fn();
    const quiet: ChainClient = { call: async (_n, m) => asked(m), chainIdOf: async () => NET.chainId };
    const tx = Transaction.from((await buildTransaction(quiet, NET, ME, [params])).unsignedTx);
    expect([tx.type, tx.nonce, tx.to, tx.value, tx.data, tx.gasLimit, tx.maxFeePerGas, tx.maxPriorityFeePerGas]).toEqual([
      2,
      9,
      TO,
      500_000_000_000_000_000n,
      '0xabcdef',
      100_000n,
      22n * GWEI,
      2_200_000_000n,
    ]);
    expect(asked).not.toHaveBeenCalled();
  });

  it('refuses what cannot be replaced, with a code', () => {
    const check = (e: ActivityEntry, chainId = NET.chainId) => thrownCode(() => checkReplaceable(e, ME, { chainId }));
    expect(check(entry())).toBe('no error');
    expect(check(entry({ account: TO }))).toBe('activity.notActiveAccount');
    expect(check(entry({ tx: undefined }))).toBe('activity.cannotReplace');
    expect(check(entry({ chainId: 'solana:localnet', status: undefined }))).toBe('activity.cannotReplace');
    for (const status of ['confirmed', 'failed', 'replaced', 'dropped', undefined] as const)
      expect(check(entry({ status }))).toBe('activity.notPending');
    expect(check(entry(), '0x1')).toBe('activity.otherNetwork');
  });
});

describe('the replaceTransaction and refreshActivity commands', () => {
  const armAutoLock = vi.fn();
  function services(chain: ChainClient) {
    const local = memoryArea();
    const s = newServices(chain, { local, armAutoLock });
    return { s, local };
  }
  const receipts: ChainClient = {
    async call(_n, method, params) {
      if (method === 'eth_getTransactionCount') return '0x9';
      if (method === 'eth_getTransactionReceipt') return params[0] === '0x' + 'cd'.repeat(32) ? { status: '0x1' } : null;
      return '0x0';
    },
    chainIdOf: async () => NET.chainId,
  };

  it('locked, unknown, another account, a watch-only address: refused with their codes; refreshActivity updates the state', async () => {
    const { s } = services(receipts);
    const hash = '0x' + 'ab'.repeat(32);
    expect(await rejectedCode(s.command({ type: 'replaceTransaction', hash, mode: 'speedUp' }))).toBe('wallet.locked');
    await s.command({ type: 'addWatchOnly', name: 'Watched', address: ME, password: 'long enough' });
    await s.activity.add(entry({ hash: '0x' + 'cd'.repeat(32) }, { nonce: 8 }));
    await s.activity.add(entry({ account: TO, hash: '0x' + 'ef'.repeat(32) }));
    await s.activity.add(entry());
    expect(await rejectedCode(s.command({ type: 'replaceTransaction', hash: '0x' + '99'.repeat(32), mode: 'cancel' }))).toBe(
      'activity.unknown',
    );
    expect(await rejectedCode(s.command({ type: 'replaceTransaction', hash: '0x' + 'ef'.repeat(32), mode: 'cancel' }))).toBe(
      'activity.notActiveAccount',
    );
    expect(await rejectedCode(s.command({ type: 'replaceTransaction', hash, mode: 'speedUp' }))).toBe('vault.watchOnly');
    const armed = armAutoLock.mock.calls.length;
    const state = await s.command({ type: 'refreshActivity' });
    expect(state.activity.map((e) => e.status)).toEqual(['pending', 'confirmed']);
    // The popup's poll is no sign of the user: the idle timer is not re-armed by it.
    expect(armAutoLock.mock.calls.length).toBe(armed);
    expect(await s.answer({ type: 'replaceTransaction', hash, mode: 'faster' })).toMatchObject({ ok: false, code: 'popup.malformed' });
  });
});
