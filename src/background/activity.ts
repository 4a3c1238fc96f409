/**
 * Recent activity: transactions this wallet broadcast (from dApps or the
 * Send screen), newest first, kept in the extension's storage. Public data
 * only (hashes, recipients, amounts, the transactions' own fields). Where
 * each stands is checked by activity-status.ts (docs/activity.md).
 */
import type { KeyValueArea } from './storage';
import type { ActivityEntry, ActivityStatus } from '../shared/popup-api';

const KEY = 'activity.v1';
/** How many entries are kept. */
export const MAX_ACTIVITY = 25;

export class ActivityLog {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly area: KeyValueArea) {}

  async list(account?: string): Promise<ActivityEntry[]> {
    const all = (await this.area.get<ActivityEntry[]>(KEY)) ?? [];
    return account ? all.filter((e) => e.account.toLowerCase() === account.toLowerCase()) : all;
  }

  /** Adds an entry (serialized, so concurrent broadcasts are all kept). */
  add(entry: ActivityEntry): Promise<void> {
    return this.update((list) => [entry, ...list]);
  }

  /** Sets the status of entries by hash (activity-status.ts); entries removed meanwhile are left out. */
  setStatuses(changes: ReadonlyMap<string, ActivityStatus>): Promise<void> {
    if (changes.size === 0) return Promise.resolve();
    return this.update((list) => list.map((e) => (changes.has(e.hash) ? { ...e, status: changes.get(e.hash)! } : e)));
  }

  /** Rewrites the stored list (one change at a time, so none is lost). */
  private update(change: (list: ActivityEntry[]) => ActivityEntry[]): Promise<void> {
    const run = async () => {
      const list = await this.list();
      await this.area.set(KEY, change(list).slice(0, MAX_ACTIVITY));
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }
}
