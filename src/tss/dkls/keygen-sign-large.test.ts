import { randomBytes } from '@noble/hashes/utils.js';
import { hexlify } from 'ethers';
import { describe, expect, it } from 'vitest';
import { reconstructedPublicKeyForTests } from '../oracle.test-util.js';
import { expectValid, keygen, sign } from './fixtures.test-util.js';

// Its own file so that it runs in parallel with the others. Key generation sets up OT for 90 ordered
// pairs: by far the slowest test of the engine (minutes on a loaded machine), hence its own timeout.
// TANDEM_SKIP_SLOW_TESTS=1 skips it for quick local iterations; CI runs it.
describe.skipIf(process.env.TANDEM_SKIP_SLOW_TESTS === '1')('DKLs23 at 7-of-10', () => {
  it('key generation and one signature by a 7-subset', () => {
    const shares = keygen(7, 10);
    const subset = [1, 3, 4, 6, 7, 9, 10];
    const pk = shares.get(1)!.publicKey;
    expect(hexlify(reconstructedPublicKeyForTests(subset.map((p) => shares.get(p)!)))).toBe(hexlify(pk));
    const digest = randomBytes(32);
    const report = sign(shares, subset, digest);
    expect(report.results.size).toBe(7);
    expectValid(report.results.get(10)!, digest, pk);
  }, 600_000);
});
