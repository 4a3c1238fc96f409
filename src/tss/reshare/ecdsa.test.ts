import { beforeAll, describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { computeAddress, hexlify, recoverAddress } from 'ethers';
import { deriveChild } from '../derive.js';
import { runProtocols, type DriverHooks } from '../driver.js';
import { ProtocolAbort, type PartyId } from '../errors.js';
import type { ProtocolMessage } from '../protocol.js';
import { checkKeyShare, decodeKeyShare, encodeKeyShare, type KeyShare } from '../share.js';
import { keygen, run, sign, signParties } from '../dkls/fixtures.test-util.js';
import type { EcdsaSignature } from '../dkls/sign.js';
import { EcdsaReshare, ecdsaPublicInfo, type EcdsaReshareParams } from './ecdsa.js';
import { isRetired, type Retired } from './protocol.js';

function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [h, ...rest] = xs;
  return [...subsets(rest, k - 1).map((s) => [h!, ...s]), ...subsets(rest, k)];
}

const address = (pk: Uint8Array) => computeAddress(hexlify(pk));

function expectValid(sig: EcdsaSignature, digest: Uint8Array, publicKey: Uint8Array): void {
  expect(hexlify(sig.publicKey)).toBe(hexlify(publicKey));
  expect(secp256k1.verify(sig.compact, digest, publicKey, { prehash: false, lowS: true })).toBe(true);
  const recovered = recoverAddress(hexlify(digest), {
    r: hexlify(sig.compact.slice(0, 32)),
    s: hexlify(sig.compact.slice(32)),
    v: 27 + sig.recovery,
  });
  expect(recovered).toBe(address(publicKey));
}

function expectSigns(shares: Map<PartyId, KeyShare>, signers: PartyId[], path: number[] = []) {
  const digest = randomBytes(32);
  const report = sign(shares, signers, digest, { path });
  expect(report.aborts.size).toBe(0);
  expect(report.results.size).toBe(signers.length);
  const any = shares.get(signers[0]!)!;
  const pk = path.length ? deriveChild(any.publicKey, any.chainCode, path).publicKey : any.publicKey;
  expectValid(report.results.get(signers[0]!)!, digest, pk);
}

interface Scenario {
  old: Map<PartyId, KeyShare>;
  quorum: PartyId[];
  newParties: PartyId[];
  newThreshold: number;
}

function reshare(sc: Scenario, opts: DriverHooks = {}, make = (p: EcdsaReshareParams) => new EcdsaReshare(p)) {
  const sid = randomBytes(32);
  const anyOld = sc.old.values().next().value!;
  const participants = [...new Set([...sc.quorum, ...sc.newParties])];
  const protocols = participants.map((self) =>
    make({
      sid,
      self,
      old: sc.old.get(self) ?? ecdsaPublicInfo(anyOld),
      quorum: sc.quorum,
      newParties: sc.newParties,
      newThreshold: sc.newThreshold,
    }),
  );
  return runProtocols<KeyShare | Retired>(protocols, opts);
}

/**
 * DKLs23 vaults, generated once per size and shared by the tests (a re-share
 * never changes its inputs): OT set-up dominates the cost of keygen and
 * re-share alike.
 */
const vaults = new Map<string, Map<PartyId, KeyShare>>();
function vault(t: number, n: number): Map<PartyId, KeyShare> {
  const key = `${t}/${n}`;
  if (!vaults.has(key)) {
    const shares = keygen(t, n);
    expect(shares.size).toBe(n);
    vaults.set(key, shares);
  }
  return vaults.get(key)!;
}

/** Results of the 2-of-2 -> 3-of-4 re-share, kept: its 3-of-4 output is the old vault of the 3-of-4 -> 2-of-3 case. */
let grown: ReturnType<typeof reshare> | null = null;
function grow(): ReturnType<typeof reshare> {
  grown ??= reshare({ old: vault(2, 2), quorum: [1, 2], newParties: [1, 2, 3, 4], newThreshold: 3 });
  return grown;
}
function vault34(): Map<PartyId, KeyShare> {
  const r = grow();
  expect(r.aborts.size).toBe(0);
  return new Map([1, 2, 3, 4].map((p) => [p, r.results.get(p) as KeyShare]));
}

const cases: { name: string; t: number; n: number; quorum: PartyId[]; newParties: PartyId[]; tNew: number; removed: PartyId[] }[] = [
  { name: '2-of-2 -> 3-of-4', t: 2, n: 2, quorum: [1, 2], newParties: [1, 2, 3, 4], tNew: 3, removed: [] },
  { name: '2-of-3 -> 2-of-3, device 3 lost and replaced by 4', t: 2, n: 3, quorum: [1, 2], newParties: [1, 2, 4], tNew: 2, removed: [3] },
  { name: '3-of-4 -> 2-of-3, device 4 deals and retires', t: 3, n: 4, quorum: [2, 3, 4], newParties: [1, 2, 3], tNew: 2, removed: [4] },
  { name: '2-of-3 -> 2-of-2, device 3 deals and retires', t: 2, n: 3, quorum: [1, 3], newParties: [1, 2], tNew: 2, removed: [3] },
  { name: 'refresh 2-of-3', t: 2, n: 3, quorum: [1, 2, 3], newParties: [1, 2, 3], tNew: 2, removed: [] },
];

describe('ECDSA re-share (DKLs23 shares)', () => {
  beforeAll(() => {
    vault(2, 3);
    grow();
  });
  for (const c of cases) {
    it(`${c.name}: same key and address, fresh OT material, every ${c.tNew}-subset signs, generations never mix`, () => {
      const old = c.t === 3 && c.n === 4 ? vault34() : vault(c.t, c.n);
      const oldEpoch = old.get(c.quorum[0]!)!.epoch;
      const first = old.get(1)!;
      const pk = first.publicKey;
      const delivered: { msg: ProtocolMessage; to: PartyId }[] = [];
      // The 2-of-2 -> 3-of-4 run happened in beforeAll (its output feeds another case); the others run here.
      const { results, aborts } =
        c.n === 2
          ? grow()
          : reshare(
              { old, quorum: c.quorum, newParties: c.newParties, newThreshold: c.tNew },
              { intercept: (msg, to) => (delivered.push({ msg, to }), msg) },
            );
      expect(aborts.size).toBe(0);
      const fresh = new Map<PartyId, KeyShare>();
      for (const p of c.newParties) {
        const r = results.get(p)!;
        expect(isRetired(r)).toBe(false);
        const s = r as KeyShare;
        checkKeyShare(s);
        expect(encodeKeyShare(decodeKeyShare(encodeKeyShare(s)))).toBe(encodeKeyShare(s));
        expect(bytesToHex(s.publicKey)).toBe(bytesToHex(pk));
        expect(address(s.publicKey)).toBe(address(pk));
        expect(bytesToHex(s.chainCode)).toBe(bytesToHex(first.chainCode));
        expect(s.epoch).toBe(oldEpoch + 1);
        expect([s.t, s.n]).toEqual([c.tNew, c.newParties.length]);
        const before = old.get(p);
        if (before) {
          expect(s.secretShare).not.toBe(before.secretShare);
          for (const [peer, seed] of s.zeroSeeds) {
            if (before.zeroSeeds.has(peer)) expect(bytesToHex(seed)).not.toBe(bytesToHex(before.zeroSeeds.get(peer)!));
          }
        }
        fresh.set(p, s);
      }
      for (const set of subsets(c.newParties, c.tNew)) expectSigns(fresh, set);
      // derivation keeps working: a child key of the same vault
      expectSigns(fresh, c.newParties.slice(0, c.tNew), [0, 7]);

      for (const r of c.removed) {
        if (c.quorum.includes(r)) expect(results.get(r)).toEqual({ kind: 'retired', supersededEpoch: oldEpoch });
        for (const d of delivered.filter((x) => x.to === r)) {
          expect(d.msg.round).toBe(1);
          expect(c.quorum).toContain(d.msg.from);
        }
      }

      const both = c.newParties.filter((p) => old.has(p));
      if (both.length >= Math.max(c.t, c.tNew)) {
        const mixed = new Map(fresh);
        mixed.set(both[0]!, old.get(both[0]!)!);
        const report = run(signParties(mixed, both.slice(0, Math.max(c.t, c.tNew)), randomBytes(32)));
        expect(report.results.size).toBe(0);
        expect(report.aborts.size).toBeGreaterThan(0);
        for (const a of report.aborts.values()) expect(a.check).toMatch(/epoch/);
      }
    });
  }
});

describe('ECDSA re-share: a cheating old party', () => {
  it('a wrong sub-share or skewed commitments: the dealer is named and nobody gets a share', () => {
    const old = vault(2, 3);
    const sc = { old, quorum: [1, 2], newParties: [1, 2, 4], newThreshold: 2 };
    const a = reshare(sc, {
      intercept(msg, to) {
        if (msg.round === 2 && msg.from === 1 && to === 4) {
          const s = hexToBytes(msg.body.share as string);
          s[31]! ^= 1;
          msg.body.share = bytesToHex(s);
        }
        return msg;
      },
    });
    expect(a.aborts.get(4)).toBeInstanceOf(ProtocolAbort);
    expect(a.aborts.get(4)!.party).toBe(1);
    expect(a.aborts.get(4)!.check).toBe('reshare.r2.feldman');
    expect(a.results.size).toBe(0);

    class Skewed extends EcdsaReshare {
      protected override dealPolynomial(constant: bigint): bigint[] {
        return super.dealPolynomial(this.curve.Fn.add(constant, 5n));
      }
    }
    const b = reshare(sc, {}, (p) => (p.self === 2 ? new Skewed(p) : new EcdsaReshare(p)));
    for (const v of [1, 4]) {
      expect(b.aborts.get(v)!.party).toBe(2);
      expect(b.aborts.get(v)!.check).toBe('reshare.r2.constant');
    }
    expect(b.results.size).toBe(0);
    // the old generation still signs
    expectSigns(old, [1, 3]);
  });

  // OT pair set-ups among the new parties [1, 2, 4] (src/tss/dkls/ot-pairs.ts): 1 starts {1,2},
  // 4 starts {1,4}, 2 starts {2,4}; msg1 rides in R3 (round 3), msg2 in ext 1 (round 4).
  it('a tampered OT pair set-up names the new party that sent it, and nobody it reached gets a share', () => {
    const sc = { old: vault(2, 3), quorum: [1, 2], newParties: [1, 2, 4], newThreshold: 2 };
    const edit = (from: PartyId, round: number, to: PartyId, f: (ot: string) => string) => ({
      intercept(msg: ProtocolMessage, dest: PartyId) {
        if (msg.round === round && msg.from === from && dest === to) msg.body.ot = f(msg.body.ot as string);
        return msg;
      },
    });
    const flip = (hex: string, at: number) => {
      const b = hexToBytes(hex);
      b[at]! ^= 1;
      return bytesToHex(b);
    };
    const cases: [ReturnType<typeof edit>, PartyId, PartyId, string][] = [
      [edit(4, 3, 1, (ot) => ot.slice(2)), 1, 4, 'ot.setup.msg1'], // truncated msg1
      [edit(4, 4, 2, (ot) => flip(ot, 100)), 2, 4, 'ote.consistency'], // tampered extension in msg2
      [edit(1, 3, 4, () => '00'), 4, 1, 'reshare.r3.ot'], // an OT message where none is due
      [edit(2, 4, 1, () => ''), 1, 2, 'ot.setup.msg2'], // none where one is
    ];
    for (const [opts, victim, culprit, check] of cases) {
      const r = reshare(sc, opts);
      const e = r.aborts.get(victim);
      expect(e, `${check}: ${[...r.aborts].map(([p, x]) => `${p}:${x.party}/${x.check}`).join(' ')}`).toBeInstanceOf(ProtocolAbort);
      expect([e!.party, e!.check]).toEqual([culprit, check]);
      expect(r.results.has(victim)).toBe(false);
    }
  });

  it('a joining device with a different chain code stops in round 1', () => {
    const old = vault(2, 2);
    const sid = randomBytes(32);
    const info = { ...ecdsaPublicInfo(old.get(1)!), chainCode: randomBytes(32) };
    const mk = (self: PartyId) =>
      new EcdsaReshare({ sid, self, old: self === 3 ? info : old.get(self)!, quorum: [1, 2], newParties: [1, 2, 3], newThreshold: 2 });
    const r = runProtocols([mk(1), mk(2), mk(3)]);
    expect(r.results.size).toBe(0);
    expect(r.aborts.get(3)!.check).toBe('reshare.r1.ctx');
  });
});
