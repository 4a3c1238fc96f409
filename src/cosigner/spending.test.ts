import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { address, createNoopSigner } from '@solana/kit';
import { getTransferCheckedInstruction } from '@solana-program/token';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode } from '../errors/index.js';
import { solanaAddressOf } from '../session/solana-request.js';
import type { SolanaSigningRequest } from '../session/solana-signing-request.js';
import { solanaTransactionBase64, solTransfer } from '../session/solana-test-tx.test-util.js';
import { parsePolicy } from './policy.js';
import { checkSolanaPolicy } from './solana-policy.js';
import { SolanaBudget } from './solana-budget.js';
import { DailyBudget, DailySpending } from './spending.js';

const vault = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
const TO = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const policy = parsePolicy({
  v: 1,
  chains: [1],
  maxValueWei: '0',
  dailyLimitWei: '0',
  solana: { maxLamports: '2000', dailyLimitLamports: '3000' },
}).solana;

function send(lamports: bigint): SolanaSigningRequest {
  const tx = solanaTransactionBase64({ version: 'legacy', feePayer: vault, instructions: [solTransfer(vault, TO, lamports)] });
  return { v: 1, kind: 'solana_transaction', signer: vault, tx };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function budgetAt(day: { now: Date }) {
  const home = mkdtempSync(join(tmpdir(), 'tandem-spending-'));
  dirs.push(home);
  const spending = new DailySpending(home, 'v1', () => day.now, 'lamports');
  return { spending, budget: new DailyBudget(spending) };
}

const reserve = (budget: DailyBudget, id: string, lamports: bigint) => {
  try {
    return budget.reserve(id, (today) => checkSolanaPolicy(send(lamports), policy, { lamports: today, token: () => 0n }).lamports);
  } catch (e) {
    return errorCode(e);
  }
};

describe('DailyBudget: the daily limit is checked and recorded in one step', () => {
  it('a second request approved while the first is still signing counts the first (no check-then-record race)', () => {
    const { spending, budget } = budgetAt({ now: new Date('2026-12-07T12:00:00Z') });
    expect(reserve(budget, 'a', 2000n)).toBe(2000n);
    // 'a' is approved and not yet signed: 2000 + 2000 is over 3000.
    expect(reserve(budget, 'b', 2000n)).toBe('policy.solanaDailyLimit');
    expect(spending.spentToday()).toBe(2000n);
    expect(JSON.parse(readFileSync(spending.path, 'utf8'))).toEqual({ day: '2026-12-07', lamports: '2000' });
    expect(reserve(budget, 'c', 1000n)).toBe(1000n);
    expect(spending.spentToday()).toBe(3000n);
  });

  it('a request this device never signed is taken back; one it joined stays counted even when its own run failed', () => {
    const { spending, budget } = budgetAt({ now: new Date('2026-12-07T12:00:00Z') });
    expect(reserve(budget, 'a', 2000n)).toBe(2000n);
    budget.settle('a', false); // refused by the requester, ended, or signed by other co-signers
    expect(spending.spentToday()).toBe(0n);
    expect(reserve(budget, 'b', 2000n)).toBe(2000n);
    budget.settle('b', true); // joined the signing protocol (whether or not its own run completed)
    expect(spending.spentToday()).toBe(2000n);
    budget.settle('b', false); // settled once only
    expect(spending.spentToday()).toBe(2000n);
    expect(reserve(budget, 'c', 1001n)).toBe('policy.solanaDailyLimit');
  });

  it('a reservation taken back after midnight does not lower the new day', () => {
    const day = { now: new Date('2026-12-07T23:59:59Z') };
    const { spending, budget } = budgetAt(day);
    expect(reserve(budget, 'a', 2000n)).toBe(2000n);
    day.now = new Date('2026-12-08T00:00:01Z');
    expect(reserve(budget, 'b', 1500n)).toBe(1500n);
    budget.settle('a', false);
    expect(spending.spentToday()).toBe(1500n);
  });
});

describe('SolanaBudget: lamports and each mint counted in their own files, checked and recorded together', () => {
  it('records a token transfer under its mint, refuses over the day, and takes back what was never signed', async () => {
    const home = mkdtempSync(join(tmpdir(), 'tandem-spending-'));
    dirs.push(home);
    const mint = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    const withTokens = parsePolicy({
      v: 1,
      chains: [1],
      maxValueWei: '0',
      dailyLimitWei: '0',
      solana: { maxLamports: '2000', dailyLimitLamports: '3000', tokens: { [mint]: { maxAmount: '700', dailyLimit: '1000' } } },
    }).solana;
    const pay = (amount: bigint, lamports = 0n): SolanaSigningRequest => {
      const ix = getTransferCheckedInstruction({
        source: address(TO),
        mint: address(mint),
        destination: address(TO),
        authority: createNoopSigner(address(vault)),
        amount,
        decimals: 2,
      });
      const extra = lamports ? [solTransfer(vault, TO, lamports)] : [];
      return {
        v: 1,
        kind: 'solana_transaction',
        signer: vault,
        tx: solanaTransactionBase64({ feePayer: vault, instructions: [ix, ...extra] }),
      };
    };
    const now = () => new Date('2026-12-07T12:00:00Z');
    const budget = new SolanaBudget(home, 'v1', now);
    const spend = await budget.reserve('a', pay(600n, 100n), withTokens);
    expect(spend.lamports).toBe(100n);
    expect(JSON.parse(readFileSync(join(home, `spent-token-${mint}-v1.json`), 'utf8'))).toEqual({ day: '2026-12-07', units: '600' });
    expect(JSON.parse(readFileSync(join(home, 'spent-lamports-v1.json'), 'utf8'))).toEqual({ day: '2026-12-07', lamports: '100' });
    await expect(budget.reserve('b', pay(600n), withTokens)).rejects.toMatchObject({ code: 'policy.solanaTokenDailyLimit' });
    budget.settle('a', false);
    expect(new DailySpending(home, 'v1', now, { mint }).spentToday()).toBe(0n);
    expect(new DailySpending(home, 'v1', now, 'lamports').spentToday()).toBe(0n);
    await budget.reserve('b', pay(600n), withTokens);
    budget.settle('b', true);
    expect(new DailySpending(home, 'v1', now, { mint }).spentToday()).toBe(600n);
  });
});
