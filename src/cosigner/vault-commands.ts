/** `list`, `export` and `import`: the vault files of this device. */
import { vaultId } from '../session/device-vault.js';
import { need } from './options.js';
import { readPassword, UsageError } from './prompt.js';
import { StoreError } from './store.js';
import type { CommandContext } from './context.js';

const TWO_SHARES_WARNING =
  "WARNING: this backup holds this device's share. Never keep it in the same place as another device of the vault or its backup: two shares in one place can be combined into the key.";

/** `list`: the vaults this device holds a share of. */
export async function listCommand(ctx: CommandContext): Promise<void> {
  const ids = ctx.store.ids();
  if (ids.length === 0) {
    ctx.print(`no vaults in ${ctx.store.home}`);
    return;
  }
  const password = await readPassword('TANDEM_PASSWORD', "Password for this device's vault files");
  for (const id of ids) {
    try {
      const v = await ctx.store.load(id, password);
      ctx.print(
        `${id}  ${v.address}  ${v.ecdsa.t}-of-${v.ecdsa.parties.length}  party ${v.ecdsa.self}  device ${v.identity.deviceId}  generation ${v.ecdsa.epoch}  "${v.name}"`,
      );
    } catch (e) {
      ctx.print(`${id}  (cannot open: ${e instanceof StoreError ? e.message : 'damaged file'})`);
    }
  }
}

/** `export --vault ID --out FILE`: an encrypted backup under a separate backup password. */
export async function exportCommand(ctx: CommandContext): Promise<void> {
  const out = need(ctx.flags, 'out', 'the backup file to write');
  const password = await readPassword('TANDEM_PASSWORD', "Password for this device's vault files");
  const id = ctx.store.resolve(typeof ctx.flags.vault === 'string' ? ctx.flags.vault : undefined);
  const backupPassword = await readPassword('TANDEM_BACKUP_PASSWORD', 'New backup password', true);
  if (backupPassword === password)
    throw new UsageError('use a backup password different from the vault file password (TANDEM_BACKUP_PASSWORD)');
  await ctx.store.exportBackup(id, password, backupPassword, out);
  ctx.print(`exported vault ${id} to ${out}`);
  ctx.print(TWO_SHARES_WARNING);
}

/** `import --in FILE`: stores the vault of a backup file. */
export async function importCommand(ctx: CommandContext): Promise<void> {
  const path = need(ctx.flags, 'in', 'the backup file to read');
  const backupPassword = await readPassword('TANDEM_BACKUP_PASSWORD', 'Backup password');
  const password = await readPassword('TANDEM_PASSWORD', "Password for this device's vault files");
  const vault = await ctx.store.importBackup(path, backupPassword, password);
  ctx.print(`imported vault ${vaultId(vault)} address ${vault.address} (party ${vault.ecdsa.self}, device ${vault.identity.deviceId})`);
  ctx.print(TWO_SHARES_WARNING);
}
