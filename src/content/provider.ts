/**
 * The in-page EIP-1193 provider. It lives in the page's own world, so it
 * holds nothing secret: it posts requests to the content-script bridge and
 * turns the bridge's messages into promises and EIP-1193 events.
 */
import {
  parseRpcRequest,
  TO_BRIDGE,
  TO_INPAGE,
  type BridgeToPage,
  type PageToBridge,
  type ProviderEventName,
  type RpcRequest,
} from '../shared/page-channel';
import { ProviderRpcError, isRpcErrorShape, rpcErrors, type RpcErrorShape } from '../shared/rpc-errors';

type Listener = (...args: unknown[]) => void;

/** EIP-1193 RequestArguments. */
export interface RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object | undefined;
}

/** Tandem's window.ethereum. */
export class TandemProvider {
  readonly isTandem = true;
  /**
   * MetaMask compatibility (on unless the user turned it off in Settings):
   * many dApps and SDKs (the MetaMask test-dapp, the MetaMask SDK, older
   * web3 modals) only talk to a provider that says this, as with other
   * MetaMask-compatible wallets. Tandem still names itself over EIP-6963.
   */
  isMetaMask: boolean;
  /** MetaMask's non-standard helper some SDKs probe; present only with compatibility on. */
  readonly _metamask?: { isUnlocked(): Promise<boolean> };
  /** Legacy: the current chain id (EIP-695 hex), null before the first state. */
  chainId: string | null = null;
  /** Legacy: the first visible account. */
  selectedAddress: string | null = null;

  #accounts: string[] = [];
  #connected = false;
  #bridgeReady = false;
  #queue: { id: string; request: RpcRequest }[] = [];
  #pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: ProviderRpcError) => void; method: string }>();
  #listeners = new Map<string, Listener[]>();
  #idPrefix = crypto.randomUUID().slice(0, 8);
  #nextId = 1;

  constructor(options: { metaMaskCompat?: boolean } = {}) {
    this.isMetaMask = options.metaMaskCompat ?? true;
    if (this.isMetaMask) this._metamask = Object.freeze({ isUnlocked: async () => this.#accounts.length > 0 });
    window.addEventListener('message', (e: MessageEvent) => {
      if (e.source !== window || e.origin !== window.location.origin) return;
      const m = e.data as BridgeToPage | undefined;
      if (!m || typeof m !== 'object' || m.target !== TO_INPAGE) return;
      this.#onBridgeMessage(m);
    });
    window.postMessage({ target: TO_BRIDGE, type: 'hello' }, window.location.origin);
  }

  /** Legacy: chain id as a decimal string. */
  get networkVersion(): string | null {
    return this.chainId ? BigInt(this.chainId).toString(10) : null;
  }

  /** EIP-1193 request(): resolves with the result or rejects with a ProviderRpcError. */
  request(args: RequestArguments): Promise<unknown> {
    const parsed = parseRpcRequest(args);
    if (!parsed.ok) return Promise.reject(rpcErrors.invalidRequest(parsed.reason));
    const id = `${this.#idPrefix}-${this.#nextId++}`;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method: parsed.request.method });
      const msg = { id, request: parsed.request };
      if (this.#bridgeReady) this.#send(msg);
      else this.#queue.push(msg);
    });
  }

  /** True while the wallet can answer requests for a chain (EIP-1193 isConnected). */
  isConnected(): boolean {
    return this.#connected;
  }

  on(event: string, listener: Listener): this {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    return this;
  }
  addListener(event: string, listener: Listener): this {
    return this.on(event, listener);
  }
  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.removeListener(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }
  removeListener(event: string, listener: Listener): this {
    const list = this.#listeners.get(event);
    if (list) {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }
  off(event: string, listener: Listener): this {
    return this.removeListener(event, listener);
  }
  removeAllListeners(event?: string): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }
  listenerCount(event: string): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** Legacy: same as eth_requestAccounts. */
  enable(): Promise<unknown> {
    return this.request({ method: 'eth_requestAccounts' });
  }

  /** Legacy web3 0.x sendAsync(payload, callback). */
  sendAsync(payload: { id?: unknown; method: string; params?: unknown[] }, cb: (err: unknown, res?: unknown) => void): void {
    this.request({ method: payload.method, params: payload.params }).then(
      (result) => cb(null, { id: payload.id, jsonrpc: '2.0', result }),
      (error) => cb(error, { id: payload.id, jsonrpc: '2.0', error }),
    );
  }

  #send({ id, request }: { id: string; request: RpcRequest }): void {
    window.postMessage({ target: TO_BRIDGE, type: 'request', id, request } satisfies PageToBridge, window.location.origin);
  }

  #emit(event: ProviderEventName | 'networkChanged', ...args: unknown[]): void {
    for (const l of [...(this.#listeners.get(event) ?? [])]) {
      try {
        l(...args);
      } catch (e) {
        console.error('Tandem: a dApp event listener threw', e);
      }
    }
  }

  #onBridgeMessage(m: BridgeToPage): void {
    switch (m.type) {
      case 'ready':
        if (!this.#bridgeReady) {
          this.#bridgeReady = true;
          for (const q of this.#queue.splice(0)) this.#send(q);
        }
        return;
      case 'response': {
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        if (m.error !== undefined) return p.reject(toProviderError(m.error));
        if (p.method === 'eth_accounts' || p.method === 'eth_requestAccounts') this.#setAccounts(m.result);
        if (p.method === 'eth_chainId' && typeof m.result === 'string') this.#setChain(m.result);
        return p.resolve(m.result);
      }
      case 'state':
        if (typeof m.state.isMetaMask === 'boolean') this.isMetaMask = m.state.isMetaMask;
        this.#setChain(m.state.chainId);
        this.#setAccounts(m.state.accounts);
        return;
      case 'event':
        return this.#onEvent(m.event, m.data);
    }
  }

  #onEvent(event: ProviderEventName, data: unknown): void {
    if (event === 'chainChanged') return this.#setChain(data);
    if (event === 'accountsChanged') return this.#setAccounts(data);
    if (event === 'disconnect') {
      this.#connected = false;
      const err = isRpcErrorShape(data) ? toProviderError(data) : rpcErrors.disconnected();
      for (const [, p] of this.#pending) p.reject(err);
      this.#pending.clear();
      return this.#emit('disconnect', err);
    }
    this.#emit(event, data);
  }

  #setChain(chainId: unknown): void {
    if (typeof chainId !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(chainId)) return;
    const changed = this.chainId !== null && this.chainId !== chainId;
    this.chainId = chainId;
    if (!this.#connected) {
      this.#connected = true;
      this.#emit('connect', { chainId });
    }
    if (changed) {
      this.#emit('chainChanged', chainId);
      // Legacy MetaMask event (older dApps update their network field only on it): the network id, decimal.
      this.#emit('networkChanged', BigInt(chainId).toString(10));
    }
  }

  #setAccounts(accounts: unknown): void {
    if (!Array.isArray(accounts) || !accounts.every((a) => typeof a === 'string')) return;
    const next = accounts as string[];
    const same = next.length === this.#accounts.length && next.every((a, i) => a.toLowerCase() === this.#accounts[i]!.toLowerCase());
    this.#accounts = [...next];
    this.selectedAddress = next[0] ?? null;
    if (!same) this.#emit('accountsChanged', [...next]);
  }
}

function toProviderError(e: RpcErrorShape): ProviderRpcError {
  return new ProviderRpcError(e.code, e.message, e.data);
}
