import { describe, expect, it } from 'vitest';
import { AbiCoder, Interface, Transaction, concat, getAddress, parseEther, toBeHex, zeroPadValue } from 'ethers';
import {
  formatChange,
  NATIVE_TRANSFER_EMITTER,
  NO_SIMULATION,
  previewLines,
  previewTransaction,
  TRANSFER_TOPIC,
  type Rpc,
} from './tx-preview';

const me = getAddress('0x' + 'aa'.repeat(20));
const friend = getAddress('0x' + '11'.repeat(20));
const token = getAddress('0x' + '77'.repeat(20));
const erc20 = new Interface([
  'function transfer(address,uint256)',
  'function transferFrom(address,address,uint256)',
  'function approve(address,uint256)',
]);
const GWEI = 10n ** 9n;

const tx = (o: { to?: string | null; value?: bigint; data?: string; gasLimit?: bigint; legacy?: boolean }) =>
  Transaction.from({
    ...(o.legacy ? { type: 0, gasPrice: 2n * GWEI } : { type: 2, maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: GWEI }),
    chainId: 31337,
    nonce: 0,
    to: o.to === undefined ? friend : o.to,
    value: o.value ?? 0n,
    data: o.data ?? '0x',
    gasLimit: o.gasLimit ?? 100_000n,
  }).unsignedSerialized;

/** A fake node: answers per method; a function may throw (the node's error) or never answer. */
function node(answers: Record<string, unknown | ((params: unknown[]) => unknown)>): Rpc & { calls: string[] } {
  const calls: string[] = [];
  const rpc = (async (method: string, params: unknown[]) => {
    calls.push(method);
    const a = answers[method];
    if (a === undefined) throw { code: -32601, message: `Method ${method} is not supported` };
    return typeof a === 'function' ? (a as (p: unknown[]) => unknown)(params) : a;
  }) as Rpc & { calls: string[] };
  rpc.calls = calls;
  return rpc;
}

const healthy = {
  eth_blockNumber: '0x10',
  eth_call: '0x',
  eth_estimateGas: '0x5208',
  eth_getBalance: '0x' + parseEther('10').toString(16),
  eth_getCode: '0x',
};
const revertWith = (data: string) => () => {
  throw { code: -32603, message: 'Error: VM Exception while processing transaction', data: { message: 'VM Exception', data } };
};
const reasonData = concat(['0x08c379a0', AbiCoder.defaultAbiCoder().encode(['string'], ['not enough'])]);

describe('previewTransaction', () => {
  it('a plain transfer to an address without code: ok, gas, and -value from the transaction itself', async () => {
    const rpc = node(healthy);
    const p = await previewTransaction(rpc, tx({ value: parseEther('1') }), me);
    expect(p).toEqual({
      block: 16,
      preflight: { status: 'ok' },
      gasEstimate: { status: 'ok', gas: '21000' },
      balances: { status: 'known', source: 'calldata', changes: [{ asset: 'native', amount: (-parseEther('1')).toString() }] },
    });
    expect(rpc.calls).toContain('eth_simulateV1');
  });

  it('runs every check on the block it read first', async () => {
    const tags: unknown[] = [];
    const rpc = node({
      ...healthy,
      eth_call: (p: unknown[]) => (tags.push(p[1]), '0x'),
      eth_getBalance: (p: unknown[]) => (tags.push(p[1]), '0x1'),
    });
    await previewTransaction(rpc, tx({ value: 0n }), me);
    expect(tags).toEqual(['0x10', '0x10']);
  });

  it('a transfer to a contract: balance changes unavailable, said so', async () => {
    const p = await previewTransaction(node({ ...healthy, eth_getCode: '0x6080' }), tx({ value: 1n }), me);
    expect(p.balances).toEqual({ status: 'unavailable', why: NO_SIMULATION });
  });

  it('a reverting call: fails with the decoded reason, and nothing moves', async () => {
    const p = await previewTransaction(
      node({ ...healthy, eth_call: revertWith(reasonData), eth_estimateGas: revertWith(reasonData) }),
      tx({ data: '0x12345678' }),
      me,
    );
    expect(p.preflight).toEqual({ status: 'fails', reason: '"not enough"' });
    expect(p.gasEstimate.status).toBe('unavailable');
    expect(p.balances).toMatchObject({ status: 'known', source: 'reverts', changes: [] });
  });

  it('geth-style revert (code 3, hex data) and a revert without data', async () => {
    const geth = await previewTransaction(
      node({
        ...healthy,
        eth_call: () => {
          throw { code: 3, message: 'execution reverted', data: reasonData };
        },
      }),
      tx({ data: '0x12345678' }),
      me,
    );
    expect(geth.preflight).toEqual({ status: 'fails', reason: '"not enough"' });
    const bare = await previewTransaction(
      node({
        ...healthy,
        eth_call: () => {
          throw { code: 3, message: 'execution reverted' };
        },
      }),
      tx({ data: '0x12345678' }),
      me,
    );
    expect(bare.preflight).toEqual({ status: 'fails', reason: 'reverted without a reason' });
  });

  it('an error that is not about the transaction is "unavailable", not "fails"', async () => {
    const p = await previewTransaction(
      node({
        ...healthy,
        eth_call: () => {
          throw { code: -32005, message: 'rate limited' };
        },
      }),
      tx({ data: '0x12345678' }),
      me,
    );
    expect(p.preflight).toEqual({ status: 'unavailable', why: 'rate limited' });
    expect(p.balances.status).toBe('unavailable');
  });

  it('insufficient funds for value + max fee is a failure (a node would refuse it)', async () => {
    const p = await previewTransaction(
      node({ ...healthy, eth_getBalance: '0x' + parseEther('0.5').toString(16) }),
      tx({ value: parseEther('1') }),
      me,
    );
    expect(p.preflight).toMatchObject({ status: 'fails', reason: expect.stringMatching(/^insufficient funds/) });
  });

  it("the pre-flight runs with the transaction's gas limit: the node running out of it is a failure (out of gas)", async () => {
    const gasOf = (params: unknown[]) => BigInt((params[0] as { gas: string }).gas);
    const p = await previewTransaction(
      node({
        ...healthy,
        eth_call: (params: unknown[]) => {
          if (gasOf(params) < 200_000n) throw new Error('out of gas');
          return '0x';
        },
        eth_estimateGas: '0x30d40',
      }),
      tx({ data: '0x12345678', gasLimit: 100_000n }),
      me,
    );
    expect(p.preflight).toMatchObject({ status: 'fails', reason: expect.stringMatching(/out of gas/) });
  });

  it('an estimate above the gas limit is no failure when the call succeeds with that limit (Hardhat: 21001 for a 21000 transfer)', async () => {
    const p = await previewTransaction(node({ ...healthy, eth_estimateGas: '0x5209' }), tx({ gasLimit: 21_000n }), me);
    expect(p.preflight).toEqual({ status: 'ok' });
    expect(p.gasEstimate).toEqual({ status: 'ok', gas: '21001' });
  });

  it('never takes longer than its timeout: what did not answer is unavailable', async () => {
    const never = () => new Promise(() => undefined);
    const t0 = Date.now();
    const p = await previewTransaction(node({ ...healthy, eth_call: never, eth_estimateGas: never, eth_simulateV1: never }), tx({}), me, {
      timeoutMs: 200,
    });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(p.preflight).toEqual({ status: 'unavailable', why: 'the node did not answer within 0.2 s' });
    expect(p.gasEstimate).toEqual({ status: 'unavailable', why: 'the node did not answer within 0.2 s' });
    expect(p.balances.status).toBe('unavailable');
  });

  it('a node that never answers at all: everything unavailable within the timeout', async () => {
    const p = await previewTransaction(() => new Promise(() => undefined), tx({}), me, { timeoutMs: 100 });
    expect(p).toMatchObject({
      preflight: { status: 'unavailable' },
      gasEstimate: { status: 'unavailable' },
      balances: { status: 'unavailable' },
    });
  });

  it('an ERC-20 transfer: the token change from the calldata, when the call succeeds and does not return false', async () => {
    const data = erc20.encodeFunctionData('transfer', [friend, 500n]);
    const ok = await previewTransaction(node({ ...healthy, eth_call: zeroPadValue('0x01', 32) }), tx({ to: token, data }), me);
    expect(ok.balances).toMatchObject({ status: 'known', source: 'calldata', changes: [{ asset: token, amount: '-500' }] });
    const noReturn = await previewTransaction(node(healthy), tx({ to: token, data }), me);
    expect(noReturn.balances).toMatchObject({ status: 'known', changes: [{ asset: token, amount: '-500' }] });
    const returnsFalse = await previewTransaction(node({ ...healthy, eth_call: zeroPadValue('0x00', 32) }), tx({ to: token, data }), me);
    expect(returnsFalse.balances.status).toBe('unavailable');
    const withValue = await previewTransaction(node(healthy), tx({ to: token, data, value: 1n }), me);
    expect(withValue.balances.status).toBe('unavailable');
  });

  it('transferFrom into and out of the account, and approve (nothing moves)', async () => {
    const into = erc20.encodeFunctionData('transferFrom', [friend, me, 7n]);
    const out = erc20.encodeFunctionData('transferFrom', [me, friend, 7n]);
    const approve = erc20.encodeFunctionData('approve', [friend, 7n]);
    const run = (data: string) => previewTransaction(node(healthy), tx({ to: token, data }), me).then((p) => p.balances);
    expect(await run(into)).toMatchObject({ changes: [{ asset: token, amount: '7' }] });
    expect(await run(out)).toMatchObject({ changes: [{ asset: token, amount: '-7' }] });
    expect(await run(approve)).toMatchObject({ status: 'known', changes: [], note: expect.stringMatching(/approval/) });
  });

  it('unknown calldata without eth_simulateV1: unavailable', async () => {
    const p = await previewTransaction(node(healthy), tx({ data: '0xdeadbeef' }), me);
    expect(p.balances).toEqual({ status: 'unavailable', why: NO_SIMULATION });
  });

  it('uses eth_simulateV1 where the node has it: Transfer logs of the account, native ones from traceTransfers', async () => {
    const topic = (a: string) => zeroPadValue(a, 32);
    const amount = (x: bigint) => toBeHex(x, 32);
    let asked: unknown;
    const simulate = (params: unknown[]) => {
      asked = params[0];
      return [
        {
          calls: [
            {
              status: '0x1',
              gasUsed: '0x5208',
              logs: [
                { address: NATIVE_TRANSFER_EMITTER, topics: [TRANSFER_TOPIC, topic(me), topic(token)], data: amount(5n) },
                { address: token, topics: [TRANSFER_TOPIC, topic(token), topic(me)], data: amount(900n) },
                { address: token, topics: [TRANSFER_TOPIC, topic(me), topic(friend)], data: amount(100n) },
                { address: friend, topics: [TRANSFER_TOPIC, topic(friend), topic(token)], data: amount(1n) },
                { address: friend, topics: [TRANSFER_TOPIC, topic(friend), topic(me), topic('0x01')], data: '0x' },
              ],
            },
          ],
        },
      ];
    };
    const p = await previewTransaction(
      node({ ...healthy, eth_simulateV1: simulate }),
      tx({ to: token, data: '0xdeadbeef', value: 5n }),
      me,
    );
    expect(asked).toMatchObject({ traceTransfers: true, blockStateCalls: [{ calls: [{ from: me, to: token, value: '0x5' }] }] });
    expect(p.balances).toEqual({
      status: 'known',
      source: 'eth_simulateV1',
      changes: [
        { asset: 'native', amount: '-5' },
        { asset: token, amount: '800' },
      ],
      note: 'NFT (ERC-721) transfers of this account are not shown',
    });
  });

  it('a simulated call that fails moves nothing', async () => {
    const p = await previewTransaction(
      node({ ...healthy, eth_simulateV1: [{ calls: [{ status: '0x0', logs: [], error: { code: 3, message: 'reverted' } }] }] }),
      tx({ data: '0xdeadbeef' }),
      me,
    );
    expect(p.balances).toMatchObject({ status: 'known', source: 'reverts', changes: [] });
  });
});

describe('previewLines and formatChange', () => {
  const s = { gasLimit: 21_000n, maxFeePerGas: 2n * GWEI, gasPrice: null };
  it('prints pre-flight, gas, max fee in ETH and balance changes', () => {
    expect(
      previewLines(
        {
          block: 3,
          preflight: { status: 'ok' },
          gasEstimate: { status: 'ok', gas: '21000' },
          balances: { status: 'known', source: 'calldata', changes: [{ asset: 'native', amount: '-1000000000000000000' }] },
        },
        s,
      ),
    ).toEqual([
      'pre-flight: ok, gas ~21000 (block 3)',
      'max fee 0.000042 ETH (gas limit 21000 × max fee per gas)',
      'balance changes (calldata): -1.0 ETH, plus the gas fee',
    ]);
    expect(
      previewLines(
        {
          preflight: { status: 'fails', reason: '"no"' },
          gasEstimate: { status: 'unavailable', why: 'x' },
          balances: { status: 'unavailable', why: NO_SIMULATION },
        },
        { gasLimit: 10n, maxFeePerGas: null, gasPrice: 1n },
      ),
    ).toEqual([
      'pre-flight: will fail: "no"',
      'gas estimate unavailable: x',
      'max fee 0.00000000000000001 ETH (gas limit 10 × gas price)',
      `balance changes: ${NO_SIMULATION}`,
    ]);
  });

  it('formats tokens in the user list in their units, others in base units with the address', () => {
    expect(formatChange({ asset: token, amount: '1500000' }, 'ETH', [{ address: token.toLowerCase(), symbol: 'USDC', decimals: 6 }])).toBe(
      '+1.5 USDC',
    );
    expect(formatChange({ asset: token, amount: '-3' }, 'ETH')).toBe(`-3 base units of token ${token}`);
  });
});
