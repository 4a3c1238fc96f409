/**
 * Control messages (abort, sign answers, confirmations) that do not carry
 * their sender's identity signature are ignored (issue #12): anyone who holds
 * a room's key (every device of the ceremony, whoever saw the pairing QR code,
 * a device retired by a re-share) can post in the room under any device id.
 */
import { describe, expect, it } from 'vitest';
import { isPlainObject } from '../tss/wire.js';
import { newIdentity, publicOf } from './identity.js';
import { Mailbox } from './mailbox.js';
import { Room } from './memory-room.test-util.js';
import { createVault, joinVault, requestSignature, serveSigning, SigningRefused, type CeremonyEvent } from './ceremonies.js';
import type { DeviceVault } from './device-vault.js';
import { signedAbort } from './run-protocol.js';
import { parseSigningRequest } from './signing-request.js';

const timing = { joinTimeoutMs: 60_000, roundTimeoutMs: 60_000 };
const request = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 1, path: [], message: '0x68656c6c6f' });

/** 2-of-2 key generation in one room; `meddle` gets every device's mailbox first (to plant forged messages). */
async function keygen(meddle?: (room: Room, boxes: Mailbox[]) => void, events: CeremonyEvent[] = []): Promise<DeviceVault[]> {
  const room = new Room();
  const ids = [newIdentity('dev-1'), newIdentity('dev-2')];
  const boxes = ids.map((id) => new Mailbox(room.join(id.deviceId)));
  meddle?.(room, boxes);
  const sessionId = 'keygen-session';
  return Promise.all([
    createVault({
      ...timing,
      mailbox: boxes[0]!,
      me: ids[0]!,
      sessionId,
      plan: { t: 2, n: 2, name: 'T', relayUrl: 'http://127.0.0.1:1' },
      onEvent: (e) => events.push(e),
    }),
    joinVault({ ...timing, mailbox: boxes[1]!, me: ids[1]!, sessionId, initiatorSignPub: publicOf(ids[0]!).signPub }),
  ]);
}

let shared: DeviceVault[] | undefined;
const vaults = async () => (shared ??= await keygen());

describe('forged control messages are ignored', () => {
  it('a confirmation that is unsigned or signed by another key does not stop key generation', async () => {
    const bogus = 'ab'.repeat(32);
    const result = await keygen((_room, boxes) => {
      // Planted before anything else: were they taken as the peer's confirmation, the digests would differ (confirm.mismatch).
      void boxes[1]!.send('all', { t: 'confirm', sessionId: 'keygen-session', party: 2, digest: bogus });
      void boxes[0]!.send('all', { t: 'confirm', sessionId: 'keygen-session', party: 1, digest: bogus, sig: 'cd'.repeat(64) });
    });
    expect(result[0]!.address).toBe(result[1]!.address);
  });

  it('an unsigned or forged abort of key generation, posted by a holder of the room key, is ignored and logged', async () => {
    const events: CeremonyEvent[] = [];
    const result = await keygen((room, boxes) => {
      // The outsider holds the room key: it sees every broadcast and learns each protocol's name and sid.
      const outsider = new Mailbox(room.join('outsider'));
      const aborted = new Set<string>();
      outsider.listen(
        (d) => isPlainObject(d.payload) && d.payload.t === 'proto',
        (d) => {
          const { protocol, sid } = (d.payload as { m: { protocol: string; sid: string } }).m;
          if (aborted.has(protocol)) return;
          aborted.add(protocol);
          // To dev-1 in dev-2's name, unsigned; to dev-2 in dev-1's name, signed by a key that is not dev-1's.
          void boxes[1]!.send('dev-1', { t: 'abort', protocol, sid, party: 2, reason: 'stop' });
          void boxes[0]!.send('dev-2', signedAbort(newIdentity('dev-1'), protocol, sid, 1, 'stop'));
        },
      );
    }, events);
    expect(result[0]!.address).toBe(result[1]!.address);
    const ignored = events.filter((e) => e.kind === 'ignored');
    expect(ignored.length).toBeGreaterThan(0);
    expect(ignored[0]).toMatchObject({ detail: { what: 'abort', from: 'dev-2' } });
  });

  it('a forged acceptance does not start signing; the real refusal is reported', async () => {
    const [v1, v2] = await vaults();
    const room = new Room();
    const [b1, b2] = [v1!, v2!].map((v) => new Mailbox(room.join(v.identity.deviceId)));
    const mallory = new Mailbox(room.join('mallory'));
    mallory.listen(
      (d) => isPlainObject(d.payload) && d.payload.t === 'sign-request',
      (d) => {
        const id = (d.payload as { id: string }).id;
        // Unsigned, in dev-2's name through dev-2's own connection; and signed by a key that is not dev-2's.
        void b2!.send('all', { t: 'sign-answer', id, party: 2, ok: true });
        const sig = signedAbort(newIdentity('dev-2'), 'x', 'y', 2, 'z').sig;
        void b2!.send('all', { t: 'sign-answer', id, party: 2, ok: true, sig });
        void mallory.send('all', { t: 'sign-answer', id, party: 2, ok: true });
      },
    );
    const server = serveSigning({
      mailbox: b2!,
      vault: v2!,
      decide: () => new Promise((r) => setTimeout(() => r('not this one'), 300)),
      roundTimeoutMs: 60_000,
    });
    try {
      const err = await requestSignature({ ...timing, mailbox: b1!, vault: v1!, request }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SigningRefused);
      expect((err as SigningRefused).reasons).toEqual([{ deviceId: 'dev-2', reason: 'not this one' }]);
    } finally {
      server.stop();
    }
  });

  it('a forged refusal does not stop signing; the real acceptance signs', async () => {
    const [v1, v2] = await vaults();
    const room = new Room();
    const [b1, b2] = [v1!, v2!].map((v) => new Mailbox(room.join(v.identity.deviceId)));
    const watcher = new Mailbox(room.join('mallory'));
    watcher.listen(
      (d) => isPlainObject(d.payload) && d.payload.t === 'sign-request',
      (d) => {
        const id = (d.payload as { id: string }).id;
        void b2!.send('all', { t: 'sign-answer', id, party: 2, ok: false, reason: 'forged' });
      },
    );
    const server = serveSigning({
      mailbox: b2!,
      vault: v2!,
      // The real answer comes after the forged one.
      decide: () => new Promise((r) => setTimeout(() => r(true), 300)),
      roundTimeoutMs: 60_000,
    });
    try {
      const sig = await requestSignature({ ...timing, mailbox: b1!, vault: v1!, request });
      expect(sig.compact.length).toBe(64);
    } finally {
      server.stop();
    }
  });
});
