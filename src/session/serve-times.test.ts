/**
 * A co-signer (serveSigning) checks the creation time and expiry of each
 * signed request before anyone sees it: expired, future and tampered
 * requests and the old format never reach `decide`; a request its requester
 * ended is taken off the screen. No DKLs23 runs here: every case ends before
 * signing (the vault objects carry only what the request exchange reads).
 */
import { TandemError } from '../errors/index.js';
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Transaction } from 'ethers';
import { encodeTranscript } from '../tss/transcript.js';
import { requestSignature, serveSigning, type CeremonyEvent, type RequestInfo, type ServeResult } from './ceremonies.js';
import type { DeviceVault } from './device-vault.js';
import { newIdentity, publicOf, type DeviceIdentity } from './identity.js';
import { Mailbox } from './mailbox.js';
import { Room } from './memory-room.test-util.js';
import { parseSigningRequest } from './signing-request.js';
import { MAX_CLOCK_SKEW_MS } from './request-times.js';

const tx = Transaction.from({
  type: 2,
  chainId: 31337,
  nonce: 0,
  to: '0x' + '11'.repeat(20),
  value: 1n,
  maxFeePerGas: 2n,
  maxPriorityFeePerGas: 1n,
  gasLimit: 21000n,
});
const request = parseSigningRequest({ v: 1, kind: 'transaction', chainId: 31337, path: [], tx: tx.unsignedSerialized });

function fakeVault(me: DeviceIdentity, self: number, all: DeviceIdentity[]): DeviceVault {
  return {
    identity: me,
    members: all.map((id, i) => ({ party: i + 1, identity: publicOf(id) })),
    ecdsa: { self, epoch: 0, t: 2, burned: [] },
  } as unknown as DeviceVault;
}

/** The requester's signed control message, as ceremonies.ts signs it (checked against a real one below). */
function sign(me: DeviceIdentity, body: Record<string, unknown>): Record<string, unknown> {
  return { ...body, sig: bytesToHex(ed25519.sign(encodeTranscript('control', JSON.stringify(body)), me.signSecret)) };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

async function setup(waitMs = 60_000) {
  const ext = newIdentity('ext');
  const phone = newIdentity('phone');
  const room = new Room();
  const extBox = new Mailbox(room.join('ext'));
  const phoneBox = new Mailbox(room.join('phone'));
  const extVault = fakeVault(ext, 1, [ext, phone]);
  const phoneVault = fakeVault(phone, 2, [ext, phone]);
  // A real request from the requester's side (it times out unanswered: nobody serves yet).
  const events: CeremonyEvent[] = [];
  const asked = requestSignature({
    joinTimeoutMs: waitMs,
    roundTimeoutMs: 1000,
    mailbox: extBox,
    vault: extVault,
    request,
    onEvent: (e) => events.push(e),
  }).catch((e: unknown) => e);
  await tick();
  const original = room.log.find((m) => (m as { t?: string }).t === 'sign-request') as Record<string, unknown>;
  const requested = events.find((e) => e.kind === 'requested') as Extract<CeremonyEvent, { kind: 'requested' }>;
  return { ext, phone, room, extBox, phoneBox, extVault, phoneVault, original, requested, asked };
}

/**
 * The requester's `messages` wait in the channel (the backlog), then the
 * phone serves with its clock at `now`; reports what it showed and answered.
 */
async function serve(
  s: Awaited<ReturnType<typeof setup>>,
  messages: unknown[],
  now?: number,
  decide?: (info: RequestInfo) => Promise<true | string>,
  onAnswer?: (answer: Record<string, unknown>, send: (m: unknown) => Promise<void>) => void,
) {
  const shown: RequestInfo[] = [];
  const results: ServeResult[] = [];
  const room = new Room();
  const phoneBox = new Mailbox(room.join('phone'));
  const ext = room.join('ext');
  const answers: unknown[] = [];
  ext.onMessage((d) => {
    answers.push(d.payload);
    onAnswer?.(d.payload as Record<string, unknown>, (m) => ext.send('all', m));
  });
  for (const m of messages) await ext.send('all', m);
  await tick();
  const server = serveSigning({
    mailbox: phoneBox,
    vault: s.phoneVault,
    roundTimeoutMs: 1000,
    ...(now !== undefined ? { now: () => now } : {}),
    decide: async (_r, _l, _f, info) => {
      shown.push(info);
      return decide ? decide(info) : 'test: refused';
    },
    onResult: (r) => results.push(r),
  });
  await tick();
  await server.idle();
  await tick();
  server.stop();
  return { shown, results, answers: answers as Array<Record<string, unknown>> };
}

describe('a co-signer checks the times of each request', () => {
  it('the requester signs a creation time and an expiry (its co-signer wait) into the request, and says which request it sent', async () => {
    const before = Date.now();
    const s = await setup(45_000);
    expect(s.original.created).toBeGreaterThanOrEqual(before);
    expect(s.original.expires).toBe((s.original.created as number) + 45_000);
    expect(s.requested).toEqual({ kind: 'requested', id: s.original.id, expires: s.original.expires });
    // The test's signing helper matches ceremonies.ts (so the re-signed variants below are valid signatures).
    const { sig, ...body } = s.original;
    expect(sign(s.ext, body).sig).toBe(sig);

    const { shown, results } = await serve(s, [s.original]);
    expect(shown.map((i) => [i.id, i.created, i.expires])).toEqual([[s.original.id, s.original.created, s.original.expires]]);
    expect(results).toEqual([{ id: s.original.id, ok: false, error: 'test: refused' }]);
  });

  it('refuses an expired request without showing it: answered when just expired, skipped when long gone', async () => {
    const s = await setup(30_000);
    const expires = s.original.expires as number;
    const justNow = await serve(s, [s.original], expires + 5_000);
    expect(justNow.shown).toEqual([]);
    expect(justNow.results).toEqual([{ id: s.original.id, ok: false, error: expect.stringMatching(/expired 5 s ago/), ended: 'expired' }]);
    expect(justNow.answers).toMatchObject([{ t: 'sign-answer', id: s.original.id, ok: false, reason: expect.stringMatching(/expired/) }]);

    const longAgo = await serve(s, [s.original], expires + MAX_CLOCK_SKEW_MS + 60_000);
    expect(longAgo.shown).toEqual([]);
    expect(longAgo.results).toEqual([
      { id: s.original.id, ok: false, error: expect.stringMatching(/expired 2 min ago/), skipped: true, ended: 'expired' },
    ]);
    expect(longAgo.answers).toEqual([]);
  });

  it('refuses a request from the future beyond the clock-skew allowance', async () => {
    const s = await setup();
    const { shown, results, answers } = await serve(s, [s.original], (s.original.created as number) - MAX_CLOCK_SKEW_MS - 10_000);
    expect(shown).toEqual([]);
    expect(results[0]).toMatchObject({ ok: false, error: expect.stringMatching(/in the future/) });
    expect(answers).toMatchObject([{ ok: false, reason: expect.stringMatching(/date and time/) }]);
    // Within the allowance it is shown.
    expect((await serve(s, [s.original], (s.original.created as number) - MAX_CLOCK_SKEW_MS + 1000)).shown).toHaveLength(1);
  });

  it('ignores a request whose times were changed after the requester signed it', async () => {
    const s = await setup();
    const later = { ...s.original, expires: (s.original.expires as number) + 3_600_000 };
    const earlier = { ...s.original, created: (s.original.created as number) - 1 };
    for (const tampered of [later, earlier]) {
      const { shown, results, answers } = await serve(s, [tampered]);
      expect(shown).toEqual([]);
      expect(results).toEqual([]);
      expect(answers).toEqual([]);
    }
  });

  it('refuses the old format (no times) clearly, and a lifetime beyond the limit', async () => {
    const s = await setup();
    const { sig: _sig, created: _c, expires: _e, ...old } = s.original;
    const r1 = await serve(s, [sign(s.ext, old)]);
    expect(r1.shown).toEqual([]);
    expect(r1.answers).toMatchObject([{ ok: false, reason: expect.stringMatching(/no creation time or expiry.*older Tandem/) }]);
    const { sig: _sig2, ...body } = s.original;
    const r2 = await serve(s, [sign(s.ext, { ...body, id: 'f'.repeat(32), expires: (body.created as number) + 2 * 3_600_000 })]);
    expect(r2.shown).toEqual([]);
    expect(r2.answers).toMatchObject([{ ok: false, reason: expect.stringMatching(/more than the 60 minutes/) }]);
  });

  it('does not show a request its requester already ended, and withdraws one it ends while the user decides', async () => {
    const s = await setup();
    const { sig: _sig, ...body } = s.original;
    const end = sign(s.ext, { t: 'sign-end', id: body.id, party: 1 });
    const ended = await serve(s, [s.original, end]);
    expect(ended.shown).toEqual([]);
    expect(ended.results).toEqual([
      { id: body.id, ok: false, error: expect.stringMatching(/ended this request/), skipped: true, ended: 'requester' },
    ]);
    expect(ended.answers).toEqual([]);

    // Shown, then the requester ends it: the decision is dropped and not sent.
    const room = new Room();
    const phoneBox = new Mailbox(room.join('phone'));
    const ext = room.join('ext');
    const answers: unknown[] = [];
    ext.onMessage((d) => answers.push(d.payload));
    const results: ServeResult[] = [];
    let signal: AbortSignal | null = null;
    const server = serveSigning({
      mailbox: phoneBox,
      vault: s.phoneVault,
      roundTimeoutMs: 1000,
      decide: (_r, _l, _f, info) => {
        signal = info.ended;
        return new Promise(() => undefined); // the user has not decided yet
      },
      onResult: (r) => results.push(r),
    });
    await ext.send('all', s.original);
    await tick();
    expect(signal).not.toBeNull();
    expect(signal!.aborted).toBe(false);
    // A forged end (not signed by the requester) changes nothing.
    await ext.send('all', { ...end, sig: '00'.repeat(64) });
    await tick();
    expect(signal!.aborted).toBe(false);
    await ext.send('all', end);
    await tick();
    await server.idle();
    expect(signal!.aborted).toBe(true);
    expect(results).toEqual([{ id: body.id, ok: false, error: expect.stringMatching(/ended this request/), ended: 'requester' }]);
    expect(answers).toEqual([]);
    server.stop();
  });

  it('stops waiting at once when the requester ends a request after this device accepted it', async () => {
    const s = await setup();
    const id = s.original.id as string;
    const end = sign(s.ext, { t: 'sign-end', id, party: 1, why: 'refused' });
    const started = Date.now();
    const { shown, results, answers } = await serve(
      s,
      [s.original],
      undefined,
      async () => true,
      (a, send) => {
        if (a.t === 'sign-answer' && a.ok === true) void send(end);
      },
    );
    expect(shown).toHaveLength(1);
    expect(answers).toMatchObject([{ t: 'sign-answer', id, ok: true }]);
    expect(results).toEqual([
      { id, ok: false, error: expect.stringMatching(/ended this request after this device accepted/), ended: 'requester', accepted: true },
    ]);
    // Not after the 60 s wait for a start that never comes.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('withdraws a request that expires while the user decides, and tells the requester', async () => {
    const s = await setup();
    const expires = s.original.expires as number;
    let clock = expires - 50;
    const room = new Room();
    const phoneBox = new Mailbox(room.join('phone'));
    const ext = room.join('ext');
    const answers: Array<Record<string, unknown>> = [];
    ext.onMessage((d) => answers.push(d.payload as Record<string, unknown>));
    const results: ServeResult[] = [];
    const server = serveSigning({
      mailbox: phoneBox,
      vault: s.phoneVault,
      roundTimeoutMs: 1000,
      now: () => clock,
      decide: () => new Promise(() => undefined),
      onResult: (r) => results.push(r),
    });
    await ext.send('all', s.original);
    await tick();
    clock = expires + 1;
    await new Promise((r) => setTimeout(r, 150));
    await server.idle();
    expect(results).toEqual([
      { id: s.original.id, ok: false, error: expect.stringMatching(/expired before a decision/), ended: 'expired' },
    ]);
    expect(answers).toMatchObject([{ t: 'sign-answer', ok: false, reason: expect.stringMatching(/expired before a decision/) }]);
    server.stop();
  });

  it('the requester ends a request it stops waiting for (sign-end), so co-signers reading it later drop it', async () => {
    const s = await setup(300);
    const err = await s.asked;
    expect(err).toMatchObject({ code: 'ceremony.timeout', details: { waitingFor: ['phone'], stage: 'answers' } });
    expect(s.room.log).toMatchObject([{ t: 'sign-request' }, { t: 'sign-end', id: s.original.id, party: 1, why: 'expired' }]);
    // A co-signer reading both later calls it expired, without showing or answering it.
    const later = await serve(s, s.room.log);
    expect(later.shown).toEqual([]);
    expect(later.results).toEqual([
      { id: s.original.id, ok: false, error: expect.stringMatching(/expired/), skipped: true, ended: 'expired' },
    ]);
    expect(later.answers).toEqual([]);
  });

  it('a superseded request (the pending change completed while it waited) is dropped with its own error and ended', async () => {
    const ext = newIdentity('ext');
    const phone = newIdentity('phone');
    const room = new Room();
    let supersede: (e: Error) => void = () => undefined;
    const superseded = new Promise<never>((_, reject) => {
      supersede = reject;
    });
    const asked = requestSignature({
      joinTimeoutMs: 60_000,
      roundTimeoutMs: 1000,
      mailbox: new Mailbox(room.join('ext')),
      vault: fakeVault(ext, 1, [ext, phone]),
      request,
      superseded,
    }).catch((e: unknown) => e);
    await tick();
    supersede(new TandemError('approval.generationMoved', 'moved'));
    expect(await asked).toMatchObject({ code: 'approval.generationMoved' });
    expect(room.log).toMatchObject([{ t: 'sign-request' }, { t: 'sign-end', party: 1, why: 'failed' }]);
  });
});
