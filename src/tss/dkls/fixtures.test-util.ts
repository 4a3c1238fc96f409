/**
 * TEST ONLY: helpers to run DKLs23 key generation and signing in one
 * process, and to play a malicious party.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, hexlify, recoverAddress } from 'ethers';
import { expect } from 'vitest';
import { ProtocolAbort, type PartyId } from '../errors.js';
import { runProtocols, runToCompletion, type DriverHooks, type DriverReport } from '../driver.js';
import type { Protocol, ProtocolMessage, WireBody } from '../protocol.js';
import type { KeyShare } from '../share.js';
import { DklsKeygen } from './keygen.js';
import { DklsSign, type EcdsaSignature, type SignOptions } from './sign.js';

export function ids(n: number): PartyId[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

export function keygenParties(t: number, n: number, sid: Uint8Array = randomBytes(32)): DklsKeygen[] {
  const parties = ids(n);
  return parties.map((self) => new DklsKeygen({ sid, self, parties, t }));
}

/** Runs an honest key generation; returns the shares indexed by party id. */
export function keygen(t: number, n: number): Map<PartyId, KeyShare> {
  return runToCompletion(keygenParties(t, n)).results;
}

export function signParties(
  shares: Map<PartyId, KeyShare>,
  signers: readonly PartyId[],
  digest: Uint8Array,
  extra: Partial<SignOptions> = {},
): DklsSign[] {
  const sid = extra.sid ?? randomBytes(32);
  return signers.map((id) => new DklsSign({ share: shares.get(id)!, signers, digest, sid, ...extra }));
}

/** Runs an honest signing; every signer's signature, by party id. */
export function sign(
  shares: Map<PartyId, KeyShare>,
  signers: readonly PartyId[],
  digest: Uint8Array,
  extra: Partial<SignOptions> = {},
  hooks: DriverHooks = {},
): DriverReport<EcdsaSignature> {
  return runToCompletion(signParties(shares, signers, digest, extra), hooks);
}

/** Runs protocols with hooks and returns the report (aborts included). */
export function run<R>(protocols: Protocol<R>[], hooks: DriverHooks = {}): DriverReport<R> {
  return runProtocols(protocols, hooks);
}

/**
 * An interceptor altering the body of messages from `from` in `round` (to
 * `to`, or to everyone) with `edit`, which mutates the body in place.
 */
export function tamper(
  from: PartyId,
  round: number,
  edit: (body: WireBody, msg: ProtocolMessage) => void,
  to?: PartyId,
  kind?: 'broadcast' | 'p2p',
): NonNullable<DriverHooks['intercept']> {
  return (msg, recipient) => {
    const k = msg.to === 'all' ? 'broadcast' : 'p2p';
    if (msg.from === from && msg.round === round && (to === undefined || recipient === to) && (kind === undefined || kind === k)) {
      edit(msg.body, msg);
    }
    return msg;
  };
}

/** Flips one bit in a hex string (at byte `at`, default the middle). */
export function flipHex(hex: string, at?: number): string {
  const bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
  const i = at ?? bytes.length >> 1;
  bytes[i]! ^= 0x01;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Asserts that every honest party aborted naming `culprit` with `check` (a string or a pattern). */
export function expectBlame<R>(report: DriverReport<R>, culprit: PartyId | null, check: string | RegExp, honest: PartyId[]): void {
  for (const p of honest) expect(report.results.has(p)).toBe(false);
  const seen = honest.filter((p) => report.aborts.has(p));
  expect(seen.length).toBeGreaterThan(0);
  for (const p of seen) {
    const e = report.aborts.get(p)!;
    expect(e).toBeInstanceOf(ProtocolAbort);
    expect(e.party).toBe(culprit);
    if (typeof check === 'string') expect(e.check).toBe(check);
    else expect(e.check).toMatch(check);
  }
}

/** Checks a signature the way a chain would: noble verify (digest, low-s) and ethers address recovery. */
export function expectValid(sig: EcdsaSignature, digest: Uint8Array, publicKey: Uint8Array): void {
  expect(hexlify(sig.publicKey)).toBe(hexlify(publicKey));
  expect(secp256k1.verify(sig.compact, digest, publicKey, { prehash: false, lowS: true })).toBe(true);
  expect(sig.s <= secp256k1.Point.Fn.ORDER >> 1n).toBe(true);
  const recovered = recoverAddress(hexlify(digest), {
    r: hexlify(sig.compact.slice(0, 32)),
    s: hexlify(sig.compact.slice(32)),
    v: 27 + sig.recovery,
  });
  expect(recovered).toBe(computeAddress(hexlify(publicKey)));
}
