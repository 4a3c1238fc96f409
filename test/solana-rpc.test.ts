import { generateKeyPairSigner, lamports } from '@solana/kit';
import { LiteSVM } from 'litesvm';
import { describe, expect, it } from 'vitest';
import { startSolanaRpc } from './support/solana-rpc';

const rpc = async (url: string, method: string, params: unknown[]) =>
  (await (await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()) as {
    result?: { value: unknown };
    error?: { code: number };
  };

describe('the test Solana JSON-RPC server over litesvm', () => {
  it('answers getBalance and getLatestBlockhash, refuses a non-base64 sendTransaction and unknown methods', async () => {
    const svm = new LiteSVM();
    const who = (await generateKeyPairSigner()).address;
    svm.airdrop(who, lamports(5_000_000n));
    const server = await startSolanaRpc(svm);
    try {
      expect((await rpc(server.url, 'getBalance', [who])).result?.value).toBe(5_000_000);
      expect((await rpc(server.url, 'getLatestBlockhash', [])).result?.value).toMatchObject({ blockhash: svm.latestBlockhash() });
      expect((await rpc(server.url, 'sendTransaction', ['AA==', {}])).error?.code).toBe(-32602);
      expect((await rpc(server.url, 'nope', [])).error?.code).toBe(-32601);
    } finally {
      await server.close();
    }
  });
});
