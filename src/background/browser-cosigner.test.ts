/**
 * This browser as a co-signer (docs/browser-cosigner.md), with a real
 * requester over in-memory relay rooms: the other device of a 2-of-2 vault
 * asks; the request waits on the Co-sign screen, decoded here; approved, the
 * signature verifies for the vault; rejected, the requester is refused; a
 * derived account is shown as derived here, one named wrongly is refused
 * unseen; stopping refuses what is on screen.
 */
import { describe, expect, it } from 'vitest';
import { Signature, verifyMessage } from 'ethers';
import { requestSignature, type SigningRefused } from '../session/ceremonies';
import { accountAddress } from '../session/account-path';
import { channelOf } from '../session/device-vault';
import { Mailbox } from '../session/mailbox';
import { parseSigningRequest } from '../session/signing-request';
import { rejectedCode } from '../errors/codes.test-util';
import { pairedVault } from './cosigned-services.test-util';

const message = (text: string, more: { path?: number[]; account?: string } = {}) =>
  parseSigningRequest({
    v: 1,
    kind: 'personal_sign',
    chainId: 31337,
    path: [],
    ...more,
    message: '0x' + Buffer.from(text).toString('hex'),
  });

async function until<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await read();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

describe('the extension co-signing for another device', () => {
  it('shows the request on its Co-sign screen; approved it signs, rejected it refuses; stopping refuses what is shown', async () => {
    const t = await pairedVault();
    await expect(t.s.command({ type: 'decideCosign', key: 'r1', approve: true })).rejects.toMatchObject({ code: 'cosign.gone' });
    await t.s.command({ type: 'startCosigning' });
    await until(async () => ((await t.s.state()).cosigning?.channels[0]?.status.state === 'listening' ? true : undefined));
    const ask = (text: string, more: { path?: number[]; account?: string } = {}, vault = t.cosigner) =>
      requestSignature({
        joinTimeoutMs: 10_000,
        roundTimeoutMs: 30_000,
        mailbox: new Mailbox(t.room(channelOf(t.cosigner).sessionId).join(t.cosigner.identity.deviceId)),
        vault,
        request: message(text, more),
      });
    const shown = async () => (await t.s.state()).cosigning?.pending.find((p) => p.phase === 'waiting');

    const signed = ask('approve me');
    const p1 = await until(shown);
    expect(p1).toMatchObject({ method: 'personal_sign', fromDevice: 'cli-test', view: { message: { text: 'approve me' } } });
    await t.s.command({ type: 'decideCosign', key: p1.key, approve: true });
    const sig = await signed;
    const hex = Signature.from({
      r: '0x' + sig.r.toString(16).padStart(64, '0'),
      s: '0x' + sig.s.toString(16).padStart(64, '0'),
      v: 27 + sig.recovery,
    }).serialized;
    expect(verifyMessage('approve me', hex)).toBe(t.cosigner.address);
    await until(async () => ((await t.s.state()).cosigning?.results[0]?.outcome === 'signed' ? true : undefined));

    const refused = ask('reject me');
    const p2 = await until(shown);
    await t.s.command({ type: 'decideCosign', key: p2.key, approve: false });
    expect(await rejectedCode(refused)).toBe('signing.refused');

    // A derived account: shown as this browser derived it; a request naming another address than its path gives is refused unseen.
    const second = accountAddress(t.cosigner.ecdsa, [1]);
    const derived = ask('from m/1', { path: [1], account: second });
    const p3 = await until(shown);
    expect(p3.view).toMatchObject({ account: second, accountPath: 'm/1' });
    await t.s.command({ type: 'decideCosign', key: p3.key, approve: false });
    await derived.catch(() => undefined);
    // The requester checks its own request first; one whose own derivation differs (another chain code) gets past
    // that check, and this browser, deriving with the vault's real chain code, refuses it before showing it.
    expect(await rejectedCode(ask('named wrongly', { path: [2], account: second }))).toBe('signing.accountMismatch');
    const forged = { ...t.cosigner, ecdsa: { ...t.cosigner.ecdsa, chainCode: new Uint8Array(32).fill(9) } };
    const mismatch = ask('named wrongly', { path: [1], account: accountAddress(forged.ecdsa, [1]) }, forged);
    const refusal = (await mismatch.catch((e: unknown) => e)) as SigningRefused;
    expect(refusal.code).toBe('signing.refused');
    expect(refusal.reasons[0]).toMatchObject({
      code: 'signing.accountMismatch',
      reason: expect.stringMatching(/key path m\/1 is account/),
    });
    expect((await t.s.state()).cosigning?.pending).toEqual([]);

    const dropped = ask('stop while shown');
    await until(shown);
    await t.s.command({ type: 'stopCosigning' });
    expect(await rejectedCode(dropped)).toBe('signing.refused');
    expect((await t.s.state()).cosigning).toBeNull();
  });
});
