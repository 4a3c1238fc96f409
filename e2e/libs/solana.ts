/**
 * A Solana dApp page as dApps are written with the Wallet Standard: it finds
 * Tandem with `getWallets()` and uses its features. Bundled by
 * e2e/solana-wallet.spec.ts; the test drives it through `window.lib`.
 * `transferToken` builds an SPL Token TransferChecked itself, as a dApp
 * does, with @solana/kit and @solana-program/token.
 */
import {
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  getBase58Decoder,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Blockhash,
} from '@solana/kit';
import { getTransferCheckedInstruction } from '@solana-program/token';
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount } from '@wallet-standard/base';

type Result = { result?: unknown; error?: { message: string } };
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const b64 = (b: Uint8Array) => btoa(Array.from(b, (x) => String.fromCharCode(x)).join(''));

let wallet: Wallet | undefined;
let account: WalletAccount | undefined;
const { get, on } = getWallets();
const find = () => (wallet ??= get().find((w) => w.name === 'Tandem'));
find();
on('register', () => {
  if (find()) document.title = 'solana ready';
});
if (wallet) document.title = 'solana ready';

async function wrap(f: () => Promise<unknown>): Promise<Result> {
  try {
    return { result: await f() };
  } catch (e) {
    return { error: { message: e instanceof Error ? e.message : String(e) } };
  }
}

const feature = <T>(name: string) => (find()!.features as Record<string, T>)[name]!;

(window as unknown as { lib: Record<string, (...a: never[]) => Promise<Result>> }).lib = {
  wallets: () => wrap(async () => get().map((w) => ({ name: w.name, features: Object.keys(w.features), chains: w.chains }))),
  connect: () =>
    wrap(async () => {
      const { accounts } = await feature<{ connect: () => Promise<{ accounts: WalletAccount[] }> }>('standard:connect').connect();
      account = accounts[0];
      return accounts.map((a) => a.address);
    }),
  signMessage: (text: string) =>
    wrap(async () => {
      const [out] = await feature<{ signMessage: (i: unknown) => Promise<{ signature: Uint8Array }[]> }>('solana:signMessage').signMessage({
        account,
        message: new TextEncoder().encode(text),
      });
      return hex(out!.signature);
    }),
  signIn: (input: Record<string, unknown>) =>
    wrap(async () => {
      const [out] = await feature<{
        signIn: (i: unknown) => Promise<{ account: { address: string }; signedMessage: Uint8Array; signature: Uint8Array }[]>;
      }>('solana:signIn').signIn(input);
      return { address: out!.account.address, message: new TextDecoder().decode(out!.signedMessage), signature: hex(out!.signature) };
    }),
  signTransaction: (base64: string) =>
    wrap(async () => {
      const transaction = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const [out] = await feature<{ signTransaction: (i: unknown) => Promise<{ signedTransaction: Uint8Array }[]> }>(
        'solana:signTransaction',
      ).signTransaction({ account, transaction, chain: 'solana:localnet' });
      return b64(out!.signedTransaction);
    }),
  /** solana:signAndSendTransaction: answers the transaction signature (raw bytes from the wallet) in base58, and its length. */
  signAndSendTransaction: (base64: string, chain: string, options?: Record<string, unknown>) =>
    wrap(async () => {
      const transaction = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const [out] = await feature<{ signAndSendTransaction: (i: unknown) => Promise<{ signature: Uint8Array }[]> }>(
        'solana:signAndSendTransaction',
      ).signAndSendTransaction({ account, transaction, chain, ...(options ? { options } : {}) });
      return { signature: getBase58Decoder().decode(out!.signature), bytes: out!.signature.length };
    }),
  /** Builds a v0 SPL Token TransferChecked from the connected account (fee payer and authority) and asks Tandem to sign and send it. */
  transferToken: (t: {
    mint: string;
    source: string;
    destination: string;
    amount: string;
    decimals: number;
    blockhash: string;
    lastValidBlockHeight: string;
    chain: string;
  }) =>
    wrap(async () => {
      const me = createNoopSigner(address(account!.address));
      const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayer(me.address, m),
        (m) =>
          setTransactionMessageLifetimeUsingBlockhash(
            { blockhash: t.blockhash as Blockhash, lastValidBlockHeight: BigInt(t.lastValidBlockHeight) },
            m,
          ),
        (m) =>
          appendTransactionMessageInstructions(
            [
              getTransferCheckedInstruction({
                source: address(t.source),
                mint: address(t.mint),
                destination: address(t.destination),
                authority: me,
                amount: BigInt(t.amount),
                decimals: t.decimals,
              }),
            ],
            m,
          ),
      );
      const transaction = new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
      const [out] = await feature<{ signAndSendTransaction: (i: unknown) => Promise<{ signature: Uint8Array }[]> }>(
        'solana:signAndSendTransaction',
      ).signAndSendTransaction({ account, transaction, chain: t.chain, options: { commitment: 'confirmed' } });
      return { signature: getBase58Decoder().decode(out!.signature) };
    }),
};
