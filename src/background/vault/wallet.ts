/**
 * The wallet service: creates the vault, locks and unlocks it, and keeps the
 * unlocked vault key only in memory and in chrome.storage.session (which
 * survives a service-worker restart while the browser runs, and which content
 * scripts cannot read: see index.ts, setAccessLevel TRUSTED_CONTEXTS).
 */
import type { KeyValueArea } from '../storage';
import type { VaultView } from '../../shared/popup-api';
import { MIN_PASSWORD_LENGTH } from '../../shared/popup-api';
import {
  DecryptError,
  deriveKeyBytes,
  fromBase64,
  importAesKey,
  newKdfParams,
  open,
  seal,
  toBase64,
  PBKDF2_ITERATIONS,
} from '../../crypto/at-rest';
import { KEYRING_CHECK, RECORD_SCHEMA, vaultAad, type CosignedVaultRecord, type VaultRecord, type VaultRepository } from './records';
import { migrateLegacyRecord } from './legacy-records';
import { parseWatchAddress } from './watch-address';
import { WalletError } from '../../shared/wallet-errors';
import { memoryArea } from '../storage';
import { AccountBook, type AccountRecord } from './accounts';
import { pathText, accountPath } from '../../session/account-path';

/** chrome.storage.session key holding the unlocked vault key (base64). */
export const SESSION_KEY = 'unlocked.v1';

/** The password did not open the keyring. Nothing was changed and nothing is locked out. */
export class WrongPasswordError extends WalletError<'wallet.wrongPassword'> {
  override name = 'WrongPasswordError';
  constructor() {
    super('wallet.wrongPassword');
  }
}

export interface WalletDeps {
  repo: VaultRepository;
  /** chrome.storage.session in the extension. */
  session: KeyValueArea;
  iterations?: number | undefined;
  now?: () => number;
  /** Where the user's choice of active vault is kept (the extension's IndexedDB settings). */
  prefs?: KeyValueArea;
}

const ACTIVE_VAULT_KEY = 'settings.activeVaultId.v1';

/** Vault creation, lock state and the unlocked key. */
export class WalletService {
  private key: CryptoKey | null = null;
  private readonly book: AccountBook;

  constructor(private readonly deps: WalletDeps) {
    this.book = new AccountBook(deps.prefs ?? memoryArea());
  }

  /** A record as the popup and the router see it, with its accounts (vault/accounts.ts). */
  private async view(v: VaultRecord): Promise<VaultView> {
    if (v.kind !== 'tss') return viewOf(v, [{ index: 0, name: v.name, address: v.address }], 0);
    const { accounts, active } = await this.book.of(v);
    return viewOf(v, accounts, active);
  }

  /**
   * Every stored vault in the current shape: records of earlier builds (a
   * development vault) are rewritten as they are read (legacy-records.ts);
   * the rewrite needs no key, so it also happens while locked.
   */
  private async records(): Promise<VaultRecord[]> {
    const out: VaultRecord[] = [];
    for (const stored of await this.deps.repo.listVaults()) {
      const { record, migrated } = migrateLegacyRecord(stored);
      if (migrated) await this.deps.repo.putVault(record);
      out.push(record);
    }
    return out;
  }

  /** The co-signed vault of this id; throws `vault.noShare` for a watch-only address. */
  private async cosigned(vaultId: string, unknown: 'vault.unknown' | 'vault.gone'): Promise<CosignedVaultRecord> {
    const v = (await this.records()).find((x) => x.id === vaultId);
    if (!v) throw unknown === 'vault.gone' ? new WalletError('vault.gone') : new WalletError('vault.unknown', { id: vaultId });
    if (v.kind !== 'tss') throw new WalletError('vault.noShare');
    return v;
  }

  /**
   * The active vault, without secrets: the one the user switched to or
   * added last as a watch-only address; else the newest co-signed (TSS)
   * vault; else a watch-only address.
   */
  async vault(): Promise<VaultView | null> {
    const all = await this.records();
    const chosen = await this.deps.prefs?.get<string>(ACTIVE_VAULT_KEY);
    const picked = chosen ? all.find((v) => v.id === chosen) : undefined;
    if (picked) return this.view(picked);
    const tss = all.filter((v) => v.kind === 'tss').sort((a, b) => b.createdAt - a.createdAt);
    const v = tss[0] ?? all[0];
    return v ? this.view(v) : null;
  }

  /** True once a password was set in this browser. */
  async hasKeyring(): Promise<boolean> {
    return (await this.deps.repo.getKeyring()) !== undefined;
  }

  /** First run: creates the keyring with `password`; afterwards: unlocks with it (wrong password -> WrongPasswordError). */
  async ensureKeyring(password: string): Promise<void> {
    if (await this.hasKeyring()) await this.unlock(password);
    else await this.createKeyring(password);
  }

  /** The unlocked key, from memory or (after a worker restart) from session storage. */
  private async unlockedKey(): Promise<CryptoKey | null> {
    if (this.key) return this.key;
    const raw = await this.deps.session.get<string>(SESSION_KEY);
    if (!raw) return null;
    this.key = await importAesKey(fromBase64(raw));
    return this.key;
  }

  async isUnlocked(): Promise<boolean> {
    return (await this.unlockedKey()) !== null;
  }

  /** True while unlocked with a watch-only address active: every signing request is refused. */
  async isWatchOnly(): Promise<boolean> {
    if (!(await this.isUnlocked())) return false;
    return (await this.vault())?.kind === 'watch';
  }

  /** The active account of the active vault while unlocked (the one dApps see first), else null. */
  async activeAccount(): Promise<string | null> {
    if (!(await this.isUnlocked())) return null;
    return (await this.vault())?.account.address ?? null;
  }

  /** The active vault's account addresses while unlocked, the active one first; [] while locked. */
  async accounts(): Promise<string[]> {
    const v = (await this.isUnlocked()) ? await this.vault() : null;
    return v ? [v.account.address, ...v.accounts.filter((a) => a.index !== v.account.index).map((a) => a.address)] : [];
  }

  /**
   * Adds the next account of a co-signed vault and makes it active;
   * `addressOf` derives its address from the vault's public key and chain
   * code (the caller opens the share for the chain code).
   */
  async addAccount(vaultId: string, name: string, addressOf: (path: number[]) => Promise<string>): Promise<AccountRecord> {
    if (!(await this.isUnlocked())) throw new WalletError('wallet.locked');
    const v = await this.cosigned(vaultId, 'vault.unknown');
    return this.book.addNext(v, name, (index) => addressOf(accountPath(index)));
  }

  /** Makes account `index` of a co-signed vault the active one. */
  async selectAccount(vaultId: string, index: number): Promise<void> {
    await this.book.select(await this.cosigned(vaultId, 'vault.unknown'), index);
  }

  /** Renames account `index` of a co-signed vault. */
  async renameAccount(vaultId: string, index: number, name: string): Promise<void> {
    await this.book.rename(await this.cosigned(vaultId, 'vault.unknown'), index, name);
  }

  /**
   * Creates the keyring (password -> vault key) and leaves the wallet
   * unlocked. Throws if one exists already.
   */
  async createKeyring(password: string): Promise<void> {
    if (await this.deps.repo.getKeyring()) throw new WalletError('wallet.exists');
    if (password.length < MIN_PASSWORD_LENGTH) throw new WalletError('wallet.passwordTooShort', { min: MIN_PASSWORD_LENGTH });
    const kdf = newKdfParams(this.deps.iterations ?? PBKDF2_ITERATIONS);
    const raw = await deriveKeyBytes(password, kdf);
    const key = await importAesKey(raw);
    await this.deps.repo.putKeyring({
      id: 'keyring',
      schema: RECORD_SCHEMA,
      kdf,
      check: await seal(key, new TextEncoder().encode(KEYRING_CHECK), 'keyring'),
      createdAt: this.deps.now?.() ?? Date.now(),
    });
    await this.keep(raw, key);
  }

  /**
   * Stores a vault with its share material encrypted under the unlocked
   * key (AES-GCM, bound to the vault id). The TSS engine's key generation
   * stores its share here with kind 'tss'.
   */
  async addVault(input: {
    name: string;
    kind: 'tss';
    address: string;
    publicKey: string;
    shareFormat: string;
    share: Uint8Array<ArrayBuffer>;
    t?: number;
    n?: number;
  }): Promise<VaultView> {
    const key = await this.unlockedKey();
    if (!key) throw new WalletError('wallet.locked');
    const id = crypto.randomUUID();
    const record: CosignedVaultRecord = {
      id,
      schema: RECORD_SCHEMA,
      name: input.name.trim().slice(0, 64) || 'Vault',
      kind: input.kind,
      address: input.address,
      publicKey: input.publicKey,
      shareFormat: input.shareFormat,
      share: await seal(key, input.share, vaultAad(id)),
      createdAt: this.deps.now?.() ?? Date.now(),
      ...(input.t !== undefined && input.n !== undefined ? { t: input.t, n: input.n } : {}),
    };
    await this.deps.repo.putVault(record);
    // A new vault (created, joined, restored, re-shared) becomes the active one.
    await this.deps.prefs?.remove(ACTIVE_VAULT_KEY);
    return this.view(record);
  }

  /**
   * Replaces a vault's encrypted share material in place (same vault, same
   * address), e.g. to record a co-signer whose OT material is burned.
   */
  async replaceShare(vaultId: string, share: Uint8Array<ArrayBuffer>): Promise<void> {
    const key = await this.unlockedKey();
    if (!key) throw new WalletError('wallet.locked');
    const record = await this.cosigned(vaultId, 'vault.gone');
    await this.deps.repo.putVault({ ...record, share: await seal(key, share, vaultAad(vaultId)) });
  }

  /**
   * Adds a watch-only address (public data only: no share, nothing
   * encrypted) and makes it the active account. Needs the wallet unlocked,
   * as every change of the vault list does. `text` is checked and
   * checksummed (watch-address.ts); an address already in Tandem is refused.
   */
  async addWatchOnly(name: string, text: string): Promise<VaultView> {
    const address = parseWatchAddress(text);
    if (!(await this.isUnlocked())) throw new WalletError('wallet.locked');
    if ((await this.records()).some((v) => v.address.toLowerCase() === address.toLowerCase()))
      throw new WalletError('watch.alreadyHere', { address });
    const record: VaultRecord = {
      id: crypto.randomUUID(),
      schema: RECORD_SCHEMA,
      name: name.trim().slice(0, 64) || 'Watch-only',
      kind: 'watch',
      address,
      createdAt: this.deps.now?.() ?? Date.now(),
    };
    await this.deps.repo.putVault(record);
    // The user just added it to look at it: it becomes the active account (switch back on Home).
    if (this.deps.prefs) await this.deps.prefs.set(ACTIVE_VAULT_KEY, record.id);
    return this.view(record);
  }

  /** Unlocks with the password; throws {@link WrongPasswordError} (no lockout, no change) if wrong. */
  async unlock(password: string): Promise<void> {
    const keyring = await this.deps.repo.getKeyring();
    if (!keyring) throw new WalletError('wallet.none');
    const raw = await deriveKeyBytes(password, keyring.kdf);
    const key = await importAesKey(raw);
    try {
      const check = await open(key, keyring.check, 'keyring');
      if (new TextDecoder().decode(check) !== KEYRING_CHECK) throw new WrongPasswordError();
    } catch (e) {
      raw.fill(0);
      if (e instanceof DecryptError || e instanceof WrongPasswordError) throw new WrongPasswordError();
      throw e;
    }
    await this.keep(raw, key);
  }

  /** Forgets the key (memory and session storage). */
  async lock(): Promise<void> {
    this.key = null;
    await this.deps.session.remove(SESSION_KEY);
  }

  /** Decrypts a co-signed vault's share material (for the signing engine); a watch-only address has none (`vault.noShare`). */
  async openShare(vaultId: string): Promise<Uint8Array> {
    const key = await this.unlockedKey();
    if (!key) throw new WalletError('wallet.locked');
    const v = await this.cosigned(vaultId, 'vault.unknown');
    return open(key, v.share, vaultAad(v.id));
  }

  /** Deletes a vault and its (encrypted) share from this browser. Needs the wallet unlocked. */
  async deleteVault(vaultId: string): Promise<void> {
    if (!(await this.isUnlocked())) throw new WalletError('wallet.locked');
    if (!(await this.records()).some((v) => v.id === vaultId)) throw new WalletError('vault.unknown', { id: vaultId });
    await this.deps.repo.deleteVault(vaultId);
  }

  /** Makes another vault the active one (the account dApps see). */
  async selectVault(vaultId: string): Promise<void> {
    if (!this.deps.prefs) throw new WalletError('vault.switchUnavailable');
    if (!(await this.records()).some((v) => v.id === vaultId)) throw new WalletError('vault.unknown', { id: vaultId });
    await this.deps.prefs.set(ACTIVE_VAULT_KEY, vaultId);
  }

  /** Renames a vault (its name is only shown in this browser). */
  async renameVault(vaultId: string, name: string): Promise<void> {
    const v = (await this.records()).find((x) => x.id === vaultId);
    if (!v) throw new WalletError('vault.unknown', { id: vaultId });
    const clean = name.trim().slice(0, 64);
    if (!clean) throw new WalletError('vault.nameEmpty');
    await this.deps.repo.putVault({ ...v, name: clean });
  }

  /** All vaults, without secrets. */
  async vaults(): Promise<VaultView[]> {
    return Promise.all((await this.records()).map((v) => this.view(v)));
  }

  /** Format of a co-signed vault's decrypted share blob (to check before decoding it); null for a watch-only address. */
  async shareFormatOf(vaultId: string): Promise<string | null> {
    const v = (await this.records()).find((x) => x.id === vaultId);
    return v?.kind === 'tss' ? v.shareFormat : null;
  }

  private async keep(raw: Uint8Array<ArrayBuffer>, key: CryptoKey): Promise<void> {
    await this.deps.session.set(SESSION_KEY, toBase64(raw));
    raw.fill(0);
    this.key = key;
  }
}

function viewOf(v: VaultRecord, list: AccountRecord[], active: number): VaultView {
  const accounts = list.map((a) => ({ ...a, path: pathText(accountPath(a.index)) }));
  const account = accounts.find((a) => a.index === active) ?? accounts[0]!;
  const base = { id: v.id, name: v.name, address: v.address, createdAt: v.createdAt, accounts, account };
  if (v.kind === 'watch') return { ...base, kind: 'watch', ...(v.from === 'development-vault' ? { keyDiscarded: true } : {}) };
  return { ...base, kind: 'tss', ...(v.t !== undefined && v.n !== undefined ? { t: v.t, n: v.n } : {}) };
}
