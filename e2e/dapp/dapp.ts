/**
 * The test dApp: a page that uses the wallet the way real dApps do (EIP-6963
 * discovery, window.ethereum, ethers' BrowserProvider, viem's custom
 * transport) and records what it sees on `window.dapp` for the tests.
 */
import { BrowserProvider, type Eip1193Provider } from 'ethers';
import { createWalletClient, custom, type EIP1193Provider } from 'viem';

interface Announced {
  info: { uuid: string; name: string; icon: string; rdns: string };
  provider: unknown;
}

type Outcome = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

const announced: Announced[] = [];
window.addEventListener('eip6963:announceProvider', (e) => announced.push((e as CustomEvent<Announced>).detail));

const events: { event: string; data: unknown }[] = [];
const eth = () => (window as unknown as { ethereum: Eip1193Provider & { on(e: string, l: (d: unknown) => void): void } }).ethereum;
let listening = false;
function listen() {
  if (listening || !eth()) return;
  listening = true;
  for (const event of ['connect', 'disconnect', 'chainChanged', 'accountsChanged']) eth().on(event, (data) => events.push({ event, data }));
}
listen();

async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { result: await p };
  } catch (e) {
    type Rpc = { code?: number; message?: string; data?: unknown };
    const err = e as Rpc & { error?: Rpc; info?: { error?: Rpc } };
    // ethers wraps provider errors; dig out the EIP-1193 one.
    const inner = err.info?.error ?? err.error ?? err;
    return {
      error: {
        code: Number(inner.code ?? err.code),
        message: String(inner.message ?? err.message),
        ...(inner.data !== undefined ? { data: inner.data } : {}),
      },
    };
  }
}

const dapp = {
  announced,
  events,
  /** Asks wallets to announce themselves again (EIP-6963). */
  requestProviders() {
    window.dispatchEvent(new Event('eip6963:requestProvider'));
    return announced.map((a) => ({
      ...a.info,
      sameAsWindowEthereum: a.provider === eth(),
      hasRequest: typeof (a.provider as { request?: unknown }).request === 'function',
    }));
  },
  hasWindowEthereum: () => {
    const d = Object.getOwnPropertyDescriptor(window, 'ethereum');
    return {
      present: !!eth(),
      isTandem: !!(eth() as { isTandem?: boolean })?.isTandem,
      writable: !!d?.writable,
      configurable: !!d?.configurable,
    };
  },
  request: (method: string, params?: unknown[]) => outcome(eth().request({ method, ...(params ? { params } : {}) })),
  ethersChainId: () => outcome(new BrowserProvider(eth()).getNetwork().then((n) => n.chainId.toString())),
  ethersConnect: () => outcome(new BrowserProvider(eth()).getSigner().then((s) => s.getAddress())),
  ethersBalance: (address: string) => outcome(new BrowserProvider(eth()).getBalance(address).then((b) => b.toString())),
  ethersBlockNumber: () => outcome(new BrowserProvider(eth()).getBlockNumber()),
  viemChainId: () => outcome(createWalletClient({ transport: custom(eth() as EIP1193Provider) }).getChainId()),
  viemConnect: () => outcome(createWalletClient({ transport: custom(eth() as EIP1193Provider) }).requestAddresses()),
  viemAddresses: () => outcome(createWalletClient({ transport: custom(eth() as EIP1193Provider) }).getAddresses()),
};

(window as unknown as { dapp: typeof dapp }).dapp = dapp;
