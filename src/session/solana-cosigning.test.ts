/**
 * Solana co-signing between devices (in-memory rooms; the same ceremonies
 * over a real relay and CLI processes are in test/solana-cosigner.integration.test.ts):
 * a FROST signature over a co-signed System transfer verifies with
 * @solana/kit and noble and lands in litesvm; a tampered or foreign request
 * is refused by the co-signer before anything is shown or signed; a
 * re-share keeps the vault's Solana address.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { address, getTransactionDecoder, lamports, verifySignature, type Blockhash } from '@solana/kit';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { describe, expect, it } from 'vitest';
import { errorCode } from '../errors/index.js';
import { createVault, joinReshare, joinVault, serveSigning, startReshare, SigningRefused, type ServeResult } from './ceremonies.js';
import type { DeviceVault } from './device-vault.js';
import { newIdentity, publicOf } from './identity.js';
import { Mailbox } from './mailbox.js';
import { rewritingSignRequest, withSend } from './lying-transport.test-util.js';
import { Room } from './memory-room.test-util.js';
import {
  base64ToBytes,
  solanaDigestOf,
  withSolanaSignature,
  type SolanaSigningRequest,
  type SolanaTransactionRequest,
} from './solana-signing-request.js';
import { requestSolanaSignature, vaultSolanaAddress } from './solana-signing.js';
import { solanaTransactionBase64, solTransfer } from './solana-test-tx.test-util.js';

const timing = { joinTimeoutMs: 30_000, roundTimeoutMs: 30_000 };
const relayUrl = 'http://127.0.0.1:1';
const RECIPIENT = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');

async function keygen(n: number, t: number): Promise<DeviceVault[]> {
  const room = new Room();
  const ids = Array.from({ length: n }, (_, i) => newIdentity(`dev-${i + 1}`));
  const boxes = ids.map((id) => new Mailbox(room.join(id.deviceId)));
  return Promise.all(
    ids.map((me, i) =>
      i === 0
        ? createVault({ ...timing, mailbox: boxes[0]!, me, sessionId: 'kg', plan: { t, n, name: 'Sol', relayUrl } })
        : joinVault({ ...timing, mailbox: boxes[i]!, me, sessionId: 'kg', initiatorSignPub: publicOf(ids[0]!).signPub }),
    ),
  );
}

function transfer(from: string, amount: bigint, blockhash: Blockhash): SolanaTransactionRequest {
  const tx = solanaTransactionBase64({ feePayer: from, blockhash, instructions: [solTransfer(from, RECIPIENT, amount)] });
  return { v: 1, kind: 'solana_transaction', signer: from, tx };
}

/** `vaults[0]` asks the others for `request`; returns the signature and what each co-signer was shown and ended with. */
async function cosign(vaults: DeviceVault[], request: SolanaSigningRequest, edit?: (body: Record<string, unknown>) => void) {
  const room = new Room();
  const shown: string[][] = [];
  const results: ServeResult[] = [];
  const servers = vaults.slice(1).map((v) =>
    serveSigning({
      mailbox: new Mailbox(room.join(v.identity.deviceId)),
      vault: v,
      decide: async (_r, lines) => (shown.push(lines), true),
      roundTimeoutMs: 30_000,
      onResult: (r) => results.push(r),
    }),
  );
  const t = room.join(vaults[0]!.identity.deviceId);
  const mailbox = new Mailbox(edit ? rewritingSignRequest(t, vaults[0]!, edit) : t);
  try {
    const signature = await requestSolanaSignature({ ...timing, mailbox, vault: vaults[0]!, request });
    return { signature, shown, results };
  } catch (e) {
    return { error: e, shown, results };
  } finally {
    for (const s of servers) s.stop();
  }
}

describe('Solana co-signing on the paired channel (FROST)', () => {
  it('co-signs a System transfer: kit and noble verify the signature and litesvm executes the transaction', async () => {
    const vaults = await keygen(2, 2);
    const sol = vaultSolanaAddress(vaults[0]!);
    expect(vaultSolanaAddress(vaults[1]!)).toBe(sol);
    const svm = new LiteSVM();
    svm.airdrop(address(sol), lamports(10_000_000_000n));
    const request = transfer(sol, 1_250_000_000n, svm.latestBlockhash() as Blockhash);
    const out = await cosign(vaults, request);
    expect(out.error).toBeUndefined();
    const signature = out.signature!;
    // The co-signer showed what it decoded itself.
    expect(out.shown[0]).toContain(`Send 1.25 SOL from ${sol} to ${RECIPIENT}`);
    const tx = getTransactionDecoder().decode(base64ToBytes(request.tx));
    const message = new Uint8Array(tx.messageBytes);
    expect(ed25519.verify(signature, message, vaults[0]!.eddsa.groupPublicKey)).toBe(true);
    const key = await crypto.subtle.importKey('raw', new Uint8Array(vaults[0]!.eddsa.groupPublicKey), 'Ed25519', true, ['verify']);
    expect(await verifySignature(key, signature as never, message)).toBe(true);
    const signed = getTransactionDecoder().decode(base64ToBytes(withSolanaSignature(request, signature)));
    const result = svm.sendTransaction(signed);
    expect(result instanceof FailedTransactionMetadata ? result.toString() : 'ok').toBe('ok');
    expect(svm.getBalance(RECIPIENT)).toBe(1_250_000_000n);
  }, 120_000);

  it('refuses, before showing or signing, a transaction tampered after its digest, one for another account, and a message that is a transaction', async () => {
    const vaults = await keygen(2, 2);
    const sol = vaultSolanaAddress(vaults[0]!);
    const blockhash = 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG' as Blockhash;
    const honest = transfer(sol, 1_000n, blockhash);
    // The requester's device shows 1000 lamports, then the request on the wire says 9 SOL (its digest is still the honest one).
    const tampered = await cosign(vaults, honest, (body) => {
      body.request = transfer(sol, 9_000_000_000n, blockhash);
    });
    expect(tampered.error).toBeInstanceOf(SigningRefused);
    expect(tampered.shown).toEqual([]);
    expect(tampered.results).toEqual([expect.objectContaining({ ok: false, error: expect.stringMatching(/digest/) })]);

    // A request naming another account than the vault (fee payer and signer): refused by the co-signer's own check.
    const other = vaultSolanaAddress({ eddsa: { groupPublicKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()) } } as DeviceVault);
    const foreign = await cosign(vaults, honest, (body) => {
      const req = transfer(other, 1_000n, blockhash);
      body.request = req;
      body.digest = bytesToHex(solanaDigestOf(req));
    });
    expect(foreign.error).toBeInstanceOf(SigningRefused);
    expect(foreign.shown).toEqual([]);
    expect(foreign.results[0]).toMatchObject({ ok: false, error: expect.stringContaining(other) });

    // A request naming the vault, for a transaction in which the vault only receives (not a required signer): refused.
    const payer = vaultSolanaAddress({ eddsa: { groupPublicKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()) } } as DeviceVault);
    const notSigner = await cosign(vaults, honest, (body) => {
      const tx = solanaTransactionBase64({ feePayer: payer, blockhash, instructions: [solTransfer(payer, sol, 1_000n)] });
      body.request = { v: 1, kind: 'solana_transaction', signer: sol, tx };
    });
    expect(notSigner.error).toBeInstanceOf(SigningRefused);
    expect(notSigner.shown).toEqual([]);
    expect(notSigner.results[0]).toMatchObject({ ok: false, error: expect.stringContaining('is not a signer of the transaction') });

    // solana_message carrying a transaction's message bytes: refused when parsed (the requester's own parse refuses first).
    const messageBytes = new Uint8Array(getTransactionDecoder().decode(base64ToBytes(honest.tx)).messageBytes);
    const disguised = await cosign(vaults, { v: 1, kind: 'solana_message', signer: sol, message: bytesToHex(messageBytes) });
    expect(errorCode(disguised.error)).toBe('solana.requestInvalid');
    expect(disguised.results).toEqual([]);
  }, 120_000);

  it('a co-signer that entered the signing reports it (joined) even when the requester withholds its last message and still gets a signature', async () => {
    const vaults = await keygen(2, 2);
    const sol = vaultSolanaAddress(vaults[0]!);
    const request = transfer(sol, 1_000n, 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG' as Blockhash);
    const room = new Room();
    const results: ServeResult[] = [];
    const server = serveSigning({
      mailbox: new Mailbox(room.join(vaults[1]!.identity.deviceId)),
      vault: vaults[1]!,
      decide: async () => true,
      roundTimeoutMs: 3_000,
      onResult: (r) => results.push(r),
    });
    const inner = room.join(vaults[0]!.identity.deviceId);
    // The requester keeps its FROST round-2 share to itself: it has the co-signer's share, so it can aggregate alone.
    const withholding = withSend(inner, (to, payload) => {
      const p = payload as { t?: string; m?: { round?: number } };
      return p.t === 'proto' && p.m?.round === 2 ? Promise.resolve() : inner.send(to, payload);
    });
    try {
      const signature = await requestSolanaSignature({ ...timing, mailbox: new Mailbox(withholding), vault: vaults[0]!, request });
      const message = new Uint8Array(getTransactionDecoder().decode(base64ToBytes(request.tx)).messageBytes);
      expect(ed25519.verify(signature, message, vaults[0]!.eddsa.groupPublicKey)).toBe(true);
      await expect.poll(() => results.length, { timeout: 20_000 }).toBe(1);
      // Its own run failed, but it took part: a policy counts this request (cosigner/spending.ts DailyBudget).
      expect(results[0]).toMatchObject({ ok: false, joined: true });
    } finally {
      server.stop();
    }
    // An ordinary co-signature is joined too; a refusal is not.
    const ok = await cosign(vaults, request);
    await expect.poll(() => ok.results.length, { timeout: 20_000 }).toBe(1);
    expect(ok.results[0]).toMatchObject({ ok: true, joined: true });
    const other = vaultSolanaAddress({ eddsa: { groupPublicKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()) } } as DeviceVault);
    const refused = await cosign(vaults, request, (body) => {
      const req = transfer(other, 1_000n, 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG' as Blockhash);
      body.request = req;
      body.digest = bytesToHex(solanaDigestOf(req));
    });
    expect(refused.results).toHaveLength(1);
    expect(refused.results[0]).not.toHaveProperty('joined');
  }, 120_000);

  it('signs an off-chain message shown as text, and keeps the Solana address through a re-share (2-of-2 -> 2-of-3)', async () => {
    const vaults = await keygen(2, 2);
    const sol = vaultSolanaAddress(vaults[0]!);
    const text = 'example.com wants you to sign in with your Solana account';
    const msg = { v: 1 as const, kind: 'solana_message' as const, signer: sol, message: bytesToHex(new TextEncoder().encode(text)) };
    const first = await cosign(vaults, msg);
    expect(first.shown[0]).toContain(text);
    expect(ed25519.verify(first.signature!, new TextEncoder().encode(text), vaults[0]!.eddsa.groupPublicKey)).toBe(true);

    const room = new Room();
    const third = newIdentity('dev-3');
    const boxes = [...vaults.map((v) => v.identity), third].map((id) => new Mailbox(room.join(id.deviceId)));
    const initiatorSignPub = publicOf(vaults[0]!.identity).signPub;
    const outcomes = await Promise.all([
      startReshare({ ...timing, mailbox: boxes[0]!, vault: vaults[0]!, sessionId: 'rs', plan: { newT: 2, expectedJoiners: 2, relayUrl } }),
      joinReshare({ ...timing, mailbox: boxes[1]!, me: vaults[1]!.identity, sessionId: 'rs', initiatorSignPub, oldVault: vaults[1] }),
      joinReshare({ ...timing, mailbox: boxes[2]!, me: third, sessionId: 'rs', initiatorSignPub }),
    ]);
    const next = outcomes.map((o) => {
      if (o.kind !== 'member') throw new Error('expected a member');
      return o.vault;
    });
    expect(next.map(vaultSolanaAddress)).toEqual([sol, sol, sol]);
    expect(next.map((v) => v.eddsa.epoch)).toEqual([1, 1, 1]);
    // The new device and one old one sign for the same account.
    const again = await cosign([next[2]!, next[0]!], msg);
    expect(ed25519.verify(again.signature!, new TextEncoder().encode(text), vaults[0]!.eddsa.groupPublicKey)).toBe(true);
  }, 240_000);
});
