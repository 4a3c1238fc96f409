import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, type PartyId } from '../tss/errors.js';
import type { ProtocolMessage } from '../tss/protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../tss/rounds.js';
import { readHex } from '../tss/wire.js';
import { newIdentity, publicOf, type DeviceIdentity, type DevicePublic } from './identity.js';
import { Mailbox } from './mailbox.js';
import { Room } from './memory-room.test-util.js';
import { CeremonyAbort, runProtocol, signedAbort, type IgnoredMessage } from './run-protocol.js';

/** Toy two-round protocol: commit to a secret (broadcast), then send it to each peer (p2p); result = sum of hashes. */
class CommitReveal extends RoundBasedProtocol<string> {
  protected readonly rounds = 2;
  private readonly secret = randomBytes(16);
  private commits = new Map<PartyId, string>();
  constructor(
    sid: Uint8Array,
    self: PartyId,
    parties: PartyId[],
    private readonly lie = false,
  ) {
    super('test/commit-reveal', sid, self, parties);
  }
  protected spec(round: number): RoundSpec {
    return round === 1 ? { broadcast: true, p2p: false } : { broadcast: false, p2p: true };
  }
  protected begin(): ProtocolMessage[] {
    this.commits.set(this.self, bytesToHex(sha256(this.secret)));
    return [this.message(1, 'all', { c: bytesToHex(sha256(this.secret)) })];
  }
  protected process(round: number, inbox: RoundInbox): ProtocolMessage[] {
    if (round === 1) {
      for (const [p, b] of inbox.broadcast) this.commits.set(p, bytesToHex(readHex(b, 'c', p, 'r1', 32)));
      return this.peers.map((p) => this.message(2, p, { s: bytesToHex(this.lie ? randomBytes(16) : this.secret) }));
    }
    for (const [p, b] of inbox.p2p) {
      if (bytesToHex(sha256(readHex(b, 's', p, 'r2', 16))) !== this.commits.get(p))
        throw new ProtocolAbort(p, 'r2.opening', 'secret does not match commitment');
    }
    this.finish([...this.commits.values()].sort().join(''));
    return [];
  }
}

function setup(n: number) {
  const room = new Room();
  const ids: DeviceIdentity[] = Array.from({ length: n }, (_, i) => newIdentity(`device-${i + 1}`));
  const identities = new Map<PartyId, DevicePublic>(ids.map((id, i) => [i + 1, publicOf(id)]));
  const boxes = ids.map((id) => new Mailbox(room.join(id.deviceId)));
  return { room, ids, identities, boxes };
}

describe('runProtocol', () => {
  const parties = [1, 2, 3];
  it('runs a protocol among devices, keeping point-to-point bodies sealed', async () => {
    const { room, ids, identities, boxes } = setup(3);
    const sid = randomBytes(32);
    const results = await Promise.all(
      parties.map((p) =>
        runProtocol({
          protocol: new CommitReveal(sid, p, parties),
          me: ids[p - 1]!,
          identities,
          mailbox: boxes[p - 1]!,
          roundTimeoutMs: 5000,
        }),
      ),
    );
    expect(new Set(results).size).toBe(1);
    expect(JSON.stringify(room.log)).not.toMatch(/"s":/);
  });

  it("hands a round's messages to the transport together, without waiting for each to be acknowledged", async () => {
    const { ids, identities, boxes } = setup(3);
    // Every send is acknowledged 50 ms later, as by a relay; count how many each device has in flight at once.
    const most = boxes.map(() => 0);
    const slow = boxes.map((box, d) => {
      const send = box.send.bind(box);
      let inFlight = 0;
      box.send = async (to, payload) => {
        most[d] = Math.max(most[d]!, ++inFlight);
        await send(to, payload);
        await new Promise((r) => setTimeout(r, 50));
        inFlight--;
      };
      return box;
    });
    const sid = randomBytes(32);
    const results = await Promise.all(
      parties.map((p) =>
        runProtocol({
          protocol: new CommitReveal(sid, p, parties),
          me: ids[p - 1]!,
          identities,
          mailbox: slow[p - 1]!,
          roundTimeoutMs: 5000,
        }),
      ),
    );
    expect(new Set(results).size).toBe(1);
    // Round 2 sends two point-to-point messages per device: both are in flight together.
    expect(most).toEqual([2, 2, 2]);
  });

  it('names the device whose message fails a check', async () => {
    const { ids, identities, boxes } = setup(3);
    const sid = randomBytes(32);
    const runs = parties.map((p) =>
      runProtocol({
        protocol: new CommitReveal(sid, p, parties, p === 2),
        me: ids[p - 1]!,
        identities,
        mailbox: boxes[p - 1]!,
        roundTimeoutMs: 5000,
      }).catch((e: unknown) => e),
    );
    const [r1, r2, r3] = await Promise.all(runs);
    for (const r of [r1, r3]) {
      expect(r).toBeInstanceOf(CeremonyAbort);
      expect(['device-2', null]).toContain((r as CeremonyAbort).deviceId);
    }
    expect([r1, r3].some((r) => (r as CeremonyAbort).deviceId === 'device-2' && (r as CeremonyAbort).check === 'r2.opening')).toBe(true);
    // The engine's abort travels along, naming the party (what isOtFailure / burnPair read).
    const named = [r1, r3].find((r) => (r as CeremonyAbort).check === 'r2.opening') as CeremonyAbort;
    expect(named.cause).toBeInstanceOf(ProtocolAbort);
    expect((named.cause as ProtocolAbort).party).toBe(2);
    // The cheater itself may finish before it hears of the abort: ceremonies confirm results before storing them.
    expect(r2 instanceof CeremonyAbort || typeof r2 === 'string').toBe(true);
  });

  it('names a device that goes silent, within the timeout', async () => {
    const { ids, identities, boxes } = setup(3);
    const sid = randomBytes(32);
    const started = Date.now();
    const runs = [1, 2].map((p) =>
      runProtocol({
        protocol: new CommitReveal(sid, p, parties),
        me: ids[p - 1]!,
        identities,
        mailbox: boxes[p - 1]!,
        roundTimeoutMs: 300,
      }).catch((e: unknown) => e),
    );
    const results = await Promise.all(runs);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(
      results.some((r) => r instanceof CeremonyAbort && r.check === 'timeout' && r.deviceId === 'device-3' && /device-3/.test(r.message)),
    ).toBe(true);
  });

  it('ignores a message forged in another device’s name', async () => {
    const { ids, identities, boxes } = setup(3);
    const sid = randomBytes(32);
    const forger = newIdentity('device-2');
    const runs = parties.map((p) =>
      runProtocol({
        protocol: new CommitReveal(sid, p, parties),
        me: ids[p - 1]!,
        identities,
        mailbox: boxes[p - 1]!,
        roundTimeoutMs: 5000,
      }),
    );
    // A forged round-1 message signed with the wrong key is dropped; the honest run still completes.
    const { sealMessage } = await import('./identity.js');
    const forged = await sealMessage(
      { v: 1, protocol: 'test/commit-reveal', sid: bytesToHex(sid), round: 1, from: 2, to: 'all', body: { c: '00'.repeat(32) } },
      forger,
      identities,
    );
    await boxes[1]!.send('all', { t: 'proto', m: forged });
    const results = await Promise.all(runs);
    expect(new Set(results).size).toBe(1);
  });

  describe('aborts are signed by the aborting device (issue #12: anyone with the room key could stop a ceremony)', () => {
    const name = 'test/commit-reveal';
    /** Devices 1 and 2 start; device 3 holds back until `release` so that what is sent first arrives mid-run. */
    function twoOfThreeRunning() {
      const { ids, identities, boxes } = setup(3);
      const sid = randomBytes(32);
      const ignored: IgnoredMessage[][] = [[], [], []];
      const run = (p: PartyId) =>
        runProtocol({
          protocol: new CommitReveal(sid, p, parties),
          me: ids[p - 1]!,
          identities,
          mailbox: boxes[p - 1]!,
          roundTimeoutMs: 10_000,
          onIgnored: (e) => ignored[p - 1]!.push(e),
        });
      const early = [run(1), run(2)];
      return { ids, boxes, sid: bytesToHex(sid), ignored, early, release: () => run(3) };
    }
    const until = async (ok: () => boolean) => {
      while (!ok()) await new Promise((r) => setTimeout(r, 5));
    };

    it('ignores an unsigned abort (logged as ignored), and the run completes', async () => {
      const { boxes, sid, ignored, early, release } = twoOfThreeRunning();
      await boxes[2]!.send('all', { t: 'abort', protocol: name, sid, reason: 'stop' });
      await until(() => ignored[0]!.length > 0 && ignored[1]!.length > 0);
      expect(ignored[0]).toEqual([{ protocol: name, from: 'device-3', what: 'abort', check: 'abort.sender' }]);
      const results = await Promise.all([...early, release()]);
      expect(new Set(results).size).toBe(1);
    });

    it('ignores an abort signed with another key than the sender device’s, and the run completes', async () => {
      const { boxes, sid, ignored, early, release } = twoOfThreeRunning();
      await boxes[2]!.send('all', signedAbort(newIdentity('device-3'), name, sid, 3, 'stop'));
      await until(() => ignored[0]!.length > 0 && ignored[1]!.length > 0);
      expect(ignored[1]!.map((e) => e.check)).toEqual(['abort.signature']);
      const results = await Promise.all([...early, release()]);
      expect(new Set(results).size).toBe(1);
    });

    it('ignores a genuine abort replayed by another device or into another run', async () => {
      const { ids, boxes, sid, ignored, early, release } = twoOfThreeRunning();
      // Device 3's real signature, sent from device 2's connection (party 3 ≠ sender's party 2)…
      await boxes[1]!.send('all', signedAbort(ids[2]!, name, sid, 3, 'stop'));
      // …and device 3's real abort of another run of the same protocol, its sid rewritten to this run's.
      const other = signedAbort(ids[2]!, name, bytesToHex(randomBytes(32)), 3, 'stop');
      await boxes[2]!.send('all', { ...other, sid });
      await until(() => ignored[0]!.length >= 2);
      expect(ignored[0]!.map((e) => e.check).sort()).toEqual(['abort.sender', 'abort.signature']);
      const results = await Promise.all([...early, release()]);
      expect(new Set(results).size).toBe(1);
    });

    it('stops on a correctly signed abort from a party, blaming nobody', async () => {
      const { ids, boxes, sid, early } = twoOfThreeRunning();
      await boxes[2]!.send('all', signedAbort(ids[2]!, name, sid, 3, 'the user cancelled'));
      const results = await Promise.all(early.map((r) => r.catch((e: unknown) => e)));
      for (const r of results) {
        expect(r).toBeInstanceOf(CeremonyAbort);
        expect((r as CeremonyAbort).check).toBe('peer-abort');
        expect((r as CeremonyAbort).deviceId).toBeNull();
      }
    });
  });
});
