/**
 * Send SOL's builder: the amount and recipient rules (codes), and the
 * System transfer it builds, decoded as every co-signer decodes it and
 * executed by litesvm once signed.
 */
import { address, generateKeyPairSigner, getTransactionDecoder, lamports, signTransaction } from '@solana/kit';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { describe, expect, it } from 'vitest';
import { errorCode } from '../errors/index';
import { describeSolanaRequest, parseSolanaSigningRequest } from '../session/solana-signing-request';
import { buildSolTransfer, parseSol, parseSolanaRecipient } from './solana-transfer';

const RECIPIENT = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return errorCode(e);
  }
};

describe('Send SOL: the amount, the recipient and the System transfer', () => {
  it('reads SOL amounts into lamports (at most 9 decimals, more than 0) and base58 recipients, refusing with codes', () => {
    expect(parseSol('1')).toBe(1_000_000_000n);
    expect(parseSol(' 0.25 ')).toBe(250_000_000n);
    expect(parseSol('.5')).toBe(500_000_000n);
    expect(parseSol('2.')).toBe(2_000_000_000n);
    expect(parseSol('0.000000001')).toBe(1n);
    for (const bad of ['', '.', 'abc', '1,5', '-1', '1e3', '0.0000000001', '1.2.3'])
      expect(
        codeOf(() => parseSol(bad)),
        bad,
      ).toBe('send.badAmount');
    expect(codeOf(() => parseSol('0'))).toBe('send.amountNotPositive');
    expect(codeOf(() => parseSol('0.000'))).toBe('send.amountNotPositive');
    expect(parseSolanaRecipient(` ${RECIPIENT}\n`)).toBe(RECIPIENT);
    for (const bad of ['', '0x' + '11'.repeat(20), RECIPIENT.slice(0, -1) + '0', '1111'])
      expect(
        codeOf(() => parseSolanaRecipient(bad)),
        bad,
      ).toBe('solanaSend.badRecipient');
  });

  it('builds a v0 System transfer paid by the sender: co-signers show exactly it, and once signed litesvm executes it', async () => {
    const svm = new LiteSVM();
    const from = await generateKeyPairSigner();
    svm.airdrop(from.address, lamports(2_000_000_000n));
    const blockhash = svm.latestBlockhash();
    const tx = buildSolTransfer({ from: from.address, to: RECIPIENT, lamports: 750_000_000n, blockhash, lastValidBlockHeight: 1000n });
    const request = parseSolanaSigningRequest({ v: 1, kind: 'solana_transaction', signer: from.address, tx });
    expect(describeSolanaRequest(request)).toEqual([
      `Solana transaction (v0) signed by ${from.address}`,
      'Network fee paid by this vault',
      `Send 0.75 SOL from ${from.address} to ${RECIPIENT}`,
    ]);
    const decoded = getTransactionDecoder().decode(Buffer.from(tx, 'base64'));
    expect(Object.keys(decoded.signatures)).toEqual([from.address]);
    const result = svm.sendTransaction(await signTransaction([from.keyPair], decoded));
    expect(result instanceof FailedTransactionMetadata ? result.toString() : 'ok').toBe('ok');
    expect(svm.getBalance(address(RECIPIENT))).toBe(750_000_000n);
  });
});
