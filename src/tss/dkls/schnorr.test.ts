import { randomBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { mulG, randomScalar } from './curve.js';
import { proveDlog, verifyDlog } from './schnorr.js';
import { commit, openCommitment } from './commit.js';

describe('Schnorr proof of knowledge and hash commitments', () => {
  const sid = randomBytes(32);
  const x = randomScalar();
  const X = mulG(x);
  const proof = proveDlog(x, X, { sid, party: 2, label: 'keygen/coeff/0' });

  it('verifies in its own context', () => {
    expect(verifyDlog(proof, X, { sid, party: 2, label: 'keygen/coeff/0' })).toBe(true);
  });

  it('fails when replayed under another party id, session, label or value (transcript binding)', () => {
    expect(verifyDlog(proof, X, { sid, party: 3, label: 'keygen/coeff/0' })).toBe(false);
    expect(verifyDlog(proof, X, { sid: randomBytes(32), party: 2, label: 'keygen/coeff/0' })).toBe(false);
    expect(verifyDlog(proof, X, { sid, party: 2, label: 'keygen/coeff/1' })).toBe(false);
    expect(verifyDlog(proof, mulG(x + 1n), { sid, party: 2, label: 'keygen/coeff/0' })).toBe(false);
  });

  it('rejects malformed proofs without throwing', () => {
    const ctx = { sid, party: 2, label: 'keygen/coeff/0' };
    expect(verifyDlog(proof.slice(0, 64), X, ctx)).toBe(false);
    expect(verifyDlog(new Uint8Array(65), X, ctx)).toBe(false);
    const big = Uint8Array.from(proof);
    big.fill(0xff, 33);
    expect(verifyDlog(big, X, ctx)).toBe(false);
  });

  it('commitments open only with the same session, party, salt and value', () => {
    const salt = randomBytes(32);
    const c = commit('test', sid, 1, salt, 'value');
    expect(openCommitment(c, 'test', sid, 1, salt, 'value')).toBe(true);
    expect(openCommitment(c, 'test', sid, 2, salt, 'value')).toBe(false);
    expect(openCommitment(c, 'test', sid, 1, randomBytes(32), 'value')).toBe(false);
    expect(openCommitment(c, 'test', sid, 1, salt, 'valuf')).toBe(false);
    expect(openCommitment(c, 'other', sid, 1, salt, 'value')).toBe(false);
  });
});
