/**
 * Tandem's Solana wallet for pages, through the Wallet Standard: a wallet
 * named "Tandem" registered with `registerWallet`, found by dApps with
 * `getWallets()`. It speaks to the background over the same bridge as the
 * EIP-1193 provider (its `solana_*` methods, background/solana-router.ts);
 * nothing is signed here: the vault's co-signers decode and sign each
 * request themselves (docs/solana.md).
 *
 * Features: `standard:connect`, `standard:disconnect`, `standard:events`,
 * `solana:signMessage`, `solana:signTransaction` (legacy and v0),
 * `solana:signAndSendTransaction` (co-signed, then sent by the background
 * through the Solana RPC set in Tandem, which must serve the input's chain:
 * background/solana-send.ts), `solana:signIn` (the background builds the
 * Sign-In With Solana text for the page's own host: background/solana-sign-in.ts).
 */
import { getBase58Encoder } from '@solana/kit';
import { SolanaSignAndSendTransaction, SolanaSignIn, SolanaSignMessage, SolanaSignTransaction } from '@solana/wallet-standard-features';
import type {
  SolanaSignAndSendTransactionFeature,
  SolanaSignAndSendTransactionInput,
  SolanaSignAndSendTransactionOutput,
  SolanaSignInFeature,
  SolanaSignInInput,
  SolanaSignInOutput,
  SolanaSignMessageFeature,
  SolanaSignMessageInput,
  SolanaSignMessageOutput,
  SolanaSignTransactionFeature,
  SolanaSignTransactionInput,
  SolanaSignTransactionOutput,
} from '@solana/wallet-standard-features';
import type { IdentifierArray, Wallet, WalletAccount, WalletIcon } from '@wallet-standard/base';
import { registerWallet } from '@wallet-standard/core';
import {
  StandardConnect,
  StandardDisconnect,
  StandardEvents,
  type StandardConnectFeature,
  type StandardDisconnectFeature,
  type StandardEventsFeature,
  type StandardEventsListeners,
  type StandardEventsNames,
} from '@wallet-standard/features';

/** What the wallet needs from the in-page provider (content/provider.ts). */
export interface PageRpc {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export const SOLANA_CHAINS = ['solana:mainnet', 'solana:devnet', 'solana:testnet', 'solana:localnet'] as const;

const ICON: WalletIcon =
  'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAzMiAzMiI+PHJlY3Qgd2lkdGg9IjMyIiBoZWlnaHQ9IjMyIiByeD0iOCIgZmlsbD0iIzFmMmE0NCIvPjxjaXJjbGUgY3g9IjEyIiBjeT0iMTYiIHI9IjYiIGZpbGw9IiM2ZWU3YjciLz48Y2lyY2xlIGN4PSIyMCIgY3k9IjE2IiByPSI2IiBmaWxsPSIjOGJhZmZmIiBmaWxsLW9wYWNpdHk9IjAuOCIvPjwvc3ZnPg==';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => Number.parseInt(x, 16));
const toBase64 = (b: Uint8Array) => btoa(Array.from(b, (x) => String.fromCharCode(x)).join(''));
const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

class TandemAccount implements WalletAccount {
  readonly publicKey: Uint8Array;
  readonly chains: IdentifierArray = SOLANA_CHAINS;
  readonly features: IdentifierArray = [SolanaSignMessage, SolanaSignTransaction, SolanaSignAndSendTransaction, SolanaSignIn];
  constructor(readonly address: string) {
    this.publicKey = new Uint8Array(getBase58Encoder().encode(address));
  }
}

type Features = StandardConnectFeature &
  StandardDisconnectFeature &
  StandardEventsFeature &
  SolanaSignMessageFeature &
  SolanaSignTransactionFeature &
  SolanaSignAndSendTransactionFeature &
  SolanaSignInFeature;

export class TandemSolanaWallet implements Wallet {
  readonly version = '1.0.0' as const;
  readonly name = 'Tandem';
  readonly icon = ICON;
  readonly chains: IdentifierArray = SOLANA_CHAINS;
  #accounts: TandemAccount[] = [];
  readonly #listeners: { [E in StandardEventsNames]?: StandardEventsListeners[E][] } = {};

  constructor(private readonly rpc: PageRpc) {
    // The site's connection changed in Tandem (connected, disconnected, locked, another vault): read the account again.
    rpc.on('accountsChanged', () => {
      if (this.#accounts.length) void this.#refresh();
    });
  }

  get accounts(): readonly WalletAccount[] {
    return [...this.#accounts];
  }

  get features(): Features {
    return {
      [StandardConnect]: { version: '1.0.0', connect: async (input) => ({ accounts: await this.#connect(input?.silent === true) }) },
      [StandardDisconnect]: { version: '1.0.0', disconnect: () => this.#disconnect() },
      [StandardEvents]: { version: '1.0.0', on: (event, listener) => this.#on(event, listener) },
      [SolanaSignMessage]: { version: '1.0.0', signMessage: (...inputs) => this.#signMessages(inputs) },
      [SolanaSignTransaction]: {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signTransaction: (...inputs) => this.#signTransactions(inputs),
      },
      [SolanaSignAndSendTransaction]: {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signAndSendTransaction: (...inputs) => this.#signAndSendTransactions(inputs),
      },
      [SolanaSignIn]: { version: '1.0.0', signIn: (...inputs) => this.#signIns(inputs) },
    };
  }

  #set(addresses: string[]): void {
    const before = this.#accounts.map((a) => a.address).join();
    this.#accounts = addresses.map((a) => new TandemAccount(a));
    if (before !== addresses.join()) for (const l of this.#listeners.change ?? []) l({ accounts: this.accounts });
  }

  async #connect(silent: boolean): Promise<readonly WalletAccount[]> {
    const got = (await this.rpc.request({ method: 'solana_connect', params: { onlyIfTrusted: silent } })) as string[];
    this.#set(Array.isArray(got) ? got.filter((a) => typeof a === 'string') : []);
    return this.accounts;
  }

  async #refresh(): Promise<void> {
    const got = (await this.rpc.request({ method: 'solana_accounts' }).catch(() => [])) as string[];
    this.#set(Array.isArray(got) ? got : []);
  }

  async #disconnect(): Promise<void> {
    await this.rpc.request({ method: 'solana_disconnect' });
    this.#set([]);
  }

  #on<E extends StandardEventsNames>(event: E, listener: StandardEventsListeners[E]): () => void {
    const list = (this.#listeners[event] ??= []) as StandardEventsListeners[E][];
    list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  #check(account: WalletAccount): void {
    if (!this.#accounts.some((a) => a.address === account.address)) throw new Error('Tandem: this account is not connected');
  }

  async #signMessages(inputs: readonly SolanaSignMessageInput[]): Promise<readonly SolanaSignMessageOutput[]> {
    const out: SolanaSignMessageOutput[] = [];
    for (const { account, message } of inputs) {
      this.#check(account);
      const r = (await this.rpc.request({ method: 'solana_signMessage', params: { message: hex(message) } })) as { signature: string };
      out.push({ signedMessage: message, signature: fromHex(r.signature), signatureType: 'ed25519' });
    }
    return out;
  }

  async #signTransactions(inputs: readonly SolanaSignTransactionInput[]): Promise<readonly SolanaSignTransactionOutput[]> {
    const out: SolanaSignTransactionOutput[] = [];
    for (const { account, transaction } of inputs) {
      this.#check(account);
      const r = (await this.rpc.request({ method: 'solana_signTransaction', params: { transaction: toBase64(transaction) } })) as {
        signedTransaction: string;
      };
      out.push({ signedTransaction: fromBase64(r.signedTransaction) });
    }
    return out;
  }

  async #signAndSendTransactions(
    inputs: readonly SolanaSignAndSendTransactionInput[],
  ): Promise<readonly SolanaSignAndSendTransactionOutput[]> {
    const out: SolanaSignAndSendTransactionOutput[] = [];
    for (const { account, transaction, chain, options } of inputs) {
      this.#check(account);
      const params = { transaction: toBase64(transaction), chain, ...(options ? { options: { ...options } } : {}) };
      const r = (await this.rpc.request({ method: 'solana_signAndSendTransaction', params })) as { transactionSignature: string };
      out.push({ signature: new Uint8Array(getBase58Encoder().encode(r.transactionSignature)) });
    }
    return out;
  }

  async #signIns(inputs: readonly SolanaSignInInput[]): Promise<readonly SolanaSignInOutput[]> {
    const out: SolanaSignInOutput[] = [];
    for (const input of inputs) {
      // Signing in connects first when needed (the same approval as standard:connect).
      if (!this.#accounts.length) await this.#connect(false);
      const r = (await this.rpc.request({ method: 'solana_signIn', params: { input: { ...input } } })) as {
        address: string;
        message: string;
        signature: string;
      };
      const account = this.#accounts.find((a) => a.address === r.address);
      if (!account) throw new Error('Tandem: the signed-in account is not connected');
      out.push({ account, signedMessage: fromHex(r.message), signature: fromHex(r.signature), signatureType: 'ed25519' });
    }
    return out;
  }
}

/** Registers Tandem's Solana wallet with the page's Wallet Standard registry. */
export function registerSolanaWallet(rpc: PageRpc): TandemSolanaWallet {
  const wallet = new TandemSolanaWallet(rpc);
  registerWallet(wallet);
  return wallet;
}
