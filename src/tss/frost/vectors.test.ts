/**
 * RFC 9591 Appendix E.1, FROST(Ed25519, SHA-512): MAX_PARTICIPANTS = 3,
 * MIN_PARTICIPANTS = 2, signers {1, 3}, message "test". Values from the
 * final draft source (cfrg/draft-irtf-cfrg-frost, draft-15 = RFC 9591;
 * poc/frost-ed25519-sha512.json at its head). Older copies of these vectors
 * (draft-12 and earlier) carry different nonces and signatures.
 */
import { describe, expect, it } from 'vitest';
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import type { NonceCommitments } from '@noble/curves/abstract/frost.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { runProtocols } from '../driver.js';
import { FrostSign } from './sign.js';
import { checkFrostShare, type FrostKeyShare } from './share.js';
import { EdPoint, aggregateSignature, signatureShare, signingContext, verifySignatureShare } from './rfc9591.js';

const V = {
  groupSecretKey: '7b1c33d3f5291d85de664833beb1ad469f7fb6025a0ec78b3a790c6e13a98304',
  groupPublicKey: '15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673',
  message: '74657374',
  coefficient1: '178199860edd8c62f5212ee91eff1295d0d670ab4ed4506866bae57e7030b204',
  shares: {
    1: '929dcc590407aae7d388761cddb0c0db6f5627aea8e217f4a033f2ec83d93509',
    2: 'a91e66e012e4364ac9aaa405fcafd370402d9859f7b6685c07eed76bf409e80d',
    3: 'd3cb090a075eb154e82fdb4b3cb507f110040905468bb9c46da8bdea643a9a02',
  } as Record<number, string>,
  round1: {
    1: {
      hidingRandomness: '0fd2e39e111cdc266f6c0f4d0fd45c947761f1f5d3cb583dfcb9bbaf8d4c9fec',
      bindingRandomness: '69cd85f631d5f7f2721ed5e40519b1366f340a87c2f6856363dbdcda348a7501',
      hidingNonce: '812d6104142944d5a55924de6d49940956206909f2acaeedecda2b726e630407',
      bindingNonce: 'b1110165fc2334149750b28dd813a39244f315cff14d4e89e6142f262ed83301',
      hidingCommitment: 'b5aa8ab305882a6fc69cbee9327e5a45e54c08af61ae77cb8207be3d2ce13de3',
      bindingCommitment: '67e98ab55aa310c3120418e5050c9cf76cf387cb20ac9e4b6fdb6f82a469f932',
    },
    3: {
      hidingRandomness: '86d64a260059e495d0fb4fcc17ea3da7452391baa494d4b00321098ed2a0062f',
      bindingRandomness: '13e6b25afb2eba51716a9a7d44130c0dbae0004a9ef8d7b5550c8a0e07c61775',
      hidingNonce: 'c256de65476204095ebdc01bd11dc10e57b36bc96284595b8215222374f99c0e',
      bindingNonce: '243d71944d929063bc51205714ae3c2218bd3451d0214dfb5aeec2a90c35180d',
      hidingCommitment: 'cfbdb165bd8aad6eb79deb8d287bcc0ab6658ae57fdcc98ed12c0669e90aec91',
      bindingCommitment: '7487bc41a6e712eea2f2af24681b58b1cf1da278ea11fe4e8b78398965f13552',
    },
  } as Record<
    number,
    Record<'hidingRandomness' | 'bindingRandomness' | 'hidingNonce' | 'bindingNonce' | 'hidingCommitment' | 'bindingCommitment', string>
  >,
  sigShares: {
    1: '001719ab5a53ee1a12095cd088fd149702c0720ce5fd2f29dbecf24b7281b603',
    3: 'bd86125de990acc5e1f13781d8e32c03a9bbd4c53539bbc106058bfd14326007',
  } as Record<number, string>,
  sig: '36282629c383bb820a88b71cae937d41f2f2adfcc3d02e55507e2fb9e2dd3cbebd9d2b0844e49ae0f3fa935161e1419aab7b47d21a37ebeae1f17d4987b3160b',
};

const F = ed25519_FROST;
const Fn = F.utils.Fn;
const id = (n: number) => F.Identifier.fromNumber(n);
const mulG = (hex: string) => ed25519.Point.BASE.multiply(Fn.fromBytes(hexToBytes(hex))).toBytes();

/** An RNG that hands out the vector's randomness in order (hiding first, then binding). */
const fixedRng = (p: number) => {
  const queue = [V.round1[p]!.hidingRandomness, V.round1[p]!.bindingRandomness];
  return (n?: number) => {
    const next = queue.shift();
    if (!next || (n !== undefined && n !== 32)) throw new Error('vector rng exhausted');
    return hexToBytes(next);
  };
};

function vectorShare(self: number): FrostKeyShare {
  return {
    version: 1,
    curve: 'ed25519',
    protocol: 'frost',
    epoch: 0,
    t: 2,
    n: 3,
    self,
    parties: [1, 2, 3],
    secretShare: hexToBytes(V.shares[self]!),
    groupPublicKey: hexToBytes(V.groupPublicKey),
    verifyingShares: new Map([1, 2, 3].map((p) => [p, mulG(V.shares[p]!)])),
  };
}

describe('RFC 9591 E.1 FROST(Ed25519, SHA-512)', () => {
  it('key material: group key = secret·G, shares on f(x) = s + a1·x, records are consistent', () => {
    expect(bytesToHex(mulG(V.groupSecretKey))).toBe(V.groupPublicKey);
    const s = Fn.fromBytes(hexToBytes(V.groupSecretKey));
    const a1 = Fn.fromBytes(hexToBytes(V.coefficient1));
    for (const p of [1, 2, 3]) expect(bytesToHex(Fn.toBytes(Fn.add(s, Fn.mul(a1, BigInt(p)))))).toBe(V.shares[p]);
    for (const p of [1, 2, 3]) expect(() => checkFrostShare(vectorShare(p))).not.toThrow();
    const combined = F.combineSecret(
      [1, 3].map((p) => ({ identifier: id(p), signingShare: hexToBytes(V.shares[p]!) })),
      { min: 2, max: 3 },
    );
    expect(bytesToHex(combined)).toBe(V.groupSecretKey);
  });

  it('noble ed25519_FROST reproduces every intermediate value and the signature', () => {
    const pub = {
      signers: { min: 2, max: 3 },
      commitments: [hexToBytes(V.groupPublicKey), mulG(V.coefficient1)],
      verifyingShares: Object.fromEntries([1, 2, 3].map((p) => [id(p), mulG(V.shares[p]!)])),
    };
    for (const p of [1, 2, 3]) F.validateSecret({ identifier: id(p), signingShare: hexToBytes(V.shares[p]!) }, pub);
    const msg = hexToBytes(V.message);
    const gen = new Map<number, ReturnType<typeof F.commit>>();
    const list: NonceCommitments[] = [];
    for (const p of [1, 3]) {
      const g = F.commit({ identifier: id(p), signingShare: hexToBytes(V.shares[p]!) }, fixedRng(p));
      expect(bytesToHex(g.nonces.hiding)).toBe(V.round1[p]!.hidingNonce);
      expect(bytesToHex(g.nonces.binding)).toBe(V.round1[p]!.bindingNonce);
      expect(bytesToHex(g.commitments.hiding)).toBe(V.round1[p]!.hidingCommitment);
      expect(bytesToHex(g.commitments.binding)).toBe(V.round1[p]!.bindingCommitment);
      gen.set(p, g);
      list.push(g.commitments);
    }
    const sigShares: Record<string, Uint8Array> = {};
    for (const p of [1, 3]) {
      const z = F.signShare({ identifier: id(p), signingShare: hexToBytes(V.shares[p]!) }, pub, gen.get(p)!.nonces, list, msg);
      expect(bytesToHex(z)).toBe(V.sigShares[p]);
      expect(F.verifyShare(pub, list, msg, id(p), z)).toBe(true);
      sigShares[id(p)] = z;
    }
    const sig = F.aggregate(pub, list, msg, sigShares);
    expect(bytesToHex(sig)).toBe(V.sig);
    expect(ed25519.verify(sig, msg, hexToBytes(V.groupPublicKey))).toBe(true);
  });

  it('our frost/sign protocol, fed the vector shares and nonce randomness, outputs the RFC signature', () => {
    const sid = randomBytes(32);
    const msg = hexToBytes(V.message);
    const signers = [1, 3];
    const { results, aborts } = runProtocols(
      signers.map((p) => new FrostSign({ sid, share: vectorShare(p), signers, message: msg, unsafeNonceRandomness: fixedRng(p) })),
    );
    expect(aborts.size).toBe(0);
    for (const p of signers) expect(bytesToHex(results.get(p)!)).toBe(V.sig);
    expect(ed25519.verify(results.get(1)!, msg, hexToBytes(V.groupPublicKey))).toBe(true);
  });

  it('rfc9591.ts reproduces both signature shares and the signature; a share off by one fails verification', () => {
    const msg = hexToBytes(V.message);
    const point = (hex: string) => EdPoint.fromBytes(hexToBytes(hex));
    const list = [3, 1].map((p) => ({
      party: p,
      hiding: point(V.round1[p]!.hidingCommitment),
      binding: point(V.round1[p]!.bindingCommitment),
      hidingBytes: hexToBytes(V.round1[p]!.hidingCommitment),
      bindingBytes: hexToBytes(V.round1[p]!.bindingCommitment),
    }));
    const ctx = signingContext(point(V.groupPublicKey), list, msg);
    const z = [1, 3].map((p) =>
      signatureShare(
        ctx,
        p,
        Fn.fromBytes(hexToBytes(V.shares[p]!)),
        Fn.fromBytes(hexToBytes(V.round1[p]!.hidingNonce)),
        Fn.fromBytes(hexToBytes(V.round1[p]!.bindingNonce)),
      ),
    );
    expect(z.map((k) => bytesToHex(Fn.toBytes(k)))).toEqual([V.sigShares[1], V.sigShares[3]]);
    [1, 3].forEach((p, i) => {
      const Y = EdPoint.BASE.multiply(Fn.fromBytes(hexToBytes(V.shares[p]!)));
      expect(verifySignatureShare(ctx, p, Y, z[i]!)).toBe(true);
      expect(verifySignatureShare(ctx, p, Y, Fn.add(z[i]!, 1n))).toBe(false);
    });
    expect(bytesToHex(aggregateSignature(ctx, z))).toBe(V.sig);
  });
});
