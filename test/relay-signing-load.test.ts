/**
 * Honest signings through a real relay process with its DEFAULT limits
 * (memory store): 50 concurrent 2-of-2 signings from one address (an office
 * behind one NAT address) all succeed; and 30 consecutive signings on one
 * paired channel, on a relay whose rooms hold at most 30 messages, all
 * succeed: the channel is a rolling log (one signing adds 13 messages), and
 * the room's stored bytes stay bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, spawnRelayProcess, type RelayProcess } from '../src/relay/testing.js';
import type { DeviceVault } from '../src/session/device-vault.js';
import { keygen2of2, onNewChannel, openChannel } from './support/signing.js';

let relay: RelayProcess;
let small: RelayProcess;
let vaults: [DeviceVault, DeviceVault];

beforeAll(async () => {
  relay = await spawnRelayProcess(['--port', '0']);
  small = await spawnRelayProcess(['--port', '0'], { RELAY_LIMITS: JSON.stringify({ maxMessagesPerRoom: 30 }) });
  vaults = await keygen2of2(relay.url);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([relay?.stop(), small?.stop()]);
});

describe('honest signings through the relay', () => {
  it('50 concurrent 2-of-2 signings from one address with default limits: all succeed', async () => {
    const channels = await Promise.all(Array.from({ length: 50 }, () => openChannel(onNewChannel(vaults, relay.url))));
    try {
      const results = await Promise.allSettled(channels.map((c, i) => c.sign(`concurrent ${i}`)));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${i}: ${String(r.reason)}`] : []));
      expect(failed).toEqual([]);
    } finally {
      await Promise.all(channels.map((c) => c.close()));
    }
  }, 600_000);

  it('30 consecutive signings on one paired channel whose room holds at most 30 messages: all succeed', async () => {
    const channel = await openChannel(onNewChannel(vaults, small.url));
    const held: { messages: number; bytes: number }[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        await channel.sign(`consecutive ${i}`);
        const stats = await (await fetch(`${small.url}/v1/stats`)).json();
        held.push({ messages: stats.messages, bytes: stats.bytes });
      }
      const room = await httpRequest(`${small.url}/v1/rooms/${channel.sessionId}`, { key: channel.sessionKey }).then((r) => r.json);
      expect(room.lastSeq).toBeGreaterThan(30 * 10); // far past the room's 30-message backlog limit
      // What the store holds stays bounded: acknowledged messages are dropped, so after each
      // signing it holds at most that signing's 13 messages and the previous one's not yet
      // acknowledged (pruning follows the acks, which may lag on a loaded machine) — never the
      // channel's history (30 signings ≈ 390 messages, ≈ 3.5 MB).
      expect(Math.max(...held.map((h) => h.messages))).toBeLessThanOrEqual(2 * 13);
      expect(Math.max(...held.map((h) => h.bytes))).toBeLessThanOrEqual(1024 * 1024);
    } finally {
      await channel.close();
    }
  }, 600_000);
});
