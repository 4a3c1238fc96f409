import { describe, expect, it } from 'vitest';
import { signControl } from './control.js';
import type { DeviceVault } from './device-vault.js';
import { answerStoredAsks, askForStatements, finishLater, keepFinishing, newChannelOf, statementFor } from './generation-asks.js';
import { commit, stage, withAck, type GenerationStore } from './generations.js';
import { newIdentity, publicOf, type DeviceIdentity } from './identity.js';
import { Mailbox } from './mailbox.js';
import { Room } from './memory-room.test-util.js';

const [a, b, x] = ['dev-a', 'dev-b', 'dev-x'].map((d) => newIdentity(d)) as [DeviceIdentity, DeviceIdentity, DeviceIdentity];
const room = { relayUrl: 'http://127.0.0.1:1', sessionId: 'ceremony-1', sessionKey: new Uint8Array(32) };
const digest = 'cd'.repeat(32);
const members = [
  { party: 1, identity: publicOf(a) },
  { party: 2, identity: publicOf(b) },
];

/** A stand-in record: the state machine only reads identity, members, epoch, channel and pending. */
function record(me: DeviceIdentity, epoch: number): DeviceVault {
  const secret = new Uint8Array(32).fill(epoch + 1);
  return {
    identity: me,
    members,
    ecdsa: { epoch, self: 1 },
    channel: { relayUrl: room.relayUrl, secret },
    name: `g${epoch}`,
  } as unknown as DeviceVault;
}

const pendingNext = (me: DeviceIdentity) =>
  stage({ kind: 'next', current: record(me, 0), fresh: record(me, 1), ceremony: 'c1', digest, room, awaiting: members });

function memory(): GenerationStore & { saved: DeviceVault[] } {
  const s = { saved: [] as DeviceVault[], save: async (r: DeviceVault) => void s.saved.push(r), remove: async () => undefined };
  return s;
}

/** dev-a: committed to generation 1 (it got every statement); it keeps what it needs to say so again. */
const committedA = () => commit(withAck(withAck(pendingNext(a), 'dev-a'), 'dev-b'))!;

describe('generation asks: a device that missed the end gets the statements on the new channel', () => {
  it('a committed device keeps its statement and answers a signed ask with it; the pending one commits', async () => {
    const aDone = committedA();
    expect(aDone.ecdsa.epoch).toBe(1);
    expect(aDone.settled).toEqual({ ceremony: 'c1', digest, party: 1 });
    expect(statementFor(aDone, 'c1', digest)?.party).toBe(1);
    expect(statementFor(aDone, 'c2', digest)).toBeNull();

    const r = new Room();
    const boxA = new Mailbox(r.join('dev-a'));
    const boxB = new Mailbox(r.join('dev-b'));
    answerStoredAsks(boxA, () => aDone);
    // dev-b was killed right after storing: its record does not even count its own statement.
    const bPending = pendingNext(b);
    expect(newChannelOf(bPending)?.secret[0]).toBe(2); // the new generation's channel
    const store = memory();
    const out = await askForStatements({ record: bPending, store, mailbox: boxB, timeoutMs: 3000 });
    expect(out.kind).toBe('member');
    expect(out.kind === 'member' && out.vault.ecdsa.epoch).toBe(1);
    expect(store.saved.at(-1)?.pending).toBeUndefined();
    expect(store.saved.at(-1)?.settled).toEqual({ ceremony: 'c1', digest, party: 2 });
  });

  it('an unsigned or forged ask is not answered, and a forged answer does not count', async () => {
    const r = new Room();
    const boxA = new Mailbox(r.join('dev-a'));
    const boxX = new Mailbox(r.join('dev-x'));
    const boxB = new Mailbox(r.join('dev-b'));
    answerStoredAsks(boxA, committedA);
    const heard: unknown[] = [];
    boxX.listen(
      () => true,
      (d) => heard.push(d.payload),
    );
    // dev-x is no device of the vault; dev-b's ask signed with dev-x's key is a forgery.
    await boxX.send('all', signControl(x, { t: 'stored-ask', sessionId: 'c1', party: 2, digest }));
    await boxB.send('all', signControl(x, { t: 'stored-ask', sessionId: 'c1', party: 2, digest }));
    await new Promise((res) => setTimeout(res, 50));
    expect(heard.filter((p) => (p as { t?: string }).t === 'stored')).toEqual([]);
    // Elsewhere, a statement for dev-a sent from dev-a's place but signed with dev-x's key: dev-b stays pending (previous generation kept).
    const r2 = new Room();
    const fakeA = new Mailbox(r2.join('dev-a'));
    const boxB2 = new Mailbox(r2.join('dev-b'));
    const store = memory();
    const asking = askForStatements({ record: pendingNext(b), store, mailbox: boxB2, timeoutMs: 300 });
    await fakeA.send('all', signControl(x, { t: 'stored', sessionId: 'c1', party: 1, digest }));
    await fakeA.send('all', signControl(a, { t: 'stored', sessionId: 'c1', party: 1, digest: 'ee'.repeat(32) }));
    const out = await asking;
    expect(out.kind === 'member' && out.vault.pending?.kind).toBe('next');
    expect(out.kind === 'member' && out.vault.ecdsa.epoch).toBe(0);
    expect(out.kind === 'member' && out.missing).toEqual(['dev-a']);
  });

  it('without an answer the record stays pending and holds the previous generation; a device that joins later is asked again', async () => {
    const r = new Room();
    const boxB = new Mailbox(r.join('dev-b'));
    const store = memory();
    const alone = await askForStatements({ record: pendingNext(b), store, mailbox: boxB, timeoutMs: 200 });
    expect(alone.kind === 'member' && alone.vault.ecdsa.epoch).toBe(0);
    expect(alone.kind === 'member' && alone.missing).toEqual(['dev-a']);

    let joined: () => void = () => undefined;
    const asking = askForStatements({
      record: pendingNext(b),
      store,
      mailbox: boxB,
      timeoutMs: 3000,
      onPeer: (again) => {
        joined = again;
        return () => undefined;
      },
    });
    await new Promise((res) => setTimeout(res, 50));
    // dev-a shows up after the first ask went by: it answers the ask repeated on its arrival.
    const boxA = new Mailbox(r.join('dev-a'));
    answerStoredAsks(boxA, committedA);
    joined();
    const out = await asking;
    expect(out.kind === 'member' && out.vault.ecdsa.epoch).toBe(1);
  });

  it('finishLater: the ceremony room first, then the channel; an unreachable relay changes nothing', async () => {
    const store = memory();
    const out = await finishLater({
      record: pendingNext(b),
      store,
      openRoom: async () => {
        throw new Error('no relay');
      },
      openChannel: async () => {
        throw new Error('no relay');
      },
      timeoutMs: 200,
    });
    expect(out.kind === 'member' && out.vault.pending?.kind).toBe('next');
    expect(store.saved).toEqual([]);
  });

  it('keepFinishing: while a pending device signs with the previous generation, a device that comes back on the new channel completes the change', async () => {
    const r = new Room();
    const store = memory();
    let joined: () => void = () => undefined;
    const watch = keepFinishing({
      record: pendingNext(b),
      store,
      openChannel: async (channel, deviceId) => {
        expect(channel.secret[0]).toBe(2); // the new generation's channel
        const box = new Mailbox(r.join(deviceId));
        return {
          mailbox: box,
          close: async () => undefined,
          onPeer: (again) => {
            joined = again;
            return () => undefined;
          },
        };
      },
      timeoutMs: 3000,
    });
    await new Promise((res) => setTimeout(res, 50));
    const boxA = new Mailbox(r.join('dev-a'));
    answerStoredAsks(boxA, committedA);
    joined();
    const done = await watch.committed;
    expect(done?.ecdsa.epoch).toBe(1);
    expect(done?.pending).toBeUndefined();
    expect(store.saved.at(-1)?.pending).toBeUndefined();
  });

  it('keepFinishing: stopped, or nobody answers, or the record is not pending `next`: null, and nothing committed', async () => {
    const r = new Room();
    const open = async (_c: DeviceVault['channel'], deviceId: string) => ({
      mailbox: new Mailbox(r.join(deviceId)),
      close: async () => undefined,
    });
    const store = memory();
    const watch = keepFinishing({ record: pendingNext(b), store, openChannel: open, timeoutMs: 3000 });
    setTimeout(() => watch.stop(), 50);
    expect(await watch.committed).toBeNull();
    expect(store.saved.every((v) => v.pending?.kind === 'next')).toBe(true);
    expect(await keepFinishing({ record: pendingNext(b), store, openChannel: open, timeoutMs: 100 }).committed).toBeNull();
    const unreachable = async () => {
      throw new Error('no relay');
    };
    expect(await keepFinishing({ record: pendingNext(b), store, openChannel: unreachable, timeoutMs: 100 }).committed).toBeNull();
    expect(await keepFinishing({ record: committedA(), store, openChannel: open, timeoutMs: 100 }).committed).toBeNull();
  });
});
