/**
 * What a Solana signing request carries, decoded by each co-signer itself.
 *
 * A vault's EdDSA (FROST, Ed25519) group public key is a Solana account: its
 * address is the key's 32 bytes in base58. A requester sends the serialized
 * transaction (wire format: signature slots, then the message) or a plain
 * message; every co-signer decodes it here with `@solana/kit` and the
 * `@solana-program/*` instruction parsers, shows the lines this module
 * returns, applies its policy, and signs with FROST exactly the message
 * bytes it decoded (Ed25519 is PureEdDSA: the message itself is signed,
 * never a hash that someone else computed).
 *
 * Strictness: the transaction must decode and re-encode to the same bytes
 * (no trailing or non-canonical data), carry one signature slot per required
 * signer, and name the vault among its required signers. Instructions the
 * module knows (System transfers; SPL Token and Token-2022 transfer,
 * transferChecked, approve, approveChecked) are shown in their units; any
 * other instruction is shown raw with a warning, and so is a v0 message that
 * loads accounts from address lookup tables (they cannot be shown without
 * reading the chain).
 */
import {
  getAddressDecoder,
  getBase58Decoder,
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  getInstructionsFromCompiledTransactionMessage,
  getTransactionDecoder,
  getTransactionEncoder,
  type CompiledTransactionMessage,
} from '@solana/kit';
import { identifySystemInstruction, parseTransferSolInstruction, SYSTEM_PROGRAM_ADDRESS, SystemInstruction } from '@solana-program/system';
import {
  identifyTokenInstruction,
  parseApproveCheckedInstruction,
  parseApproveInstruction,
  parseTransferCheckedInstruction,
  parseTransferInstruction,
  TOKEN_PROGRAM_ADDRESS,
  TokenInstruction,
} from '@solana-program/token';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TandemError } from '../errors/index.js';

/** The Token-2022 program: its transfer and approve instructions share the Token program's layout. */
export const TOKEN_2022_PROGRAM_ADDRESS = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
/** Lamports per SOL. */
export const LAMPORTS_PER_SOL = 1_000_000_000n;

/** A request that does not decode, or that this vault cannot or must not sign. */
export class SolanaRequestError extends TandemError {
  constructor(reason: string) {
    super('solana.requestInvalid', `Solana request refused: ${reason}`, { details: { reason } });
  }
}

/** The vault's Solana address: the Ed25519 group public key in base58. */
export function solanaAddressOf(groupPublicKey: Uint8Array): string {
  if (groupPublicKey.length !== 32) throw new SolanaRequestError('an Ed25519 public key is 32 bytes');
  return getAddressDecoder().decode(groupPublicKey);
}

/** One instruction as a co-signer shows it. */
export type SolanaInstructionView =
  | { kind: 'sol-transfer'; from: string; to: string; lamports: bigint }
  | {
      kind: 'token-transfer' | 'token-approve';
      program: 'token' | 'token-2022';
      /** Source token account. */
      source: string;
      /** Destination account (transfer) or delegate (approve). */
      target: string;
      authority: string;
      amount: bigint;
      /** Known only for the *Checked variants, which name the mint and its decimals. */
      decimals?: number;
      mint?: string;
    }
  | { kind: 'raw'; program: string; accounts: string[]; data: string };

export interface SolanaTransactionView {
  version: 'legacy' | 0 | 1;
  feePayer: string;
  /** Required signers, in message order. */
  signers: string[];
  instructions: SolanaInstructionView[];
  /** Warnings to show above the instructions (unknown programs, lookup tables). */
  warnings: string[];
  /** The exact bytes to sign: the message. */
  messageBytes: Uint8Array;
}

/**
 * Decodes a serialized transaction that `vault` (its base58 address) is
 * asked to sign. Throws {@link SolanaRequestError} for anything malformed or
 * not addressed to the vault.
 */
export function decodeSolanaTransaction(wire: Uint8Array, vault: string): SolanaTransactionView {
  let messageBytes: Uint8Array;
  let compiled: CompiledTransactionMessage;
  let slots: string[];
  try {
    const tx = getTransactionDecoder().decode(wire);
    if (!bytesEqual(getTransactionEncoder().encode(tx), wire)) throw new Error('trailing or non-canonical bytes');
    messageBytes = new Uint8Array(tx.messageBytes);
    compiled = getCompiledTransactionMessageDecoder().decode(messageBytes);
    if (!bytesEqual(getCompiledTransactionMessageEncoder().encode(compiled), messageBytes))
      throw new Error('the message has trailing or missing bytes');
    slots = Object.keys(tx.signatures);
  } catch (e) {
    throw new SolanaRequestError(`the transaction does not decode (${(e as Error).message.slice(0, 120)})`);
  }
  const signers = compiled.staticAccounts.slice(0, compiled.header.numSignerAccounts).map(String);
  if (signers.length === 0) throw new SolanaRequestError('the transaction names no signer');
  if (slots.length !== signers.length || slots.some((s, i) => s !== signers[i]))
    throw new SolanaRequestError('the signature slots do not match the required signers');
  if (!signers.includes(vault)) throw new SolanaRequestError(`this vault (${vault}) is not a signer of the transaction`);
  const warnings: string[] = [];
  const lookups = 'addressTableLookups' in compiled ? (compiled.addressTableLookups ?? []) : [];
  if (lookups.length > 0)
    warnings.push(
      'This transaction loads accounts from address lookup tables: some accounts cannot be shown. Sign only if you trust the site.',
    );
  let instructions: SolanaInstructionView[];
  try {
    instructions = lookups.length > 0 ? rawInstructions(compiled) : getInstructionsFromCompiledTransactionMessage(compiled).map(describe);
  } catch (e) {
    throw new SolanaRequestError(`an instruction does not decode (${(e as Error).message.slice(0, 120)})`);
  }
  if (instructions.some((i) => i.kind === 'raw'))
    warnings.push('This transaction calls a program Tandem cannot decode: its instructions are shown raw.');
  return { version: compiled.version, feePayer: signers[0] as string, signers, instructions, warnings, messageBytes };
}

type TokenView = Extract<SolanaInstructionView, { kind: 'token-transfer' | 'token-approve' }>;
type ResolvedInstruction = ReturnType<typeof getInstructionsFromCompiledTransactionMessage>[number];

function describe(ix: ResolvedInstruction): SolanaInstructionView {
  const program = String(ix.programAddress);
  const data = ix.data ? new Uint8Array(ix.data) : new Uint8Array();
  const accounts = (ix.accounts ?? []).map((a) => String(a.address));
  const raw: SolanaInstructionView = { kind: 'raw', program, accounts, data: bytesToHex(data) };
  const full = { ...ix, accounts: ix.accounts ?? [], data };
  try {
    if (program === SYSTEM_PROGRAM_ADDRESS && identifySystemInstruction(data) === SystemInstruction.TransferSol) {
      const p = parseTransferSolInstruction(full);
      return { kind: 'sol-transfer', from: p.accounts.source.address, to: p.accounts.destination.address, lamports: p.data.amount };
    }
    if (program === TOKEN_PROGRAM_ADDRESS || program === TOKEN_2022_PROGRAM_ADDRESS) return describeToken(full, program) ?? raw;
  } catch {
    return raw;
  }
  return raw;
}

function describeToken(ix: ResolvedInstruction & { data: Uint8Array }, program: string): SolanaInstructionView | null {
  const which = program === TOKEN_PROGRAM_ADDRESS ? 'token' : 'token-2022';
  // The parsers are typed for the Token program's address; Token-2022 shares these layouts.
  const asToken = { ...ix, programAddress: TOKEN_PROGRAM_ADDRESS, accounts: ix.accounts ?? [] };
  switch (identifyTokenInstruction(ix.data)) {
    case TokenInstruction.Transfer: {
      const p = parseTransferInstruction(asToken);
      const a = p.accounts;
      return token('token-transfer', which, a.source.address, a.destination.address, a.authority.address, p.data.amount);
    }
    case TokenInstruction.TransferChecked: {
      const p = parseTransferCheckedInstruction(asToken);
      const a = p.accounts;
      return {
        ...token('token-transfer', which, a.source.address, a.destination.address, a.authority.address, p.data.amount),
        decimals: p.data.decimals,
        mint: a.mint.address,
      };
    }
    case TokenInstruction.Approve: {
      const p = parseApproveInstruction(asToken);
      const a = p.accounts;
      return token('token-approve', which, a.source.address, a.delegate.address, a.owner.address, p.data.amount);
    }
    case TokenInstruction.ApproveChecked: {
      const p = parseApproveCheckedInstruction(asToken);
      const a = p.accounts;
      return {
        ...token('token-approve', which, a.source.address, a.delegate.address, a.owner.address, p.data.amount),
        decimals: p.data.decimals,
        mint: a.mint.address,
      };
    }
    default:
      return null;
  }
}

function token(
  kind: 'token-transfer' | 'token-approve',
  program: 'token' | 'token-2022',
  source: string,
  target: string,
  authority: string,
  amount: bigint,
): TokenView {
  return { kind, program, source, target, authority, amount };
}

/** Instructions of a message whose accounts are partly in lookup tables: programs and static accounts only. */
function rawInstructions(compiled: CompiledTransactionMessage): SolanaInstructionView[] {
  const at = (i: number) => String(compiled.staticAccounts[i] ?? `lookup-table account #${i - compiled.staticAccounts.length}`);
  const list = (
    compiled as { instructions?: ReadonlyArray<{ programAddressIndex: number; accountIndices?: readonly number[]; data?: Uint8Array }> }
  ).instructions;
  return (list ?? []).map((ix) => ({
    kind: 'raw' as const,
    program: at(ix.programAddressIndex),
    accounts: (ix.accountIndices ?? []).map(at),
    data: bytesToHex(new Uint8Array(ix.data ?? new Uint8Array())),
  }));
}

/** `amount` base units with `decimals`, without floating point: 1500000000, 9 → "1.5". */
export function formatUnits(amount: bigint, decimals: number): string {
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const frac = decimals === 0 ? '' : (abs % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** The lines a co-signer shows for a transaction (its screen, its log), most important first. */
export function describeSolanaTransaction(view: SolanaTransactionView, vault: string): string[] {
  const lines = [...view.warnings.map((w) => `⚠ ${w}`)];
  if (view.feePayer === vault) lines.push('Network fee paid by this vault');
  for (const ix of view.instructions) lines.push(instructionLine(ix));
  return lines;
}

function instructionLine(ix: SolanaInstructionView): string {
  switch (ix.kind) {
    case 'sol-transfer':
      return `Send ${formatUnits(ix.lamports, 9)} SOL from ${ix.from} to ${ix.to}`;
    case 'token-transfer':
    case 'token-approve': {
      const amount = ix.decimals === undefined ? `${ix.amount} base units (decimals not stated)` : formatUnits(ix.amount, ix.decimals);
      const what = ix.mint ? ` of mint ${ix.mint}` : '';
      return ix.kind === 'token-transfer'
        ? `Token transfer (${ix.program}): ${amount}${what} from ${ix.source} to ${ix.target}`
        : `Token approval (${ix.program}): ${ix.target} may spend ${amount}${what} from ${ix.source}`;
    }
    case 'raw':
      return `Unknown instruction for program ${ix.program}: accounts ${ix.accounts.join(', ') || 'none'}, data 0x${ix.data.slice(0, 128)}${ix.data.length > 128 ? '…' : ''}`;
  }
}

/** Lamports this transaction sends from `vault` by System transfers (for a per-day limit). */
export function lamportsSpentBy(view: SolanaTransactionView, vault: string): bigint {
  return view.instructions.reduce((sum, ix) => (ix.kind === 'sol-transfer' && ix.from === vault ? sum + ix.lamports : sum), 0n);
}

/** A token amount a transaction sends from the vault: an SPL Token / Token-2022 transfer whose authority is the vault. */
export interface TokenSent {
  program: 'token' | 'token-2022';
  /** Base units. */
  amount: bigint;
  /** Named (and checked on chain) only by TransferChecked. */
  mint?: string;
  decimals?: number;
  /** The destination token account. */
  to: string;
}

/** The token transfers this transaction makes with the vault as authority, in instruction order. */
export function tokensSentBy(view: SolanaTransactionView, vault: string): TokenSent[] {
  const out: TokenSent[] = [];
  for (const ix of view.instructions)
    if (ix.kind === 'token-transfer' && ix.authority === vault)
      out.push({
        program: ix.program,
        amount: ix.amount,
        to: ix.target,
        ...(ix.mint !== undefined ? { mint: ix.mint } : {}),
        ...(ix.decimals !== undefined ? { decimals: ix.decimals } : {}),
      });
  return out;
}

/**
 * The token amounts summed per mint, in the mint's units (`2.5`); a
 * transfer that names no mint (`Transfer`, not `TransferChecked`) in base
 * units (`7 base units`, mint null).
 */
export function summarizeTokensSent(sent: TokenSent[]): Array<{ amount: string; mint: string | null }> {
  const byMint = new Map<string, { mint: string; amount: bigint; decimals: number }>();
  const unnamed: Array<{ amount: string; mint: null }> = [];
  for (const t of sent) {
    if (t.mint === undefined || t.decimals === undefined) {
      unnamed.push({ amount: `${t.amount} base units`, mint: null });
      continue;
    }
    const key = `${t.mint}/${t.decimals}`;
    const before = byMint.get(key);
    byMint.set(key, { mint: t.mint, amount: (before?.amount ?? 0n) + t.amount, decimals: t.decimals });
  }
  return [...[...byMint.values()].map((t) => ({ amount: formatUnits(t.amount, t.decimals), mint: t.mint })), ...unnamed];
}

/** A message to sign (`solana:signMessage`, Sign-In With Solana) as a co-signer shows it: text when printable, hex otherwise. */
export function describeSolanaMessage(message: Uint8Array): { text: string | null; hex: string } {
  const hex = bytesToHex(message);
  let text: string | null = null;
  try {
    const t = new TextDecoder('utf-8', { fatal: true }).decode(message);
    if (!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(t)) text = t;
  } catch {
    text = null;
  }
  return { text, hex };
}

/** The base58 text of a 64-byte Ed25519 signature, as Solana RPCs and explorers show it. */
export function signatureToBase58(signature: Uint8Array): string {
  if (signature.length !== 64) throw new SolanaRequestError('an Ed25519 signature is 64 bytes');
  return getBase58Decoder().decode(signature);
}

function bytesEqual(a: Uint8Array | ArrayLike<number>, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
