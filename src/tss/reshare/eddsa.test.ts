import { afterAll, describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import { runProtocols, type DriverHooks } from '../driver.js';
import type { ProtocolMessage } from '../protocol.js';
import { FrostKeygen } from '../frost/keygen.js';
import { FrostSign } from '../frost/sign.js';
import { frostPublicInfo, type FrostKeyShare } from '../frost/share.js';
import { proveKnowledge, type GroupPoint } from './curve.js';
import { FrostReshare, type FrostReshareParams } from './eddsa.js';
import { isRetired, type Retired } from './protocol.js';

function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [h, ...rest] = xs;
  return [...subsets(rest, k - 1).map((s) => [h!, ...s]), ...subsets(rest, k)];
}

function keygen(t: number, parties: PartyId[]): Map<PartyId, FrostKeyShare> {
  const sid = randomBytes(32);
  const { results, aborts } = runProtocols(parties.map((self) => new FrostKeygen({ sid, self, parties, threshold: t })));
  expect(aborts.size).toBe(0);
  return results;
}

function signWith(shares: FrostKeyShare[], message: Uint8Array) {
  const sid = randomBytes(32);
  const signers = shares.map((s) => s.self);
  return runProtocols(shares.map((share) => new FrostSign({ sid, share, signers, message })));
}

function expectSigns(shares: FrostKeyShare[], pk: Uint8Array) {
  const msg = utf8ToBytes(`signers ${shares.map((s) => s.self).join(',')}`);
  const { results, aborts } = signWith(shares, msg);
  expect(aborts.size).toBe(0);
  const sig = results.get(shares[0]!.self)!;
  expect(ed25519.verify(sig, msg, pk)).toBe(true);
}

interface Scenario {
  old: Map<PartyId, FrostKeyShare>;
  quorum: PartyId[];
  newParties: PartyId[];
  newThreshold: number;
}

type Make = (p: FrostReshareParams) => FrostReshare;

function reshare(sc: Scenario, opts: DriverHooks = {}, make: Make = (p) => new FrostReshare(p)) {
  const sid = randomBytes(32);
  const anyOld = sc.old.values().next().value!;
  const participants = [...new Set([...sc.quorum, ...sc.newParties])];
  const protocols = participants.map((self) =>
    make({
      sid,
      self,
      old: sc.old.get(self) ?? frostPublicInfo(anyOld),
      quorum: sc.quorum,
      newParties: sc.newParties,
      newThreshold: sc.newThreshold,
    }),
  );
  return runProtocols<FrostKeyShare | Retired>(protocols, opts);
}

const cases: { name: string; t: number; old: PartyId[]; quorum: PartyId[]; newParties: PartyId[]; tNew: number; removed: PartyId[] }[] = [
  { name: '2-of-2 -> 3-of-4', t: 2, old: [1, 2], quorum: [1, 2], newParties: [1, 2, 3, 4], tNew: 3, removed: [] },
  {
    name: '2-of-3 -> 2-of-3, device 3 lost and replaced by 4',
    t: 2,
    old: [1, 2, 3],
    quorum: [1, 2],
    newParties: [1, 2, 4],
    tNew: 2,
    removed: [3],
  },
  {
    name: '3-of-4 -> 2-of-3, device 4 deals and retires',
    t: 3,
    old: [1, 2, 3, 4],
    quorum: [2, 3, 4],
    newParties: [1, 2, 3],
    tNew: 2,
    removed: [4],
  },
  { name: '2-of-3 -> 2-of-2, device 3 deals and retires', t: 2, old: [1, 2, 3], quorum: [1, 3], newParties: [1, 2], tNew: 2, removed: [3] },
  { name: 'refresh 2-of-3', t: 2, old: [1, 2, 3], quorum: [1, 2, 3], newParties: [1, 2, 3], tNew: 2, removed: [] },
];

describe('EdDSA re-share', () => {
  let mixedRuns = 0;
  afterAll(() => expect(mixedRuns).toBeGreaterThanOrEqual(3));
  for (const c of cases) {
    it(`${c.name}: same key, epoch+1, every ${c.tNew}-subset signs, old and new never mix`, () => {
      const old = keygen(c.t, c.old);
      const pk = old.get(c.old[0]!)!.groupPublicKey;
      const delivered: { msg: ProtocolMessage; to: PartyId }[] = [];
      const { results, aborts } = reshare(
        { old, quorum: c.quorum, newParties: c.newParties, newThreshold: c.tNew },
        { intercept: (msg, to) => (delivered.push({ msg, to }), msg) },
      );
      expect(aborts.size).toBe(0);
      const fresh = c.newParties.map((p) => {
        const r = results.get(p)!;
        expect(isRetired(r)).toBe(false);
        return r as FrostKeyShare;
      });
      for (const s of fresh) {
        expect(bytesToHex(s.groupPublicKey)).toBe(bytesToHex(pk));
        expect(s.epoch).toBe(1);
        expect([s.t, s.n]).toEqual([c.tNew, c.newParties.length]);
        const before = old.get(s.self);
        if (before) expect(bytesToHex(s.secretShare)).not.toBe(bytesToHex(before.secretShare));
      }
      for (const set of subsets(fresh, c.tNew)) expectSigns(set, pk);

      for (const r of c.removed) {
        if (c.quorum.includes(r)) expect(results.get(r)).toEqual({ kind: 'retired', supersededEpoch: 0 });
        // A removed device receives no message of the new generation: only its fellow dealers' round-1 commitments.
        for (const d of delivered.filter((x) => x.to === r)) {
          expect(d.msg.round).toBe(1);
          expect(c.quorum).toContain(d.msg.from);
          expect(Object.keys(d.msg.body).sort()).toEqual(['commit', 'ctx']);
        }
      }

      // Old and new generations refuse to sign together: a signer set of devices in both generations,
      // one of them still holding its old share.
      const both = c.newParties.filter((p) => c.old.includes(p));
      if (both.length >= Math.max(c.t, c.tNew)) {
        const mixedSet = [old.get(both[0]!)!, ...fresh.filter((s) => both.slice(1).includes(s.self))];
        const mixed = signWith(mixedSet, utf8ToBytes('mixed'));
        expect(mixed.results.size).toBe(0);
        expect(mixed.aborts.size).toBeGreaterThan(0);
        expect([...mixed.aborts.values()].every((a) => a.check === 'frost.sign.r1.epoch')).toBe(true);
        // ... and with the old share relabelled as generation 1, the shares still do not combine.
        const forged = signWith([{ ...mixedSet[0]!, epoch: 1 }, ...mixedSet.slice(1)], utf8ToBytes('forged'));
        expect(forged.results.size).toBe(0);
        expect(forged.aborts.size).toBeGreaterThan(0);
        mixedRuns++;
      }
    });
  }

  it('re-shares chain: a refreshed vault re-shares again (epoch 2)', () => {
    const old = keygen(2, [1, 2]);
    const pk = old.get(1)!.groupPublicKey;
    const r1 = reshare({ old, quorum: [1, 2], newParties: [1, 2], newThreshold: 2 });
    const gen1 = new Map([1, 2].map((p) => [p, r1.results.get(p) as FrostKeyShare]));
    const r2 = reshare({ old: gen1, quorum: [1, 2], newParties: [1, 2, 3], newThreshold: 2 });
    const gen2 = [1, 2, 3].map((p) => r2.results.get(p) as FrostKeyShare);
    expect(gen2.every((s) => s.epoch === 2 && bytesToHex(s.groupPublicKey) === bytesToHex(pk))).toBe(true);
    expectSigns([gen2[0]!, gen2[2]!], pk);
  });
});

describe('EdDSA re-share: a cheating old party', () => {
  const scenario = () => {
    const old = keygen(2, [1, 2, 3]);
    return { old, quorum: [1, 2], newParties: [1, 2, 4], newThreshold: 2 } satisfies Scenario;
  };

  const expectNamed = (aborts: Map<PartyId, ProtocolAbort>, culprit: PartyId, check: string, victims: PartyId[]) => {
    for (const v of victims) {
      const a = aborts.get(v);
      expect(a, `party ${v} should abort`).toBeInstanceOf(ProtocolAbort);
      expect(a!.party).toBe(culprit);
      expect(a!.check).toBe(check);
    }
  };

  /** Nobody ends with a new share, and the old shares still sign. */
  const expectNothingReplaced = (sc: Scenario, results: Map<PartyId, FrostKeyShare | Retired>) => {
    for (const p of sc.newParties) expect(results.has(p)).toBe(false);
    const pk = sc.old.get(1)!.groupPublicKey;
    expectSigns([sc.old.get(1)!, sc.old.get(3)!], pk);
  };

  it('a wrong sub-share: the recipient aborts naming the dealer, no share is output', () => {
    const sc = scenario();
    const { results, aborts } = reshare(sc, {
      intercept(msg, to) {
        if (msg.round === 2 && msg.from === 2 && to === 4) {
          const s = hexToBytes(msg.body.share as string);
          s[0]! ^= 1;
          msg.body.share = bytesToHex(s);
        }
        return msg;
      },
    });
    expectNamed(aborts, 2, 'reshare.r2.feldman', [4]);
    expectNothingReplaced(sc, results);
  });

  it('commitments that do not add up to the public key: every new party names the dealer', () => {
    const sc = scenario();
    class Skewed extends FrostReshare {
      protected override dealPolynomial(constant: bigint): bigint[] {
        return super.dealPolynomial(this.curve.Fn.add(constant, 1n)); // consistent shares and proofs, wrong secret
      }
    }
    const { results, aborts } = reshare(sc, {}, (p) => (p.self === 2 ? new Skewed(p) : new FrostReshare(p)));
    expectNamed(aborts, 2, 'reshare.r2.constant', [1, 4]);
    expectNothingReplaced(sc, results);
  });

  it('a bad proof of knowledge: every new party names the dealer', () => {
    const sc = scenario();
    class BadProof extends FrostReshare {
      protected override proveCoefficients(coeffs: readonly bigint[], A: readonly GroupPoint[]): Uint8Array[] {
        const proofs = super.proveCoefficients(coeffs, A);
        // a valid proof, but for another party id: must not transfer
        proofs[1] = proveKnowledge(this.curve, coeffs[1]!, A[1]!, this.sessionId, 99, 'reshare/coeff/1');
        return proofs;
      }
    }
    const { results, aborts } = reshare(sc, {}, (p) => (p.self === 1 ? new BadProof(p) : new FrostReshare(p)));
    expectNamed(aborts, 1, 'reshare.r2.pok', [2, 4]);
    expectNothingReplaced(sc, results);
  });

  it('an opening that differs from the commitment, and dealer equivocation, are caught', () => {
    const sc = scenario();
    const a = reshare(sc, {
      intercept(msg, to) {
        if (msg.round === 2 && msg.from === 1 && to === 2) msg.body.salt = bytesToHex(randomBytes(32));
        return msg;
      },
    });
    expectNamed(a.aborts, 1, 'reshare.r2.decommit', [2]);
    expectNothingReplaced(sc, a.results);

    const b = reshare(sc, {
      intercept(msg, to) {
        // dealer 1 shows party 4 a different round-1 commitment than party 2
        if (msg.round === 1 && msg.from === 1 && to === 4) msg.body.commit = bytesToHex(randomBytes(32));
        return msg;
      },
    });
    expect([...b.aborts.values()].some((x) => x.party === 1)).toBe(true);
    expectNothingReplaced(sc, b.results);
  });

  it('a new party announcing a wrong public share is named; parameters mismatch is named', () => {
    const sc = scenario();
    const a = reshare(sc, {
      intercept(msg, to) {
        if (msg.round === 3 && msg.from === 4 && to === 1) msg.body.publicShare = bytesToHex(ed25519.Point.BASE.toBytes());
        return msg;
      },
    });
    expectNamed(a.aborts, 4, 'reshare.r3.public-share', [1]);
    expectNothingReplaced(sc, a.results);

    const sid = randomBytes(32);
    const mk = (self: PartyId, tNew: number) =>
      new FrostReshare({
        sid,
        self,
        old: sc.old.get(self) ?? frostPublicInfo(sc.old.get(1)!),
        quorum: [1, 2],
        newParties: [1, 2, 4],
        newThreshold: tNew,
      });
    const b = runProtocols([mk(1, 2), mk(2, 3), mk(4, 2)]);
    expect(b.results.size).toBe(0);
    expect([...b.aborts.values()].some((x) => x.check === 'reshare.r1.ctx')).toBe(true);
  });
});
