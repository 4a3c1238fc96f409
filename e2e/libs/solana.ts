/**
 * A Solana dApp page as dApps are written with the Wallet Standard: it finds
 * Tandem with `getWallets()` and uses its features. Bundled by
 * e2e/solana-wallet.spec.ts; the test drives it through `window.lib`.
 */
import { getBase58Decoder } from '@solana/kit';
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
};
