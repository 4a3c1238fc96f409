import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { address, type Instruction } from '@solana/kit';
import { describe, expect, it } from 'vitest';
import { errorCode } from '../errors/index.js';
import { solanaAddressOf } from '../session/solana-request.js';
import type { SolanaSigningRequest } from '../session/solana-signing-request.js';
import { solanaTransactionBase64, solTransfer } from '../session/solana-test-tx.test-util.js';
import { parsePolicy } from './policy.js';
import { checkSolanaPolicy } from './solana-policy.js';

const vault = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
const TO = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';

function tx(...instructions: Instruction[]): SolanaSigningRequest {
  const wire = solanaTransactionBase64({ version: 'legacy', feePayer: vault, lastValidBlockHeight: 1n, instructions });
  return { v: 1, kind: 'solana_transaction', signer: vault, tx: wire };
}
const send = (to: string, amount: bigint) => solTransfer(vault, to, amount);

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
    expect(checkSolanaPolicy(tx(send(TO, 600n)), policy.solana, 0n)).toBe(600n);
    expect(code(() => checkSolanaPolicy(tx(send(TO, 1001n)), policy.solana, 0n))).toBe('policy.solanaMaxValue');
    expect(code(() => checkSolanaPolicy(tx(send(TO, 600n), send(TO, 500n)), policy.solana, 0n))).toBe('policy.solanaMaxValue');
    expect(code(() => checkSolanaPolicy(tx(send(TO, 600n)), policy.solana, 901n))).toBe('policy.solanaDailyLimit');
    expect(checkSolanaPolicy(tx(send(TO, 600n)), policy.solana, 900n)).toBe(600n);
  });

  it('refuses other recipients, instructions it cannot value, messages unless allowed, and everything without a solana section', () => {
    const other = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    expect(code(() => checkSolanaPolicy(tx(send(other, 1n)), policy.solana, 0n))).toBe('policy.solanaRecipient');
    const memo = { programAddress: address('Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo'), data: new Uint8Array([104, 105]) };
    expect(code(() => checkSolanaPolicy(tx(send(TO, 1n), memo), policy.solana, 0n))).toBe('policy.solanaInstruction');
    const msg: SolanaSigningRequest = { v: 1, kind: 'solana_message', signer: vault, message: bytesToHex(new TextEncoder().encode('hi')) };
    expect(code(() => checkSolanaPolicy(msg, policy.solana, 0n))).toBe('policy.solanaMessages');
    const withMessages = parsePolicy({
      v: 1,
      chains: [1],
      maxValueWei: '0',
      dailyLimitWei: '0',
      solana: { maxLamports: '0', dailyLimitLamports: '0', allowMessages: true },
    });
    expect(checkSolanaPolicy(msg, withMessages.solana, 0n)).toBe(0n);
    const none = parsePolicy({ v: 1, chains: [1], maxValueWei: '0', dailyLimitWei: '0' });
    expect(code(() => checkSolanaPolicy(tx(send(TO, 1n)), none.solana, 0n))).toBe('policy.solana');
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
  });
});
