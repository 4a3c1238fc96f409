/**
 * What both stores must do about bounded memory, run by memory-store.test.ts
 * and redis.test.ts against a real MemoryStore and a real RedisStore: a room
 * is a rolling log (it outlives `maxMessagesPerRoom` when its members
 * acknowledge), old messages are dropped, and every byte limit refuses with
 * its own code. Test support only.
 */
import { expect } from 'vitest';
import { DEFAULT_LIMITS, type RelayLimits } from './limits.js';
import type { RelayStore } from './store.js';

const sid = (n: number, tag: string) => `${tag}${String(n).padStart(4, '0')}`.padEnd(22, 'A');

/** Store under test plus the bytes one room holds. */
export interface StoreUnderTest {
  store: RelayStore;
  roomBytes(sid: string): Promise<number> | number;
}

export async function rollingLogContract({ store, roomBytes }: StoreUnderTest, tag: string): Promise<void> {
  const limits: RelayLimits = { ...DEFAULT_LIMITS, maxMessagesPerRoom: 6, maxRoomBytes: 40 };
  const room = sid(1, tag);
  await store.join({ sid: room, party: '1', ttlMs: 60_000, address: `${tag}-a` }, limits);
  await store.join({ sid: room, party: '2', ttlMs: 60_000, address: `${tag}-a` }, limits);
  // 60 exchanges, each acknowledged by both members: far past maxMessagesPerRoom.
  for (let i = 1; i <= 60; i++) {
    const m = await store.post({ sid: room, from: i % 2 ? '1' : '2', to: '*', body: 'ABCDEFGH' }, limits);
    expect(m.seq).toBe(i);
    await store.ack(room, '1', m.seq);
    await store.ack(room, '2', m.seq);
  }
  expect(await roomBytes(room)).toBe(0);
  expect((await store.room(room))!.lastSeq).toBe(60);
  // Party 2 falls behind: the backlog is bounded in bytes (40: five 8-byte bodies) …
  for (let i = 0; i < 5; i++) await store.post({ sid: room, from: '1', to: '2', body: 'ABCDEFGH' }, limits);
  await expect(store.post({ sid: room, from: '1', to: '2', body: 'A' }, limits)).rejects.toMatchObject({
    code: 'room_bytes_limit',
    status: 409,
  });
  // … and in messages.
  await expect(
    store.post({ sid: room, from: '1', to: '2', body: 'A' }, { ...limits, maxMessagesPerRoom: 5, maxRoomBytes: 1000 }),
  ).rejects.toMatchObject({
    code: 'room_message_limit',
    status: 409,
  });
  // Reading after the dropped part still works: party 2 gets the held messages.
  const r = await store.read(room, '2', 0, 100);
  expect(r!.messages.map((m) => m.seq)).toEqual([61, 62, 63, 64, 65]);
  // Party 2 catches up (acknowledges 63): room for more.
  await store.ack(room, '2', 63);
  await store.ack(room, '1', 65);
  expect(await roomBytes(room)).toBe(16);
  await store.post({ sid: room, from: '1', to: '2', body: 'ABCDEFGH' }, limits);
  // Old messages go even if never acknowledged.
  await new Promise((res) => setTimeout(res, 30));
  await store.post({ sid: room, from: '1', to: '2', body: 'ABCD' }, { ...limits, messageTtlMs: 20 });
  expect(await roomBytes(room)).toBe(4);
  expect((await store.read(room, '2', 0, 100))!.messages.map((m) => m.seq)).toEqual([67]);
}

export async function byteLimitsContract({ store }: StoreUnderTest, tag: string): Promise<void> {
  const body = 'B'.repeat(100);
  const limits: RelayLimits = { ...DEFAULT_LIMITS, maxRoomBytes: 300, maxBytesPerAddress: 500, maxStoreBytes: 100_000 };
  const join = (n: number, address: string) => store.join({ sid: sid(n, tag), party: '1', ttlMs: 60_000, address }, limits);
  for (const n of [10, 11]) await join(n, `${tag}-x`);
  for (let i = 0; i < 3; i++) await store.post({ sid: sid(10, tag), from: '1', to: '2', body }, limits);
  await store.post({ sid: sid(11, tag), from: '1', to: '2', body }, limits);
  // The address's rooms hold 400 bytes; one more of 100 would be 500: allowed; then refused.
  await store.post({ sid: sid(11, tag), from: '1', to: '2', body }, limits);
  await expect(store.post({ sid: sid(11, tag), from: '1', to: '2', body: 'A' }, limits)).rejects.toMatchObject({
    code: 'address_bytes_limit',
    status: 429,
  });
  // Another address is not affected by that, but by the store's total.
  await join(12, `${tag}-y`);
  const before = (await store.stats()).bytes;
  expect(before).toBeGreaterThanOrEqual(500);
  await expect(
    store.post({ sid: sid(12, tag), from: '1', to: '2', body }, { ...limits, maxStoreBytes: before + 50 }),
  ).rejects.toMatchObject({
    code: 'relay_bytes_limit',
    status: 503,
  });
  await store.post({ sid: sid(12, tag), from: '1', to: '2', body }, limits);
}
