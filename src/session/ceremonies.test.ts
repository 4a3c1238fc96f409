import { describe, expect, it } from 'vitest';
import { Transaction, Signature, recoverAddress } from 'ethers';
import { bytesToHex } from '@noble/hashes/utils.js';
import { newIdentity, publicOf, type DeviceIdentity } from './identity.js';
import { Mailbox } from './mailbox.js';
import { Room } from './memory-room.test-util.js';
import {
  SigningRefused,
  createVault,
  type CeremonyEvent,
  joinReshare,
  joinVault,
  requestSignature,
  serveSigning,
  startReshare,
  type Decision,
} from './ceremonies.js';
import { decodeDeviceVault, encodeDeviceVault, type DeviceVault } from './device-vault.js';
import { parseSigningRequest, type SigningRequest } from './signing-request.js';
import { rejectedError } from '../errors/codes.test-util.js';

const timing = { joinTimeoutMs: 60_000, roundTimeoutMs: 60_000 };
const relayUrl = 'http://127.0.0.1:1';

function txRequest(chainId = 31337): SigningRequest {
  const tx = Transaction.from({
    type: 2,
    chainId,
    nonce: 0,
    to: '0x' + '22'.repeat(20),
    value: 12345n,
    maxFeePerGas: 10n ** 9n,
    maxPriorityFeePerGas: 1n,
    gasLimit: 21000n,
  });
  return parseSigningRequest({ v: 1, kind: 'transaction', chainId, path: [], tx: tx.unsignedSerialized });
}

async function keygen(n: number, t: number): Promise<{ vaults: DeviceVault[]; ids: DeviceIdentity[] }> {
  const room = new Room();
  const ids = Array.from({ length: n }, (_, i) => newIdentity(`dev-${i + 1}`));
  const boxes = ids.map((id) => new Mailbox(room.join(id.deviceId)));
  const sessionId = 'keygen-session';
  const vaults = await Promise.all(
    ids.map((me, i) =>
      i === 0
        ? createVault({ ...timing, mailbox: boxes[0]!, me, sessionId, plan: { t, n, name: 'Test', relayUrl } })
        : joinVault({ ...timing, mailbox: boxes[i]!, me, sessionId, initiatorSignPub: publicOf(ids[0]!).signPub }),
    ),
  );
  return { vaults, ids };
}

/** Runs `initiator` asking the others on one channel room; `decide` per device. */
async function sign(
  vaults: DeviceVault[],
  initiator: number,
  request: SigningRequest,
  decide: (v: DeviceVault) => Decision = () => true,
  events: CeremonyEvent[] = [],
  joinTimeoutMs = timing.joinTimeoutMs,
) {
  const room = new Room();
  const boxes = vaults.map((v) => new Mailbox(room.join(v.identity.deviceId)));
  const servers = vaults.map((v, i) =>
    i === initiator ? null : serveSigning({ mailbox: boxes[i]!, vault: v, decide: async () => decide(v), roundTimeoutMs: 60_000 }),
  );
  try {
    return await requestSignature({
      ...timing,
      joinTimeoutMs,
      mailbox: boxes[initiator]!,
      vault: vaults[initiator]!,
      request,
      onEvent: (e) => events.push(e),
    });
  } finally {
    for (const s of servers) s?.stop();
  }
}

describe('ceremonies between devices', () => {
  it('creates a 2-of-3 vault, signs a transaction the chain would accept, and re-shares to 3-of-4', async () => {
    const { vaults } = await keygen(3, 2);
    const address = vaults[0]!.address;
    expect(new Set(vaults.map((v) => v.address)).size).toBe(1);
    expect(new Set(vaults.map((v) => bytesToHex(v.channel.secret))).size).toBe(1);
    // The record survives storage.
    expect(decodeDeviceVault(encodeDeviceVault(vaults[1]!)).address).toBe(address);

    const request = txRequest();
    const sig = await sign(vaults, 0, request);
    const tx = Transaction.from((request as { tx: string }).tx);
    tx.signature = Signature.from({
      r: '0x' + sig.r.toString(16).padStart(64, '0'),
      s: '0x' + sig.s.toString(16).padStart(64, '0'),
      v: 27 + sig.recovery,
    });
    expect(tx.from).toBe(address);

    // A co-signer that refuses makes the request fail with its reason.
    await expect(sign(vaults, 2, request, () => 'not today')).rejects.toThrow(SigningRefused);

    // Re-share 2-of-3 -> 3-of-4: the three old devices and one new one.
    const room = new Room();
    const fourth = newIdentity('dev-4');
    const members = [...vaults.map((v) => v.identity), fourth];
    const boxes = members.map((id) => new Mailbox(room.join(id.deviceId)));
    const initPub = publicOf(vaults[0]!.identity).signPub;
    const outcomes = await Promise.all([
      startReshare({
        ...timing,
        mailbox: boxes[0]!,
        vault: vaults[0]!,
        sessionId: 'reshare-1',
        plan: { newT: 3, expectedJoiners: 3, relayUrl },
      }),
      joinReshare({
        ...timing,
        mailbox: boxes[1]!,
        me: vaults[1]!.identity,
        sessionId: 'reshare-1',
        initiatorSignPub: initPub,
        oldVault: vaults[1],
      }),
      joinReshare({
        ...timing,
        mailbox: boxes[2]!,
        me: vaults[2]!.identity,
        sessionId: 'reshare-1',
        initiatorSignPub: initPub,
        oldVault: vaults[2],
      }),
      joinReshare({ ...timing, mailbox: boxes[3]!, me: fourth, sessionId: 'reshare-1', initiatorSignPub: initPub }),
    ]);
    const newVaults = outcomes.map((o) => {
      if (o.kind !== 'member') throw new Error('expected a member');
      return o.vault;
    });
    expect(newVaults.map((v) => v.address)).toEqual([address, address, address, address]);
    expect(newVaults.map((v) => v.ecdsa.epoch)).toEqual([1, 1, 1, 1]);
    expect(newVaults[3]!.ecdsa.t).toBe(3);
    const sig2 = await sign(
      newVaults,
      3,
      parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 1, path: [], message: '0x68656c6c6f' }),
    );
    const digest =
      '0x' +
      bytesToHex(
        (await import('./signing-request.js')).digestOf(
          parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 1, path: [], message: '0x68656c6c6f' }),
        ),
      );
    expect(
      recoverAddress(digest, {
        r: '0x' + sig2.r.toString(16).padStart(64, '0'),
        s: '0x' + sig2.s.toString(16).padStart(64, '0'),
        v: 27 + sig2.recovery,
      }),
    ).toBe(address);

    // Old-generation devices cannot sign with new-generation ones.
    const events: CeremonyEvent[] = [];
    expect(await rejectedError(sign([vaults[0]!, newVaults[1]!], 0, request, () => true, events, 1500))).toMatchObject({
      code: 'ceremony.timeout',
      details: { waitingFor: ['dev-3'] },
    });
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'answer', deviceId: 'dev-2', accepted: false, reason: expect.stringMatching(/generation/) }),
    );
  });

  it('refuses an impossible quorum, a device the roster left out, and a re-share of another vault, with their codes', async () => {
    const me = newIdentity('dev-1');
    const box = new Mailbox(new Room().join(me.deviceId));
    const plan = { t: 3, n: 2, name: 'Test', relayUrl };
    expect(await rejectedError(createVault({ ...timing, mailbox: box, me, sessionId: 's', plan }))).toMatchObject({
      code: 'keygen.badQuorum',
      details: { t: 3, n: 2 },
    });

    // Two devices join a 2-of-2 key generation: the one the initiator did not take is told it is not in the roster.
    const room = new Room();
    const ids = ['dev-1', 'dev-2', 'dev-3'].map((d) => newIdentity(d));
    const boxes = ids.map((id) => new Mailbox(room.join(id.deviceId)));
    const initiatorSignPub = publicOf(ids[0]!).signPub;
    const joined = await Promise.allSettled([
      createVault({ ...timing, mailbox: boxes[0]!, me: ids[0]!, sessionId: 'k', plan: { t: 2, n: 2, name: 'Test', relayUrl } }),
      joinVault({ ...timing, mailbox: boxes[1]!, me: ids[1]!, sessionId: 'k', initiatorSignPub }),
      joinVault({ ...timing, mailbox: boxes[2]!, me: ids[2]!, sessionId: 'k', initiatorSignPub }),
    ]);
    expect(joined[0]!.status).toBe('fulfilled');
    const left = joined.filter((r) => r.status === 'rejected');
    expect(left).toHaveLength(1);
    expect(await rejectedError(Promise.reject((left[0] as PromiseRejectedResult).reason))).toMatchObject({ code: 'roster.notMember' });
    const vaults = joined.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));

    // A re-share whose key is not the one the pairing named: refused before anything is stored.
    const rs = new Room();
    const rsBoxes = vaults.map((v) => new Mailbox(rs.join(v.identity.deviceId)));
    const short = { joinTimeoutMs: 60_000, roundTimeoutMs: 3_000 };
    const [, other] = await Promise.allSettled([
      startReshare({ ...short, mailbox: rsBoxes[0]!, vault: vaults[0]!, sessionId: 'rs', plan: { newT: 2, expectedJoiners: 1, relayUrl } }),
      joinReshare({
        ...short,
        mailbox: rsBoxes[1]!,
        me: vaults[1]!.identity,
        sessionId: 'rs',
        initiatorSignPub: publicOf(vaults[0]!.identity).signPub,
        oldVault: vaults[1],
        expectedKey: '00'.repeat(33),
      }),
    ]);
    expect(other.status).toBe('rejected');
    expect(await rejectedError(Promise.reject((other as PromiseRejectedResult).reason))).toMatchObject({
      code: 'reshare.otherKey',
      details: { what: 'key' },
    });
  });
});
