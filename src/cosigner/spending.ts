/**
 * What an unattended co-signer has signed today, for the policy's daily
 * limit: a small state file per vault in the co-signer's home,
 * `spent-<vault id>.json` = `{ "day": "YYYY-MM-DD", "wei": "..." }` (UTC
 * day); Solana lamports in `spent-lamports-<vault id>.json` = `{ "day", "lamports" }`,
 * an SPL token's base units in `spent-token-<mint>-<vault id>.json` = `{ "day", "units" }`.
 * Written atomically. Not secret.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './store.js';
import { TandemError } from '../errors/index.js';

/** What is counted: wei (Ethereum), lamports (Solana), or base units of one SPL token mint (base58). */
export type SpendingUnit = 'wei' | 'lamports' | { mint: string };

export class DailySpending {
  readonly path: string;
  /** The field of the file that holds the total. */
  private readonly key: string;

  constructor(
    home: string,
    vaultId: string,
    private readonly now: () => Date = () => new Date(),
    /** What is counted: wei (the default), lamports, or a token mint's base units. */
    unit: SpendingUnit = 'wei',
  ) {
    if (typeof unit === 'object' && !/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(unit.mint)) throw new Error('a mint is a base58 address');
    this.key = typeof unit === 'object' ? 'units' : unit;
    const file =
      typeof unit === 'object'
        ? `spent-token-${unit.mint}-${vaultId}.json`
        : unit === 'wei'
          ? `spent-${vaultId}.json`
          : `spent-${unit}-${vaultId}.json`;
    this.path = join(home, file);
  }

  /** The UTC day the totals are counted for now (`YYYY-MM-DD`). */
  today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  /**
   * Wei signed so far today (0 on a new day or without a file). A damaged
   * file is an error, not zero: the co-signer then refuses rather than
   * forgetting what it signed.
   */
  private damaged(): TandemError {
    const message = `the daily spending file ${this.path} is damaged: check it, then delete it to start the day's count again`;
    return new TandemError('spending.damaged', message, { details: { path: this.path } });
  }

  spentToday(): bigint {
    if (!existsSync(this.path)) return 0n;
    let x: Record<string, unknown>;
    try {
      x = JSON.parse(readFileSync(this.path, 'utf8')) as typeof x;
    } catch {
      throw this.damaged();
    }
    const amount = x?.[this.key];
    if (typeof amount !== 'string' || !/^[0-9]{1,78}$/.test(amount) || typeof x.day !== 'string') {
      throw this.damaged();
    }
    return x.day === this.today() ? BigInt(amount) : 0n;
  }

  /** Adds `wei` to today's total. */
  add(wei: bigint): void {
    if (wei === 0n) return;
    this.write(this.spentToday() + wei);
  }

  /** Takes back `amount` added on `day` (a reservation that was never used); nothing if the day has changed since. */
  release(amount: bigint, day: string): void {
    if (amount === 0n || day !== this.today()) return;
    const total = this.spentToday() - amount;
    this.write(total > 0n ? total : 0n);
  }

  private write(total: bigint): void {
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.path, JSON.stringify({ day: this.today(), [this.key]: total.toString() }) + '\n');
  }
}

/**
 * A policy's daily limit for a co-signer that serves requests: the check
 * and the record are one synchronous step ({@link reserve}), taken when the
 * policy approves, so no second request can be checked against a total that
 * does not yet count the first (two requests in flight, or a server switched
 * to a new generation while the old one still signs). A reservation is taken
 * back only when this device never entered the signing protocol for it
 * (refused, ended by its requester, or signed by others); once it has sent
 * its protocol messages the amount stays counted, even if its own run then
 * fails: a requester that withholds its last message still gets a signature
 * from the shares it received.
 */
export class DailyBudget {
  private readonly held = new Map<string, { amount: bigint; day: string }>();

  constructor(private readonly spending: DailySpending) {}

  /** What is counted today, reservations included. */
  spentToday(): bigint {
    return this.spending.spentToday();
  }

  /**
   * Runs `check` on today's total and records what it returns for request
   * `id`, in the same step. `check` throws to refuse (nothing recorded).
   */
  reserve(id: string, check: (spentToday: bigint) => bigint): bigint {
    const amount = check(this.spending.spentToday());
    if (amount > 0n) {
      this.spending.add(amount);
      const before = this.held.get(id);
      this.held.set(id, { amount: amount + (before?.amount ?? 0n), day: this.spending.today() });
    }
    return amount;
  }

  /** Request `id` ended: its reservation is kept if this device joined the signing, taken back otherwise. */
  settle(id: string, joined: boolean): void {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    if (!joined) this.spending.release(held.amount, held.day);
  }
}
