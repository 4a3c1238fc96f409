import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { address, createNoopSigner, type Instruction } from '@solana/kit';
import {
  findAssociatedTokenPda,
  getApproveCheckedInstruction,
  getTransferCheckedInstruction,
  getTransferInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { describe, expect, it } from 'vitest';
import { errorCode } from '../errors/index.js';
import { solanaAddressOf, TOKEN_2022_PROGRAM_ADDRESS } from '../session/solana-request.js';
import type { SolanaSigningRequest } from '../session/solana-signing-request.js';
import { solanaTransactionBase64, solTransfer } from '../session/solana-test-tx.test-util.js';
import { parsePolicy } from './policy.js';
import { checkSolanaPolicy, recipientTokenAccounts, type SolanaPolicy } from './solana-policy.js';

const vault = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
const TO = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const MINT = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
const SOURCE = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));

function tx(...instructions: Instruction[]): SolanaSigningRequest {
  const wire = solanaTransactionBase64({ version: 'legacy', feePayer: vault, lastValidBlockHeight: 1n, instructions });
  return { v: 1, kind: 'solana_transaction', signer: vault, tx: wire };
}
const send = (to: string, amount: bigint) => solTransfer(vault, to, amount);

/** What was signed today: `lamports`, and base units per mint. */
const today = (lamports: bigint, tokens: Record<string, bigint> = {}) => ({ lamports, token: (m: string) => tokens[m] ?? 0n });
/** The lamports a request spends under the policy (throws to refuse). */
const lamportsOf = (req: SolanaSigningRequest, policy: SolanaPolicy | undefined, spent: bigint) =>
  checkSolanaPolicy(req, policy, today(spent)).lamports;

const code = (f: () => unknown) => {
  try {
    f();
    return 'signed';
  } catch (e) {
    return errorCode(e);
  }
};

describe('Solana policy (lamports per transaction and per day)', () => {
  const policy = parsePolicy({
    v: 1,
    chains: [1],
    maxValueWei: '0',
    dailyLimitWei: '0',
    solana: { maxLamports: '1000', dailyLimitLamports: '1500', recipients: [TO] },
  });

  it('signs System transfers within both limits, counting lamports; refuses over them with the rule as code', () => {
    expect(lamportsOf(tx(send(TO, 600n)), policy.solana, 0n)).toBe(600n);
    expect(code(() => lamportsOf(tx(send(TO, 1001n)), policy.solana, 0n))).toBe('policy.solanaMaxValue');
    expect(code(() => lamportsOf(tx(send(TO, 600n), send(TO, 500n)), policy.solana, 0n))).toBe('policy.solanaMaxValue');
    expect(code(() => lamportsOf(tx(send(TO, 600n)), policy.solana, 901n))).toBe('policy.solanaDailyLimit');
    expect(lamportsOf(tx(send(TO, 600n)), policy.solana, 900n)).toBe(600n);
  });

  it('refuses other recipients, instructions it cannot value, messages unless allowed, and everything without a solana section', () => {
    const other = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    expect(code(() => lamportsOf(tx(send(other, 1n)), policy.solana, 0n))).toBe('policy.solanaRecipient');
    const memo = { programAddress: address('Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo'), data: new Uint8Array([104, 105]) };
    expect(code(() => lamportsOf(tx(send(TO, 1n), memo), policy.solana, 0n))).toBe('policy.solanaInstruction');
    const msg: SolanaSigningRequest = { v: 1, kind: 'solana_message', signer: vault, message: bytesToHex(new TextEncoder().encode('hi')) };
    expect(code(() => lamportsOf(msg, policy.solana, 0n))).toBe('policy.solanaMessages');
    const withMessages = parsePolicy({
      v: 1,
      chains: [1],
      maxValueWei: '0',
      dailyLimitWei: '0',
      solana: { maxLamports: '0', dailyLimitLamports: '0', allowMessages: true },
    });
    expect(lamportsOf(msg, withMessages.solana, 0n)).toBe(0n);
    const none = parsePolicy({ v: 1, chains: [1], maxValueWei: '0', dailyLimitWei: '0' });
    expect(code(() => lamportsOf(tx(send(TO, 1n)), none.solana, 0n))).toBe('policy.solana');
  });

  it('rejects a malformed solana section naming the field', () => {
    const bad = (solana: unknown) => {
      try {
        parsePolicy({ v: 1, chains: [1], maxValueWei: '0', dailyLimitWei: '0', solana });
        return 'parsed';
      } catch (e) {
        return `${errorCode(e)} ${(e as { details: { field: string } }).details.field}`;
      }
    };
    expect(bad({ maxLamports: 1, dailyLimitLamports: '1' })).toBe('policy.badFile solana.maxLamports');
    expect(bad({ maxLamports: '1', dailyLimitLamports: '1', recipients: ['0xabc'] })).toBe('policy.badFile solana.recipients');
    expect(bad({ maxLamports: '1', dailyLimitLamports: '1', extra: true })).toBe('policy.badFile solana.extra');
    expect(bad({ maxLamports: '1', dailyLimitLamports: '1', tokens: { '0xabc': { maxAmount: '1', dailyLimit: '1' } } })).toBe(
      'policy.badFile solana.tokens.0xabc',
    );
    expect(bad({ maxLamports: '1', dailyLimitLamports: '1', tokens: { [MINT]: { maxAmount: 1, dailyLimit: '1' } } })).toBe(
      `policy.badFile solana.tokens.${MINT}.maxAmount`,
    );
    expect(bad({ maxLamports: '1', dailyLimitLamports: '1', tokens: { [MINT]: { maxAmount: '1', dailyLimit: '1', x: 1 } } })).toBe(
      `policy.badFile solana.tokens.${MINT}.x`,
    );
  });
});

describe('Solana policy: SPL token transfers by mint, in base units', () => {
  const policyWith = (extra: Record<string, unknown> = {}) =>
    parsePolicy({
      v: 1,
      chains: [1],
      maxValueWei: '0',
      dailyLimitWei: '0',
      solana: { maxLamports: '1000', dailyLimitLamports: '1000', tokens: { [MINT]: { maxAmount: '5000', dailyLimit: '8000' } }, ...extra },
    }).solana;
  const policy = policyWith();
  const authority = createNoopSigner(address(vault));
  const checked = (amount: bigint, opts: { mint?: string; destination?: string; program?: string } = {}) =>
    getTransferCheckedInstruction(
      {
        source: address(SOURCE),
        mint: address(opts.mint ?? MINT),
        destination: address(opts.destination ?? TO),
        authority,
        amount,
        decimals: 6,
      },
      opts.program ? { programAddress: address(opts.program) } : {},
    );
  const spend = (req: SolanaSigningRequest, p = policy, spent: Record<string, bigint> = {}, allowed?: Set<string>) =>
    checkSolanaPolicy(req, p, today(0n, spent), allowed);

  it('signs a TransferChecked of a listed mint from the vault within its limits, counting its base units per mint', () => {
    const s = spend(tx(checked(3000n), checked(1000n, { program: TOKEN_2022_PROGRAM_ADDRESS }), send(TO, 10n)));
    expect(s.lamports).toBe(10n);
    expect([...s.tokens]).toEqual([[MINT, 4000n]]);
    expect(code(() => spend(tx(checked(5001n))))).toBe('policy.solanaTokenMaxValue');
    expect(code(() => spend(tx(checked(3000n), checked(3000n))))).toBe('policy.solanaTokenMaxValue');
    expect(code(() => spend(tx(checked(3000n)), policy, { [MINT]: 5001n }))).toBe('policy.solanaTokenDailyLimit');
    expect([...spend(tx(checked(3000n)), policy, { [MINT]: 5000n }).tokens]).toEqual([[MINT, 3000n]]);
  });

  it('refuses another mint, a Transfer (no mint named), an approval, and a transfer whose authority is not the vault', () => {
    const other = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    expect(code(() => spend(tx(checked(1n, { mint: other }))))).toBe('policy.solanaTokenMint');
    const plain = getTransferInstruction({ source: address(SOURCE), destination: address(TO), authority, amount: 1n });
    expect(code(() => spend(tx(plain)))).toBe('policy.solanaInstruction');
    const approve = getApproveCheckedInstruction({
      source: address(SOURCE),
      mint: address(MINT),
      delegate: address(TO),
      owner: authority,
      amount: 1n,
      decimals: 6,
    });
    expect(code(() => spend(tx(approve)))).toBe('policy.solanaInstruction');
    const foreign = getTransferCheckedInstruction({
      source: address(SOURCE),
      mint: address(MINT),
      destination: address(TO),
      authority: createNoopSigner(address(other)),
      amount: 1n,
      decimals: 6,
    });
    expect(code(() => spend(tx(foreign)))).toBe('policy.solanaInstruction');
    const none = parsePolicy({
      v: 1,
      chains: [1],
      maxValueWei: '0',
      dailyLimitWei: '0',
      solana: { maxLamports: '9', dailyLimitLamports: '9' },
    });
    expect(code(() => spend(tx(checked(1n)), none.solana))).toBe('policy.solanaTokenMint');
  });

  it("with recipients, a token transfer must go to a listed recipient's associated token account for that mint and program", async () => {
    const p = policyWith({ recipients: [TO] });
    const [ata] = await findAssociatedTokenPda({ owner: address(TO), mint: address(MINT), tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const [ata2022] = await findAssociatedTokenPda({
      owner: address(TO),
      mint: address(MINT),
      tokenProgram: address(TOKEN_2022_PROGRAM_ADDRESS),
    });
    const good = tx(checked(1n, { destination: ata }));
    const allowed = await recipientTokenAccounts(good, p);
    expect([...allowed]).toEqual([ata]);
    expect([...spend(good, p, {}, allowed).tokens]).toEqual([[MINT, 1n]]);
    // The recipient's own address, or its account under the other token program, is not its token account for this transfer.
    const direct = tx(checked(1n));
    expect(code(() => spend(direct, p, {}, new Set([ata])))).toBe('policy.solanaRecipient');
    const wrongProgram = tx(checked(1n, { destination: ata2022 }));
    const wrongAllowed = await recipientTokenAccounts(wrongProgram, p);
    expect(code(() => spend(wrongProgram, p, {}, wrongAllowed))).toBe('policy.solanaRecipient');
    const right2022 = tx(checked(1n, { destination: ata2022, program: TOKEN_2022_PROGRAM_ADDRESS }));
    expect([...spend(right2022, p, {}, await recipientTokenAccounts(right2022, p)).tokens]).toEqual([[MINT, 1n]]);
  });
});
