/**
 * What an unattended co-signer has signed today, for the policy's daily
 * limit: a small state file per vault in the co-signer's home,
 * `spent-<vault id>.json` = `{ "day": "YYYY-MM-DD", "wei": "..." }` (UTC
 * day); Solana lamports in `spent-lamports-<vault id>.json` = `{ "day", "lamports" }`.
 * Written atomically. Not secret.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './store.js';
import { TandemError } from '../errors/index.js';

export class DailySpending {
  readonly path: string;

  constructor(
    home: string,
    vaultId: string,
    private readonly now: () => Date = () => new Date(),
    /** What is counted: wei (Ethereum, the default) or lamports (Solana). */
    private readonly unit: 'wei' | 'lamports' = 'wei',
  ) {
    this.path = join(home, unit === 'wei' ? `spent-${vaultId}.json` : `spent-${unit}-${vaultId}.json`);
  }

  private today(): string {
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
    const amount = x?.[this.unit];
    if (typeof amount !== 'string' || !/^[0-9]{1,78}$/.test(amount) || typeof x.day !== 'string') {
      throw this.damaged();
    }
    return x.day === this.today() ? BigInt(amount) : 0n;
  }

  /** Adds `wei` to today's total. */
  add(wei: bigint): void {
    if (wei === 0n) return;
    const total = this.spentToday() + wei;
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.path, JSON.stringify({ day: this.today(), [this.unit]: total.toString() }) + '\n');
  }
}
