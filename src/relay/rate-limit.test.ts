import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './limits.js';
import { bucketsOf, LocalRate } from './rate-limit.js';
import { roomKeyOf, signRoomRequest } from './wire.js';

const limits = { ...DEFAULT_LIMITS, requestsPerSecond: 10, requestBurst: 2, addressRequestsPerSecond: 10, addressRequestBurst: 3 };

function room() {
  const key = roomKeyOf(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  return { sid: key.roomId, token: signRoomRequest(key, 'GET', `/v1/rooms/${key.roomId}`, '', Date.now()) };
}

describe('rate-limit buckets', () => {
  it("keys a request by its room's credential only when the token's verifier is the room's", () => {
    const a = room();
    const b = room();
    expect(bucketsOf(limits, '192.0.2.1', a.sid, a.token).map((x) => x.key)).toEqual([`room:${a.sid}`, 'rooms:192.0.2.1']);
    expect(bucketsOf(limits, '192.0.2.1', a.sid, b.token).map((x) => x.key)).toEqual(['addr:192.0.2.1']);
    expect(bucketsOf(limits, '192.0.2.1', a.sid, 'garbage').map((x) => x.key)).toEqual(['addr:192.0.2.1']);
    expect(bucketsOf(limits, '192.0.2.1').map((x) => x.key)).toEqual(['addr:192.0.2.1']);
  });

  it('takes from every bucket or from none; a refusal names the bucket; frames may borrow ahead', async () => {
    const rate = new LocalRate();
    const [a, b] = [room(), room()];
    const t0 = 1_000_000;
    const of = (r: { sid: string; token: string }) => bucketsOf(limits, '192.0.2.1', r.sid, r.token);
    expect((await rate.reserve(of(a), 0, t0)).wait).toBe(0);
    expect((await rate.reserve(of(a), 0, t0)).wait).toBe(0);
    const refused = await rate.reserve(of(a), 0, t0);
    expect([refused.wait, refused.by?.key]).toEqual([-1, `room:${a.sid}`]);
    // Room b has its own budget, under the address's ceiling of 3 (2 taken by a).
    expect((await rate.reserve(of(b), 0, t0)).wait).toBe(0);
    const ceiling = await rate.reserve(of(b), 0, t0);
    expect([ceiling.wait, ceiling.by?.key]).toEqual([-1, 'rooms:192.0.2.1']);
    // Borrowing ahead: 10/s means one token in 100 ms.
    expect((await rate.reserve(of(b), 500, t0)).wait).toBe(100);
  });
});
