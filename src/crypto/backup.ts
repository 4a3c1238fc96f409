/**
 * Encrypted backups of this device's share of a vault: the device vault
 * record (src/session/device-vault.ts) under a backup password, in the same
 * file format as `tandem-cosigner export` (src/cosigner/store.ts), so a
 * backup made here restores in the command-line co-signer and the other way
 * round:
 *
 *   { format: 'tandem-cosigner-backup', version: 1, vaultId, kdf, alg: 'AES-GCM', iv, ciphertext }
 *
 * AES-256-GCM under PBKDF2-HMAC-SHA256 (600,000 iterations) of the backup
 * password, associated data `tandem-cosigner-backup:v1:<vaultId>`. Nothing
 * about the vault is in the clear but its id (a hash prefix of its public
 * key): not the address, not the name.
 */
import { decodeDeviceVault, encodeDeviceVault, vaultId, type DeviceVault } from '../session/device-vault';
import { TandemError } from '../errors/index';
import { DecryptError, deriveKeyBytes, importAesKey, newKdfParams, open, seal, type KdfParams } from './at-rest';
import { MAX_BACKUP_BYTES, MIN_PASSWORD_LENGTH } from '../shared/popup-api';

export const BACKUP_FORMAT = 'tandem-cosigner-backup';
export const BACKUP_VERSION = 1;

export interface BackupFile {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  vaultId: string;
  kdf: KdfParams;
  alg: 'AES-GCM';
  iv: string;
  ciphertext: string;
}

/** The backup could not be read or opened; nothing was changed. */
export class BackupError extends TandemError<BackupErrorCode> {
  override name = 'BackupError';
  constructor(code: BackupErrorCode, message: string, cause?: unknown) {
    super(code, message, cause !== undefined ? { cause } : {});
  }
}

/** Why a backup could not be made or opened. */
export type BackupErrorCode =
  | 'backup.passwordTooShort'
  | 'backup.tooLarge'
  | 'backup.notBackup'
  | 'backup.version'
  | 'backup.damaged'
  | 'backup.wrongPassword'
  | 'backup.unreadable'
  | 'backup.otherVault';

const aad = (id: string) => `${BACKUP_FORMAT}:v${BACKUP_VERSION}:${id}`;

/** Encrypts a device vault under `password` into the backup file's text. */
export async function sealBackup(vault: DeviceVault, password: string, iterations?: number): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new BackupError('backup.passwordTooShort', `Use a backup password of at least ${MIN_PASSWORD_LENGTH} characters.`);
  const id = vaultId(vault);
  const kdf = newKdfParams(iterations);
  const raw = await deriveKeyBytes(password, kdf);
  const key = await importAesKey(raw);
  raw.fill(0);
  const plain = new TextEncoder().encode(encodeDeviceVault(vault));
  try {
    const sealed = await seal(key, plain, aad(id));
    const file: BackupFile = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      vaultId: id,
      kdf,
      alg: 'AES-GCM',
      iv: sealed.iv,
      ciphertext: sealed.ciphertext,
    };
    return JSON.stringify(file, null, 2);
  } finally {
    plain.fill(0);
  }
}

/** Reads and decrypts a backup file's text; a wrong password or a damaged file is a {@link BackupError}. */
export async function openBackup(text: string, password: string): Promise<DeviceVault> {
  if (text.length > MAX_BACKUP_BYTES) throw new BackupError('backup.tooLarge', 'This file is too large to be a Tandem backup.');
  let f: Partial<BackupFile>;
  try {
    f = JSON.parse(text) as Partial<BackupFile>;
  } catch {
    throw new BackupError('backup.notBackup', 'This file is not a Tandem backup (not JSON).');
  }
  if (typeof f !== 'object' || f === null || f.format !== BACKUP_FORMAT)
    throw new BackupError('backup.notBackup', 'This file is not a Tandem backup.');
  if (f.version !== BACKUP_VERSION)
    throw new BackupError('backup.version', `This backup has format version ${String(f.version)}: update Tandem to restore it.`);
  if (
    typeof f.vaultId !== 'string' ||
    !/^[0-9a-f]{16}$/.test(f.vaultId) ||
    f.alg !== 'AES-GCM' ||
    typeof f.iv !== 'string' ||
    typeof f.ciphertext !== 'string' ||
    typeof f.kdf !== 'object' ||
    f.kdf === null
  )
    throw new BackupError('backup.damaged', 'This backup is damaged (fields are missing).');
  let plain: Uint8Array;
  try {
    const raw = await deriveKeyBytes(password, f.kdf);
    const key = await importAesKey(raw);
    raw.fill(0);
    plain = await open(key, { alg: 'AES-GCM', iv: f.iv, ciphertext: f.ciphertext }, aad(f.vaultId));
  } catch (e) {
    if (e instanceof DecryptError)
      throw new BackupError('backup.wrongPassword', 'Wrong backup password (or the file was altered). Nothing was changed.', e);
    throw new BackupError('backup.unreadable', `This backup cannot be opened: ${e instanceof Error ? e.message : 'unknown error'}`, e);
  }
  let vault: DeviceVault;
  try {
    vault = decodeDeviceVault(new TextDecoder().decode(plain));
  } catch (e) {
    throw new BackupError('backup.damaged', `This backup is damaged: ${e instanceof Error ? e.message : 'bad record'}`, e);
  } finally {
    plain.fill(0);
  }
  if (vaultId(vault) !== f.vaultId)
    throw new BackupError('backup.otherVault', 'This backup holds another vault than its label says: the file was altered.');
  return vault;
}
