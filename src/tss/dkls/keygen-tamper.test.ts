import { hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { thrownError } from '../../errors/codes.test-util.js';
import { ProtocolAbort, UsageError } from '../errors.js';
import type { ProtocolMessage, WireValue } from '../protocol.js';
import { toHex } from '../wire.js';
import { G, Point, mulG, pointToBytes, randomScalar } from './curve.js';
import { expectBlame, flipHex, keygenParties, run, tamper } from './fixtures.test-util.js';
import { DklsKeygen, keygenSessionId } from './keygen.js';
import { commit } from './commit.js';

const IDENTITY_HEX = '00'.repeat(33);
/** A 33-byte compressed encoding whose x is not on the curve. */
function offCurveHex(): string {
  for (let x = 5n; ; x++) {
    const hex = '02' + x.toString(16).padStart(64, '0');
    try {
      Point.fromHex(hex);
    } catch {
      return hex;
    }
  }
}
const randomPointHex = () => toHex(pointToBytes(mulG(randomScalar())));

describe('DKLs23 key generation: every check names the culprit', () => {
  it('a wrong proof of knowledge of a coefficient (round 2)', () => {
    const report = run(keygenParties(2, 3), {
      intercept: tamper(
        2,
        2,
        (b) => {
          const proofs = b.proofs as string[];
          proofs[1] = flipHex(proofs[1]!, 64);
        },
        undefined,
        'broadcast',
      ),
    });
    expectBlame(report, 2, 'keygen.pok', [1, 3]);
  });

  it('a reveal that does not open the round-1 commitment', () => {
    const report = run(keygenParties(2, 3), {
      intercept: tamper(3, 2, (b) => void (b.salt = flipHex(b.salt as string)), undefined, 'broadcast'),
    });
    expectBlame(report, 3, 'keygen.commitment', [1, 2]);
  });

  it('a chain-code part that differs from the committed one', () => {
    const report = run(keygenParties(2, 2), {
      intercept: tamper(1, 2, (b) => void (b.chainCode = toHex(randomBytes(32))), undefined, 'broadcast'),
    });
    expectBlame(report, 1, 'keygen.commitment', [2]);
  });

  it('a Shamir share that fails the Feldman check (round 3)', () => {
    const report = run(keygenParties(3, 4), { intercept: tamper(4, 3, (b) => void (b.share = flipHex(b.share as string, 31))) });
    expectBlame(report, 4, 'keygen.feldman', [1, 2, 3]);
  });

  it('a non-canonical share scalar (≥ q)', () => {
    const report = run(keygenParties(2, 3), { intercept: tamper(1, 3, (b) => void (b.share = 'ff'.repeat(32))) });
    expectBlame(report, 1, 'keygen.feldman', [2, 3]);
  });

  it('an equivocating broadcast (a different commitment to one party) fails the echo', () => {
    const sid = randomBytes(32);
    const ksid = keygenSessionId(sid, 2, [1, 2, 3]);
    let held: ProtocolMessage | null = null;
    // Party 3 shows party 1 a different, self-consistent commitment and reveal (another chain-code part).
    const report = run(keygenParties(2, 3, sid), {
      intercept: (m, to) => {
        if (m.from !== 3 || to !== 1 || m.to !== 'all') return m;
        if (m.round === 1) {
          held = m;
          return null;
        }
        if (m.round !== 2 || !held) return m;
        const cc = randomBytes(32);
        const salt = randomBytes(32);
        const A = (m.body.coefficients as string[]).map(hexToBytes);
        held.body.commitment = toHex(commit('keygen/r1', ksid, 3, salt, 2, ...A, cc));
        m.body.chainCode = toHex(cc);
        m.body.salt = toHex(salt);
        return [held, m];
      },
    });
    expectBlame(report, 3, 'keygen.echo', [1, 2]);
    expect(report.aborts.has(1) && report.aborts.has(2)).toBe(true);
  });

  it('an echo that lies about our own broadcast names the echoer', () => {
    const report = run(keygenParties(2, 3), {
      intercept: tamper(
        2,
        3,
        (b) => {
          const echo = b.echo as string[];
          echo[0] = flipHex(echo[0]!);
        },
        1,
      ),
    });
    expectBlame(report, 2, 'keygen.echo', [1]);
  });

  for (const [name, edit] of [
    ['t + 1 coefficients', (a: WireValue[]) => a.push(randomPointHex())],
    ['no coefficients', (a: WireValue[]) => a.splice(0)],
  ] as const) {
    it(`wrong vector length: ${name}`, () => {
      const report = run(keygenParties(2, 3), {
        intercept: tamper(2, 2, (b) => edit(b.coefficients as WireValue[]), undefined, 'broadcast'),
      });
      expectBlame(report, 2, 'keygen.r2.coefficients', [1, 3]);
    });
  }

  it('wrong vector length: t − 1 proofs', () => {
    const report = run(keygenParties(3, 4), { intercept: tamper(1, 2, (b) => void (b.proofs as string[]).pop(), undefined, 'broadcast') });
    expectBlame(report, 1, 'keygen.r2.proofs', [2, 3, 4]);
  });

  it('wrong echo length', () => {
    const report = run(keygenParties(2, 3), { intercept: tamper(3, 3, (b) => void (b.echo as string[]).push('00'.repeat(32))) });
    expectBlame(report, 3, 'keygen.r3.echo', [1, 2]);
  });

  it('identity and off-curve coefficient commitments are rejected', () => {
    for (const bad of [IDENTITY_HEX, offCurveHex(), '04' + '11'.repeat(32)]) {
      const report = run(keygenParties(2, 3), {
        intercept: tamper(1, 2, (b) => void ((b.coefficients as string[])[1] = bad), undefined, 'broadcast'),
      });
      expectBlame(report, 1, 'keygen.coefficient[1]', [2, 3]);
    }
  });

  it('an extra or missing field is rejected', () => {
    const extra = run(keygenParties(2, 2), { intercept: tamper(2, 1, (b) => void (b.__proto__x = 'aa'), undefined, 'broadcast') });
    expectBlame(extra, 2, 'keygen.r1.__proto__x', [1]);
    const missing = run(keygenParties(2, 2), { intercept: tamper(2, 2, (b) => void delete b.salt, undefined, 'broadcast') });
    expectBlame(missing, 2, 'keygen.r2.salt', [1]);
  });

  it('a public share that does not match the aggregate commitment (round 4)', () => {
    const report = run(keygenParties(2, 2), {
      intercept: tamper(
        2,
        4,
        (b) => void (b.publicShare = toHex(pointToBytes(Point.fromHex(b.publicShare as string).add(G)))),
        undefined,
        'broadcast',
      ),
    });
    expectBlame(report, 2, 'keygen.public-share', [1]);
  });

  it('an identity public share (round 4)', () => {
    const report = run(keygenParties(2, 2), {
      intercept: tamper(2, 4, (b) => void (b.publicShare = IDENTITY_HEX), undefined, 'broadcast'),
    });
    expectBlame(report, 2, 'keygen.public-share', [1]);
  });

  it('a wrong proof of knowledge of the secret share (round 4)', () => {
    const report = run(keygenParties(2, 2), {
      intercept: tamper(1, 4, (b) => void (b.proof = flipHex(b.proof as string, 64)), undefined, 'broadcast'),
    });
    expectBlame(report, 1, 'keygen.share-pok', [2]);
  });

  // OT pair set-ups among [1, 2, 3] (ot-pairs.ts): 1 starts {1,2}, 3 starts {1,3}, 2 starts {2,3};
  // msg1 travels in round 4 (initiator → responder), msg2 in round 5 (responder → initiator).
  it('a corrupted OT pair set-up msg2 (its base-OT point) names the responder (OT layer)', () => {
    const report = run(keygenParties(2, 2), { intercept: tamper(2, 5, (b) => void (b.ot = flipHex(b.ot as string, 0)), 1, 'p2p') });
    const e = report.aborts.get(1);
    expect(e).toBeInstanceOf(ProtocolAbort);
    expect(e!.party).toBe(2);
    expect(e!.check).toBe('ot.setup.msg2');
    expect(report.results.has(1)).toBe(false);
  });

  it('a tampered OT extension in msg2 fails the KOS check, naming the responder', () => {
    const report = run(keygenParties(2, 3), { intercept: tamper(1, 5, (b) => void (b.ot = flipHex(b.ot as string, 100)), 3, 'p2p') });
    expectBlame(report, 1, 'ote.consistency', [3]);
  });

  it('a truncated OT pair set-up msg1 names the initiator', () => {
    const report = run(keygenParties(2, 3), { intercept: tamper(3, 4, (b) => void (b.ot = (b.ot as string).slice(2)), 1, 'p2p') });
    expectBlame(report, 3, 'ot.setup.msg1', [1]);
  });

  it('an OT message where none is due, or none where one is, fails the exact-keys check', () => {
    const extra = run(keygenParties(2, 2), { intercept: tamper(2, 4, (b) => void (b.ot = '00'), 1, 'p2p') });
    expectBlame(extra, 2, 'keygen.r4.ot', [1]);
    const missing = run(keygenParties(2, 2), { intercept: tamper(2, 5, (b) => void delete b.ot, 1, 'p2p') });
    expectBlame(missing, 2, 'keygen.r5.ot', [1]);
  });

  it('replayed, duplicated, stale and other-session messages are dropped without blame; any delivery order works', () => {
    const old = run(keygenParties(2, 2), { order: 'lifo' });
    expect(old.results.size).toBe(2);
    let stale: ProtocolMessage | null = null;
    const report = run(keygenParties(2, 2), {
      order: 'shuffle',
      seed: 5,
      intercept: (m, to) => {
        if (m.round === 1 && to === 2) stale = structuredClone(m);
        const replays = m.round === 5 && stale ? [stale] : [];
        const foreign = old.transcript.filter((o) => o.round === m.round && (o.to === 'all' || o.to === to));
        return [...foreign, m, structuredClone(m), ...replays];
      },
    });
    expect(report.aborts.size).toBe(0);
    expect(report.results.size).toBe(2);
    const reasons = report.rejected.map((r) => r.reason).join('\n');
    expect(reasons).toMatch(/another session/);
    expect(reasons).toMatch(/duplicate/);
    expect(reasons).toMatch(/stale/);
  });

  it('bad parameters refuse to start: party id 0, duplicates, t out of range, n > 16, short sid', () => {
    const sid = randomBytes(32);
    expect(() => new DklsKeygen({ sid, self: 1, parties: [0, 1, 2], t: 2 })).toThrow(UsageError);
    expect(() => new DklsKeygen({ sid, self: 1, parties: [1, 1, 2], t: 2 })).toThrow(UsageError);
    expect(() => new DklsKeygen({ sid, self: 1, parties: [1, 2, 65536], t: 2 })).toThrow(UsageError);
    expect(() => new DklsKeygen({ sid, self: 1, parties: [1, 2.5, 3], t: 2 })).toThrow(UsageError);
    expect(() => new DklsKeygen({ sid, self: 4, parties: [1, 2, 3], t: 2 })).toThrow(UsageError);
    expect(() => new DklsKeygen({ sid, self: 1, parties: [1, 2, 3], t: 1 })).toThrow(UsageError);
    expect(() => new DklsKeygen({ sid, self: 1, parties: [1, 2, 3], t: 4 })).toThrow(UsageError);
    expect(() => new DklsKeygen({ sid, self: 1, parties: Array.from({ length: 17 }, (_, i) => i + 1), t: 2 })).toThrow(UsageError);
    expect(() => new DklsKeygen({ sid: new Uint8Array(8), self: 1, parties: [1, 2], t: 2 })).toThrow(UsageError);
    expect(thrownError(() => new DklsKeygen({ sid: new Uint8Array(15), self: 1, parties: [1, 2], t: 2 }))).toMatchObject({
      code: 'usage.sid',
      details: { min: 16 },
    });
  });

  it('a message claiming an unknown sender or round is dropped', () => {
    const [p1, p2] = keygenParties(2, 2);
    const m = p2!.start()[0]!;
    p1!.start();
    expect(() => p1!.receive({ ...m, from: 9 })).toThrow(
      expect.objectContaining({ code: 'protocol.messageRejected', reason: 'unknownParty' }),
    );
    expect(() => p1!.receive({ ...m, round: 7 })).toThrow(expect.objectContaining({ reason: 'unknownRound' }));
    expect(() => p1!.receive({ ...m, v: 2 })).toThrow(expect.objectContaining({ reason: 'wireVersion' }));
    expect(() => p1!.receive({ ...m, protocol: 'dkls23/sign' })).toThrow(expect.objectContaining({ reason: 'protocol' }));
  });
});
