/**
 * The wallet's Solana network client (src/background/solana-network.ts)
 * against the litesvm JSON-RPC server over HTTP: the balance, the cluster
 * check by genesis hash, sending a signed transaction (the recipient's
 * balance changes) with a wait for its commitment, and the refusals, each
 * with its code.
 */
import { address, generateKeyPairSigner, getTransactionDecoder, getTransactionEncoder, lamports, signTransaction } from '@solana/kit';
import { LiteSVM } from 'litesvm';
import { afterEach, describe, expect, it } from 'vitest';
import { errorCode } from '../src/errors/index.js';
import { checkCluster, clusterOf, parseSendOptions, sendSolanaTransaction, solanaBalance } from '../src/background/solana-network.js';
import { base64ToBytes, bytesToBase64 } from '../src/session/solana-signing-request.js';
import { solanaTransactionBase64, solTransfer } from '../src/session/solana-test-tx.test-util.js';
import { startSolanaRpc, type SolanaRpcServer } from './support/solana-rpc.js';

const RECIPIENT = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
const servers: SolanaRpcServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function setUp(genesisHash?: string) {
  const svm = new LiteSVM();
  const payer = await generateKeyPairSigner();
  svm.airdrop(payer.address, lamports(2_000_000_000n));
  const server = await startSolanaRpc(svm, genesisHash ? { genesisHash } : {});
  servers.push(server);
  const unsigned = (amount: bigint) =>
    solanaTransactionBase64({
      feePayer: payer.address,
      blockhash: svm.latestBlockhash(),
      instructions: [solTransfer(payer.address, RECIPIENT, amount)],
    });
  const signed = async (amount: bigint) => {
    const tx = getTransactionDecoder().decode(base64ToBytes(unsigned(amount)));
    return bytesToBase64(new Uint8Array(getTransactionEncoder().encode(await signTransaction([payer.keyPair], tx))));
  };
  return { svm, payer, url: server.url, unsigned, signed };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', errorCode);

describe('the Solana network client (kit RPC) against litesvm over HTTP', () => {
  it('reads the balance and the cluster; sends a signed transaction, waits for its commitment, and the recipient is paid', async () => {
    const { svm, payer, url, signed } = await setUp();
    expect(await solanaBalance(url, payer.address)).toBe(2_000_000_000n);
    expect(await clusterOf(url)).toBe('solana:localnet');
    await checkCluster(url, 'solana:localnet');
    const wire = await signed(700_000_000n);
    const id = await sendSolanaTransaction(url, wire, parseSendOptions({ commitment: 'confirmed', skipPreflight: false, maxRetries: 3 }));
    expect(id).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    expect(svm.getTransaction(id as never)).not.toBeNull();
    expect(svm.getBalance(RECIPIENT)).toBe(700_000_000n);
    expect(await solanaBalance(url, RECIPIENT)).toBe(700_000_000n);
  });

  it('refuses: an unsigned slot (nothing sent), a transaction the cluster rejects, another cluster, an unreachable RPC, bad options', async () => {
    const { svm, url, unsigned, signed } = await setUp();
    expect(await codeOf(sendSolanaTransaction(url, unsigned(1_000n)))).toBe('solana.unsignedSlots');
    expect(svm.getBalance(RECIPIENT)).toBeNull();
    // More than the payer has: litesvm refuses it, and so does the send.
    expect(await codeOf(sendSolanaTransaction(url, await signed(5_000_000_000n)))).toBe('solana.sendFailed');
    expect(await codeOf(checkCluster(url, 'solana:mainnet'))).toBe('solana.wrongCluster');
    const devnet = await setUp('EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG');
    expect(await clusterOf(devnet.url)).toBe('solana:devnet');
    expect(await codeOf(checkCluster(devnet.url, 'solana:localnet'))).toBe('solana.wrongCluster');
    expect(await codeOf(solanaBalance('http://127.0.0.1:1', RECIPIENT))).toBe('solana.rpcFailed');
    expect(() => parseSendOptions({ commitment: 'final' })).toThrow(expect.objectContaining({ code: 'solana.badOptions' }));
    expect(() => parseSendOptions({ maxRetries: -1 })).toThrow(expect.objectContaining({ code: 'solana.badOptions' }));
    expect(parseSendOptions({ mode: 'serial', preflightCommitment: 'processed' })).toEqual({ preflightCommitment: 'processed' });
  });

  it('a transaction whose blockhash expired before it was sent is solana.blockhashExpired (not executed, not rebuilt)', async () => {
    const { svm, url, signed } = await setUp();
    const wire = await signed(300_000_000n);
    // What happens while a co-signer decides for longer than a blockhash lives: the cluster moves on.
    svm.expireBlockhash();
    const err = await sendSolanaTransaction(url, wire, { commitment: 'confirmed' }).then(
      () => null,
      (e: { code: string; message: string }) => e,
    );
    expect(err?.code).toBe('solana.blockhashExpired');
    expect(err?.message).toMatch(/expired while waiting for the co-signer/);
    expect(svm.getBalance(RECIPIENT)).toBeNull();
    // Any other refusal stays solana.sendFailed.
    expect(await codeOf(sendSolanaTransaction(url, await signed(5_000_000_000n)))).toBe('solana.sendFailed');
  });
});
