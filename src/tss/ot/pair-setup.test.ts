import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, UsageError } from '../errors.js';
import { getBit } from './bits.js';
import {
  decodeOtReceiverMaterial,
  decodeOtSenderMaterial,
  encodeOtReceiverMaterial,
  encodeOtSenderMaterial,
  otPairSetupFinish,
  otPairSetupRespond,
  otPairSetupStart,
  PAIR_SETUP_MSG2_BYTES,
  rvoleReceiverFinish,
  rvoleReceiverStart,
  rvoleSenderRespond,
  type OtReceiverMaterial,
  type OtSenderMaterial,
} from './index.js';
import { KAPPA } from './params.js';
import { randomScalar } from './scalar.js';
import { modq } from '../scalar.js';

function abortOf(f: () => unknown): ProtocolAbort {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolAbort) return e;
    throw e;
  }
  throw new Error('expected a ProtocolAbort');
}

function expectConsistent(sm: OtSenderMaterial, rm: OtReceiverMaterial): void {
  expect([sm.sender, sm.receiver]).toEqual([rm.sender, rm.receiver]);
  for (let i = 0; i < KAPPA; i++) {
    const want = (getBit(sm.delta, i) ? rm.seeds1 : rm.seeds0).subarray(32 * i, 32 * i + 32);
    const other = (getBit(sm.delta, i) ? rm.seeds0 : rm.seeds1).subarray(32 * i, 32 * i + 32);
    expect(sm.seeds.subarray(32 * i, 32 * i + 32)).toEqual(want);
    expect(sm.seeds.subarray(32 * i, 32 * i + 32)).not.toEqual(other);
  }
}

function rvoleWorks(sm: OtSenderMaterial, rm: OtReceiverMaterial): void {
  const ctx = { sid: randomBytes(32), sender: sm.sender, receiver: sm.receiver };
  const a = [randomScalar(), randomScalar()];
  const r1 = rvoleReceiverStart(rm, ctx);
  const r2 = rvoleSenderRespond(sm, ctx, a, r1.msg);
  const d = rvoleReceiverFinish(r1.state, r2.msg);
  for (let k = 0; k < 2; k++) expect(modq(r2.c[k]! + d[k]!)).toBe(modq(a[k]! * r1.chi));
}

describe('pair setup (both directions from one base-OT batch)', () => {
  const ctx = { sid: randomBytes(32), sender: 4, receiver: 9 };
  const { state, msg1 } = otPairSetupStart(ctx);
  const b = otPairSetupRespond(ctx, msg1);
  const a = otPairSetupFinish(state, b.msg2);

  it('gives consistent base OTs in both directions, and both drive RVOLEs', () => {
    expect(b.msg2.length).toBe(PAIR_SETUP_MSG2_BYTES);
    expect([a.sender.sender, a.sender.receiver, a.receiver.sender, a.receiver.receiver]).toEqual([4, 9, 9, 4]);
    expectConsistent(a.sender, b.receiver); // 4 → 9
    expectConsistent(b.sender, a.receiver); // 9 → 4
    rvoleWorks(a.sender, b.receiver);
    rvoleWorks(b.sender, a.receiver);
    // The materials survive the key-share encoding.
    rvoleWorks(decodeOtSenderMaterial(encodeOtSenderMaterial(b.sender)), decodeOtReceiverMaterial(encodeOtReceiverMaterial(a.receiver)));
    expect(() => otPairSetupFinish(state, b.msg2)).toThrow(UsageError);
  });

  it('a tampered extension in msg2 aborts naming the responder', () => {
    const s = otPairSetupStart(ctx);
    const r = otPairSetupRespond(ctx, s.msg1);
    const bad = r.msg2.slice();
    bad[100]! ^= 1;
    const e = abortOf(() => otPairSetupFinish(s.state, bad));
    expect([e.party, e.check]).toEqual([9, 'ote.consistency']);
    // Wrong lengths.
    const s2 = otPairSetupStart(ctx);
    expect([abortOf(() => otPairSetupFinish(s2.state, r.msg2.subarray(1))).check]).toEqual(['ot.setup.msg2']);
  });
});
