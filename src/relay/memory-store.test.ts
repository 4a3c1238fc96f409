import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './limits.js';
import { MemoryStore } from './memory-store.js';
import type { RoomEvent } from './store.js';
import { byteLimitsContract, rollingLogContract } from './store-contract.js';

const SID = 'AAAAAAAAAAAAAAAAAAAAAA';
const limits = { ...DEFAULT_LIMITS, maxRoomsPerAddress: 2, maxMessagesPerRoom: 5 };

describe('MemoryStore', () => {
  it('numbers messages per room and reads only what is for the party, with a cursor past the rest', async () => {
    const store = new MemoryStore();
    await store.join({ sid: SID, party: '1', ttlMs: 60_000, address: 'a' }, limits);
    await store.join({ sid: SID, party: '2', ttlMs: 60_000, address: 'a' }, limits);
    const events: RoomEvent[] = [];
    const off = await store.subscribe(SID, (e) => events.push(e));
    expect((await store.post({ sid: SID, from: '1', to: '2', body: 'AA' }, limits)).seq).toBe(1);
    expect((await store.post({ sid: SID, from: '1', to: '3', body: 'BB' }, limits)).seq).toBe(2);
    expect((await store.post({ sid: SID, from: '2', to: '*', body: 'CC' }, limits)).seq).toBe(3);
    expect((await store.post({ sid: SID, from: '1', to: '*', body: 'DD' }, limits)).seq).toBe(4);
    const r = await store.read(SID, '2', 0, 10);
    expect(r!.messages.map((m) => m.body)).toEqual(['AA', 'DD']);
    expect(r!.cursor).toBe(4);
    const partial = await store.read(SID, '2', 0, 1);
    expect([partial!.messages.map((m) => m.body), partial!.cursor]).toEqual([['AA'], 1]);
    expect((await store.read(SID, '2', 1, 1))!.cursor).toBe(4);
    expect(events.filter((e) => e.kind === 'msg').map((e) => (e.kind === 'msg' ? e.msg.seq : 0))).toEqual([1, 2, 3, 4]);
    off();
    await store.post({ sid: SID, from: '1', to: '2', body: 'EE' }, limits);
    expect(events).toHaveLength(4);
    await expect(store.post({ sid: SID, from: '1', to: '2', body: 'FF' }, limits)).rejects.toMatchObject({ code: 'room_message_limit' });
    await store.ack(SID, '2', 99);
    expect(await store.acked(SID, '2')).toBe(5); // never beyond the last message
    expect(await store.stats()).toEqual({ rooms: 1, messages: 5, bytes: 10 });
    await store.close();
  });

  it('expires rooms by their TTL (refreshed on use) and frees the address quota', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(() => now);
    const other = 'BBBBBBBBBBBBBBBBBBBBBB';
    await store.join({ sid: SID, party: '1', ttlMs: 1000, address: 'a' }, limits);
    await store.join({ sid: other, party: '1', ttlMs: 5000, address: 'a' }, limits);
    await expect(store.join({ sid: 'CCCCCCCCCCCCCCCCCCCCCC', party: '1', ttlMs: 1000, address: 'a' }, limits)).rejects.toMatchObject({
      code: 'too_many_rooms',
      status: 429,
    });
    now += 900;
    await store.post({ sid: SID, from: '1', to: '2', body: 'AA' }, limits); // refreshes
    now += 900;
    expect(await store.room(SID)).not.toBeNull();
    now += 200;
    expect(await store.room(SID)).toBeNull();
    expect(await store.read(SID, '1', 0, 10)).toBeNull();
    await expect(store.post({ sid: SID, from: '1', to: '2', body: 'AA' }, limits)).rejects.toMatchObject({
      code: 'unknown_room',
      status: 404,
    });
    await store.join({ sid: 'CCCCCCCCCCCCCCCCCCCCCC', party: '1', ttlMs: 1000, address: 'a' }, limits);
    const done = await store.complete(other, '1', { ...limits, completedTtlMs: 100 });
    expect(done.complete).toBe(true);
    expect(done.expiresAt).toBe(now + 100);
    await store.close();
  });

  it('is a rolling log bounded in messages and bytes: acknowledged and old messages are dropped', async () => {
    const store = new MemoryStore();
    await rollingLogContract({ store, roomBytes: (sid) => store.roomBytes(sid) }, 'mem');
    await store.close();
  });

  it('refuses by bytes per address and per store, each with its code; expired rooms give their bytes back', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(() => now);
    await byteLimitsContract({ store, roomBytes: (sid) => store.roomBytes(sid) }, 'mem');
    now += 120_000;
    expect(await store.stats()).toEqual({ rooms: 0, messages: 0, bytes: 0 });
    await store.close();
  });
});
