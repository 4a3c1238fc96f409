/**
 * Runs in the page's MAIN world at document_start, before any page script:
 * creates the EIP-1193 provider, announces it by EIP-6963 and sets it as
 * window.ethereum when no other wallet has (writable and configurable: dApps
 * built with the MetaMask SDK and other wallets, MetaMask itself, may replace
 * it; Tandem never takes window.ethereum from another wallet, and stays
 * reachable through EIP-6963 and window.tandem).
 */
import { TandemProvider } from './provider';
import { announceProvider } from './eip6963';
import { metaMaskCompatOn } from '../shared/metamask-compat';
import { registerSolanaWallet } from './solana-wallet';

const provider = new TandemProvider({ metaMaskCompat: metaMaskCompatOn(window) });
const w = window as unknown as { ethereum?: unknown; tandem?: unknown };

if (w.ethereum === undefined) {
  Object.defineProperty(window, 'ethereum', { value: provider, writable: true, configurable: true, enumerable: true });
  window.dispatchEvent(new Event('ethereum#initialized'));
}
Object.defineProperty(window, 'tandem', { value: provider, writable: false, configurable: false, enumerable: false });
announceProvider(provider);
// Solana dApps find Tandem through the Wallet Standard (content/solana-wallet.ts).
registerSolanaWallet(provider);
