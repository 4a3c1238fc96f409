/**
 * The command-line co-signer's vault store: one file per vault in
 * `$TANDEM_HOME` (default `~/.tandem-cosigner`), each the device's vault
 * record ({@link encodeDeviceVault}) encrypted with the user's password:
 * AES-256-GCM under a key from PBKDF2-HMAC-SHA256 (600,000 iterations),
 * the salt, IV and format version stored beside the ciphertext, the vault id
 * bound as associated data.
 *
 * Nothing about the vault is in the clear except its id (a hash prefix of
 * the public key, which names the file): not the address, not the name, as a
 * single share must not reveal where the vault is.
 *
 * Writes are atomic (temporary file, fsync, rename, fsync of the directory),
 * so a process killed at any moment leaves either the old file or the new
 * one, never half of one. Files are created with mode 0600 in a 0700
 * directory.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  existsSync,
  chmodSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DecryptError, deriveKeyBytes, importAesKey, newKdfParams, open, seal, type KdfParams } from '../crypto/at-rest.js';
import { decodeDeviceVault, encodeDeviceVault, vaultId, type DeviceVault } from '../session/device-vault.js';
import { TandemError } from '../errors/index.js';
import { BackupError, openBackup, sealBackup } from '../crypto/backup.js';

export const VAULT_FILE_FORMAT = 'tandem-cosigner-vault';
export const VAULT_FILE_VERSION = 1;
export const BACKUP_FILE_FORMAT = 'tandem-cosigner-backup';

/** What a vault file holds (JSON). */
export interface VaultFile {
  format: typeof VAULT_FILE_FORMAT | typeof BACKUP_FILE_FORMAT;
  version: typeof VAULT_FILE_VERSION;
  /** {@link vaultId} of the vault; also the associated data of the ciphertext. */
  vaultId: string;
  kdf: KdfParams;
  alg: 'AES-GCM';
  iv: string;
  ciphertext: string;
}

/** A failure a user can act on; the message says what to do. */
export class StoreError extends TandemError<StoreErrorCode> {
  override name = 'StoreError';
  constructor(code: StoreErrorCode, message: string, cause?: unknown) {
    super(code, message, cause !== undefined ? { cause } : {});
  }
}

export type StoreErrorCode =
  | 'store.emptyPassword'
  | 'store.notVaultFile'
  | 'store.version'
  | 'store.damaged'
  | 'store.wrongPassword'
  | 'store.unreadable'
  | 'store.badId'
  | 'store.noVault'
  | 'store.whichVault'
  | 'store.ambiguousId'
  | 'store.alreadyHeld'
  | 'store.noFile'
  | 'store.backupPasswordTooShort'
  /** This device left the vault in a re-share (its share was deleted once every new device stored its own). */
  | 'store.retired';

/** The directory holding the vault files. */
export function tandemHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TANDEM_HOME && env.TANDEM_HOME.length > 0 ? env.TANDEM_HOME : join(homedir(), '.tandem-cosigner');
}

const ID = /^[0-9a-f]{16}$/;
const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder();

function aad(format: string, id: string): string {
  return `${format}:v${VAULT_FILE_VERSION}:${id}`;
}

/** Encrypts a vault record with `password` into the file format. */
export async function sealVault(
  vault: DeviceVault,
  password: string,
  format: VaultFile['format'] = VAULT_FILE_FORMAT,
  iterations?: number,
): Promise<VaultFile> {
  if (password.length === 0)
    throw new StoreError('store.emptyPassword', 'the password is empty: set TANDEM_PASSWORD or type one at the prompt');
  const id = vaultId(vault);
  const kdf = newKdfParams(iterations);
  const key = await importAesKey(await deriveKeyBytes(password, kdf));
  const sealed = await seal(key, utf8.encode(encodeDeviceVault(vault)) as Uint8Array<ArrayBuffer>, aad(format, id));
  return { format, version: VAULT_FILE_VERSION, vaultId: id, kdf, alg: 'AES-GCM', iv: sealed.iv, ciphertext: sealed.ciphertext };
}

/** Parses a vault (or backup) file's text, checking its shape. */
export function parseVaultFile(text: string, where: string): VaultFile {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    throw new StoreError('store.notVaultFile', `${where} is not a vault file (not JSON)`);
  }
  const f = x as Partial<VaultFile>;
  if (typeof x !== 'object' || x === null || (f.format !== VAULT_FILE_FORMAT && f.format !== BACKUP_FILE_FORMAT)) {
    throw new StoreError('store.notVaultFile', `${where} is not a tandem-cosigner vault or backup file`);
  }
  if (f.version !== VAULT_FILE_VERSION)
    throw new StoreError('store.version', `${where} has format version ${String(f.version)}; update tandem-cosigner`);
  if (
    typeof f.vaultId !== 'string' ||
    !ID.test(f.vaultId) ||
    typeof f.iv !== 'string' ||
    typeof f.ciphertext !== 'string' ||
    f.alg !== 'AES-GCM' ||
    typeof f.kdf !== 'object'
  ) {
    throw new StoreError('store.damaged', `${where} is damaged (missing fields)`);
  }
  return f as VaultFile;
}

/** Decrypts a vault file; a wrong password is a {@link StoreError} that says so. */
export async function openVault(file: VaultFile, password: string, where: string): Promise<DeviceVault> {
  let plain: Uint8Array;
  try {
    const key = await importAesKey(await deriveKeyBytes(password, file.kdf));
    plain = await open(key, { alg: 'AES-GCM', iv: file.iv, ciphertext: file.ciphertext }, aad(file.format, file.vaultId));
  } catch (e) {
    if (e instanceof DecryptError)
      throw new StoreError('store.wrongPassword', `wrong password for ${where} (or the file was altered); the file was left as it was`, e);
    throw new StoreError('store.unreadable', `cannot open ${where}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const vault = decodeDeviceVault(utf8Decode.decode(plain));
  if (vaultId(vault) !== file.vaultId)
    throw new StoreError('store.damaged', `${where} holds a vault that does not match its id; the file was altered`);
  return vault;
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory
 * (mode 0600), fsync, rename over `path`, fsync of the directory.
 */
export function writeFileAtomic(path: string, text: string): void {
  const dir = join(path, '..');
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  }
}

/** The vault files of one co-signer home directory. */
export class VaultStore {
  constructor(readonly home: string = tandemHome()) {}

  private get dir(): string {
    return join(this.home, 'vaults');
  }

  /** Path of the file of vault `id`. */
  pathOf(id: string): string {
    if (!ID.test(id))
      throw new StoreError('store.badId', `bad vault id ${JSON.stringify(id)}: ids are 16 hex digits (see \`tandem-cosigner list\`)`);
    return join(this.dir, `${id}.vault.json`);
  }

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.home, 0o700);
    chmodSync(this.dir, 0o700);
  }

  /** Ids of the stored vaults (no password needed; nothing else is in the clear). */
  ids(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((f) => /^([0-9a-f]{16})\.vault\.json$/.exec(f)?.[1])
      .filter((x): x is string => !!x)
      .sort();
  }

  has(id: string): boolean {
    return existsSync(this.pathOf(id));
  }

  /**
   * The id of the vault a command is about: `id` if given, else the only
   * stored vault. Accepts a unique prefix of an id.
   */
  resolve(id?: string): string {
    const ids = this.ids();
    if (id === undefined || id === '') {
      if (ids.length === 1) return ids[0]!;
      if (ids.length === 0)
        throw new StoreError('store.noVault', `no vault in ${this.home}: run \`tandem-cosigner join <pairing>\` or \`create\` first`);
      throw new StoreError('store.whichVault', `${ids.length} vaults in ${this.home}: say which with --vault (${ids.join(', ')})`);
    }
    const hits = ids.filter((x) => x.startsWith(id.toLowerCase()));
    if (hits.length === 1) return hits[0]!;
    if (hits.length === 0) throw new StoreError('store.noVault', `no vault ${id} in ${this.home} (see \`tandem-cosigner list\`)`);
    throw new StoreError('store.ambiguousId', `vault id ${id} is ambiguous: ${hits.join(', ')}`);
  }

  /** Decrypts vault `id`. */
  async load(id: string, password: string): Promise<DeviceVault> {
    const path = this.pathOf(id);
    if (!existsSync(path)) throw new StoreError('store.noVault', `no vault ${id} in ${this.home} (see \`tandem-cosigner list\`)`);
    return openVault(parseVaultFile(readFileSync(path, 'utf8'), `vault ${id}`), password, `vault ${id}`);
  }

  /**
   * Stores (or atomically replaces) a vault. With `replace: false` an
   * existing file for the same vault is an error (a device holds one share
   * of a vault).
   */
  async save(vault: DeviceVault, password: string, opts: { replace: boolean; iterations?: number | undefined }): Promise<string> {
    const id = vaultId(vault);
    const path = this.pathOf(id);
    if (!opts.replace && existsSync(path)) {
      throw new StoreError(
        'store.alreadyHeld',
        `this device already holds a share of vault ${id}; two shares of one vault must not be kept in one place`,
      );
    }
    const file = await sealVault(vault, password, VAULT_FILE_FORMAT, opts.iterations);
    this.ensureDir();
    writeFileAtomic(path, JSON.stringify(file, null, 1) + '\n');
    return id;
  }

  /** Deletes vault `id` (after a re-share that retired this device). */
  remove(id: string): void {
    rmSync(this.pathOf(id), { force: true });
  }

  /** Writes an encrypted backup of vault `id` under a separate backup password (the unlinkable format of crypto/backup.ts). */
  async exportBackup(id: string, password: string, backupPassword: string, out: string, iterations?: number): Promise<void> {
    const vault = await this.load(id, password);
    let text: string;
    try {
      text = await sealBackup(vault, backupPassword, iterations);
    } catch (e) {
      throw e instanceof BackupError ? new StoreError('store.backupPasswordTooShort', e.message, e) : e;
    }
    writeFileAtomic(out, `${text}\n`);
  }

  /** Reads a backup file (any version, also from the extension or the phone) and stores its vault under `password`. */
  async importBackup(path: string, backupPassword: string, password: string, iterations?: number): Promise<DeviceVault> {
    if (!existsSync(path)) throw new StoreError('store.noFile', `no file ${path}`);
    let vault: DeviceVault;
    try {
      vault = await openBackup(readFileSync(path, 'utf8'), backupPassword);
    } catch (e) {
      if (!(e instanceof BackupError)) throw e;
      if (e.code === 'backup.wrongPassword')
        throw new StoreError(
          'store.wrongPassword',
          `wrong password for backup ${path} (or the file was altered); the file was left as it was`,
          e,
        );
      const code = e.code === 'backup.version' ? 'store.version' : e.code === 'backup.notBackup' ? 'store.notVaultFile' : 'store.damaged';
      throw new StoreError(code, `backup ${path}: ${e.message}`, e);
    }
    await this.save(vault, password, { replace: false, iterations });
    return vault;
  }
}
