/**
 * Runs in the page's MAIN world at document_start, before any page script:
 * creates the EIP-1193 provider, announces it by EIP-6963 and sets it as
 * window.ethereum (writable and configurable: dApps built with the MetaMask
 * SDK and other wallets may replace it).
 */
import { TandemProvider } from './provider';
import { announceProvider } from './eip6963';

const provider = new TandemProvider();
const w = window as unknown as { ethereum?: unknown; tandem?: unknown };

if (w.ethereum === undefined) {
  Object.defineProperty(window, 'ethereum', { value: provider, writable: true, configurable: true, enumerable: true });
  window.dispatchEvent(new Event('ethereum#initialized'));
}
Object.defineProperty(window, 'tandem', { value: provider, writable: false, configurable: false, enumerable: false });
announceProvider(provider);
