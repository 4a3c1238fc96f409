/**
 * The accounts of each co-signed vault (docs/accounts.md): which key paths
 * this wallet shows, their names, and which one is active. Public data only
 * (indices, names, addresses), kept in the extension's settings area under
 * the vault's group public key, so it survives a re-share (same key, new
 * record) and a restore from backup.
 *
 * Account #0 is the vault's own key and always exists; the addresses of the
 * others are derived once, by the caller, from the vault's public key and
 * chain code (session/account-path.ts).
 */
import type { KeyValueArea } from '../storage';
import { WalletError } from '../../shared/wallet-errors';

const KEY = 'accounts.v1';
/** How many accounts one vault may show. */
export const MAX_ACCOUNTS = 50;

export interface AccountRecord {
  index: number;
  name: string;
  /** EIP-55. */
  address: string;
}

export interface AccountList {
  accounts: AccountRecord[];
  /** Index of the active account (one of `accounts`). */
  active: number;
}

/** The vault an account list belongs to: its group public key (hex) and its own address (account #0). */
export interface AccountOwner {
  publicKey: string;
  address: string;
}

/** Every vault's list, by its group public key (lower-case hex). */
type Books = Record<string, AccountList>;

const defaultName = (position: number) => `Account ${position + 1}`;

export class AccountBook {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly area: KeyValueArea) {}

  /** The vault's accounts (#0 first, then in the order added) and the active one. */
  async of(owner: AccountOwner): Promise<AccountList> {
    const book = (await this.area.get<Books>(KEY))?.[owner.publicKey.toLowerCase()];
    const first: AccountRecord = { index: 0, name: defaultName(0), address: owner.address };
    const rest = (book?.accounts ?? []).filter((a) => a.index !== 0);
    const named = book?.accounts.find((a) => a.index === 0)?.name;
    const accounts = [named ? { ...first, name: named } : first, ...rest];
    const active = accounts.some((a) => a.index === book?.active) ? book!.active : 0;
    return { accounts, active };
  }

  /**
   * Adds the next account (one above the highest index) with the address
   * `addressOf` derives for its index, and makes it active; one change at a
   * time, so two quick adds get two indices.
   */
  addNext(owner: AccountOwner, name: string, addressOf: (index: number) => Promise<string>): Promise<AccountRecord> {
    let added: AccountRecord | undefined;
    return this.change(owner, async (list) => {
      if (list.accounts.length >= MAX_ACCOUNTS) throw new WalletError('account.tooMany', { max: MAX_ACCOUNTS });
      // Accounts are never removed, so the next index stays below MAX_ACCOUNTS (and far below session/account-path.ts MAX_ACCOUNT_INDEX).
      const index = Math.max(...list.accounts.map((a) => a.index)) + 1;
      added = { index, name: name.trim().slice(0, 64) || defaultName(list.accounts.length), address: await addressOf(index) };
      return { accounts: [...list.accounts, added], active: index };
    }).then(() => added!);
  }

  /** Makes account `index` the active one. */
  async select(owner: AccountOwner, index: number): Promise<void> {
    await this.change(owner, (list) => {
      if (!list.accounts.some((a) => a.index === index)) throw new WalletError('account.unknown', { index });
      return { ...list, active: index };
    });
  }

  /** Renames account `index` (the name is shown only in this browser). */
  async rename(owner: AccountOwner, index: number, name: string): Promise<void> {
    const clean = name.trim().slice(0, 64);
    if (!clean) throw new WalletError('account.nameEmpty');
    await this.change(owner, (list) => {
      if (!list.accounts.some((a) => a.index === index)) throw new WalletError('account.unknown', { index });
      return { ...list, accounts: list.accounts.map((a) => (a.index === index ? { ...a, name: clean } : a)) };
    });
  }

  /** Applies `fn` to the stored list (one change at a time, so two quick adds both stay). */
  private change(owner: AccountOwner, fn: (l: AccountList) => AccountList | Promise<AccountList>): Promise<AccountList> {
    const run = async () => {
      const next = await fn(await this.of(owner));
      const all = (await this.area.get<Books>(KEY)) ?? {};
      all[owner.publicKey.toLowerCase()] = next;
      await this.area.set(KEY, all);
      return next;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}
