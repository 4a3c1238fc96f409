import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, UsageError } from '../errors.js';
import { getBit } from './bits.js';
import {
  decodeOtReceiverMaterial,
  decodeOtSenderMaterial,
  encodeOtReceiverMaterial,
  encodeOtSenderMaterial,
  OTE_MSG_BYTES,
  RVOLE_SENDER_MSG_BYTES,
  rvoleReceiverFinish,
  rvoleReceiverStart,
  rvoleSenderRespond,
  type OtReceiverMaterial,
  type OtSenderMaterial,
  type PairContext,
} from './index.js';
import { KAPPA, ROW_BYTES, SCALAR_BYTES, XI } from './params.js';
import { randomScalar } from './scalar.js';
import { modq, q } from '../scalar.js';
import { _internal } from './rvole.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hashTranscript } from '../transcript.js';
import { RowHasher, sessionKey, xofBytes } from './hash.js';
import { oteSenderExtend } from './ote.js';
import { viewOf, wideToScalar, writeU256 } from './scalar.js';

/** Material as a trusted dealer would hand it out (setup itself is tested in base-ot.test.ts). */
function dealt(sender = 1, receiver = 2): { sm: OtSenderMaterial; rm: OtReceiverMaterial } {
  const seeds0 = randomBytes(KAPPA * 32);
  const seeds1 = randomBytes(KAPPA * 32);
  const delta = randomBytes(KAPPA / 8);
  const seeds = new Uint8Array(KAPPA * 32);
  for (let i = 0; i < KAPPA; i++) seeds.set((getBit(delta, i) ? seeds1 : seeds0).subarray(32 * i, 32 * i + 32), 32 * i);
  return {
    sm: decodeOtSenderMaterial(encodeOtSenderMaterial({ kind: 'ot-sender', sender, receiver, delta, seeds })),
    rm: decodeOtReceiverMaterial(encodeOtReceiverMaterial({ kind: 'ot-receiver', sender, receiver, seeds0, seeds1 })),
  };
}

const ctxOf = (sender = 1, receiver = 2): PairContext => ({ sid: randomBytes(32), sender, receiver });

function abortOf(f: () => unknown): ProtocolAbort {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolAbort) return e;
    throw e;
  }
  throw new Error('expected a ProtocolAbort');
}

describe('RVOLE (DKLs23 Protocol 5.2)', () => {
  const { sm, rm } = dealt();

  it('c + d = a·χ for random inputs, across several sids with the same material', () => {
    const chis = new Set<bigint>();
    for (let s = 0; s < 3; s++) {
      const ctx = ctxOf();
      const a = [randomScalar(), randomScalar()];
      const r1 = rvoleReceiverStart(rm, ctx);
      expect(r1.msg.length).toBe(OTE_MSG_BYTES);
      const r2 = rvoleSenderRespond(sm, ctx, a, r1.msg);
      expect(r2.msg.length).toBe(RVOLE_SENDER_MSG_BYTES);
      const d = rvoleReceiverFinish(r1.state, r2.msg);
      expect(d.length).toBe(2);
      for (let k = 0; k < 2; k++) {
        expect(modq(r2.c[k]! + d[k]!)).toBe(modq(a[k]! * r1.chi));
        expect(r2.c[k]! < q && d[k]! < q).toBe(true);
      }
      chis.add(r1.chi);
    }
    expect(chis.size).toBe(3);
  });

  it('edge inputs 0 and q−1', () => {
    const ctx = ctxOf();
    const a = [0n, q - 1n];
    const r1 = rvoleReceiverStart(rm, ctx);
    const r2 = rvoleSenderRespond(sm, ctx, a, r1.msg);
    const d = rvoleReceiverFinish(r1.state, r2.msg);
    expect(modq(r2.c[0]! + d[0]!)).toBe(0n);
    expect(modq(r2.c[1]! + d[1]!)).toBe(modq(-r1.chi));
  });

  it('χ = ⟨g, β⟩ with the sid-derived gadget', () => {
    const ctx = ctxOf();
    const r1 = rvoleReceiverStart(rm, ctx);
    const g = _internal.gadget(ctx.sid);
    expect(g.length).toBe(XI);
    let chi = 0n;
    for (let j = 0; j < XI; j++) if (getBit(r1.state.choices, j)) chi += g[j]!;
    expect(modq(chi)).toBe(r1.chi);
  });

  it('a flipped bit in ã, η or μ aborts naming the sender with rvole.check', () => {
    // Flipping the lowest bit keeps a scalar canonical. Targets: ã[0][0], ã in a β_j = 0 row (unused
    // by the receiver except through θ), ã in the check column, η, and both ends of μ.
    const targets: ((beta: Uint8Array) => number)[] = [
      () => SCALAR_BYTES - 1,
      (beta) => {
        let j = 0;
        while (getBit(beta, j)) j++;
        return (j * 3 + 1) * SCALAR_BYTES + SCALAR_BYTES - 1;
      },
      () => (100 * 3 + 2) * SCALAR_BYTES + SCALAR_BYTES - 1,
      () => XI * 3 * SCALAR_BYTES + SCALAR_BYTES - 1,
      () => RVOLE_SENDER_MSG_BYTES - 1,
      () => RVOLE_SENDER_MSG_BYTES - 32,
    ];
    for (const target of targets) {
      const c = ctxOf();
      const r1 = rvoleReceiverStart(rm, c);
      const r2 = rvoleSenderRespond(sm, c, [randomScalar(), randomScalar()], r1.msg);
      const bad = r2.msg.slice();
      bad[target(r1.state.choices)]! ^= 1;
      const e = abortOf(() => rvoleReceiverFinish(r1.state, bad));
      expect([e.party, e.check]).toEqual([1, 'rvole.check']);
    }
  });

  it('a consistent cheating sender (one row uses another input) is caught exactly when β_j = 1', () => {
    for (const want of [1, 0]) {
      const ctx = ctxOf();
      const r1 = rvoleReceiverStart(rm, ctx);
      let j = 0;
      while (getBit(r1.state.choices, j) !== want) j++;
      const msg = cheatingSenderRespond(sm, ctx, [5n, 7n], r1.msg, j);
      if (want === 1) {
        const e = abortOf(() => rvoleReceiverFinish(r1.state, msg));
        expect([e.party, e.check]).toEqual([1, 'rvole.check']);
      } else {
        expect(rvoleReceiverFinish(r1.state, msg).length).toBe(2); // the known, harmless selective failure
      }
    }
  });

  it('rejects truncated, extended and non-canonical sender messages', () => {
    for (const mutate of [
      (m: Uint8Array) => m.subarray(1),
      (m: Uint8Array) => Uint8Array.of(...m, 0),
      (m: Uint8Array) => {
        const b = m.slice();
        b.fill(0xff, 0, SCALAR_BYTES); // ã[0] ≥ q
        return b;
      },
      (m: Uint8Array) => {
        const b = m.slice();
        b.fill(0xff, XI * 3 * SCALAR_BYTES, XI * 3 * SCALAR_BYTES + SCALAR_BYTES); // η ≥ q
        return b;
      },
    ]) {
      const ctx = ctxOf();
      const r1 = rvoleReceiverStart(rm, ctx);
      const r2 = rvoleSenderRespond(sm, ctx, [1n, 2n], r1.msg);
      const e = abortOf(() => rvoleReceiverFinish(r1.state, mutate(r2.msg)));
      expect(e.party).toBe(1);
      expect(e.check).toBe('rvole.msg');
    }
  });

  it('a cheating OT-extension receiver is caught by the sender with ote.consistency', () => {
    const ctx = ctxOf();
    const r1 = rvoleReceiverStart(rm, ctx);
    for (const pos of [0, 1000, OTE_MSG_BYTES - 40, OTE_MSG_BYTES - 1]) {
      const bad = r1.msg.slice();
      bad[pos]! ^= 4;
      const c2 = { ...ctx, sid: randomBytes(32) }; // the sender refuses a sid twice, so vary it
      const e = abortOf(() => rvoleSenderRespond(sm, c2, [1n, 2n], bad));
      expect(e.party).toBe(2);
      expect(e.check).toBe('ote.consistency');
    }
    const e = abortOf(() => rvoleSenderRespond(sm, { ...ctx, sid: randomBytes(32) }, [1n, 2n], r1.msg.subarray(3)));
    expect([e.party, e.check]).toEqual([2, 'ote.msg']);
  });

  it('states are single-use and sids cannot be reused with the same material', () => {
    const ctx = ctxOf();
    const r1 = rvoleReceiverStart(rm, ctx);
    expect(() => rvoleReceiverStart(rm, ctx)).toThrow(UsageError);
    const r2 = rvoleSenderRespond(sm, ctx, [1n, 2n], r1.msg);
    expect(() => rvoleSenderRespond(sm, ctx, [1n, 2n], r1.msg)).toThrow(UsageError);
    rvoleReceiverFinish(r1.state, r2.msg);
    expect(() => rvoleReceiverFinish(r1.state, r2.msg)).toThrow(UsageError);
  });

  it('material of another pair, or bad inputs, is a UsageError', () => {
    expect(() => rvoleReceiverStart(rm, ctxOf(2, 1))).toThrow(UsageError);
    expect(() => rvoleReceiverStart(rm, ctxOf(1, 3))).toThrow(UsageError);
    const ctx = ctxOf();
    const r1 = rvoleReceiverStart(rm, ctx);
    expect(() => rvoleSenderRespond(sm, ctxOf(3, 2), [1n, 2n], r1.msg)).toThrow(UsageError);
    expect(() => rvoleSenderRespond(sm, ctx, [1n], r1.msg)).toThrow(UsageError);
    expect(() => rvoleSenderRespond(sm, ctx, [1n, q], r1.msg)).toThrow(UsageError);
    expect(() => rvoleSenderRespond(sm, ctx, [1n, -1n], r1.msg)).toThrow(UsageError);
    expect(() => rvoleReceiverStart(sm as unknown as OtReceiverMaterial, ctxOf())).toThrow(UsageError);
  });
});

describe('material encoding', () => {
  it('round-trips and rejects garbage', () => {
    const { sm, rm } = dealt(7, 3);
    const es = encodeOtSenderMaterial(sm);
    const er = encodeOtReceiverMaterial(rm);
    expect(decodeOtSenderMaterial(es)).toEqual(sm);
    expect(decodeOtReceiverMaterial(er)).toEqual(rm);
    expect(() => decodeOtSenderMaterial(er)).toThrow(UsageError);
    expect(() => decodeOtReceiverMaterial(es)).toThrow(UsageError);
    expect(() => decodeOtSenderMaterial(es.subarray(1))).toThrow(UsageError);
    expect(() => decodeOtSenderMaterial(Uint8Array.of(...es, 0))).toThrow(UsageError);
    expect(() => decodeOtReceiverMaterial(new Uint8Array(er.length))).toThrow(UsageError);
    const wrongVersion = es.slice();
    wrongVersion[0] = 2;
    expect(() => decodeOtSenderMaterial(wrongVersion)).toThrow(UsageError);
    const samePair = es.slice();
    samePair[5] = samePair[7]!; // sender = receiver
    samePair[4] = samePair[6]!;
    expect(() => decodeOtSenderMaterial(samePair)).toThrow(UsageError);
    const zeroParty = er.slice();
    zeroParty[4] = 0;
    zeroParty[5] = 0;
    expect(() => decodeOtReceiverMaterial(zeroParty)).toThrow(UsageError);
    expect(() => decodeOtReceiverMaterial(randomBytes(er.length))).toThrow(UsageError);
  });
});

/**
 * A sender that follows Protocol 5.2 with its own θ, η and μ computed
 * honestly, except that row `badRow` of ã uses a_1 + 1 instead of a_1.
 */
function cheatingSenderRespond(m: OtSenderMaterial, ctx: PairContext, a: bigint[], msg: Uint8Array, badRow: number): Uint8Array {
  const key = sessionKey(ctx);
  const rows = oteSenderExtend(m, key, msg, ctx.receiver);
  const hat = randomScalar();
  const cols = [a[0], a[1], hat];
  const hasher = new RowHasher(key, 96);
  const delta = new Uint32Array(m.delta.slice().buffer);
  const out = new Uint8Array(RVOLE_SENDER_MSG_BYTES);
  const view = viewOf(out);
  const rho = new Uint8Array(XI * 32);
  const v0s: bigint[][] = [];
  for (let j = 0; j < XI; j++) {
    const words = ROW_BYTES / 4; // 32-bit words per row (κ / 32)
    const row = rows.slice(j * words, j * words + words);
    const h0 = viewOf(hasher.hash(j, new Uint8Array(row.buffer)));
    const h1 = viewOf(hasher.hash(j, new Uint8Array(row.map((w, i) => w ^ delta[i]!).buffer)));
    const v0 = [0, 1, 2].map((k) => wideToScalar(h0, 32 * k));
    v0s.push(v0);
    for (let k = 0; k < 3; k++) {
      const input = j === badRow && k === 0 ? cols[k]! + 1n : cols[k]!;
      writeU256(view, (j * 3 + k) * 32, modq(v0[k]! - wideToScalar(h1, 32 * k) + input));
    }
  }
  const tv = viewOf(xofBytes(64, 'rvole/theta/v1', key, sha256(out.subarray(0, XI * 96))));
  const theta = [wideToScalar(tv, 0), wideToScalar(tv, 32)];
  writeU256(view, XI * 96, modq(hat + theta[0]! * a[0]! + theta[1]! * a[1]!));
  v0s.forEach((v0, j) => {
    writeU256(viewOf(rho), 32 * j, modq(v0[2]! + theta[0]! * v0[0]! + theta[1]! * v0[1]!));
  });
  out.set(hashTranscript('rvole/mu/v1', key, rho), XI * 96 + 32);
  return out;
}
