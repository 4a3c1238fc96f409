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
import { MAX_ACCOUNT_INDEX } from '../../session/account-path';
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

type Books = Record<string, { accounts: AccountRecord[]; active: number }>;

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

  /** The next free index (one above the highest), for a new account. */
  async nextIndex(owner: AccountOwner): Promise<number> {
    const { accounts } = await this.of(owner);
    if (accounts.length >= MAX_ACCOUNTS) throw new WalletError('account.tooMany', { max: MAX_ACCOUNTS });
    const next = Math.max(...accounts.map((a) => a.index)) + 1;
    if (next > MAX_ACCOUNT_INDEX) throw new WalletError('account.tooMany', { max: MAX_ACCOUNTS });
    return next;
  }

  /** Adds account `index` with the address the caller derived, and makes it active. */
  add(owner: AccountOwner, index: number, address: string, name: string): Promise<AccountRecord> {
    return this.change(owner, (list) => {
      const clean = name.trim().slice(0, 64) || defaultName(list.accounts.length);
      const record = { index, name: clean, address };
      return { accounts: [...list.accounts.filter((a) => a.index !== index), record], active: index };
    }).then((l) => l.accounts.find((a) => a.index === index)!);
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
  private change(owner: AccountOwner, fn: (l: AccountList) => AccountList): Promise<AccountList> {
    const run = async () => {
      const next = fn(await this.of(owner));
      const all = (await this.area.get<Books>(KEY)) ?? {};
      all[owner.publicKey.toLowerCase()] = { accounts: next.accounts, active: next.active };
      await this.area.set(KEY, all);
      return next;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}
