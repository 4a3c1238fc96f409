import { randomBytes } from '@noble/hashes/utils.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { thrownError } from '../../errors/codes.test-util.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import type { ProtocolMessage } from '../protocol.js';
import { burnPair, type KeyShare } from '../share.js';
import { toHex } from '../wire.js';
import { G, Point, mulG, pointToBytes, randomScalar, scalarToBytes } from './curve.js';
import { modq } from '../scalar.js';
import { expectBlame, flipHex, keygen, run, sign, signParties, tamper } from './fixtures.test-util.js';
import { DklsSign, isOtFailure, type SignOptions } from './sign.js';

const randomPointHex = () => toHex(pointToBytes(mulG(randomScalar())));
const plusG = (hex: string) => toHex(pointToBytes(Point.fromHex(hex).add(G)));
const minusG = (hex: string) => toHex(pointToBytes(Point.fromHex(hex).subtract(G)));

/** A signer whose additive key share is off by one, consistently in every multiplication. */
class WrongKeySigner extends DklsSign {
  protected override additiveShare(): bigint {
    return modq(super.additiveShare() + 1n);
  }
}

describe('DKLs23 signing (Protocol 3.6): every check names the culprit', () => {
  let v23: Map<PartyId, KeyShare>;
  beforeAll(() => {
    // One 2-of-3 vault: two-signer sets are at the threshold, the full set is above it.
    v23 = keygen(2, 3);
  });
  const digest = randomBytes(32);

  it('an altered Γ^u fails χ·R_j = d^u·G + Γ^u_j', () => {
    const report = run(signParties(v23, [1, 2, 3], digest), {
      intercept: tamper(3, 3, (b) => void (b.gammaU = plusG(b.gammaU as string)), 2),
    });
    expectBlame(report, 3, 'sign.gamma-u', [2]);
  });

  it('errors that cancel across peers (Γ^u_2 + G, Γ^u_3 − G) still fail: the batched check uses independent coefficients', () => {
    const both: NonNullable<Parameters<typeof run>[1]>['intercept'] = (msg, to) => {
      if (msg.round === 3 && to === 1 && msg.from === 2) msg.body.gammaU = plusG(msg.body.gammaU as string);
      if (msg.round === 3 && to === 1 && msg.from === 3) msg.body.gammaU = minusG(msg.body.gammaU as string);
      return msg;
    };
    const report = run(signParties(v23, [1, 2, 3], digest), { intercept: both });
    expectBlame(report, 2, 'sign.gamma-u', [1]);
  });

  it('errors that cancel within one peer (Γ^u + G, Γ^v − G) still fail', () => {
    const report = run(signParties(v23, [1, 2, 3], digest), {
      intercept: tamper(
        3,
        3,
        (b) => {
          b.gammaU = plusG(b.gammaU as string);
          b.gammaV = minusG(b.gammaV as string);
        },
        2,
      ),
    });
    expectBlame(report, 3, 'sign.gamma-u', [2]);
  });

  it('an altered Γ^v fails χ·pk_j = d^v·G + Γ^v_j', () => {
    const report = run(signParties(v23, [1, 3], digest), { intercept: tamper(1, 3, (b) => void (b.gammaV = randomPointHex())) });
    expectBlame(report, 1, 'sign.gamma-v', [3]);
  });

  it('an altered pk_j fails the Γ^v check', () => {
    const report = run(signParties(v23, [1, 2, 3], digest), { intercept: tamper(3, 3, (b) => void (b.pk = plusG(b.pk as string))) });
    expectBlame(report, 3, 'sign.gamma-v', [1, 2]);
  });

  it('an instance key R_j that does not open its commitment', () => {
    const report = run(signParties(v23, [2, 3], digest), { intercept: tamper(2, 3, (b) => void (b.R = plusG(b.R as string))) });
    expectBlame(report, 2, 'sign.commitment', [3]);
    const salt = run(signParties(v23, [1, 2, 3], digest), { intercept: tamper(1, 3, (b) => void (b.salt = flipHex(b.salt as string))) });
    expectBlame(salt, 1, 'sign.commitment', [2, 3]);
  });

  it('a missing (late) instance-key commitment is rejected before any opening is looked at', () => {
    const report = run(signParties(v23, [1, 2], digest), {
      intercept: tamper(1, 2, (b) => void delete b.commitment, undefined, 'broadcast'),
    });
    expectBlame(report, 1, 'sign.r2.commitment', [2]);
    const early = run(signParties(v23, [1, 2], digest), {
      intercept: tamper(2, 2, (b) => void (b.R = randomPointHex()), undefined, 'broadcast'),
    });
    expectBlame(early, 2, 'sign.r2.R', [1]);
  });

  it('an altered ψ makes the signature fail to verify: named with two signers, unattributable with more', () => {
    const two = run(signParties(v23, [1, 2], digest), {
      intercept: tamper(2, 3, (b) => void (b.psi = toHex(scalarToBytes(randomScalar())))),
    });
    expectBlame(two, 2, 'sign.signature', [1]);
    const three = run(signParties(v23, [1, 2, 3], digest), {
      intercept: tamper(2, 3, (b) => void (b.psi = toHex(scalarToBytes(randomScalar()))), 3),
    });
    expectBlame(three, null, 'sign.signature', [1, 3]);
    // Nothing is released: no signer output a signature.
    expect(three.results.size).toBe(0);
  });

  it('Σ pk_j ≠ PK (a signer using a wrong but consistent key share) aborts before any output', () => {
    const sid = randomBytes(32);
    const honest = new DklsSign({ share: v23.get(1)!, signers: [1, 3], digest, sid });
    const cheat = new WrongKeySigner({ share: v23.get(3)!, signers: [1, 3], digest, sid });
    const report = run([honest, cheat]);
    expectBlame(report, 3, 'sign.pk-sum', [1]);
    const sid3 = randomBytes(32);
    const opts = (id: PartyId): SignOptions => ({ share: v23.get(id)!, signers: [1, 2, 3], digest, sid: sid3 });
    const r3 = run([new DklsSign(opts(1)), new WrongKeySigner(opts(2)), new DklsSign(opts(3))]);
    expectBlame(r3, null, 'sign.pk-sum', [1, 3]);
    expect(r3.results.size).toBe(0);
  });

  it('a corrupted RVOLE message aborts naming its sender; the pair is then burned until a re-share', () => {
    const report = run(signParties(v23, [1, 2], digest), {
      intercept: tamper(2, 3, (b) => void (b.rvole = flipHex(b.rvole as string, 100)), 1),
    });
    const e = report.aborts.get(1)!;
    expect(e).toBeInstanceOf(ProtocolAbort);
    expect(e.party).toBe(2);
    expect(e.check).toBe('rvole.check');
    expect(isOtFailure(e)).toBe(true);
    expect(report.results.has(1)).toBe(false);
    const burned = burnPair(v23.get(1)!, e.party!);
    expect(burned.burned).toEqual([2]);
    expect(thrownError(() => new DklsSign({ share: burned, signers: [1, 2], digest, sid: randomBytes(32) }))).toMatchObject({
      code: 'usage.burnedPeer',
      details: { peer: 2 },
    });
    // Other pairs still sign.
    expect(
      sign(
        new Map([
          [1, burned],
          [3, v23.get(3)!],
        ]),
        [1, 3],
        digest,
      ).results.size,
    ).toBe(2);
  });

  it('a corrupted RVOLE receiver message (round 2) aborts naming its sender', () => {
    const report = run(signParties(v23, [1, 3], digest), {
      intercept: tamper(3, 2, (b) => void (b.rvole = flipHex(b.rvole as string, 50)), 1, 'p2p'),
    });
    const e = report.aborts.get(1)!;
    expect(e).toBeInstanceOf(ProtocolAbort);
    expect(e.party).toBe(3);
    expect(e.check).toBe('ote.consistency');
    expect(isOtFailure(e)).toBe(true);
  });

  it('an equivocating signer (different nonce to different parties) fails the echo', () => {
    const report = run(signParties(v23, [1, 2, 3], digest), {
      intercept: tamper(3, 1, (b) => void (b.nonce = toHex(randomBytes(32))), 1),
    });
    expectBlame(report, 3, 'sign.echo', [1, 2]);
  });

  it('an equivocated instance-key commitment fails the echo', () => {
    const report = run(signParties(v23, [1, 2, 3], digest), {
      intercept: tamper(2, 2, (b) => void (b.commitment = toHex(randomBytes(32))), 3, 'broadcast'),
    });
    expectBlame(report, 2, 'sign.echo', [1, 3]);
  });

  it('wrong vector lengths are rejected', () => {
    const long = run(signParties(v23, [1, 2], digest), {
      intercept: tamper(1, 2, (b) => void (b.echo as string[]).push('00'.repeat(32)), undefined, 'broadcast'),
    });
    expectBlame(long, 1, 'sign.r2.echo', [2]);
    const empty = run(signParties(v23, [1, 2], digest), { intercept: tamper(2, 3, (b) => void (b.echo = [])) });
    expectBlame(empty, 2, 'sign.r3.echo', [1]);
  });

  it('identity, off-curve and non-canonical values are rejected', () => {
    const identity = run(signParties(v23, [1, 2], digest), { intercept: tamper(2, 3, (b) => void (b.R = '00'.repeat(33))) });
    expectBlame(identity, 2, 'sign.instance-key', [1]);
    const offCurve = run(signParties(v23, [1, 2], digest), { intercept: tamper(2, 3, (b) => void (b.gammaU = '03' + 'ff'.repeat(32))) });
    expectBlame(offCurve, 2, 'sign.gamma-u', [1]);
    const bigPsi = run(signParties(v23, [1, 2], digest), { intercept: tamper(2, 3, (b) => void (b.psi = 'ff'.repeat(32))) });
    expectBlame(bigPsi, 2, 'sign.psi', [1]);
    const bigU = run(signParties(v23, [1, 2], digest), { intercept: tamper(2, 4, (b) => void (b.u = 'ff'.repeat(32))) });
    expectBlame(bigU, 2, 'sign.u', [1]);
  });

  it('a peer holding a share of another epoch is refused', () => {
    const sid = randomBytes(32);
    const p1 = new DklsSign({ share: v23.get(1)!, signers: [1, 2], digest, sid });
    const p2 = new DklsSign({ share: { ...v23.get(2)!, epoch: 1 }, signers: [1, 2], digest, sid });
    const report = run([p1, p2]);
    expectBlame(report, 2, 'sign.epoch', [1]);
    expectBlame(report, 1, 'sign.epoch', [2]);
  });

  it('a peer signing another message is refused before any secret is used', () => {
    const sid = randomBytes(32);
    const p1 = new DklsSign({ share: v23.get(1)!, signers: [1, 2], digest, sid });
    const p2 = new DklsSign({ share: v23.get(2)!, signers: [1, 2], digest: randomBytes(32), sid });
    expectBlame(run([p1, p2]), 2, 'sign.context', [1]);
  });

  it('replayed messages of an earlier session are dropped without blaming anyone', () => {
    const old = sign(v23, [1, 2], digest).transcript;
    const report = run(signParties(v23, [1, 2], digest), {
      intercept: (m, to) => [...old.filter((o) => o.to === 'all' || o.to === to), m, m],
    });
    expect(report.aborts.size).toBe(0);
    expect(report.results.size).toBe(2);
    expect(report.rejected.some((r) => /another session/.test(r.reason))).toBe(true);
    expect(report.rejected.some((r) => /duplicate/.test(r.reason))).toBe(true);
  });

  it('reusing a caller sid still draws fresh nonces: a different r and a different signing sid', () => {
    const sid = randomBytes(32);
    const a = sign(v23, [1, 2], digest, { sid });
    const b = sign(v23, [1, 2], digest, { sid });
    expect(a.results.get(1)!.r).not.toBe(b.results.get(1)!.r);
    const rvole = (t: ProtocolMessage[]) => t.find((m) => m.round === 2 && m.to !== 'all')!.body.rvole;
    expect(rvole(a.transcript)).not.toBe(rvole(b.transcript));
  });

  it('stale messages after a round has passed are dropped', () => {
    let first: ProtocolMessage | null = null;
    const report = run(signParties(v23, [2, 3], digest), {
      intercept: (m) => {
        if (m.round === 1 && m.from === 2) first = structuredClone(m);
        if (m.round === 4 && m.from === 2 && first) return [m, first];
        return m;
      },
    });
    expect(report.aborts.size).toBe(0);
    expect(report.results.size).toBe(2);
    expect(report.rejected.some((r) => /stale|finished/.test(r.reason))).toBe(true);
  });

  it('any delivery order works', () => {
    for (const hooks of [{ order: 'lifo' as const }, { order: 'shuffle' as const, seed: 3 }, { order: 'shuffle' as const, seed: 12345 }]) {
      const report = run(signParties(v23, [1, 2, 3], digest), hooks);
      expect(report.aborts.size).toBe(0);
      expect(report.results.size).toBe(3);
    }
  });

  it('signers must hold shares of this key and be distinct', () => {
    expect(() => signParties(v23, [1, 4], digest)).toThrow(UsageError);
    expect(() => new DklsSign({ share: v23.get(1)!, signers: [1, 1, 2], digest, sid: randomBytes(32) })).toThrow(UsageError);
    expect(() => new DklsSign({ share: v23.get(1)!, signers: [2, 3], digest, sid: randomBytes(32) })).toThrow(UsageError);
    expect(() => new DklsSign({ share: v23.get(1)!, signers: [1, 2], digest, sid: new Uint8Array(15) })).toThrow(
      /sid must be at least 16 bytes/,
    );
  });
});
