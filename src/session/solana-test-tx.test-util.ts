/** Test-only: Solana transactions built with @solana/kit, as a dApp builds them, for the co-signers to decode. */
import {
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Blockhash,
  type Instruction,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { bytesToBase64 } from './solana-signing-request.js';

/** A fixed recent blockhash, for transactions that are decoded but never executed. */
export const TEST_BLOCKHASH = 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG' as Blockhash;

export interface TestTransaction {
  /** Fee payer and first required signer (base58). */
  feePayer: string;
  instructions: Instruction[];
  version?: 'legacy' | 0;
  blockhash?: string;
  lastValidBlockHeight?: bigint;
}

/** The wire bytes of the transaction (signature slots empty). */
export function solanaTransactionBytes(t: TestTransaction): Uint8Array {
  const lifetime = { blockhash: (t.blockhash ?? TEST_BLOCKHASH) as Blockhash, lastValidBlockHeight: t.lastValidBlockHeight ?? 1000n };
  const message = pipe(
    createTransactionMessage({ version: t.version ?? 0 }),
    (m) => setTransactionMessageFeePayer(address(t.feePayer), m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions(t.instructions, m),
  );
  return new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
}

/** The same, base64 (what a `solana_transaction` request and `sendTransaction` carry). */
export function solanaTransactionBase64(t: TestTransaction): string {
  return bytesToBase64(solanaTransactionBytes(t));
}

/** A System transfer of `lamports` from `from` (a signer) to `to`. */
export function solTransfer(from: string, to: string, lamports: bigint): Instruction {
  return getTransferSolInstruction({ source: createNoopSigner(address(from)), destination: address(to), amount: lamports });
}
