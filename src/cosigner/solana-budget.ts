/**
 * The Solana policy's daily limits for a co-signer that serves requests:
 * lamports, and each listed mint's base units, each its own DailyBudget
 * (./spending.ts). The check and the records of every total are one
 * synchronous step, as for Ethereum; what is awaited before it (the
 * recipients' associated token accounts) reads nothing that changes.
 */
import type { SolanaSigningRequest } from '../session/solana-signing-request.js';
import { checkSolanaPolicy, recipientTokenAccounts, type SolanaPolicy, type SolanaSpend } from './solana-policy.js';
import { DailyBudget, DailySpending } from './spending.js';

export class SolanaBudget {
  private readonly lamports: DailyBudget;
  private readonly tokens = new Map<string, DailyBudget>();

  constructor(
    private readonly home: string,
    private readonly vaultId: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.lamports = new DailyBudget(new DailySpending(home, vaultId, now, 'lamports'));
  }

  private token(mint: string): DailyBudget {
    let b = this.tokens.get(mint);
    if (!b) {
      b = new DailyBudget(new DailySpending(this.home, this.vaultId, this.now, { mint }));
      this.tokens.set(mint, b);
    }
    return b;
  }

  /** Checks request `id` against the policy and records what it spends; throws (nothing recorded) to refuse. */
  async reserve(id: string, request: SolanaSigningRequest, policy: SolanaPolicy | undefined): Promise<SolanaSpend> {
    const allowed = await recipientTokenAccounts(request, policy);
    // From here on, synchronous: no other request is checked between this check and its records.
    const spend = checkSolanaPolicy(
      request,
      policy,
      { lamports: this.lamports.spentToday(), token: (m) => this.token(m).spentToday() },
      allowed,
    );
    this.lamports.reserve(id, () => spend.lamports);
    for (const [mint, amount] of spend.tokens) this.token(mint).reserve(id, () => amount);
    return spend;
  }

  /** Request `id` ended: see DailyBudget.settle. */
  settle(id: string, joined: boolean): void {
    this.lamports.settle(id, joined);
    for (const b of this.tokens.values()) b.settle(id, joined);
  }
}
