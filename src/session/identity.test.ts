import { describe, expect, it } from 'vitest';
import { rejectedError, thrownError } from '../errors/codes.test-util.js';
import type { ProtocolMessage } from '../tss/protocol.js';
import {
  SealError,
  fingerprint,
  newIdentity,
  openMessage,
  parseDevicePublic,
  publicOf,
  sealMessage,
  type DevicePublic,
} from './identity.js';

const alice = newIdentity('alice-laptop');
const bob = newIdentity('bob-phone');
const carol = newIdentity('carol-server');
const peers = new Map<number, DevicePublic>([
  [1, publicOf(alice)],
  [2, publicOf(bob)],
  [3, publicOf(carol)],
]);
const base = { v: 1, protocol: 'dkls23/keygen', sid: 'ab'.repeat(32), round: 3 } as const;
const secretShare = 'c0ffee'.repeat(10);
const p2p: ProtocolMessage = { ...base, from: 1, to: 2, body: { share: secretShare } };
const wire = async (m: unknown) => JSON.parse(JSON.stringify(m)) as unknown;

describe('sealed protocol messages', () => {
  it('delivers a point-to-point body only to its recipient', async () => {
    const sealed = await sealMessage(p2p, alice, peers);
    expect(JSON.stringify(sealed)).not.toContain(secretShare);
    expect(await openMessage(await wire(sealed), 2, bob, peers)).toEqual(p2p);
    // Carol, in the same session, can neither decrypt it nor pass as its recipient.
    expect(await rejectedError(openMessage(await wire({ ...sealed, to: 3 }), 3, carol, peers))).toMatchObject({
      code: 'session.seal',
      details: { party: 1, check: 'signature' },
    });
    expect(await rejectedError(openMessage(await wire(sealed), 3, carol, peers))).toMatchObject({
      code: 'session.seal',
      details: { party: 1, check: 'recipient' },
    });
  });

  it('rejects a message in another device’s name, naming the claimed sender', async () => {
    const forged = await sealMessage({ ...base, from: 1, to: 'all', body: { x: '00' } }, carol, peers);
    const err = await openMessage(await wire(forged), 2, bob, peers).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SealError);
    expect(err).toMatchObject({ party: 1, check: 'signature' });
  });

  it('detects any change to a broadcast or a ciphertext', async () => {
    const bc = await sealMessage({ ...base, from: 3, to: 'all', body: { commit: '11'.repeat(32) } }, carol, peers);
    expect((await openMessage(await wire(bc), 1, alice, peers)).body).toEqual({ commit: '11'.repeat(32) });
    expect(await rejectedError(openMessage({ ...bc, body: { commit: '12'.repeat(32) } }, 1, alice, peers))).toMatchObject({
      code: 'session.seal',
      details: { party: 3, check: 'signature' },
    });
    expect(await rejectedError(openMessage({ ...bc, round: 4 }, 1, alice, peers))).toMatchObject({
      code: 'session.seal',
      details: { party: 3, check: 'signature' },
    });
    const sealed = await sealMessage(p2p, alice, peers);
    const flipped = sealed.ct!.slice(0, -2) + (sealed.ct!.endsWith('00') ? '01' : '00');
    expect(await rejectedError(openMessage({ ...sealed, ct: flipped }, 2, bob, peers))).toMatchObject({
      code: 'session.seal',
      details: { party: 1, check: 'signature' },
    });
    expect(await rejectedError(openMessage({ ...sealed, extra: 1 }, 2, bob, peers))).toMatchObject({
      code: 'session.seal',
      details: { party: 1, check: 'shape', detail: 'unexpected field' },
    });
  });

  it('uses a fresh nonce for every message', async () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 50; i++) ivs.add((await sealMessage(p2p, alice, peers)).iv!);
    expect(ivs.size).toBe(50);
  });

  it('parses public identities strictly and gives a stable fingerprint', () => {
    const pub = publicOf(alice);
    expect(parseDevicePublic(JSON.parse(JSON.stringify(pub)))).toEqual(pub);
    expect(thrownError(() => parseDevicePublic({ ...pub, signPub: 'zz' }))).toMatchObject({
      code: 'identity.invalid',
      details: { field: 'signPub' },
    });
    expect(thrownError(() => parseDevicePublic({ ...pub, extra: 1 }))).toMatchObject({
      code: 'identity.invalid',
      details: { field: 'fields' },
    });
    expect(fingerprint(pub)).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    expect(fingerprint(pub)).toBe(fingerprint(parseDevicePublic(pub)));
  });
});
