import { describe, expect, it } from 'vitest';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { ProtocolAbort, UsageError } from '../errors.js';
import { getBit } from './bits.js';
import { endemicReceiverFinish, endemicReceiverStart, endemicSenderRespond, POINT_BYTES } from './base-ot.js';
import { otSetupReceiverRespond, otSetupSenderFinish, otSetupSenderStart } from './setup.js';
import { KAPPA } from './params.js';
import { rvoleReceiverFinish, rvoleReceiverStart, rvoleSenderRespond } from './rvole.js';
import { modq } from '../scalar.js';

const tag = new Uint8Array(32).fill(7);
const N = 16; // a small batch keeps the test fast; setup runs the full κ once below

function seed(keys: Uint8Array, i: number): Uint8Array {
  return keys.subarray(i * 32, i * 32 + 32);
}

function expectAbort(f: () => unknown, party: number, check: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolAbort);
    expect((e as ProtocolAbort).party).toBe(party);
    expect((e as ProtocolAbort).check).toBe(check);
    return;
  }
  throw new Error('expected a ProtocolAbort');
}

describe('Endemic base OT (Masny–Rindal Fig. 8)', () => {
  it('the receiver gets exactly the chosen key of each OT', () => {
    const choices = Uint8Array.of(0b10110010, 0b01001101);
    const { state, msg1 } = endemicReceiverStart(tag, choices, N);
    expect(msg1.length).toBe(N * 2 * POINT_BYTES);
    const { keys0, keys1, msg2 } = endemicSenderRespond(tag, msg1, N, 1);
    const keys = endemicReceiverFinish(state, msg2, 2);
    const seen = new Set<string>();
    for (let i = 0; i < N; i++) {
      const c = getBit(choices, i);
      const chosen = c ? seed(keys1, i) : seed(keys0, i);
      const other = c ? seed(keys0, i) : seed(keys1, i);
      expect(seed(keys, i)).toEqual(chosen);
      expect(seed(keys, i)).not.toEqual(other);
      seen.add(Buffer.from(seed(keys0, i)).toString('hex'));
      seen.add(Buffer.from(seed(keys1, i)).toString('hex'));
    }
    expect(seen.size).toBe(2 * N); // all keys distinct
    expect(() => endemicReceiverFinish(state, msg2, 2)).toThrow(UsageError);
  });

  it('keys depend on the setup tag', () => {
    const choices = new Uint8Array(2);
    const { state, msg1 } = endemicReceiverStart(tag, choices, N);
    const other = new Uint8Array(32).fill(8);
    const { keys0, msg2 } = endemicSenderRespond(other, msg1, N, 1);
    const keys = endemicReceiverFinish(state, msg2, 2);
    expect(seed(keys, 0)).not.toEqual(seed(keys0, 0));
  });

  it('rejects malformed msg1 naming its sender', () => {
    const { msg1 } = endemicReceiverStart(tag, new Uint8Array(2), N);
    expectAbort(() => endemicSenderRespond(tag, msg1.subarray(1), N, 5), 5, 'ot.setup.msg1');
    expectAbort(() => endemicSenderRespond(tag, Uint8Array.of(...msg1, 0), N, 5), 5, 'ot.setup.msg1');
    const bad = msg1.slice();
    bad[3 * POINT_BYTES]! ^= 1; // makes the encoding "negative": never canonical
    expectAbort(() => endemicSenderRespond(tag, bad, N, 5), 5, 'ot.setup.msg1');
    const ident = msg1.slice();
    ident.fill(0, 0, POINT_BYTES);
    expectAbort(() => endemicSenderRespond(tag, ident, N, 5), 5, 'ot.setup.msg1');
    const high = msg1.slice();
    high[POINT_BYTES - 1]! |= 0x80;
    expectAbort(() => endemicSenderRespond(tag, high, N, 5), 5, 'ot.setup.msg1');
  });

  it('rejects malformed msg2 naming its sender', () => {
    const { msg1 } = endemicReceiverStart(tag, new Uint8Array(2), N);
    const { msg2 } = endemicSenderRespond(tag, msg1, N, 1);
    const fresh = () => endemicReceiverStart(tag, new Uint8Array(2), N).state;
    expectAbort(() => endemicReceiverFinish(fresh(), msg2.subarray(1), 9), 9, 'ot.setup.msg2');
    expectAbort(() => endemicReceiverFinish(fresh(), Uint8Array.of(...msg2, 1), 9), 9, 'ot.setup.msg2');
    const bad = msg2.slice();
    bad[0]! ^= 1;
    expectAbort(() => endemicReceiverFinish(fresh(), bad, 9), 9, 'ot.setup.msg2');
    expectAbort(() => endemicReceiverFinish(fresh(), new Uint8Array(32), 9), 9, 'ot.setup.msg2');
  });
});

describe('OT setup of an ordered pair', () => {
  it('gives the sender k_{i,Δ_i} and the receiver both seeds', () => {
    const ctx = { sid: new Uint8Array(32).fill(1), sender: 1, receiver: 2 };
    const { state, msg1 } = otSetupSenderStart(ctx);
    const { material: rm, msg2 } = otSetupReceiverRespond(ctx, msg1);
    const sm = otSetupSenderFinish(state, msg2);
    expect(sm.kind).toBe('ot-sender');
    expect(rm.kind).toBe('ot-receiver');
    expect([sm.sender, sm.receiver, rm.sender, rm.receiver]).toEqual([1, 2, 1, 2]);
    let ones = 0;
    for (let i = 0; i < KAPPA; i++) {
      const d = getBit(sm.delta, i);
      ones += d;
      expect(seed(sm.seeds, i)).toEqual(seed(d ? rm.seeds1 : rm.seeds0, i));
    }
    expect(ones).toBeGreaterThan(KAPPA / 4); // Δ is uniform: about KAPPA/2 ones, > 5 standard deviations of slack
    expect(ones).toBeLessThan((3 * KAPPA) / 4);
    expect(() => otSetupSenderFinish(state, msg2)).toThrow(UsageError);

    // The material drives an RVOLE end to end, under a fresh signing sid.
    const sctx = { sid: new Uint8Array(32).fill(9), sender: 1, receiver: 2 };
    const r1 = rvoleReceiverStart(rm, sctx);
    const r2 = rvoleSenderRespond(sm, sctx, [3n, 4n], r1.msg);
    const d = rvoleReceiverFinish(r1.state, r2.msg);
    expect(modq(r2.c[0]! + d[0]!)).toBe(modq(3n * r1.chi));
    expect(modq(r2.c[1]! + d[1]!)).toBe(modq(4n * r1.chi));
  });

  it('a substituted (valid) msg2 point is caught at first use, naming the receiver', () => {
    const ctx = { sid: new Uint8Array(32).fill(2), sender: 1, receiver: 2 };
    const { state, msg1 } = otSetupSenderStart(ctx);
    const { material: rm } = otSetupReceiverRespond(ctx, msg1);
    const other = ristretto255.Point.BASE.multiply(12345n).toBytes();
    const sm = otSetupSenderFinish(state, other); // a valid point: not detectable in an OT by itself
    const sctx = { sid: new Uint8Array(32).fill(3), sender: 1, receiver: 2 };
    const r1 = rvoleReceiverStart(rm, sctx);
    let caught: unknown;
    try {
      rvoleSenderRespond(sm, sctx, [1n, 2n], r1.msg);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ProtocolAbort);
    expect([(caught as ProtocolAbort).party, (caught as ProtocolAbort).check]).toEqual([2, 'ote.consistency']);
  });

  it('rejects bad contexts', () => {
    expect(() => otSetupSenderStart({ sid: new Uint8Array(32), sender: 1, receiver: 1 })).toThrow(UsageError);
    expect(() => otSetupSenderStart({ sid: new Uint8Array(4), sender: 1, receiver: 2 })).toThrow(UsageError);
    expect(() => otSetupSenderStart({ sid: new Uint8Array(32), sender: 0, receiver: 2 })).toThrow(UsageError);
  });
});
