import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { DKG_Round1, DKG_Secret } from '@noble/curves/abstract/frost.js';
import { thrownError, thrownRoot } from '../../errors/codes.test-util.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import type { ProtocolMessage } from '../protocol.js';
import { runProtocols, type DriverHooks } from '../driver.js';
import { FrostKeygen } from './keygen.js';
import { FrostSign } from './sign.js';
import { ShareFormatError, decodeFrostShare, encodeFrostShare, type FrostKeyShare } from './share.js';

const range = (n: number): PartyId[] => Array.from({ length: n }, (_, i) => i + 1);

function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [h, ...rest] = xs;
  return [...subsets(rest, k - 1).map((s) => [h!, ...s]), ...subsets(rest, k)];
}

function keygen(
  t: number,
  parties: PartyId[],
  opts?: DriverHooks,
  make = (p: ConstructorParameters<typeof FrostKeygen>[0]) => new FrostKeygen(p),
) {
  const sid = randomBytes(32);
  return runProtocols(
    parties.map((self) => make({ sid, self, parties, threshold: t })),
    opts,
  );
}

function keygenOk(t: number, n: number): FrostKeyShare[] {
  const { results, aborts } = keygen(t, range(n));
  expect(aborts.size).toBe(0);
  return range(n).map((p) => results.get(p)!);
}

function sign(shares: FrostKeyShare[], message: Uint8Array, opts?: DriverHooks) {
  const sid = randomBytes(32);
  const signers = shares.map((s) => s.self);
  return runProtocols(
    shares.map((share) => new FrostSign({ sid, share, signers, message })),
    opts,
  );
}

function signOk(shares: FrostKeyShare[], message: Uint8Array): Uint8Array {
  const { results, aborts } = sign(shares, message);
  expect(aborts.size).toBe(0);
  const sigs = shares.map((s) => bytesToHex(results.get(s.self)!));
  expect(new Set(sigs).size).toBe(1);
  return results.get(shares[0]!.self)!;
}

describe('FROST keygen + sign', () => {
  for (const [t, n, all] of [
    [2, 2, true],
    [2, 3, true],
    [3, 4, true],
    [4, 5, false],
  ] as const) {
    it(`${t}-of-${n}: one group key; ${all ? 'every' : 'some'} ${t}-subset signs and ed25519.verify accepts`, () => {
      const shares = keygenOk(t, n);
      const pk = shares[0]!.groupPublicKey;
      for (const s of shares) {
        expect(bytesToHex(s.groupPublicKey)).toBe(bytesToHex(pk));
        expect(s.epoch).toBe(0);
        expect([s.t, s.n]).toEqual([t, n]);
      }
      const sets = all ? subsets(shares, t) : [shares.slice(0, t), shares.slice(n - t)];
      for (const set of sets) {
        const msg = utf8ToBytes(`pay ${set.map((s) => s.self).join(',')}`);
        const sig = signOk(set, msg);
        expect(ed25519.verify(sig, msg, pk)).toBe(true);
        expect(ed25519.verify(sig, utf8ToBytes('other'), pk)).toBe(false);
      }
      if (n > t) {
        const msg = utf8ToBytes('all signers');
        expect(ed25519.verify(signOk(shares, msg), msg, pk)).toBe(true);
      }
    });
  }

  it('share records round-trip and the decoder rejects tampering', () => {
    const [a] = keygenOk(2, 3);
    const json = encodeFrostShare(a!);
    const b = decodeFrostShare(json);
    expect(encodeFrostShare(b)).toBe(json);
    const raw = JSON.parse(json);
    const bad = (mut: (r: any) => void) => {
      const r = structuredClone(raw);
      mut(r);
      return () => decodeFrostShare(JSON.stringify(r));
    };
    expect(bad((r) => (r.version = 2))).toThrow(ShareFormatError);
    expect(thrownError(bad((r) => (r.extra = 1)))).toMatchObject({ code: 'share.invalid', details: { check: 'fields' } });
    expect(thrownError(bad((r) => (r.secretShare = bytesToHex(randomBytes(31)) + '00')))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'selfVerifying' },
    });
    expect(thrownError(bad((r) => (r.verifyingShares['2'] = r.verifyingShares['3'])))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'interpolate' },
    });
    expect(thrownError(bad((r) => (r.groupPublicKey = r.verifyingShares['1'])))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'interpolate' },
    });
    expect(thrownError(bad((r) => (r.t = 4)))).toMatchObject({ code: 'share.invalid', details: { check: 'range', field: 't' } });
    expect(thrownError(bad((r) => (r.secretShare = r.secretShare.toUpperCase())))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'hex', field: 'secretShare' },
    });
    // identity point and a small-order point as a verifying share
    expect(thrownError(bad((r) => (r.verifyingShares['1'] = '01' + '00'.repeat(31))))).toMatchObject({
      code: 'share.invalid',
      details: { check: 'point', member: 1 },
    });
    expect(thrownRoot(bad((r) => (r.verifyingShares['1'] = '01' + '00'.repeat(31))))).toMatchObject({
      code: 'encoding.point',
      details: { check: expect.stringMatching(/^(identity|smallOrder)$/) },
    });
    expect(bad((r) => (r.verifyingShares['1'] = 'ec' + 'ff'.repeat(30) + '7f'))).toThrow(ShareFormatError);
  });

  it('a sign object runs once (nonces are single-use) and checks its inputs', () => {
    const shares = keygenOk(2, 3);
    const s = new FrostSign({ sid: randomBytes(32), share: shares[0]!, signers: [1, 2], message: utf8ToBytes('x') });
    s.start();
    expect(() => s.start()).toThrow(UsageError);
    expect(() => new FrostSign({ sid: randomBytes(32), share: shares[0]!, signers: [1], message: utf8ToBytes('x') })).toThrow(UsageError);
    expect(() => new FrostSign({ sid: randomBytes(32), share: shares[0]!, signers: [1, 7], message: utf8ToBytes('x') })).toThrow(
      UsageError,
    );
    expect(() => new FrostKeygen({ sid: randomBytes(32), self: 1, parties: [1, 2], threshold: 1 })).toThrow(UsageError);
    expect(() => new FrostSign({ sid: new Uint8Array(15), share: shares[0]!, signers: [1, 2], message: utf8ToBytes('x') })).toThrow(
      /sid must be at least 16 bytes/,
    );
    expect(() => new FrostKeygen({ sid: new Uint8Array(15), self: 1, parties: [1, 2], threshold: 2 })).toThrow(
      /sid must be at least 16 bytes/,
    );
  });
});

describe('FROST tampering', () => {
  const abortOf = (aborts: Map<PartyId, ProtocolAbort>, p: PartyId) => {
    const a = aborts.get(p);
    expect(a, `party ${p} should abort`).toBeInstanceOf(ProtocolAbort);
    return a!;
  };

  it('keygen: a revealed package that differs from its commitment aborts naming the sender', () => {
    const { results, aborts } = keygen(2, [1, 2, 3], {
      intercept(msg, to) {
        if (msg.round === 2 && msg.from === 2 && to === 1) {
          const c = msg.body.commitment as string[];
          msg.body.commitment = [c[1]!, c[0]!];
        }
        return msg;
      },
    });
    expect(abortOf(aborts, 1).party).toBe(2);
    expect(aborts.get(1)!.check).toBe('frost.keygen.r2.decommit');
    expect(results.size).toBe(0);
  });

  it('keygen: a bad proof of knowledge aborts naming the prover', () => {
    class BadProof extends FrostKeygen {
      protected override dkgRound1(): { public: DKG_Round1; secret: DKG_Secret } {
        const r = super.dkgRound1();
        const pok = Uint8Array.from(r.public.proofOfKnowledge);
        pok[40]! ^= 1; // change z, keep it canonical (high byte untouched)
        return { public: { ...r.public, proofOfKnowledge: pok }, secret: r.secret };
      }
    }
    const { results, aborts } = keygen(2, [1, 2, 3], {}, (p) => (p.self === 3 ? new BadProof(p) : new FrostKeygen(p)));
    for (const p of [1, 2]) {
      expect(abortOf(aborts, p).party).toBe(3);
      expect(aborts.get(p)!.check).toBe('frost.keygen.r2.pok');
    }
    expect(results.size).toBe(0);
  });

  it('keygen: an identity or torsion point in a commitment is rejected', () => {
    for (const bad of ['01' + '00'.repeat(31), '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05']) {
      const { aborts } = keygen(2, [1, 2], {
        intercept(msg) {
          if (msg.round === 2 && msg.from === 2) (msg.body.commitment as string[])[1] = bad;
          return msg;
        },
      });
      // the commitment no longer opens, or the point is rejected: either way party 2 is named
      expect(abortOf(aborts, 1).party).toBe(2);
    }
  });

  it('keygen: a wrong share aborts naming its sender (Feldman check)', () => {
    const { results, aborts } = keygen(3, [1, 2, 3, 4], {
      intercept(msg, to) {
        if (msg.round === 3 && msg.from === 4 && to === 2) {
          const s = hexToBytes(msg.body.share as string);
          s[0]! ^= 1;
          msg.body.share = bytesToHex(s);
        }
        return msg;
      },
    });
    expect(abortOf(aborts, 2).party).toBe(4);
    expect(aborts.get(2)!.check).toBe('frost.keygen.r3.feldman');
    expect(results.has(2)).toBe(false);
    // the others cannot finish either: party 2 never confirms
    expect(results.size).toBe(0);
  });

  it('keygen: a wrong body length aborts naming the sender', () => {
    const { aborts } = keygen(2, [1, 2], {
      intercept(msg) {
        if (msg.round === 1 && msg.from === 2) msg.body.commit = (msg.body.commit as string) + '00';
        return msg;
      },
    });
    expect(abortOf(aborts, 1).party).toBe(2);
    expect(aborts.get(1)!.check).toBe('frost.keygen.r1.commit');
  });

  it('keygen: broadcast equivocation is caught by the echo', () => {
    const { aborts, results } = keygen(2, [1, 2, 3], {
      intercept(msg, to) {
        if (msg.round === 1 && msg.from === 3 && to === 2) msg.body.commit = bytesToHex(randomBytes(32));
        return msg;
      },
    });
    expect([...aborts.values()].some((a) => a.party === 3 && a.check === 'frost.keygen.r2.echo')).toBe(true);
    expect(results.size).toBe(0);
  });

  it('sign: a bad signature share aborts naming the signer', () => {
    const shares = keygenOk(2, 3);
    const { results, aborts } = sign([shares[0]!, shares[2]!], utf8ToBytes('m'), {
      intercept(msg) {
        if (msg.round === 2 && msg.from === 3) {
          const z = hexToBytes(msg.body.share as string);
          z[0]! ^= 1;
          msg.body.share = bytesToHex(z);
        }
        return msg;
      },
    });
    expect(abortOf(aborts, 1).party).toBe(3);
    expect(aborts.get(1)!.check).toBe('frost.sign.r2.share');
    expect(results.has(1)).toBe(false);
  });

  it('sign: signers disagreeing on the message abort before any share is sent', () => {
    const shares = keygenOk(2, 2);
    const sid = randomBytes(32);
    const sent: ProtocolMessage[] = [];
    const { aborts, results } = runProtocols(
      shares.map((share) => new FrostSign({ sid, share, signers: [1, 2], message: utf8ToBytes(`m${share.self}`) })),
      { intercept: (m) => (sent.push(m), m) },
    );
    expect(aborts.get(1)!.check).toBe('frost.sign.r1.ctx');
    expect(results.size).toBe(0);
    expect(sent.some((m) => m.round === 2)).toBe(false);
  });

  it('replayed and cross-session messages are dropped without blame', () => {
    const shares = keygenOk(2, 2);
    const msg = utf8ToBytes('m');
    const first: ProtocolMessage[] = [];
    sign(shares, msg, { intercept: (m) => (first.push(m), m) });
    const sid = randomBytes(32);
    const [a, b] = shares.map((share) => new FrostSign({ sid, share, signers: [1, 2], message: msg }));
    const outA = a!.start();
    const outB = b!.start();
    // a message of the earlier session: rejected, nobody blamed, the session goes on
    expect(() => a!.receive(first.find((m) => m.from === 2)!)).toThrow(expect.objectContaining({ reason: 'session' }));
    // an exact replay within the session is dropped too
    const r2a = a!.receive(outB[0]!);
    expect(() => a!.receive(outB[0]!)).toThrow(
      expect.objectContaining({ code: 'protocol.messageRejected', reason: expect.stringMatching(/^(duplicate|stale)$/) }),
    );
    const r2b = b!.receive(outA[0]!);
    a!.receive(r2b[0]!);
    b!.receive(r2a[0]!);
    expect(a!.done && b!.done).toBe(true);
    expect(ed25519.verify(a!.result(), msg, shares[0]!.groupPublicKey)).toBe(true);
  });
});
