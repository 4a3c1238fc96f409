import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { signControl } from './control.js';
import type { DeviceVault } from './device-vault.js';
import { commit, finishPending, missingAcks, settleGeneration, stage, withAck, type GenerationStore } from './generations.js';
import { newIdentity, publicOf, type DeviceIdentity } from './identity.js';
import { Mailbox } from './mailbox.js';
import { Room } from './memory-room.test-util.js';
import { thrownError } from '../errors/codes.test-util.js';

const ids = ['dev-a', 'dev-b', 'dev-c'].map((d) => newIdentity(d));
const [a, b, c] = ids as [DeviceIdentity, DeviceIdentity, DeviceIdentity];
const room = { relayUrl: 'http://127.0.0.1:1', sessionId: 'ceremony-1', sessionKey: new Uint8Array(32) };
const digest = 'ab'.repeat(32);

/** A stand-in record: the state machine only reads identity, epoch and pending. */
function record(me: DeviceIdentity, epoch: number): DeviceVault {
  return { identity: me, ecdsa: { epoch, self: 1 }, name: `g${epoch}` } as unknown as DeviceVault;
}

const newMembers = [
  { party: 1, identity: publicOf(a) },
  { party: 3, identity: publicOf(c) },
];

/** A store that remembers every write. */
function memory(): GenerationStore & { saved: DeviceVault[]; removed: number } {
  const s = {
    saved: [] as DeviceVault[],
    removed: 0,
    save: async (r: DeviceVault) => void s.saved.push(r),
    remove: async () => void s.removed++,
  };
  return s;
}

describe('generations: pending → committed → previous wiped', () => {
  it('keeps the previous generation until every device of the new one stored it', () => {
    const staged = stage({ kind: 'next', current: record(a, 0), fresh: record(a, 1), ceremony: 'c1', digest, room, awaiting: newMembers });
    expect(staged.ecdsa.epoch).toBe(0); // still signs with the previous generation
    expect(missingAcks(staged)).toEqual(['dev-a', 'dev-c']);
    expect(thrownError(() => commit(staged))).toMatchObject({ code: 'generation.notStored', details: { missing: ['dev-a', 'dev-c'] } });
    const half = withAck(staged, 'dev-a');
    expect(() => commit(half)).toThrow();
    expect(withAck(half, 'dev-b')).toBe(half); // not a device of the new generation: not counted
    const done = commit(withAck(half, 'dev-c'));
    expect(done?.ecdsa.epoch).toBe(1);
    expect(done?.pending).toBeUndefined();
  });

  it('a leaving device deletes only when every new device said it stored its share; a forged statement counts for nothing', async () => {
    const r = new Room();
    const boxes = Object.fromEntries(ids.map((id) => [id.deviceId, new Mailbox(r.join(id.deviceId))]));
    const store = memory();
    const staged = stage({ kind: 'retire', current: record(b, 0), ceremony: 'c1', digest, room, awaiting: newMembers });
    const settling = settleGeneration({ mailbox: boxes['dev-b']!, store, staged, timeoutMs: 1500 });
    // dev-a says it stored; dev-c's statement is forged by dev-a (signed with dev-a's key), and one is unsigned.
    await boxes['dev-a']!.send('all', signControl(a, { t: 'stored', sessionId: 'c1', party: 1, digest }));
    await boxes['dev-a']!.send('all', signControl(a, { t: 'stored', sessionId: 'c1', party: 3, digest }));
    await boxes['dev-c']!.send('all', { t: 'stored', sessionId: 'c1', party: 3, digest, sig: bytesToHex(new Uint8Array(64)) });
    const out = await settling;
    expect(out.kind).toBe('retiring');
    expect(store.removed).toBe(0);
    expect(store.saved.at(-1)?.pending?.kind).toBe('retire');
    expect(store.saved.at(-1)?.pending?.acked).toEqual(['dev-a']);

    // Later, dev-c's real statement is in the room: finishing deletes the share.
    const later = new Room();
    const cBox = new Mailbox(later.join('dev-c'));
    const finishing = finishPending({
      record: store.saved.at(-1)!,
      store,
      open: async (_room, deviceId) => ({ mailbox: new Mailbox(later.join(deviceId)), close: async () => undefined }),
      timeoutMs: 1500,
    });
    await new Promise((res) => setTimeout(res, 20));
    await cBox.send('all', signControl(c, { t: 'stored', sessionId: 'c1', party: 3, digest }));
    expect((await finishing).kind).toBe('retired');
    expect(store.removed).toBe(1);
  });

  it('a new member stores before it says so, and commits when all said so', async () => {
    const r = new Room();
    const boxA = new Mailbox(r.join('dev-a'));
    const boxC = new Mailbox(r.join('dev-c'));
    const sa = memory();
    const sc = memory();
    const mk = (me: DeviceIdentity, kind: 'next' | 'unconfirmed') =>
      stage({ kind, current: record(me, 0), fresh: record(me, 1), ceremony: 'c1', digest, room, awaiting: newMembers });
    const [outA, outC] = await Promise.all([
      settleGeneration({ mailbox: boxA, store: sa, staged: mk(a, 'next'), timeoutMs: 3000 }),
      settleGeneration({ mailbox: boxC, store: sc, staged: mk(c, 'unconfirmed'), timeoutMs: 3000 }),
    ]);
    expect([outA.kind, outC.kind]).toEqual(['member', 'member']);
    // First write: pending with the previous generation kept; last write: the new generation alone.
    expect(sa.saved[0]?.pending?.kind).toBe('next');
    expect(sa.saved[0]?.ecdsa.epoch).toBe(0);
    expect(sa.saved.at(-1)?.ecdsa.epoch).toBe(1);
    expect(sa.saved.at(-1)?.pending).toBeUndefined();
    expect(sc.saved.at(-1)?.pending).toBeUndefined();
  });
});
