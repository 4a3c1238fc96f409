import { describe, expect, it, vi } from 'vitest';
import { hasCode } from '../../errors/index';
import { PARAMS, parsePopupCommand } from '../../shared/popup-commands';
import { WalletError, walletMessage } from '../../shared/wallet-errors';
import { Services } from '../services';
import { memoryArea } from '../storage';
import { memoryRepository } from '../vault/records';

function services() {
  return new Services({
    local: memoryArea(),
    session: memoryArea(),
    repo: memoryRepository(),
    chain: { call: async () => '0x0de0b6b3a7640000', chainIdOf: async () => '0x7a69' },
    openPopup: vi.fn(),
    deliverLate: vi.fn(),
    armAutoLock: vi.fn(),
    onStateChange: vi.fn(),
    pbkdf2Iterations: 100_000,
  });
}

describe('popup commands: one map, one parser, one handler each', () => {
  it('parses every command strictly: wrong-typed or missing fields are refused', () => {
    for (const type of Object.keys(PARAMS)) {
      const fields = Object.keys(PARAMS[type as keyof typeof PARAMS]);
      // Every field set to a value no check accepts (a symbol-like object).
      const bad = Object.fromEntries(fields.map((f) => [f, { not: 'valid' }]));
      if (fields.length) expect(parsePopupCommand({ type, ...bad }), type).toBeNull();
      else expect(parsePopupCommand({ type, extra: 1 }), type).toEqual({ type });
    }
    expect(parsePopupCommand({ type: 'toString' })).toBeNull();
    expect(parsePopupCommand({ type: 'unlock' })).toBeNull();
    expect(parsePopupCommand({ type: 'send', to: '0x', amount: '1', token: 5 })).toBeNull();
  });

  it('answers with the state and the typed result, or with the error code and its text', async () => {
    const s = services();
    expect(await s.answer({ type: 'frobnicate' })).toEqual({ ok: false, code: 'popup.malformed', error: walletMessage('popup.malformed') });

    const locked = await s.answer({ type: 'startKeygen', name: 'V', t: 2, n: 2 });
    expect(locked).toMatchObject({ ok: false, code: 'wallet.locked', error: 'Unlock Tandem first.' });

    expect(
      await s.answer({
        type: 'addWatchOnly',
        name: 'Watched',
        address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        password: 'long enough',
      }),
    ).toMatchObject({ ok: true });
    const bad = await s.answer({ type: 'setAutoLock', minutes: 0 });
    expect(bad).toMatchObject({ ok: false, code: 'settings.autoLockRange', state: { autoLockMinutes: 15 } });

    const balance = await s.run({ type: 'getBalance' });
    expect(balance.result).toMatchObject({ value: '1.0', symbol: 'ETH' });
  });

  it('the settings commands keep their ranges and the relay URL rules', async () => {
    const s = services();
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e as WalletError).code,
      );
    expect(await code(s.command({ type: 'setCosignTimeout', seconds: 4 }))).toBe('settings.cosignTimeoutRange');
    expect(await code(s.command({ type: 'setRelayUrl', url: 'not a url' }))).toBe('relayUrl.notUrl');
    expect(await code(s.command({ type: 'setRelayUrl', url: 'https://u:p@relay.example' }))).toBe('relayUrl.extras');
    expect(await code(s.command({ type: 'setRelayUrl', url: 'https://relay.example/?room=1' }))).toBe('relayUrl.extras');
    expect(await code(s.command({ type: 'setRelayUrl', url: 'https://relay.example/#x' }))).toBe('relayUrl.extras');
    expect(await code(s.command({ type: 'setRelayUrl', url: 'ws://relay.example' }))).toBe('relayUrl.scheme');
    expect(await code(s.command({ type: 'setRelayUrl', url: 'https://relay.example/r//' }))).toBe('ok');
    expect((await s.state()).relayUrl).toBe('https://relay.example/r');
    expect(await code(s.command({ type: 'selectNetwork', chainId: 'x' }))).toBe('network.unknown');
  });

  it('the Solana RPC URL: none until set, http(s) only, no user name, password or fragment; a query (an API key) is kept; empty clears it', async () => {
    const s = services();
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e as WalletError).code,
      );
    expect((await s.state()).solanaRpcUrl).toBeNull();
    expect(await code(s.command({ type: 'setSolanaRpcUrl', url: 'not a url' }))).toBe('solanaRpcUrl.notUrl');
    expect(await code(s.command({ type: 'setSolanaRpcUrl', url: 'wss://api.devnet.solana.com' }))).toBe('solanaRpcUrl.scheme');
    expect(await code(s.command({ type: 'setSolanaRpcUrl', url: 'https://user:pw@rpc.example' }))).toBe('solanaRpcUrl.credentials');
    expect(await code(s.command({ type: 'setSolanaRpcUrl', url: 'https://user@rpc.example' }))).toBe('solanaRpcUrl.credentials');
    expect(await code(s.command({ type: 'setSolanaRpcUrl', url: 'https://rpc.example/#x' }))).toBe('solanaRpcUrl.fragment');
    expect((await s.state()).solanaRpcUrl).toBeNull();
    expect(await code(s.command({ type: 'setSolanaRpcUrl', url: ' https://rpc.example/?api-key=k ' }))).toBe('ok');
    expect((await s.state()).solanaRpcUrl).toBe('https://rpc.example/?api-key=k');
    expect((await s.command({ type: 'setSolanaRpcUrl', url: 'http://127.0.0.1:8899/' })).solanaRpcUrl).toBe('http://127.0.0.1:8899');
    expect((await s.command({ type: 'setSolanaRpcUrl', url: 'https://rpc.example/v2/key' })).solanaRpcUrl).toBe(
      'https://rpc.example/v2/key',
    );
    const reply = await s.answer({ type: 'setSolanaRpcUrl', url: 'ftp://rpc.example' });
    expect(reply).toMatchObject({ ok: false, code: 'solanaRpcUrl.scheme', state: { solanaRpcUrl: 'https://rpc.example/v2/key' } });
    expect(await code(s.command({ type: 'setSolanaRpcUrl', url: '  ' }))).toBe('ok');
    expect((await s.state()).solanaRpcUrl).toBeNull();
  });

  it('a WalletError carries its code, its details and the text of the one table', () => {
    const e = new WalletError('token.tooMany', { max: 20 });
    expect(e.message).toBe('At most 20 tokens per network.');
    expect(e.details).toEqual({ max: 20 });
    expect(hasCode(new Error('wrapped', { cause: e }), 'token.tooMany')).toBe(true);
  });
});
