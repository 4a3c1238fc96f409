import {
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import { getTransferCheckedInstruction } from '@solana-program/token';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { describe, expect, it } from 'vitest';
import { startSolanaRpc } from './support/solana-rpc';
import { setMint, setTokenAccount } from './support/solana-token';

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

  it('holds SPL tokens set with setAccount: a TransferChecked executes, and getTokenAccountBalance answers in units', async () => {
    const svm = new LiteSVM();
    const [owner, mintKey, to] = await Promise.all([generateKeyPairSigner(), generateKeyPairSigner(), generateKeyPairSigner()]);
    svm.airdrop(owner.address, lamports(1_000_000_000n));
    setMint(svm, mintKey.address, 6, 10_000_000n, owner.address);
    const source = await setTokenAccount(svm, owner.address, mintKey.address, 10_000_000n);
    const destination = await setTokenAccount(svm, to.address, mintKey.address, 0n);
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(owner, m),
      (m) => svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
      (m) =>
        appendTransactionMessageInstructions(
          [
            getTransferCheckedInstruction({
              source,
              mint: mintKey.address,
              destination,
              authority: owner,
              amount: 2_500_000n,
              decimals: 6,
            }),
          ],
          m,
        ),
    );
    const result = svm.sendTransaction(await signTransactionMessageWithSigners(message));
    expect(result instanceof FailedTransactionMetadata ? result.toString() : 'ok').toBe('ok');
    const server = await startSolanaRpc(svm);
    try {
      expect((await rpc(server.url, 'getTokenAccountBalance', [destination])).result?.value).toEqual({
        amount: '2500000',
        decimals: 6,
        uiAmount: 2.5,
        uiAmountString: '2.5',
      });
      expect((await rpc(server.url, 'getTokenAccountBalance', [source])).result?.value).toMatchObject({ amount: '7500000' });
      expect((await rpc(server.url, 'getTokenAccountBalance', [to.address])).error?.code).toBe(-32602);
    } finally {
      await server.close();
    }
  });
});
