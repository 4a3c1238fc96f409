import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort } from '../errors.js';
import { getBit, gfDotRows, gfMul, transposeBits } from './bits.js';
import { sessionKey, xofBytes } from './hash.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { OtReceiverMaterial, OtSenderMaterial } from './material.js';
import { oteReceiverExtend, oteSenderExtend, OTE_MSG_BYTES } from './ote.js';
import { COLUMN_BYTES, KAPPA, OTE_ROWS, ROW_BYTES } from './params.js';

/** Material as a trusted dealer would hand it out (the base OTs are tested elsewhere). */
function dealtMaterial(sender = 1, receiver = 2): { sm: OtSenderMaterial; rm: OtReceiverMaterial } {
  const seeds0 = randomBytes(KAPPA * 32);
  const seeds1 = randomBytes(KAPPA * 32);
  const delta = randomBytes(KAPPA / 8);
  const seeds = new Uint8Array(KAPPA * 32);
  for (let i = 0; i < KAPPA; i++) seeds.set((getBit(delta, i) ? seeds1 : seeds0).subarray(32 * i, 32 * i + 32), 32 * i);
  return {
    sm: { kind: 'ot-sender', sender, receiver, delta, seeds },
    rm: { kind: 'ot-receiver', sender, receiver, seeds0, seeds1 },
  };
}

function rowBit(rows: Uint32Array, j: number, i: number): number {
  return (rows[j * (ROW_BYTES / 4) + (i >>> 5)]! >>> (i & 31)) & 1;
}

describe('bit helpers', () => {
  it('transposes like the naive definition', () => {
    const r = 64,
      c = 96;
    const src = new Uint32Array((r * c) / 32).map(() => (Math.random() * 2 ** 32) >>> 0);
    const dst = transposeBits(src, r, c);
    for (let i = 0; i < r; i++)
      for (let j = 0; j < c; j++) {
        const a = (src[i * (c / 32) + (j >>> 5)]! >>> (j & 31)) & 1;
        const b = (dst[j * (r / 32) + (i >>> 5)]! >>> (i & 31)) & 1;
        expect(b).toBe(a);
      }
  });

  it('GF(2^128) multiplication is the carry-less product mod x^128+x^7+x^2+x+1', () => {
    const one = Uint32Array.of(1, 0, 0, 0);
    const x = Uint32Array.of(2, 0, 0, 0);
    const top = Uint32Array.of(0, 0, 0, 0x80000000); // x^127
    const a = new Uint32Array(4).map(() => (Math.random() * 2 ** 32) >>> 0);
    expect(gfMul(a, one)).toEqual(a);
    expect(gfMul(top, x)).toEqual(Uint32Array.of(0x87, 0, 0, 0)); // x^128 = x^7+x^2+x+1
    const b = new Uint32Array(4).map(() => (Math.random() * 2 ** 32) >>> 0);
    const c = new Uint32Array(4).map(() => (Math.random() * 2 ** 32) >>> 0);
    expect(gfMul(a, b)).toEqual(gfMul(b, a));
    expect(gfMul(gfMul(a, b), c)).toEqual(gfMul(a, gfMul(b, c)));
    const bc = b.map((v, i) => v ^ c[i]!);
    expect(gfMul(a, bc)).toEqual(gfMul(a, b).map((v, i) => v ^ gfMul(a, c)[i]!));
  });

  it('gfDotRows equals the sum of lane products', () => {
    const n = 40,
      width = 8;
    const chis = new Uint32Array(4 * n).map(() => (Math.random() * 2 ** 32) >>> 0);
    const rows = new Uint32Array(n * width).map(() => (Math.random() * 2 ** 32) >>> 0);
    const want = new Uint32Array(width);
    for (let j = 0; j < n; j++)
      for (let lane = 0; lane < 2; lane++) {
        const p = gfMul(chis.subarray(4 * j, 4 * j + 4), rows.subarray(j * width + 4 * lane, j * width + 4 * lane + 4));
        for (let w = 0; w < 4; w++) want[4 * lane + w]! ^= p[w]!;
      }
    expect(gfDotRows(chis, rows, n, width)).toEqual(want);
  });
});

describe('KOS OT extension', () => {
  const key = sessionKey({ sid: new Uint8Array(32).fill(3), sender: 1, receiver: 2 });

  it('gives q_j = t_j ⊕ x_j·Δ for every row', () => {
    const { sm, rm } = dealtMaterial();
    const choices = randomBytes(OTE_ROWS / 8);
    const { msg, rows: t } = oteReceiverExtend(rm, key, choices);
    expect(msg.length).toBe(OTE_MSG_BYTES);
    const q = oteSenderExtend(sm, key, msg, 2);
    for (let j = 0; j < OTE_ROWS; j += 7)
      for (let i = 0; i < KAPPA; i += 5) {
        expect(rowBit(q, j, i)).toBe(rowBit(t, j, i) ^ (getBit(choices, j) & getBit(sm.delta, i)));
      }
  });

  it('different session keys give unrelated rows from the same seeds', () => {
    const { rm } = dealtMaterial();
    const choices = new Uint8Array(OTE_ROWS / 8);
    const a = oteReceiverExtend(rm, key, choices).rows;
    const b = oteReceiverExtend(rm, sessionKey({ sid: new Uint8Array(32).fill(4), sender: 1, receiver: 2 }), choices).rows;
    let same = 0;
    for (let k = 0; k < a.length; k++) same += a[k] === b[k] ? 1 : 0;
    expect(same).toBeLessThan(4);
  });

  function expectConsistencyAbort(f: () => unknown): void {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolAbort);
      expect((e as ProtocolAbort).party).toBe(2);
      expect((e as ProtocolAbort).check).toBe('ote.consistency');
      return;
    }
    throw new Error('expected ote.consistency');
  }

  it('a flipped bit anywhere in u, x̃ or t̃ fails the check naming the receiver', () => {
    const { sm, rm } = dealtMaterial();
    const { msg } = oteReceiverExtend(rm, key, randomBytes(OTE_ROWS / 8));
    for (const pos of [0, 5 * COLUMN_BYTES + 17, KAPPA * COLUMN_BYTES - 1, KAPPA * COLUMN_BYTES + 3, OTE_MSG_BYTES - 1]) {
      const bad = msg.slice();
      bad[pos]! ^= 0x10;
      expectConsistencyAbort(() => oteSenderExtend(sm, key, bad, 2));
    }
  });

  it('a receiver using other choice bits in one column is caught exactly when Δ_i = 1', () => {
    const { sm, rm } = dealtMaterial();
    const choices = randomBytes(OTE_ROWS / 8);
    // A cheating receiver: column i of u uses x ⊕ e; it computes x̃, t̃ honestly from (x, t).
    for (const want of [0, 1]) {
      let i = 0;
      while (getBit(sm.delta, i) !== want) i++;
      const { msg } = oteReceiverExtend(rm, key, choices);
      const honestCheck = msg.slice(KAPPA * COLUMN_BYTES);
      const cheat = msg.slice();
      cheat[i * COLUMN_BYTES + 2]! ^= 1;
      // Recompute the check over the altered u, as a consistent cheater would.
      const cheater = oteReceiverExtendWithU(rm, key, choices, cheat.subarray(0, KAPPA * COLUMN_BYTES));
      expect(cheater.slice(KAPPA * COLUMN_BYTES)).not.toEqual(honestCheck);
      if (want === 1) expectConsistencyAbort(() => oteSenderExtend(sm, key, cheater, 2));
      else expect(() => oteSenderExtend(sm, key, cheater, 2)).not.toThrow();
    }
  });

  it('rejects truncated and extended messages', () => {
    const { sm, rm } = dealtMaterial();
    const { msg } = oteReceiverExtend(rm, key, randomBytes(OTE_ROWS / 8));
    for (const bad of [msg.subarray(1), Uint8Array.of(...msg, 0), new Uint8Array(0)]) {
      try {
        oteSenderExtend(sm, key, bad, 2);
        throw new Error('accepted');
      } catch (e) {
        expect((e as ProtocolAbort).check).toBe('ote.msg');
        expect((e as ProtocolAbort).party).toBe(2);
      }
    }
  });
});

/**
 * A receiver that sends the given u (instead of its honest one) but computes
 * x̃ and t̃ from its real (x, t) under the challenges of that u.
 */
function oteReceiverExtendWithU(rm: OtReceiverMaterial, key: Uint8Array, choices: Uint8Array, u: Uint8Array): Uint8Array {
  const { rows } = oteReceiverExtend(rm, key, choices);
  const chis = new Uint32Array(xofChis(key, u).buffer);
  const xt = new Uint32Array(4);
  for (let j = 0; j < OTE_ROWS; j++) if (getBit(choices, j)) for (let w = 0; w < 4; w++) xt[w]! ^= chis[4 * j + w]!;
  const tt = gfDotRows(chis, rows, OTE_ROWS, ROW_BYTES / 4);
  const out = new Uint8Array(OTE_MSG_BYTES);
  out.set(u, 0);
  out.set(new Uint8Array(xt.buffer), u.length);
  out.set(new Uint8Array(tt.buffer), u.length + 16);
  return out;
}

function xofChis(key: Uint8Array, u: Uint8Array): Uint8Array {
  return xofBytes(16 * OTE_ROWS, 'ot/kos/chi/v1', key, OTE_ROWS, sha256(u));
}
