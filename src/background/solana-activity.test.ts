import { ed25519 } from '@noble/curves/ed25519.js';
import { address, createNoopSigner } from '@solana/kit';
import { getTransferCheckedInstruction } from '@solana-program/token';
import { describe, expect, it } from 'vitest';
import { solanaAddressOf } from '../session/solana-request';
import type { SolanaTransactionRequest } from '../session/solana-signing-request';
import { solanaTransactionBase64, solTransfer } from '../session/solana-test-tx.test-util';
import { memoryArea } from './storage';
import { ActivityLog } from './activity';
import { isSolanaActivity, solanaActivityEntry } from './solana-activity';

const key = () => solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
const sol = key();
const [TO, OTHER, MINT, SOURCE] = [key(), key(), key(), key()];
const VAULT = '0x' + '11'.repeat(20);
const request = (...instructions: Parameters<typeof solanaTransactionBase64>[0]['instructions']): SolanaTransactionRequest => ({
  v: 1,
  kind: 'solana_transaction',
  signer: sol,
  tx: solanaTransactionBase64({ feePayer: sol, instructions }),
});
const token = (amount: bigint, to = TO) =>
  getTransferCheckedInstruction({
    source: address(SOURCE),
    mint: address(MINT),
    destination: address(to),
    authority: createNoopSigner(address(sol)),
    amount,
    decimals: 6,
  });
const entry = (r: SolanaTransactionRequest) =>
  solanaActivityEntry({ request: r, vault: VAULT, chain: 'solana:devnet', signature: 'SiG', origin: 'https://dapp.example', at: 7 });

describe('Solana sends in Recent activity', () => {
  it('a System transfer is a Send of SOL to its recipient, on its cluster, listed under the vault', () => {
    expect(entry(request(solTransfer(sol, TO, 1_500_000_000n)))).toEqual({
      hash: 'SiG',
      account: VAULT,
      chainId: 'solana:devnet',
      to: TO,
      value: '1.5',
      symbol: 'SOL',
      what: 'Send',
      origin: 'https://dapp.example',
      at: 7,
    });
  });

  it('a token transfer shows its amount in the mint units; a mixed or multi-recipient transaction says so', () => {
    expect(entry(request(token(2_500_000n), token(500_000n)))).toMatchObject({
      to: TO,
      value: '3',
      symbol: `tokens (mint ${MINT.slice(0, 4)}…${MINT.slice(-4)})`,
      what: 'Token transfer',
    });
    expect(entry(request(solTransfer(sol, TO, 1n), token(1n, OTHER)))).toMatchObject({
      to: null,
      value: '0.000000001',
      symbol: 'SOL',
      what: 'Solana transaction with 1 token transfer',
    });
    expect(isSolanaActivity({ chainId: 'solana:devnet' })).toBe(true);
    expect(isSolanaActivity({ chainId: '0x1' })).toBe(false);
  });

  it('goes through the same activity store as Ethereum entries, newest first, read by the vault', async () => {
    const log = new ActivityLog(memoryArea());
    await log.add({ hash: '0xabc', account: VAULT, chainId: '0x1', to: null, value: '0', symbol: 'ETH', what: 'Send', origin: 'x', at: 1 });
    await log.add(entry(request(solTransfer(sol, TO, 1n))));
    expect((await log.list(VAULT)).map((e) => e.chainId)).toEqual(['solana:devnet', '0x1']);
  });
});
