import { describe, expect, it } from 'vitest';
import { getBase58Decoder } from '@solana/kit';
import type { PageRpc } from './solana-wallet';

// The page's window, as far as the Wallet Standard registry uses it: events and navigator.
(globalThis as { window?: unknown }).window = Object.assign(new EventTarget(), { navigator: {} });
const { getWallets } = await import('@wallet-standard/app');
const { registerSolanaWallet } = await import('./solana-wallet');

const ADDRESS = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
/** A transaction signature, base58 of 64 bytes (0x00, 0x01, ..., 0x3f). */
const SIGNATURE = getBase58Decoder().decode(Uint8Array.from({ length: 64 }, (_, i) => i));

describe('the Tandem wallet in the Wallet Standard registry', () => {
  it('is found by getWallets(), connects over the page channel, signs through it and tells listeners of account changes', async () => {
    const calls: Array<{ method: string; params?: unknown }> = [];
    const listeners: Array<() => void> = [];
    let connected = true;
    const rpc: PageRpc = {
      async request(a) {
        calls.push(a);
        if (a.method === 'solana_connect' || a.method === 'solana_accounts') return connected ? [ADDRESS] : [];
        if (a.method === 'solana_signMessage') return { signature: 'ab'.repeat(64) };
        if (a.method === 'solana_signTransaction') return { signedTransaction: 'AQID' };
        if (a.method === 'solana_signAndSendTransaction') return { transactionSignature: SIGNATURE };
        return null;
      },
      on: (_e, l) => listeners.push(l as () => void),
    };
    registerSolanaWallet(rpc);
    const wallet = getWallets()
      .get()
      .find((w) => w.name === 'Tandem')!;
    expect(Object.keys(wallet.features).sort()).toEqual([
      'solana:signAndSendTransaction',
      'solana:signIn',
      'solana:signMessage',
      'solana:signTransaction',
      'standard:connect',
      'standard:disconnect',
      'standard:events',
    ]);
    const changes: number[] = [];
    (wallet.features['standard:events'] as { on: (e: 'change', l: (p: { accounts?: unknown[] }) => void) => void }).on('change', (p) =>
      changes.push(p.accounts?.length ?? -1),
    );
    const { accounts } = await (
      wallet.features['standard:connect'] as { connect: () => Promise<{ accounts: { address: string; publicKey: Uint8Array }[] }> }
    ).connect();
    expect(accounts.map((a) => [a.address, a.publicKey.length])).toEqual([[ADDRESS, 32]]);
    const account = accounts[0]!;
    const [m] = await (
      wallet.features['solana:signMessage'] as { signMessage: (i: unknown) => Promise<{ signature: Uint8Array }[]> }
    ).signMessage({
      account,
      message: new Uint8Array([104, 105]),
    });
    expect(m!.signature).toEqual(new Uint8Array(64).fill(0xab));
    const [t] = await (
      wallet.features['solana:signTransaction'] as { signTransaction: (i: unknown) => Promise<{ signedTransaction: Uint8Array }[]> }
    ).signTransaction({
      account,
      transaction: new Uint8Array([9, 9]),
    });
    expect(t!.signedTransaction).toEqual(new Uint8Array([1, 2, 3]));
    const send = wallet.features['solana:signAndSendTransaction'] as {
      supportedTransactionVersions: unknown[];
      signAndSendTransaction: (i: unknown) => Promise<{ signature: Uint8Array }[]>;
    };
    expect(send.supportedTransactionVersions).toEqual(['legacy', 0]);
    const [s] = await send.signAndSendTransaction({
      account,
      transaction: new Uint8Array([9, 9]),
      chain: 'solana:devnet',
      options: { commitment: 'confirmed', skipPreflight: true },
    });
    // The signature as the feature requires: the transaction id's 64 raw bytes.
    expect(s!.signature).toEqual(Uint8Array.from({ length: 64 }, (_, i) => i));
    expect((account as unknown as { features: string[] }).features).toContain('solana:signAndSendTransaction');
    expect(calls.slice(1).map((c) => [c.method, c.params])).toEqual([
      ['solana_signMessage', { message: '6869' }],
      ['solana_signTransaction', { transaction: 'CQk=' }],
      [
        'solana_signAndSendTransaction',
        { transaction: 'CQk=', chain: 'solana:devnet', options: { commitment: 'confirmed', skipPreflight: true } },
      ],
    ]);
    connected = false;
    for (const l of listeners) l();
    await new Promise((r) => setTimeout(r, 10));
    expect(changes).toEqual([1, 0]);
    expect(wallet.accounts).toEqual([]);
  });
});
