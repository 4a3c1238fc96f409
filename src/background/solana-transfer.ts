/**
 * The popup's Send SOL (docs/solana.md): the recipient and the amount as the
 * user typed them, checked, and the System transfer built with `@solana/kit`
 * from the vault, which pays the fee, with a recent blockhash from the
 * Solana RPC. The transaction then takes the path of a page's
 * `solana:signAndSendTransaction`: the same approval, co-signing and send.
 */
import {
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  getTransactionEncoder,
  isAddress,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Blockhash,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { bytesToBase64 } from '../session/solana-signing-request';
import { WalletError } from '../shared/wallet-errors';

export const LAMPORTS_PER_SOL = 1_000_000_000n;

/** An amount of SOL as typed (`0.5`, `1`, `.25`; at most 9 decimals) in lamports; more than 0. */
export function parseSol(text: string): bigint {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[1] === '' && !m[2]) || (m[2]?.length ?? 0) > 9) throw new WalletError('send.badAmount', { decimals: 9 });
  const lamports = BigInt(m[1] || '0') * LAMPORTS_PER_SOL + BigInt((m[2] ?? '').padEnd(9, '0'));
  if (lamports <= 0n) throw new WalletError('send.amountNotPositive');
  return lamports;
}

/** A recipient as typed: a base58 Solana address. */
export function parseSolanaRecipient(text: string): string {
  const t = text.trim();
  if (!isAddress(t)) throw new WalletError('solanaSend.badRecipient');
  return t;
}

export interface SolTransfer {
  from: string;
  to: string;
  lamports: bigint;
  blockhash: string;
  lastValidBlockHeight: bigint;
}

/** The wire transaction (v0, the vault's signature slot empty), base64: one System transfer, fee paid by `from`. */
export function buildSolTransfer(t: SolTransfer): string {
  const from = createNoopSigner(address(t.from));
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(from.address, m),
    (m) =>
      setTransactionMessageLifetimeUsingBlockhash({ blockhash: t.blockhash as Blockhash, lastValidBlockHeight: t.lastValidBlockHeight }, m),
    (m) =>
      appendTransactionMessageInstructions(
        [getTransferSolInstruction({ source: from, destination: address(t.to), amount: t.lamports })],
        m,
      ),
  );
  return bytesToBase64(new Uint8Array(getTransactionEncoder().encode(compileTransaction(message))));
}
