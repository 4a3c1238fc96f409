/**
 * Encrypted backups of this device's share of a vault: the device vault
 * record (src/session/device-vault.ts) under a backup password. One format
 * for the extension, the command-line co-signer (`export` / `import`) and
 * the phone, so a backup made on one restores on the others:
 *
 *   { format: 'tandem-cosigner-backup', version: 2, kdf, alg: 'AES-GCM', iv, ciphertext }
 *
 * AES-256-GCM under PBKDF2-HMAC-SHA256 (600,000 iterations) of the backup
 * password, associated data `tandem-cosigner-backup:v2`.
 *
 * Unlinkable (issue #12): a share must not reveal which vault it belongs to,
 * and two backups of one vault (say, of two of its devices, found in one
 * mailbox) must not be matchable, or an attacker learns which two files
 * together hold the key. So the clear text holds nothing of the vault: no id,
 * no address, no name. What identifies the vault is in the ciphertext (the
 * record itself). Salt and IV are fresh per file, and the record is padded
 * to a multiple of {@link PAD_BYTES} so that the ciphertext's length does not
 * single out a vault either (only its size class: devices and threshold).
 * Every other clear field is a constant of the format.
 *
 * Version 1 files (the vault id in the clear and in the associated data)
 * still restore; they are no longer written.
 */
import { decodeDeviceVault, encodeDeviceVault, vaultId, type DeviceVault } from '../session/device-vault';
import { TandemError } from '../errors/index';
import { DecryptError, deriveKeyBytes, importAesKey, newKdfParams, open, seal, type KdfParams } from './at-rest';
import { MAX_BACKUP_BYTES, MIN_PASSWORD_LENGTH } from '../shared/popup-api';

export const BACKUP_FORMAT = 'tandem-cosigner-backup';
export const BACKUP_VERSION = 2;
/** The plaintext is padded with spaces (JSON whitespace) to a multiple of this. */
export const PAD_BYTES = 4096;

export interface BackupFile {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  kdf: KdfParams;
  alg: 'AES-GCM';
  iv: string;
  ciphertext: string;
}

/** The version 1 file (read only): the vault id in the clear. */
interface BackupFileV1 extends Omit<BackupFile, 'version'> {
  version: 1;
  vaultId: string;
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

/** Associated data: the format and version only (nothing of the vault). */
const AAD_V2 = `${BACKUP_FORMAT}:v2`;
/** Version 1's associated data bound the clear-text vault id. */
const aadV1 = (id: string) => `${BACKUP_FORMAT}:v1:${id}`;

/** The record's bytes padded with spaces to a multiple of {@link PAD_BYTES} (JSON ignores trailing whitespace). */
function padded(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(Math.ceil((bytes.length + 1) / PAD_BYTES) * PAD_BYTES).fill(0x20);
  out.set(bytes);
  bytes.fill(0);
  return out;
}

/** Encrypts a device vault under `password` into the backup file's text. */
export async function sealBackup(vault: DeviceVault, password: string, iterations?: number): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new BackupError('backup.passwordTooShort', `Use a backup password of at least ${MIN_PASSWORD_LENGTH} characters.`);
  const kdf = newKdfParams(iterations); // fresh salt per file
  const raw = await deriveKeyBytes(password, kdf);
  const key = await importAesKey(raw);
  raw.fill(0);
  const plain = padded(encodeDeviceVault(vault));
  try {
    const sealed = await seal(key, plain, AAD_V2); // fresh IV per file
    const file: BackupFile = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
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

/** Parses a backup file's clear text strictly (either version). */
function parseBackupFile(text: string): BackupFile | BackupFileV1 {
  if (text.length > MAX_BACKUP_BYTES) throw new BackupError('backup.tooLarge', 'This file is too large to be a Tandem backup.');
  let f: Partial<Omit<BackupFileV1, 'version'>> & { version?: unknown };
  try {
    f = JSON.parse(text) as typeof f;
  } catch {
    throw new BackupError('backup.notBackup', 'This file is not a Tandem backup (not JSON).');
  }
  if (typeof f !== 'object' || f === null || f.format !== BACKUP_FORMAT)
    throw new BackupError('backup.notBackup', 'This file is not a Tandem backup.');
  if (f.version !== BACKUP_VERSION && f.version !== 1)
    throw new BackupError('backup.version', `This backup has format version ${String(f.version)}: update Tandem to restore it.`);
  const v1IdOk = f.version !== 1 || (typeof f.vaultId === 'string' && /^[0-9a-f]{16}$/.test(f.vaultId));
  if (
    !v1IdOk ||
    f.alg !== 'AES-GCM' ||
    typeof f.iv !== 'string' ||
    typeof f.ciphertext !== 'string' ||
    typeof f.kdf !== 'object' ||
    f.kdf === null
  )
    throw new BackupError('backup.damaged', 'This backup is damaged (fields are missing).');
  return f as BackupFile | BackupFileV1;
}

/** Reads and decrypts a backup file's text (version 2, or a version 1 file); a wrong password or a damaged file is a {@link BackupError}. */
export async function openBackup(text: string, password: string): Promise<DeviceVault> {
  const f = parseBackupFile(text);
  let plain: Uint8Array;
  try {
    const raw = await deriveKeyBytes(password, f.kdf);
    const key = await importAesKey(raw);
    raw.fill(0);
    plain = await open(key, { alg: 'AES-GCM', iv: f.iv, ciphertext: f.ciphertext }, f.version === 1 ? aadV1(f.vaultId) : AAD_V2);
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
  if (f.version === 1 && vaultId(vault) !== f.vaultId)
    throw new BackupError('backup.otherVault', 'This backup holds another vault than its label says: the file was altered.');
  return vault;
}
