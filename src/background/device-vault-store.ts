/**
 * The extension's co-signed vault records: a device vault (docs/generations.md)
 * stored as a 'tss' vault of the wallet, its share encrypted under the
 * wallet key; and those records as a {@link GenerationStore}.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeDeviceVault, encodeDeviceVault, type DeviceVault } from '../session/device-vault';
import type { GenerationStore } from '../session/generations';
import type { VaultView } from '../shared/popup-api';
import type { WalletService } from './vault/wallet';

/** Format name of a TSS vault's share blob: the JSON of `encodeDeviceVault`. */
export const DEVICE_VAULT_FORMAT = 'tandem-device-vault-v1';

/**
 * This wallet's record of a vault as a generation store (docs/generations.md):
 * a pending record replaces the share in place (the previous generation is
 * inside it); the committed new generation is added as a record of its own
 * (its threshold and devices) before the old record goes.
 */
export function walletStore(
  wallet: Pick<WalletService, 'addVault' | 'deleteVault' | 'replaceShare'>,
  recordId: string | null,
): GenerationStore {
  let id = recordId;
  return {
    async save(record) {
      if (id !== null && record.pending) {
        const blob = new TextEncoder().encode(encodeDeviceVault(record));
        try {
          await wallet.replaceShare(id, blob);
        } finally {
          blob.fill(0);
        }
        return;
      }
      const added = await storeDeviceVault(wallet, record);
      if (id !== null) await wallet.deleteVault(id);
      id = added.id;
    },
    async remove() {
      if (id !== null) await wallet.deleteVault(id);
      id = null;
    },
  };
}

/** Stores a device vault (its share encrypted under the wallet key) as a 'tss' vault. */
export async function storeDeviceVault(wallet: Pick<WalletService, 'addVault'>, vault: DeviceVault): Promise<VaultView> {
  const blob = new TextEncoder().encode(encodeDeviceVault(vault));
  try {
    return await wallet.addVault({
      name: vault.name,
      kind: 'tss',
      address: vault.address,
      publicKey: bytesToHex(vault.ecdsa.publicKey),
      shareFormat: DEVICE_VAULT_FORMAT,
      share: blob,
      t: vault.ecdsa.t,
      n: vault.members.length,
    });
  } finally {
    blob.fill(0);
  }
}

/**
 * The decrypted device vault of a stored vault, or null when `vault` is not
 * a co-signed one (none, a watch-only address, another share format). Needs
 * the wallet unlocked; the decrypted bytes are wiped once decoded.
 */
export async function openDeviceVault(
  wallet: Pick<WalletService, 'shareFormatOf' | 'openShare'>,
  vault: VaultView | null,
): Promise<DeviceVault | null> {
  if (vault?.kind !== 'tss' || (await wallet.shareFormatOf(vault.id)) !== DEVICE_VAULT_FORMAT) return null;
  const blob = await wallet.openShare(vault.id);
  try {
    return decodeDeviceVault(new TextDecoder().decode(blob));
  } finally {
    blob.fill(0);
  }
}
