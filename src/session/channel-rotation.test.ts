/**
 * A re-share rotates the paired channel and gives the new secret only to the
 * new generation (issue #12): a device that left cannot read, on the real
 * relay, a signing request sent on the new channel, whatever it saw in the
 * re-share room.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { startRelay, type RunningRelay } from '../relay/server.js';
import { createVault, joinReshare, joinVault, requestSignature, serveSigning, startReshare } from './ceremonies.js';
import { channelOf, type DeviceVault } from './device-vault.js';
import { newIdentity, publicOf, type DeviceIdentity } from './identity.js';
import { CeremonyTimeout } from './mailbox.js';
import { createPairing } from './pairing.js';
import { openMailbox, type OpenedMailbox } from './relay-transport.js';
import { parseSigningRequest } from './signing-request.js';

const timing = { joinTimeoutMs: 60_000, roundTimeoutMs: 60_000 };
let relay: RunningRelay;
const opened: OpenedMailbox[] = [];

beforeAll(async () => {
  relay = await startRelay({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close().catch(() => undefined)));
  await relay.close();
});

async function open(sessionId: string, sessionKey: Uint8Array, deviceId: string): Promise<OpenedMailbox> {
  const o = await openMailbox({ relayUrl: relay.url, sessionId, sessionKey, deviceId });
  opened.push(o);
  return o;
}

async function keygen(ids: DeviceIdentity[], t: number): Promise<DeviceVault[]> {
  const p = createPairing(relay.url, 'keygen', {});
  const boxes = await Promise.all(ids.map((id) => open(p.sessionId, p.sessionKey, id.deviceId)));
  const plan = { t, n: ids.length, name: 'Rotation', relayUrl: relay.url };
  return Promise.all(
    ids.map((me, i) =>
      i === 0
        ? createVault({ ...timing, mailbox: boxes[0]!.mailbox, me, sessionId: p.sessionId, plan })
        : joinVault({ ...timing, mailbox: boxes[i]!.mailbox, me, sessionId: p.sessionId, initiatorSignPub: publicOf(ids[0]!).signPub }),
    ),
  );
}

describe('channel rotation on re-share', () => {
  it('a device that left cannot read a signing request on the new channel; the new generation signs on it', async () => {
    const ids = ['dev-a', 'dev-b', 'dev-c'].map((d) => newIdentity(d));
    const [a, b, c] = await keygen(ids, 2);

    // Re-share 2-of-3 → 2-of-2: dev-c leaves. Everything dev-c's connection delivers is recorded.
    const p = createPairing(relay.url, 'reshare', {});
    const [ba, bb, bc] = await Promise.all(ids.map((id) => open(p.sessionId, p.sessionKey, id.deviceId)));
    const seenByC: unknown[] = [];
    bc!.client.onMessage((m) => seenByC.push(m.payload));
    const initiatorSignPub = publicOf(ids[0]!).signPub;
    const [oa, ob, oc] = await Promise.all([
      startReshare({
        ...timing,
        mailbox: ba!.mailbox,
        vault: a!,
        sessionId: p.sessionId,
        plan: { newT: 2, expectedJoiners: 2, relayUrl: relay.url },
      }),
      joinReshare({ ...timing, mailbox: bb!.mailbox, me: ids[1]!, sessionId: p.sessionId, initiatorSignPub, oldVault: b! }),
      joinReshare({ ...timing, mailbox: bc!.mailbox, me: ids[2]!, sessionId: p.sessionId, initiatorSignPub, oldVault: c!, leaving: true }),
    ]);
    expect(oc!.kind).toBe('retired');
    if (oa!.kind !== 'member' || ob!.kind !== 'member') throw new Error('expected dev-a and dev-b to stay');
    const [na, nb] = [oa!.vault, ob!.vault];
    expect(bytesToHex(na.channel.secret)).toBe(bytesToHex(nb.channel.secret));
    expect(bytesToHex(na.channel.secret)).not.toBe(bytesToHex(a!.channel.secret));
    const fresh = channelOf(na);
    expect(fresh.sessionId).not.toBe(channelOf(a!).sessionId);

    // Nothing dev-c received or holds is the new secret: not in the roster, not elsewhere in the room.
    const seenText = JSON.stringify(seenByC);
    expect(seenByC.length).toBeGreaterThan(0);
    expect(seenText).toContain('"roster"');
    const candidates = new Set([...(seenText.match(/[0-9a-f]{64}/g) ?? []), bytesToHex(c!.channel.secret)]);
    for (const x of candidates) expect(x).not.toBe(bytesToHex(na.channel.secret));
    expect(
      [...candidates].map((x) => channelOf({ channel: { relayUrl: relay.url, secret: Buffer.from(x, 'hex') } }).sessionId),
    ).not.toContain(fresh.sessionId);

    // dev-c, even told the new room's id, holds no key that opens it (old channel, re-share session); a
    // member's key does (the check can fail). All listen from before the request: the relay drops what was read.
    // Since room capabilities, a key that is not the room's cannot even join it: the client refuses to
    // sign for another room, and the relay refuses a token that is not from the room's key.
    for (const [i, key] of [channelOf(c!).sessionKey, p.sessionKey].entries()) {
      await expect(open(fresh.sessionId, key, `dev-c-${i}`)).rejects.toThrow();
    }
    const member = await open(fresh.sessionId, fresh.sessionKey, 'dev-b-again');

    // The new generation signs on the new channel, over the relay.
    const [ca, cb] = await Promise.all([
      open(fresh.sessionId, fresh.sessionKey, 'dev-a'),
      open(fresh.sessionId, fresh.sessionKey, 'dev-b'),
    ]);
    const server = serveSigning({ mailbox: cb.mailbox, vault: nb, decide: async () => true, roundTimeoutMs: 60_000 });
    const request = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 1, path: [], message: '0x726f74617465' });
    try {
      const sig = await requestSignature({ ...timing, mailbox: ca.mailbox, vault: na, request });
      expect(sig.compact.length).toBe(64);
    } finally {
      server.stop();
    }

    const got = await member.mailbox.take(
      (d) => (d.payload as { t?: unknown }).t === 'sign-request',
      10_000,
      () => new CeremonyTimeout('no request', []),
    );
    expect((got.payload as { request: unknown }).request).toEqual(request);
  }, 120_000);
});
