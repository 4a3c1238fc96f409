/**
 * The phone's backup files: one vault's share exported under a password, or
 * a backup file restored into the unlocked store (same format as the
 * extension and the CLI, src/crypto/backup.ts).
 */
import { sealBackup, openBackup, BackupError } from '../../crypto/backup';
import type { DeviceVault } from '../../session/device-vault';
import { explain } from './explain-error';
import { checkPersistence } from './persistence';
import type { PhoneCore } from './phone-core';
import { VaultStoreError } from './vault-store';

/** A file name for the vault's backup: `tandem-<name>-<id prefix>.backup.json`. */
function backupFilename(v: DeviceVault, id: string): string {
  const slug =
    v.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'vault';
  return `tandem-${slug}-${id.slice(0, 6)}.backup.json`;
}

/** Exports one vault's share as a backup file's text; a string alone is an error message for the user. */
export async function exportBackup(core: PhoneCore, id: string, password: string): Promise<{ text: string; filename: string } | string> {
  const v = core.vaults.get(id);
  if (!v) return 'Unlock first.';
  try {
    const text = await sealBackup(v, password);
    return { text, filename: backupFilename(v, id) };
  } catch (e) {
    return e instanceof BackupError ? e.message : `Cannot make the backup: ${explain(e)}`;
  }
}

/** Restores a backup file (the store must be unlocked); a wrong password or a duplicate changes nothing. */
export async function importBackup(core: PhoneCore, text: string, password: string): Promise<string | null> {
  if (!core.unlocked) return 'Unlock first.';
  let vault: DeviceVault;
  try {
    vault = await openBackup(text, password);
  } catch (e) {
    return e instanceof BackupError ? e.message : `Cannot open the backup: ${explain(e)}`;
  }
  try {
    const summary = await core.unlocked.save(vault);
    core.vaults.set(summary.id, vault);
    await core.refreshVaults();
    void core.signing.listen(vault);
    await checkPersistence(core, true);
    return null;
  } catch (e) {
    return e instanceof VaultStoreError ? e.message : `Cannot store the backup: ${explain(e)}`;
  }
}
