/**
 * Test-only: the version 1 backup writer exactly as it was before backups
 * became unlinkable (the vault id in the clear and in the associated data),
 * kept to make old-format fixtures that the current reader must restore.
 */
import { encodeDeviceVault, vaultId, type DeviceVault } from '../session/device-vault';
import { deriveKeyBytes, importAesKey, newKdfParams, seal } from './at-rest';

export async function sealBackupV1(vault: DeviceVault, password: string, iterations?: number): Promise<string> {
  const id = vaultId(vault);
  const kdf = newKdfParams(iterations);
  const key = await importAesKey(await deriveKeyBytes(password, kdf));
  const sealed = await seal(key, new TextEncoder().encode(encodeDeviceVault(vault)), `tandem-cosigner-backup:v1:${id}`);
  return JSON.stringify(
    { format: 'tandem-cosigner-backup', version: 1, vaultId: id, kdf, alg: 'AES-GCM', iv: sealed.iv, ciphertext: sealed.ciphertext },
    null,
    2,
  );
}
