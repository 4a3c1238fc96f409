import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { getTransferSolInstruction } from '@solana-program/system';
import { getApproveCheckedInstruction, getTransferCheckedInstruction, getTransferInstruction } from '@solana-program/token';
import {
  address,
  appendTransactionMessageInstructions,
  blockhash,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  getAddressEncoder,
  getBase58Encoder,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  verifySignature,
  type Instruction,
} from '@solana/kit';
import { describe, expect, it } from 'vitest';
import { thrownCode } from '../errors/codes.test-util.js';
import { runProtocols } from '../tss/driver.js';
import { FrostKeygen } from '../tss/frost/keygen.js';
import type { FrostKeyShare } from '../tss/frost/share.js';
import { FrostSign } from '../tss/frost/sign.js';
import {
  TOKEN_2022_PROGRAM_ADDRESS,
  decodeSolanaTransaction,
  describeSolanaMessage,
  describeSolanaTransaction,
  formatUnits,
  lamportsSpentBy,
  signatureToBase58,
  solanaAddressOf,
  summarizeTokensSent,
  tokensSentBy,
} from './solana-request.js';

const BLOCKHASH = blockhash('EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG');
const RECIPIENT = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
const MINT = address('So11111111111111111111111111111111111111112');
const TOKEN_ACCOUNT = address('4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T');

function frostVault(t: number, n: number): FrostKeyShare[] {
  const parties = Array.from({ length: n }, (_, i) => i + 1);
  const sid = randomBytes(32);
  const { results, aborts } = runProtocols(parties.map((self) => new FrostKeygen({ sid, self, parties, threshold: t })));
  expect(aborts.size).toBe(0);
  return parties.map((p) => results.get(p) as FrostKeyShare);
}

function transactionFrom(vault: string, ...instructions: Instruction[]): Uint8Array {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(address(vault), m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: BLOCKHASH, lastValidBlockHeight: 100n }, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  return new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
}

const solTransfer = (vault: string, lamports: bigint) =>
  getTransferSolInstruction({ source: createNoopSigner(address(vault)), destination: RECIPIENT, amount: lamports });

describe('Solana requests, decoded by the co-signer itself', () => {
  const shares = frostVault(2, 3);
  const vault = solanaAddressOf((shares[0] as FrostKeyShare).groupPublicKey);

  it("the vault's Solana address is its EdDSA group key in base58 (32 bytes back)", () => {
    expect(vault).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(new Uint8Array(getAddressEncoder().encode(address(vault)))).toEqual((shares[0] as FrostKeyShare).groupPublicKey);
  });

  it('a System transfer decodes to its lamports and parties; a FROST signature over the decoded message verifies with kit and noble', async () => {
    const wire = transactionFrom(vault, solTransfer(vault, 1_500_000_000n));
    const view = decodeSolanaTransaction(wire, vault);
    expect(view.instructions).toEqual([{ kind: 'sol-transfer', from: vault, to: RECIPIENT, lamports: 1_500_000_000n }]);
    expect(view.warnings).toEqual([]);
    expect(lamportsSpentBy(view, vault)).toBe(1_500_000_000n);
    expect(describeSolanaTransaction(view, vault)).toContain(`Send 1.5 SOL from ${vault} to ${RECIPIENT}`);

    const sid = randomBytes(32);
    const signers = [1, 3];
    const quorum = shares.filter((s) => signers.includes(s.self));
    const { results, aborts } = runProtocols(quorum.map((share) => new FrostSign({ sid, share, signers, message: view.messageBytes })));
    expect(aborts.size).toBe(0);
    const signature = results.get(1) as Uint8Array;
    expect(ed25519.verify(signature, view.messageBytes, (shares[0] as FrostKeyShare).groupPublicKey)).toBe(true);
    const key = await crypto.subtle.importKey('raw', new Uint8Array((shares[0] as FrostKeyShare).groupPublicKey), 'Ed25519', true, [
      'verify',
    ]);
    expect(await verifySignature(key, signature as never, view.messageBytes)).toBe(true);
    expect(getBase58Encoder().encode(signatureToBase58(signature))).toEqual(signature);
  });

  it('SPL Token and Token-2022 transfers and approvals show their amounts in units; unknown programs are raw, with a warning', () => {
    const authority = createNoopSigner(address(vault));
    const wire = transactionFrom(
      vault,
      getTransferCheckedInstruction({
        source: TOKEN_ACCOUNT,
        mint: MINT,
        destination: RECIPIENT,
        authority,
        amount: 2_500_000n,
        decimals: 6,
      }),
      getTransferInstruction(
        { source: TOKEN_ACCOUNT, destination: RECIPIENT, authority, amount: 7n },
        { programAddress: address(TOKEN_2022_PROGRAM_ADDRESS) },
      ),
      getApproveCheckedInstruction({
        source: TOKEN_ACCOUNT,
        mint: MINT,
        delegate: RECIPIENT,
        owner: authority,
        amount: 10n ** 18n,
        decimals: 9,
      }),
      { programAddress: address('Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo'), data: new TextEncoder().encode('hi') },
    );
    const view = decodeSolanaTransaction(wire, vault);
    const lines = describeSolanaTransaction(view, vault);
    expect(view.instructions.map((i) => i.kind)).toEqual(['token-transfer', 'token-transfer', 'token-approve', 'raw']);
    expect(lines.some((l) => l.includes('Token transfer (token): 2.5 of mint'))).toBe(true);
    expect(lines.some((l) => l.includes('Token transfer (token-2022): 7 base units (decimals not stated)'))).toBe(true);
    expect(lines.some((l) => l.includes('Token approval (token):') && l.includes('1000000000'))).toBe(true);
    expect(view.warnings.length).toBe(1);
    expect(lamportsSpentBy(view, vault)).toBe(0n);
    // What the approval's "Sends" shows: transfers only (not the approval), per mint in its units.
    expect(summarizeTokensSent(tokensSentBy(view, vault))).toEqual([
      { amount: '2.5', mint: MINT },
      { amount: '7 base units', mint: null },
    ]);
    expect(tokensSentBy(view, RECIPIENT)).toEqual([]);
  });

  it('a tampered, truncated or padded transaction, or one the vault does not sign, is refused before anything is signed', () => {
    const wire = transactionFrom(vault, solTransfer(vault, 1n));
    expect(thrownCode(() => decodeSolanaTransaction(wire.slice(0, -1), vault))).toBe('solana.requestInvalid');
    expect(thrownCode(() => decodeSolanaTransaction(new Uint8Array([...wire, 0]), vault))).toBe('solana.requestInvalid');
    const other = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    expect(thrownCode(() => decodeSolanaTransaction(wire, other))).toBe('solana.requestInvalid');
    // A flipped lamports byte decodes to another amount: the co-signer shows (and signs) what it decoded.
    const data = [2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    const at = wire.findIndex((_, i) => data.every((b, k) => wire[i + k] === b));
    expect(at).toBeGreaterThan(0);
    const flipped = wire.slice();
    flipped[at + 4] = 0x02;
    expect(decodeSolanaTransaction(flipped, vault).instructions[0]).toMatchObject({ kind: 'sol-transfer', lamports: 2n });
    // Flipping the lookup-table count makes the message malformed: refused.
    const broken = wire.slice();
    broken[broken.length - 1] = 0x01;
    expect(thrownCode(() => decodeSolanaTransaction(broken, vault))).toBe('solana.requestInvalid');
  });

  it('the vault must be a required signer: as a second signer it is decoded; as a mere account (recipient) it is refused', () => {
    const other = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    // Another account pays the fee; the vault signs its own transfer.
    const cosigned = transactionFrom(other, solTransfer(vault, 5n));
    const view = decodeSolanaTransaction(cosigned, vault);
    expect(view.feePayer).toBe(other);
    expect(view.signers).toEqual([other, vault]);
    expect(describeSolanaTransaction(view, vault)).not.toContain('Network fee paid by this vault');
    // The vault only receives: not a signer, so there is nothing for it to sign.
    const toVault = getTransferSolInstruction({ source: createNoopSigner(address(other)), destination: address(vault), amount: 5n });
    expect(thrownCode(() => decodeSolanaTransaction(transactionFrom(other, toVault), vault))).toBe('solana.requestInvalid');
    // Nor as a read-only account of an unknown program.
    const readOnly: Instruction = { programAddress: address(TOKEN_2022_PROGRAM_ADDRESS), accounts: [{ address: address(vault), role: 0 }] };
    expect(thrownCode(() => decodeSolanaTransaction(transactionFrom(other, readOnly), vault))).toBe('solana.requestInvalid');
  });

  it('messages show as text when printable, as hex otherwise', () => {
    expect(describeSolanaMessage(new TextEncoder().encode('Sign in to example.com\nNonce: 12'))).toEqual({
      text: 'Sign in to example.com\nNonce: 12',
      hex: expect.any(String),
    });
    expect(describeSolanaMessage(new Uint8Array([0, 1, 2, 255])).text).toBeNull();
    expect(formatUnits(1n, 9)).toBe('0.000000001');
    expect(formatUnits(5_000_000_000n, 9)).toBe('5');
  });
});
