import { describe, expect, it } from 'vitest';
import type { DeviceVault } from '../session/device-vault';
import { commit, stage, withAck } from '../session/generations';
import { newIdentity, publicOf } from '../session/identity';
import { thrownError } from '../errors/codes.test-util';
import { reshareResult, standingOf, viewAfterRestart, type CeremonyMarker } from './ceremony-view';

const me = newIdentity('tandem-ext-1');
const other = newIdentity('cli-new-device');
const room = { relayUrl: 'http://127.0.0.1:1', sessionId: 'reshare-2', sessionKey: new Uint8Array(32) };
const digest = 'cd'.repeat(32);
const ADDRESS = '0x' + '11'.repeat(20);

/** A stand-in record: standingOf reads identity, address, members, epoch, threshold, pending and settled. */
function record(epoch: number, n: number, settled?: string): DeviceVault {
  return {
    identity: me,
    address: ADDRESS,
    members: Array.from({ length: n }, (_, i) => ({ party: i + 1 })),
    ecdsa: { epoch, t: 2 },
    ...(settled ? { settled: { ceremony: settled, digest, party: 1 } } : {}),
  } as unknown as DeviceVault;
}

const awaiting = [
  { party: 1, identity: publicOf(me) },
  { party: 3, identity: publicOf(other) },
];
const staged = stage({
  kind: 'next',
  current: record(0, 2, 'keygen-1'),
  fresh: record(1, 3),
  ceremony: 'reshare-2',
  digest,
  room,
  awaiting,
});
const marker: CeremonyMarker = { kind: 'reshare', name: 'V', t: 2, n: 3, joiners: 2, ceremony: 'reshare-2', confirmed: true };

describe('a ceremony cut off by a worker restart after its confirmation', () => {
  it('is complete only when a record names that ceremony as committed', () => {
    const done = commit(withAck(withAck(staged, me.deviceId), other.deviceId))!;
    const now = standingOf(done, 'reshare-2');
    expect(now).toEqual({ complete: true, address: ADDRESS, line: '2 of 3 devices sign with generation 1, same address' });
    expect(viewAfterRestart(marker, now)).toMatchObject({ status: 'done', address: ADDRESS });
  });

  it('is pending, on the previous generation, while a record holds that ceremony pending', () => {
    const now = standingOf(withAck(staged, me.deviceId), 'reshare-2');
    expect(now?.complete).toBe(false);
    expect(now?.line).toContain('signs with generation 0 until cli-new-device say');
    expect(viewAfterRestart(marker, now)).toMatchObject({ status: 'failed' });
  });

  it('was not stored when no record is that ceremony’s: the vault from before it is not called complete', () => {
    // Cut off between the confirmation and the write: the record is still generation 0, committed by another ceremony.
    expect(standingOf(record(0, 2, 'keygen-1'), 'reshare-2')).toBeNull();
    expect(standingOf(record(0, 2), 'reshare-2')).toBeNull();
    const view = viewAfterRestart(marker, null);
    expect(view.status).toBe('failed');
    expect(view.address).toBeUndefined();
  });
});

describe('a finished re-share', () => {
  it('shows the vault’s address, and refuses with reshare.otherKey one that ended with another address', () => {
    const outcome = { kind: 'member' as const, vault: record(1, 2), missing: [] };
    expect(reshareResult(outcome, ADDRESS)).toEqual({ address: ADDRESS, pending: null });
    expect(reshareResult(outcome, '0x')).toEqual({ address: ADDRESS, pending: null });
    expect(thrownError(() => reshareResult(outcome, '0x' + '22'.repeat(20)))).toEqual({
      code: 'reshare.otherKey',
      details: { what: 'address' },
    });
  });
});
