import { describe, expect, it, vi } from 'vitest';
import { Services } from './services';
import { memoryArea } from './storage';
import { memoryRepository } from './vault/records';
import type { ChainClient } from './router-deps';
import type { ProviderEventName } from '../shared/page-channel';
import { parseBridgeMessage, parsePageMessage, TO_BRIDGE } from '../shared/page-channel';

const A = 'https://dapp.example';
const B = 'https://other.example';
/** A watch-only address (Hardhat's account #1): the vault without co-signers these router tests need (watch-only.test.ts: its refusals). */
const WATCHED = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

/** Services with memory storage, a recording chain client and recorded page events. */
function setup(chainIdOf: (url: string) => Promise<string> = async () => '0x7a6a') {
  const calls: { method: string; params: unknown[]; chainId: string }[] = [];
  const chain: ChainClient = {
    async call(network, method, params) {
      calls.push({ method, params, chainId: network.chainId });
      return '0x10';
    },
    chainIdOf,
  };
  const late: unknown[] = [];
  const session = memoryArea();
  const s = new Services({
    local: memoryArea(),
    session,
    repo: memoryRepository(),
    chain,
    openPopup: vi.fn(),
    deliverLate: (route, outcome) => late.push({ route, outcome }),
    armAutoLock: vi.fn(),
    onStateChange: vi.fn(),
    pbkdf2Iterations: 100_000,
  });
  const events: { origin: string; event: ProviderEventName; data: unknown }[] = [];
  for (const origin of [A, B])
    s.pages.add({ origin, post: (m) => m.type === 'event' && events.push({ origin, event: m.event, data: m.data }) });
  const rpc = (origin: string, method: string, params?: unknown[] | Record<string, unknown>) =>
    s.handleRpc({ origin, reply: { tabId: 1, frameId: 0, requestId: 'r1' } }, { method, ...(params ? { params } : {}) });
  return { s, rpc, calls, events, late, session };
}

/** Waits until the approval queue holds n approvals. */
async function pendingApprovals(s: Services, n = 1) {
  for (let i = 0; i < 50; i++) {
    const list = await s.approvals.list();
    if (list.length >= n) return list;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no approval queued');
}

async function withVault() {
  const t = setup();
  await t.s.command({ type: 'addWatchOnly', name: 'Watched', address: WATCHED, password: 'correct horse' });
  const address = (await t.s.wallet.vault())!.address;
  return { ...t, address };
}

describe('router: chain and accounts', () => {
  it('answers eth_chainId and net_version from the selected network (Hardhat 31337 by default)', async () => {
    const { rpc } = setup();
    expect(await rpc(A, 'eth_chainId')).toBe('0x7a69');
    expect(await rpc(A, 'net_version')).toBe('31337');
  });

  it('gives [] from eth_accounts and 4100 on signing methods to an unconnected origin', async () => {
    const { rpc } = await withVault();
    expect(await rpc(A, 'eth_accounts')).toEqual([]);
    await expect(rpc(A, 'eth_sendTransaction', [{ to: '0x0000000000000000000000000000000000000001' }])).rejects.toMatchObject({
      code: 4100,
    });
    await expect(rpc(A, 'personal_sign', ['0x00', '0x0000000000000000000000000000000000000001'])).rejects.toMatchObject({ code: 4100 });
  });

  it('connects after approval, and the other origin stays unconnected', async () => {
    const { s, rpc, address, events } = await withVault();
    const p = rpc(A, 'eth_requestAccounts');
    const [approval] = await pendingApprovals(s);
    expect(approval).toMatchObject({ kind: 'connect', origin: A, method: 'eth_requestAccounts' });
    await s.command({ type: 'decideApproval', id: approval!.id, approve: true });
    expect(await p).toEqual([address.toLowerCase()]);
    expect(await rpc(A, 'eth_accounts')).toEqual([address.toLowerCase()]);
    expect(await rpc(B, 'eth_accounts')).toEqual([]);
    expect(events).toContainEqual({ origin: A, event: 'accountsChanged', data: [address.toLowerCase()] });
    expect(events.some((e) => e.origin === B && e.event === 'accountsChanged')).toBe(false);
    const perms = (await rpc(A, 'wallet_getPermissions')) as { parentCapability: string; caveats: { value: string[] }[] }[];
    expect(perms[0]).toMatchObject({ invoker: A, parentCapability: 'eth_accounts', caveats: [{ value: [address.toLowerCase()] }] });
    expect(await rpc(B, 'wallet_getPermissions')).toEqual([]);
  });

  it('answers 4001 when the user rejects, and grants nothing', async () => {
    const { s, rpc } = await withVault();
    const p = rpc(A, 'eth_requestAccounts');
    const [approval] = await pendingApprovals(s);
    await s.command({ type: 'decideApproval', id: approval!.id, approve: false });
    await expect(p).rejects.toMatchObject({ code: 4001 });
    expect(await rpc(A, 'eth_accounts')).toEqual([]);
  });

  it('refuses a second connect request from the same site while one is pending (-32002)', async () => {
    const { s, rpc } = await withVault();
    void rpc(A, 'eth_requestAccounts');
    await pendingApprovals(s);
    await expect(rpc(A, 'eth_requestAccounts')).rejects.toMatchObject({ code: -32002 });
  });

  it('answers through the stored reply route when the waiting promise was lost (worker restart)', async () => {
    const t = await withVault();
    void t.rpc(A, 'eth_requestAccounts');
    await pendingApprovals(t.s);
    // A new worker instance: same session storage (approvals, unlocked key), no in-memory waiters.
    const restarted = new Services({
      local: memoryArea(),
      session: t.session,
      repo: memoryRepository(),
      chain: { call: async () => null, chainIdOf: async () => '0x1' },
      openPopup: vi.fn(),
      deliverLate: (route, outcome) => t.late.push({ route, outcome }),
      armAutoLock: vi.fn(),
      onStateChange: vi.fn(),
    });
    const [approval] = await restarted.approvals.list();
    expect(approval?.origin).toBe(A);
    await restarted.command({ type: 'decideApproval', id: approval!.id, approve: false });
    expect(t.late).toEqual([
      { route: { tabId: 1, frameId: 0, requestId: 'r1' }, outcome: { error: expect.objectContaining({ code: 4001 }) } },
    ]);
  });

  it('disconnecting a site sends accountsChanged [] to that site only', async () => {
    const { s, rpc, events } = await withVault();
    for (const origin of [A, B]) {
      const p = rpc(origin, 'eth_requestAccounts');
      const list = await pendingApprovals(s);
      await s.command({ type: 'decideApproval', id: list.find((a) => a.origin === origin)!.id, approve: true });
      await p;
    }
    events.length = 0;
    await s.command({ type: 'disconnectSite', origin: A });
    expect(events).toEqual([{ origin: A, event: 'accountsChanged', data: [] }]);
    expect(await rpc(A, 'eth_accounts')).toEqual([]);
    expect((await rpc(B, 'eth_accounts')) as string[]).toHaveLength(1);
  });

  it('wallet_revokePermissions disconnects the calling site', async () => {
    const { s, rpc } = await withVault();
    const p = rpc(A, 'wallet_requestPermissions', [{ eth_accounts: {} }]);
    const [approval] = await pendingApprovals(s);
    await s.command({ type: 'decideApproval', id: approval!.id, approve: true });
    expect(await p).toEqual([expect.objectContaining({ parentCapability: 'eth_accounts' })]);
    expect(await rpc(A, 'wallet_revokePermissions', [{ eth_accounts: {} }])).toBeNull();
    expect(await rpc(A, 'eth_accounts')).toEqual([]);
    await expect(rpc(A, 'wallet_requestPermissions', [{ eth_accounts: {}, snap: {} }])).rejects.toMatchObject({ code: -32602 });
  });

  it('locking hides the accounts and tells connected pages', async () => {
    const { s, rpc, events, address } = await withVault();
    const p = rpc(A, 'eth_requestAccounts');
    await s.command({ type: 'decideApproval', id: (await pendingApprovals(s))[0]!.id, approve: true });
    await p;
    await s.command({ type: 'lock' });
    expect(await rpc(A, 'eth_accounts')).toEqual([]);
    expect(events.at(-1)).toEqual({ origin: A, event: 'accountsChanged', data: [] });
    await s.command({ type: 'unlock', password: 'correct horse' });
    expect(await rpc(A, 'eth_accounts')).toEqual([address.toLowerCase()]);
  });

  it('forwards read-only calls to the selected network and refuses unknown methods with 4200', async () => {
    const { rpc, calls } = setup();
    expect(await rpc(A, 'eth_getBalance', ['0x0000000000000000000000000000000000000001', 'latest'])).toBe('0x10');
    expect(calls).toEqual([
      { method: 'eth_getBalance', params: ['0x0000000000000000000000000000000000000001', 'latest'], chainId: '0x7a69' },
    ]);
    const filter = [{ address: '0x0000000000000000000000000000000000000002', fromBlock: 'latest' }];
    await rpc(A, 'eth_newFilter', filter);
    await rpc(A, 'eth_getFilterChanges', ['0x1']);
    expect(calls.slice(1).map((c) => [c.method, c.params])).toEqual([
      ['eth_newFilter', filter],
      ['eth_getFilterChanges', ['0x1']],
    ]);
    await expect(rpc(A, 'eth_getBalance', { a: 1 })).rejects.toMatchObject({ code: -32602 });
    await expect(rpc(A, 'debug_traceTransaction', ['0x00'])).rejects.toMatchObject({ code: 4200 });
    await expect(rpc(A, 'hardhat_setBalance', ['0x00', '0x1'])).rejects.toMatchObject({ code: 4200 });
  });
});

describe('router: networks', () => {
  const chain31338 = {
    chainId: '0x7a6a',
    chainName: 'Second',
    rpcUrls: ['http://127.0.0.1:8546'],
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  };

  it('adds a network after approval, switches to it and emits chainChanged to all pages', async () => {
    const { s, rpc, events } = await withVault();
    const p = rpc(A, 'wallet_addEthereumChain', [chain31338]);
    const [approval] = await pendingApprovals(s);
    expect(approval).toMatchObject({ kind: 'addChain', network: { chainId: '0x7a6a', rpcUrl: 'http://127.0.0.1:8546' } });
    await s.command({ type: 'decideApproval', id: approval!.id, approve: true });
    expect(await p).toBeNull();
    expect(await rpc(B, 'eth_chainId')).toBe('0x7a6a');
    expect(events.filter((e) => e.event === 'chainChanged')).toEqual([
      { origin: A, event: 'chainChanged', data: '0x7a6a' },
      { origin: B, event: 'chainChanged', data: '0x7a6a' },
    ]);
  });

  it('refuses a network whose RPC reports another chain id', async () => {
    const { rpc, s } = setup(async () => '0x7a69');
    await expect(rpc(A, 'wallet_addEthereumChain', [chain31338])).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('serves chain 0x7a69'),
    });
    expect(await s.approvals.list()).toEqual([]);
  });

  it('validates wallet_addEthereumChain params', async () => {
    const { rpc } = setup();
    for (const bad of [
      [],
      [{ ...chain31338, chainId: 31338 }],
      [{ ...chain31338, rpcUrls: ['javascript:alert(1)'] }],
      [{ ...chain31338, rpcUrls: ['http://u:p@host'] }],
      [{ ...chain31338, nativeCurrency: { symbol: 'ETH', decimals: 6 } }],
      [{ ...chain31338, chainName: '' }],
    ]) {
      await expect(rpc(A, 'wallet_addEthereumChain', bad)).rejects.toMatchObject({ code: -32602 });
    }
  });

  it('switches only for connected sites and only to known chains', async () => {
    const { s, rpc, events } = await withVault();
    await expect(rpc(A, 'wallet_switchEthereumChain', [{ chainId: '0x1' }])).rejects.toMatchObject({ code: 4100 });
    const p = rpc(A, 'eth_requestAccounts');
    await s.command({ type: 'decideApproval', id: (await pendingApprovals(s))[0]!.id, approve: true });
    await p;
    await expect(rpc(A, 'wallet_switchEthereumChain', [{ chainId: '0x999' }])).rejects.toMatchObject({ code: 4902 });
    expect(await rpc(A, 'wallet_switchEthereumChain', [{ chainId: '0xaa36a7' }])).toBeNull();
    expect(await rpc(B, 'eth_chainId')).toBe('0xaa36a7');
    expect(events.filter((e) => e.event === 'chainChanged').map((e) => e.origin)).toEqual([A, B]);
  });
});

describe('channel validation', () => {
  it('accepts only well-formed page messages and copies only method and params', () => {
    expect(
      parsePageMessage({ target: TO_BRIDGE, type: 'request', id: 'x-1', request: { method: 'eth_chainId', origin: 'https://evil' } }),
    ).toEqual({
      target: TO_BRIDGE,
      type: 'request',
      id: 'x-1',
      request: { method: 'eth_chainId' },
    });
    for (const bad of [
      null,
      'eth_chainId',
      { target: 'other', type: 'request', id: '1', request: { method: 'eth_chainId' } },
      { target: TO_BRIDGE, type: 'request', id: 1, request: { method: 'eth_chainId' } },
      { target: TO_BRIDGE, type: 'request', id: 'a b', request: { method: 'eth_chainId' } },
      { target: TO_BRIDGE, type: 'request', id: '1', request: { method: 'eth chainId' } },
      { target: TO_BRIDGE, type: 'request', id: '1', request: { method: 'x'.repeat(65) } },
      { target: TO_BRIDGE, type: 'request', id: '1', request: { method: 'eth_call', params: 'str' } },
      { target: TO_BRIDGE, type: 'request', id: '1', request: { method: 'eth_call', params: ['x'.repeat(600_000)] } },
      { target: TO_BRIDGE, type: 'command', cmd: { type: 'unlock', password: 'x' } },
    ]) {
      expect(parsePageMessage(bad)).toBeNull();
    }
  });

  it('rejects on the port whatever is not an rpc message', () => {
    expect(parseBridgeMessage({ type: 'unlock', password: 'x' })).toMatchObject({ ok: false });
    expect(parseBridgeMessage({ type: 'rpc', id: 'a', request: { method: 'eth_chainId', params: 5 } })).toMatchObject({
      ok: false,
      id: 'a',
    });
    expect(parseBridgeMessage({ type: 'rpc', id: 'a', request: { method: 'eth_chainId' } })).toMatchObject({ ok: true });
  });
});

describe('auto-lock', () => {
  it('arms the idle timer with the configured minutes on activity, and validates the setting', async () => {
    const armAutoLock = vi.fn();
    const s = new Services({
      local: memoryArea(),
      session: memoryArea(),
      repo: memoryRepository(),
      chain: { call: async () => null, chainIdOf: async () => '0x1' },
      openPopup: vi.fn(),
      deliverLate: vi.fn(),
      armAutoLock,
      onStateChange: vi.fn(),
      pbkdf2Iterations: 100_000,
    });
    await s.command({ type: 'addWatchOnly', name: 'x', address: WATCHED, password: 'long enough' });
    expect(armAutoLock).toHaveBeenLastCalledWith(15);
    await s.command({ type: 'setAutoLock', minutes: 3 });
    expect(armAutoLock).toHaveBeenLastCalledWith(3);
    await expect(s.command({ type: 'setAutoLock', minutes: 0 })).rejects.toMatchObject({
      code: 'settings.autoLockRange',
      details: { min: 1, max: 1440 },
    });
    expect((await s.state()).autoLockMinutes).toBe(3);
    await s.lock(); // what the alarm handler does
    armAutoLock.mockClear();
    await s.touch();
    expect(armAutoLock).not.toHaveBeenCalled(); // locked: nothing to time out
    expect((await s.state()).locked).toBe(true);
  });
});

describe('approvals lifecycle', () => {
  it('a connected site asking while locked is answered by unlocking alone', async () => {
    const { s, rpc, address } = await withVault();
    const first = rpc(A, 'eth_requestAccounts');
    await s.command({ type: 'decideApproval', id: (await pendingApprovals(s))[0]!.id, approve: true });
    await first;
    await s.command({ type: 'lock' });
    const again = rpc(A, 'eth_requestAccounts');
    await pendingApprovals(s);
    await s.command({ type: 'unlock', password: 'correct horse' });
    expect(await again).toEqual([address.toLowerCase()]);
    expect(await s.approvals.list()).toEqual([]);
  });

  it('approving a connect while locked is refused in the popup and stays pending', async () => {
    const { s, rpc } = await withVault();
    await s.command({ type: 'lock' });
    void rpc(A, 'eth_requestAccounts');
    const [approval] = await pendingApprovals(s);
    await expect(s.command({ type: 'decideApproval', id: approval!.id, approve: true })).rejects.toMatchObject({
      code: 'wallet.lockedApprove',
    });
    expect(await s.approvals.list()).toHaveLength(1);
  });

  it('drops the approvals of a frame that went away, answering 4001', async () => {
    const { s, rpc } = await withVault();
    const p = rpc(A, 'eth_requestAccounts');
    await pendingApprovals(s);
    await s.approvals.abandonFromFrame(1, 0, { code: 4001, message: 'gone' });
    await expect(p).rejects.toMatchObject({ code: 4001 });
    expect(await s.approvals.list()).toEqual([]);
  });
});

/** The chain answers as a token contract: symbol() "TST", decimals() 4, anything else 0x (and 0x10 to other methods). */
async function answerAsTokenContract(s: unknown): Promise<void> {
  const { AbiCoder } = await import('ethers');
  (s as { deps: { chain: ChainClient } }).deps.chain.call = async (_n, method, params) => {
    if (method !== 'eth_call') return '0x10';
    const data = (params[0] as { data: string }).data;
    if (data === '0x95d89b41') return AbiCoder.defaultAbiCoder().encode(['string'], ['TST']);
    if (data === '0x313ce567') return AbiCoder.defaultAbiCoder().encode(['uint8'], [4]);
    return '0x';
  };
}

describe('router: MetaMask-compatible methods', () => {
  it('personal_ecRecover recovers the signer of a personal_sign message (hex or text), lower case; a malformed signature is -32602', async () => {
    const { Wallet } = await import('ethers');
    const { rpc } = setup();
    const w = Wallet.createRandom();
    const sig = await w.signMessage('Example `personal_sign` message');
    const hex = '0x' + Buffer.from('Example `personal_sign` message').toString('hex');
    expect(await rpc(A, 'personal_ecRecover', [hex, sig])).toBe(w.address.toLowerCase());
    expect(await rpc(A, 'personal_ecRecover', ['Example `personal_sign` message', sig])).toBe(w.address.toLowerCase());
    await expect(rpc(A, 'personal_ecRecover', [hex, '0x1234'])).rejects.toMatchObject({ code: -32602 });
    await expect(rpc(A, 'personal_ecRecover', [hex])).rejects.toMatchObject({ code: -32602 });
  });

  it('eth_decrypt, eth_getEncryptionPublicKey and EIP-5792 batches answer 4200 with the reason, without asking the user', async () => {
    const { s, rpc } = await withVault();
    for (const method of ['eth_decrypt', 'eth_getEncryptionPublicKey', 'wallet_sendCalls', 'wallet_getCapabilities']) {
      await expect(rpc(A, method, ['0x00'])).rejects.toMatchObject({ code: 4200, message: expect.stringContaining(method) });
    }
    await expect(rpc(A, 'eth_decrypt', ['0x00'])).rejects.toMatchObject({ message: expect.stringContaining('never exists in one place') });
    expect(await s.approvals.list()).toEqual([]);
  });

  it('metamask_getProviderState tells the chain, network id, lock state and the visible accounts', async () => {
    const { rpc } = await withVault();
    expect(await rpc(A, 'metamask_getProviderState')).toEqual({
      accounts: [],
      chainId: '0x7a69',
      networkVersion: '31337',
      isUnlocked: true,
    });
  });

  it('wallet_watchAsset reads the token from its contract, asks the user, and adds it to the list; a followed token answers true at once', async () => {
    const t = setup();
    const token = '0x' + 'ab'.repeat(20);
    await answerAsTokenContract(t.s);
    const params = { type: 'ERC20', options: { address: token, symbol: 'FAKE', decimals: 18 } };
    const p = t.rpc(A, 'wallet_watchAsset', params);
    const [approval] = await pendingApprovals(t.s);
    expect(approval).toMatchObject({ kind: 'watchAsset', asset: { symbol: 'TST', decimals: 4, chainId: '0x7a69' } });
    await t.s.command({ type: 'decideApproval', id: approval!.id, approve: true });
    expect(await p).toBe(true);
    expect((await t.s.state()).tokens).toEqual([{ address: '0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB', symbol: 'TST', decimals: 4 }]);
    expect(await t.rpc(A, 'wallet_watchAsset', [params])).toBe(true);
    expect(await t.s.approvals.list()).toEqual([]);
    await expect(t.rpc(A, 'wallet_watchAsset', { type: 'ERC721', options: { address: token } })).rejects.toMatchObject({ code: 4200 });
    await expect(t.rpc(A, 'wallet_watchAsset', { type: 'ERC20', options: { address: 'nope' } })).rejects.toMatchObject({ code: -32602 });
  });

  it('wallet_watchAsset approved after its network was removed: the popup is told token.networkGone and nothing is added', async () => {
    const t = setup();
    await answerAsTokenContract(t.s);
    const p = t.rpc(A, 'wallet_watchAsset', { type: 'ERC20', options: { address: '0x' + 'ab'.repeat(20) } });
    p.catch(() => undefined); // stays pending: the approval is not decided
    const [approval] = await pendingApprovals(t.s);
    t.s.networks.find = async () => undefined;
    await expect(t.s.command({ type: 'decideApproval', id: approval!.id, approve: true })).rejects.toMatchObject({
      code: 'token.networkGone',
    });
    expect((await t.s.state()).tokens).toEqual([]);
  });

  it('MetaMask compatibility is on by default; the Settings switch turns it off in the provider state and applies it', async () => {
    const t = setup();
    expect((await t.s.state()).metaMaskCompat).toBe(true);
    expect(await t.s.providerState(A)).toMatchObject({ isMetaMask: true });
    await t.s.command({ type: 'setMetaMaskCompat', enabled: false });
    expect((await t.s.state()).metaMaskCompat).toBe(false);
    expect(await t.s.providerState(A)).toMatchObject({ isMetaMask: false });
  });
});
