/**
 * Per-origin permissions (EIP-2255). The only capability today is
 * `eth_accounts`: an origin holding it sees the vault's address.
 */
import type { KeyValueArea } from './storage';
import type { ConnectedSite } from '../shared/popup-api';

const KEY = 'permissions.v1';

/** An EIP-2255 permission object as wallet_getPermissions returns it. */
export interface Eip2255Permission {
  invoker: string;
  parentCapability: 'eth_accounts';
  caveats: { type: 'restrictReturnedAccounts'; value: string[] }[];
  date: number;
}

type Grants = Record<string, { accounts: string[]; grantedAt: number }>;

/** Stores which origins may see which accounts (in the extension's IndexedDB, see idb-area.ts). */
export class PermissionStore {
  constructor(private readonly area: KeyValueArea) {}

  private async all(): Promise<Grants> {
    return (await this.area.get<Grants>(KEY)) ?? {};
  }

  /** Accounts the origin may see ([] when not connected). */
  async accountsFor(origin: string): Promise<string[]> {
    return (await this.all())[origin]?.accounts ?? [];
  }

  /** True if the origin holds eth_accounts. */
  async isConnected(origin: string): Promise<boolean> {
    return (await this.accountsFor(origin)).length > 0;
  }

  /** Grants eth_accounts for these accounts to the origin. */
  async grant(origin: string, accounts: string[], now = Date.now()): Promise<void> {
    const all = await this.all();
    all[origin] = { accounts: [...accounts], grantedAt: now };
    await this.area.set(KEY, all);
  }

  /** Removes every permission of the origin; returns whether it had any. */
  async revoke(origin: string): Promise<boolean> {
    const all = await this.all();
    if (!(origin in all)) return false;
    delete all[origin];
    await this.area.set(KEY, all);
    return true;
  }

  /** The origin's permissions in EIP-2255 form. */
  async eip2255(origin: string): Promise<Eip2255Permission[]> {
    const grant = (await this.all())[origin];
    if (!grant) return [];
    return [
      {
        invoker: origin,
        parentCapability: 'eth_accounts',
        caveats: [{ type: 'restrictReturnedAccounts', value: grant.accounts }],
        date: grant.grantedAt,
      },
    ];
  }

  /** Every connected site, newest first (for the popup's "Connected sites"). */
  async sites(): Promise<ConnectedSite[]> {
    const all = await this.all();
    return Object.entries(all)
      .map(([origin, g]) => ({ origin, accounts: g.accounts, grantedAt: g.grantedAt }))
      .sort((a, b) => b.grantedAt - a.grantedAt);
  }
}
