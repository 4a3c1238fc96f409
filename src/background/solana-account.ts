/**
 * The active vault's Solana address (docs/solana.md: its EdDSA group key in
 * base58), read from this device's share record while the wallet is
 * unlocked; remembered per vault record (the address is public, and a
 * re-share keeps it).
 */
import { vaultSolanaAddress } from '../session/solana-signing';
import type { VaultView } from '../shared/popup-api';
import { openDeviceVault } from './device-vault-store';
import type { SolanaDeps } from './solana-router';

type Wallet = Parameters<typeof openDeviceVault>[0] & { vault(): Promise<VaultView | null> };

export function solanaAccount(wallet: Wallet): Pick<SolanaDeps, 'address'> {
  const known = new Map<string, string>();
  return {
    async address() {
      const view = await wallet.vault().catch(() => null);
      if (view?.kind !== 'tss') return null;
      const cached = known.get(view.id);
      if (cached) return cached;
      const vault = await openDeviceVault(wallet, view).catch(() => null);
      if (!vault) return null;
      const address = vaultSolanaAddress(vault);
      known.set(view.id, address);
      return address;
    },
  };
}
