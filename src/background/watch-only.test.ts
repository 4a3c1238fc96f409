/**
 * A watch-only address: it reads and connects like any vault, and every
 * signing request, Ethereum or Solana, from a dApp or from the popup, is
 * refused before the user is asked (EIP-1193 4100, data.code vault.watchOnly).
 */
import { describe, expect, it, vi } from 'vitest';
import { WATCH_ONLY_CODE } from '../shared/rpc-errors';
import { Services } from './services';
import { memoryArea } from './storage';
import { memoryRepository, vaultAad } from './vault/records';
import { deriveKeyBytes, importAesKey, seal } from '../crypto/at-rest';

const A = 'https://dapp.example';
const WATCHED = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const PASSWORD = 'correct horse';

async function watching() {
  const chainCalls: string[] = [];
  const openPopup = vi.fn();
  const s = new Services({
    local: memoryArea(),
    session: memoryArea(),
    repo: memoryRepository(),
    chain: {
      async call(_network, method) {
        chainCalls.push(method);
        return method === 'eth_getBalance' ? '0x0de0b6b3a7640000' : '0x1';
      },
      chainIdOf: async () => '0x7a69',
    },
    openPopup,
    deliverLate: vi.fn(),
    armAutoLock: vi.fn(),
    onStateChange: vi.fn(),
    pbkdf2Iterations: 100_000,
  });
  await s.command({ type: 'addWatchOnly', name: 'Watched', address: WATCHED, password: PASSWORD });
  const rpc = (method: string, params?: unknown) =>
    s.handleRpc({ origin: A, reply: { tabId: 1, frameId: 0, requestId: 'r' } }, { method, ...(params ? { params } : {}) } as never);
  // eth_requestAccounts grants the watched address like any vault's.
  const connecting = rpc('eth_requestAccounts');
  for (let i = 0; i < 50 && !(await s.approvals.list()).length; i++) await new Promise((r) => setTimeout(r, 5));
  const [approval] = await s.approvals.list();
  await s.command({ type: 'decideApproval', id: approval!.id, approve: true });
  expect(await connecting).toEqual([WATCHED.toLowerCase()]);
  openPopup.mockClear();
  return { s, rpc, chainCalls, openPopup };
}

const tx = { from: WATCHED, to: '0x0000000000000000000000000000000000000001', value: '0x1' };
const typed = {
  types: { EIP712Domain: [{ name: 'name', type: 'string' }], Mail: [{ name: 'text', type: 'string' }] },
  primaryType: 'Mail',
  domain: { name: 'x' },
  message: { text: 'hi' },
};
const EVM_SIGNING: Array<[string, unknown[]]> = [
  ['personal_sign', ['0x68656c6c6f', WATCHED]],
  ['eth_signTypedData_v4', [WATCHED, JSON.stringify(typed)]],
  ['eth_signTypedData_v3', [WATCHED, JSON.stringify(typed)]],
  ['eth_signTypedData', [[{ type: 'string', name: 'text', value: 'hi' }], WATCHED]],
  ['eth_sendTransaction', [tx]],
  ['eth_signTransaction', [tx]],
  ['eth_sign', [WATCHED, '0x' + '11'.repeat(32)]],
];
const SOLANA: Array<[string, unknown]> = [
  ['solana_connect', {}],
  ['solana_signMessage', { message: '6869' }],
  ['solana_signTransaction', { transaction: 'AAAA' }],
  ['solana_signAndSendTransaction', { transaction: 'AAAA' }],
  ['solana_signIn', { input: {} }],
];

describe('watch-only address', () => {
  it('is the connected account; balances and reads go to the chain', async () => {
    const { s, rpc } = await watching();
    expect(await rpc('eth_accounts')).toEqual([WATCHED.toLowerCase()]);
    expect(await rpc('eth_getBalance', [WATCHED, 'latest'])).toBe('0x0de0b6b3a7640000');
    expect((await s.run({ type: 'getBalance' })).result).toMatchObject({ value: '1.0', symbol: 'ETH' });
    expect((await s.state()).vault).toMatchObject({ kind: 'watch', address: WATCHED });
  });

  it.each(EVM_SIGNING)('%s: 4100 watch-only (data.code vault.watchOnly), before any approval', async (method, params) => {
    const { s, rpc, openPopup } = await watching();
    await expect(rpc(method, params)).rejects.toMatchObject({
      code: 4100,
      message: expect.stringContaining('watch-only'),
      data: { code: WATCH_ONLY_CODE },
    });
    expect(await s.approvals.list()).toEqual([]);
    expect(openPopup).not.toHaveBeenCalled();
  });

  it.each(SOLANA)('%s: 4100 watch-only (no Solana account, nothing to sign), before any approval', async (method, params) => {
    const { s, rpc, openPopup } = await watching();
    await expect(rpc(method, params)).rejects.toMatchObject({ code: 4100, data: { code: WATCH_ONLY_CODE } });
    expect(await s.approvals.list()).toEqual([]);
    expect(openPopup).not.toHaveBeenCalled();
  });

  it('an unconnected site still gets the plain 4100 "not connected"; locked, "locked"', async () => {
    const { s } = await watching();
    const other = (method: string, params: unknown) => s.handleRpc({ origin: 'https://other.example' }, { method, params } as never);
    const notConnected = (await other('personal_sign', ['0x00', WATCHED]).catch((e: unknown) => e)) as { data?: unknown };
    expect(notConnected).toMatchObject({ code: 4100 });
    expect(notConnected.data).toBeUndefined();
    await s.command({ type: 'lock' });
    const locked = await s.handleRpc({ origin: A }, { method: 'personal_sign', params: ['0x00', WATCHED] }).catch((e) => e);
    expect(locked).toMatchObject({ code: 4100, message: expect.stringContaining('locked') });
  });

  it('the popup Send and Send SOL are refused with vault.watchOnly, and nothing is queued', async () => {
    const { s } = await watching();
    await expect(s.command({ type: 'send', to: '0x0000000000000000000000000000000000000001', amount: '0.1' })).rejects.toMatchObject({
      code: 'vault.watchOnly',
    });
    await expect(s.command({ type: 'sendSol', to: '11111111111111111111111111111111', amount: '0.1' })).rejects.toMatchObject({
      code: 'vault.watchOnly',
    });
    expect(await s.approvals.list()).toEqual([]);
    expect((await s.run({ type: 'getSolanaAccount' })).result).toBeNull();
  });

  it('adding: a wrong checksum or a non-address is refused with its code and creates no keyring; a duplicate is refused', async () => {
    const s = new Services({
      local: memoryArea(),
      session: memoryArea(),
      repo: memoryRepository(),
      chain: { call: async () => null, chainIdOf: async () => '0x7a69' },
      openPopup: vi.fn(),
      deliverLate: vi.fn(),
      armAutoLock: vi.fn(),
      onStateChange: vi.fn(),
      pbkdf2Iterations: 100_000,
    });
    const add = (address: string, password?: string) =>
      s.answer({ type: 'addWatchOnly', name: 'W', address, ...(password ? { password } : {}) });
    expect(await add(WATCHED.replace('C518', 'c518'), PASSWORD)).toMatchObject({ ok: false, code: 'watch.badChecksum' });
    expect(await add('not an address', PASSWORD)).toMatchObject({ ok: false, code: 'watch.badAddress' });
    expect(await s.wallet.hasKeyring()).toBe(false);
    expect(await add(WATCHED)).toMatchObject({ ok: false, code: 'wallet.locked' });
    expect(await add(WATCHED, 'short')).toMatchObject({ ok: false, code: 'wallet.passwordTooShort' });
    expect(await add(WATCHED.toLowerCase(), PASSWORD)).toMatchObject({ ok: true, state: { vault: { kind: 'watch', address: WATCHED } } });
    expect(await add(WATCHED)).toMatchObject({ ok: false, code: 'watch.alreadyHere' });
    await s.command({ type: 'lock' });
    expect(await add('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC')).toMatchObject({ ok: false, code: 'wallet.locked' });
    expect(await add('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 'wrong password')).toMatchObject({
      ok: false,
      code: 'wallet.wrongPassword',
    });
  });

  it('a development vault left by an earlier build is shown as watch-only (key discarded), stays connected, and never signs', async () => {
    const repo = memoryRepository();
    const local = memoryArea();
    const deps = {
      local,
      session: memoryArea(),
      repo,
      chain: { call: async () => '0x0', chainIdOf: async () => '0x7a69' },
      openPopup: vi.fn(),
      deliverLate: vi.fn(),
      armAutoLock: vi.fn(),
      onStateChange: vi.fn(),
      pbkdf2Iterations: 100_000,
    };
    const s = new Services(deps);
    await s.wallet.createKeyring(PASSWORD);
    const key = await importAesKey(await deriveKeyBytes(PASSWORD, (await repo.getKeyring())!.kdf));
    const address = '0x90F79bf6EB2c4F870365E785982E1f101E93b906';
    await repo.putVault({
      id: 'dev-1',
      schema: 1,
      name: 'Development vault',
      kind: 'development',
      address,
      publicKey: '02' + '33'.repeat(32),
      shareFormat: 'tandem-dev-placeholder-v1',
      share: await seal(key, new TextEncoder().encode('placeholder'), vaultAad('dev-1')),
      createdAt: 1,
    });
    await s.permissions.grant(A, [address]);
    expect((await s.state()).vault).toMatchObject({ kind: 'watch', address, keyDiscarded: true });
    expect(await s.handleRpc({ origin: A }, { method: 'eth_accounts' })).toEqual([address.toLowerCase()]);
    await expect(
      s.handleRpc({ origin: A }, { method: 'eth_sendTransaction', params: [{ from: address, to: address }] }),
    ).rejects.toMatchObject({ code: 4100, data: { code: WATCH_ONLY_CODE } });
    expect(await s.approvals.list()).toEqual([]);
  });
});
