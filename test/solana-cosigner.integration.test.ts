/**
 * Integration: Solana co-signing through the whole path: `tandem-cosigner`
 * processes (key generation 2-of-2, `serve` under a policy with a Solana
 * section, `sign`) and a real relay process on 127.0.0.1; the requester's
 * side also in this process (to lie on the wire). The signed transaction is
 * executed by litesvm, funded for the vault's Solana address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { address, getBase58Encoder, getTransactionDecoder, lamports, verifySignature, type Blockhash } from '@solana/kit';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { spawnRelayProcess, type RelayProcess } from '../src/relay/testing.js';
import { VaultStore } from '../src/cosigner/store.js';
import { channelOf, type DeviceVault } from '../src/session/device-vault.js';
import { rewritingSignRequest } from '../src/session/lying-transport.test-util.js';
import { Mailbox, type CeremonyTransport } from '../src/session/mailbox.js';
import { openMailbox } from '../src/session/relay-transport.js';
import { SigningRefused } from '../src/session/ceremonies.js';
import { requestSolanaSignature, vaultSolanaAddress } from '../src/session/solana-signing.js';
import { base64ToBytes, type SolanaTransactionRequest } from '../src/session/solana-signing-request.js';
import { Cosigner, killAll } from './support/cosigner-process.js';
import { solanaTransactionBase64, solTransfer } from '../src/session/solana-test-tx.test-util.js';

const PASSWORD = 'integration-password';
const CEREMONY_MS = 120_000;
const SIGN_MS = 90_000;
const RECIPIENT = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');

let relay: RelayProcess;
const tmp: string[] = [];
let homeA = '';
let homeB = '';
let files = '';
let vaultId = '';

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tandem-solana-it-'));
  tmp.push(d);
  return d;
}
const cli = (label: string, home: string, args: string[]) => new Cosigner(label, args, { TANDEM_HOME: home, TANDEM_PASSWORD: PASSWORD });

function transfer(from: string, amount: bigint, blockhash: Blockhash): SolanaTransactionRequest {
  const tx = solanaTransactionBase64({ feePayer: from, blockhash, instructions: [solTransfer(from, RECIPIENT, amount)] });
  return { v: 1, kind: 'solana_transaction', signer: from, tx };
}

/** A requester transport that swaps the request in its outgoing sign-request (keeping the honest digest) and re-signs it. */
const swapping = (inner: CeremonyTransport, vault: DeviceVault, request: unknown): CeremonyTransport =>
  rewritingSignRequest(inner, vault, (body) => {
    body.request = request;
  });

describe('Solana co-signing: CLI processes and a relay', () => {
  beforeAll(async () => {
    files = dir();
    homeA = dir();
    homeB = dir();
    relay = await spawnRelayProcess(['--port', '0'], {
      RELAY_LIMITS: JSON.stringify({ requestsPerSecond: 100_000, requestBurst: 100_000, maxConnectionsPerAddress: 1000 }),
    });
    const a = cli('create', homeA, ['create', '--relay', relay.url, '--t', '2', '--n', '2', '--name', 'Sol', '--device-id', 'dev-a']);
    await a.waitFor(/^link: /m, 30_000);
    const pairing = /^pairing: (\S+)$/m.exec(a.stdout)![1]!;
    const b = cli('join', homeB, ['join', pairing, '--device-id', 'dev-b']);
    const [out] = await Promise.all([a.ok(CEREMONY_MS), b.ok(CEREMONY_MS)]);
    vaultId = /^vault ([0-9a-f]{16}) /m.exec(out)![1]!;
  }, 180_000);

  afterAll(async () => {
    killAll();
    await relay?.stop();
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it('a System transfer co-signed by `serve` under its lamports policy verifies (kit, noble) and executes in litesvm; over the limit, or tampered, it is refused before signing', async () => {
    const policy = join(files, 'policy.json');
    writeFileSync(
      policy,
      JSON.stringify({
        v: 1,
        chains: [1],
        maxValueWei: '0',
        dailyLimitWei: '0',
        solana: { maxLamports: '2000000000', dailyLimitLamports: '3000000000', allowMessages: true },
      }),
    );
    const vaultA = await new VaultStore(homeA).load(vaultId, PASSWORD);
    const sol = vaultSolanaAddress(vaultA);
    const b = cli('serve', homeB, ['serve', '--policy', policy]);
    await b.waitFor(/^listening for signing requests$/m, 30_000);
    expect(b.stdout).toContain(`solana address ${sol}`);
    const svm = new LiteSVM();
    svm.airdrop(address(sol), lamports(10_000_000_000n));
    const opened = await openMailbox({ ...channelOf(vaultA), deviceId: vaultA.identity.deviceId });
    try {
      const timing = { joinTimeoutMs: 30_000, roundTimeoutMs: 30_000 };
      const request = transfer(sol, 1_500_000_000n, svm.latestBlockhash() as Blockhash);
      const signature = await requestSolanaSignature({ ...timing, mailbox: opened.mailbox, vault: vaultA, request });
      await b.waitFor(/^done: request \w+ signed$/m, SIGN_MS);
      // The co-signer printed what it decoded itself.
      expect(b.stdout).toContain(`Send 1.5 SOL from ${sol} to ${RECIPIENT}`);
      const tx = getTransactionDecoder().decode(base64ToBytes(request.tx));
      const message = new Uint8Array(tx.messageBytes);
      expect(ed25519.verify(signature, message, new Uint8Array(getBase58Encoder().encode(sol)))).toBe(true);
      const key = await crypto.subtle.importKey('raw', vaultA.eddsa.groupPublicKey as Uint8Array<ArrayBuffer>, 'Ed25519', true, ['verify']);
      expect(await verifySignature(key, signature as never, message)).toBe(true);
      const result = svm.sendTransaction({ ...tx, signatures: { ...tx.signatures, [sol]: signature as never } });
      expect(result instanceof FailedTransactionMetadata ? result.toString() : 'ok').toBe('ok');
      expect(svm.getBalance(RECIPIENT)).toBe(1_500_000_000n);

      // 1.5 + 1.6 SOL is over the 3 SOL per day: refused with the policy's reason, nothing signed.
      const over = transfer(sol, 1_600_000_000n, svm.latestBlockhash() as Blockhash);
      const refused = await requestSolanaSignature({ ...timing, mailbox: opened.mailbox, vault: vaultA, request: over }).catch((e) => e);
      expect(refused).toBeInstanceOf(SigningRefused);
      expect((refused as SigningRefused).reasons[0]!.reason).toMatch(/policy: .*daily limit of 3000000000 lamports/);

      // A lying requester: the digest is the honest 0.1 SOL transfer's, the request on the wire sends 1.9 SOL.
      const honest = transfer(sol, 100_000_000n, svm.latestBlockhash() as Blockhash);
      const swapped = transfer(sol, 1_900_000_000n, svm.latestBlockhash() as Blockhash);
      const lying = new Mailbox(swapping(opened.mailbox.transport, vaultA, swapped));
      const lied = await requestSolanaSignature({ ...timing, mailbox: lying, vault: vaultA, request: honest }).catch((e) => e);
      expect(lied).toBeInstanceOf(SigningRefused);
      expect((lied as SigningRefused).reasons[0]!.reason).toMatch(/does not match the request/);
      expect(b.stdout).not.toContain('Send 1.9 SOL');

      // `sign` from the command line: a message, shown as text by the co-signer.
      const msgFile = join(files, 'msg.json');
      const text = 'Sign in to example.com as this Solana account';
      writeFileSync(
        msgFile,
        JSON.stringify({ v: 1, kind: 'solana_message', signer: sol, message: bytesToHex(new TextEncoder().encode(text)) }),
      );
      await opened.close();
      const signed = await cli('sign', homeA, ['sign', '--request', msgFile]).ok(SIGN_MS);
      const sig58 = /^solana signature: (\w+)$/m.exec(signed)![1]!;
      expect(
        ed25519.verify(new Uint8Array(getBase58Encoder().encode(sig58)), new TextEncoder().encode(text), vaultA.eddsa.groupPublicKey),
      ).toBe(true);
      expect(b.stdout).toContain(text);
    } finally {
      await opened.close().catch(() => undefined);
      b.child.kill('SIGTERM');
    }
  }, 300_000);
});
