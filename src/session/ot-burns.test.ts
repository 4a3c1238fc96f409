/**
 * OT burns are durable (issue #12): after a real OT check failure the pair is
 * refused at once; a burn whose save throws keeps that peer refused (also for
 * a record read again from storage) with `otBurn.unsaved` until the save
 * succeeds; once stored it stays refused (`otBurn.burned`), also in a new process.
 */
import { describe, expect, it } from 'vitest';
import { errorCode } from '../errors/index.js';
import { newIdentity, publicOf } from './identity.js';
import { Mailbox } from './mailbox.js';
import { Room } from './memory-room.test-util.js';
import { createVault, joinVault, requestSignature, serveSigning, SigningRefused, type ServeResult } from './ceremonies.js';
import { decodeDeviceVault, encodeDeviceVault, type DeviceVault } from './device-vault.js';
import { OtBurns, OtPairRefused } from './ot-burns.js';
import { parseSigningRequest } from './signing-request.js';

const timing = { joinTimeoutMs: 20_000, roundTimeoutMs: 20_000 };
const request = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 1, path: [], message: '0x6275726e' });

async function twoOfTwo(): Promise<[DeviceVault, DeviceVault]> {
  const room = new Room();
  const ids = [newIdentity('ext'), newIdentity('phone')];
  const boxes = ids.map((id) => new Mailbox(room.join(id.deviceId)));
  const [a, b] = await Promise.all([
    createVault({
      ...timing,
      mailbox: boxes[0]!,
      me: ids[0]!,
      sessionId: 's',
      plan: { t: 2, n: 2, name: 'T', relayUrl: 'http://127.0.0.1:1' },
    }),
    joinVault({ ...timing, mailbox: boxes[1]!, me: ids[1]!, sessionId: 's', initiatorSignPub: publicOf(ids[0]!).signPub }),
  ]);
  return [a, b];
}

/** `v` with its OT-extension seeds for `peer` damaged: its messages to that peer fail the peer's KOS check. */
function damaged(v: DeviceVault, peer: number): DeviceVault {
  const m = v.ecdsa.otReceiver.get(peer)!;
  return {
    ...v,
    ecdsa: { ...v.ecdsa, otReceiver: new Map([...v.ecdsa.otReceiver, [peer, { ...m, seeds1: m.seeds1.map((b) => b ^ 0xff) }]]) },
  };
}

/** A device's storage: one encrypted-record slot that can be made to fail. */
class FlakyStore {
  text: string;
  failing = true;
  saves = 0;
  constructor(v: DeviceVault) {
    this.text = encodeDeviceVault(v);
  }
  save = async (v: DeviceVault) => {
    this.saves++;
    if (this.failing) throw new Error('disk full');
    this.text = encodeDeviceVault(v);
  };
  load = () => decodeDeviceVault(this.text);
}

/** One signing between `requester` and `server` in a fresh room; the server's results are collected. */
async function signOnce(requester: DeviceVault, server: DeviceVault, serverBurns: OtBurns, requesterBurns?: OtBurns) {
  const room = new Room();
  const [ba, bb] = [requester, server].map((v) => new Mailbox(room.join(v.identity.deviceId)));
  const results: ServeResult[] = [];
  const s = serveSigning({
    mailbox: bb!,
    vault: server,
    decide: async () => true,
    roundTimeoutMs: 10_000,
    burns: serverBurns,
    onResult: (r) => results.push(r),
  });
  try {
    const out = await requestSignature({
      ...timing,
      roundTimeoutMs: 10_000,
      mailbox: ba!,
      vault: requester,
      request,
      ...(requesterBurns ? { burns: requesterBurns } : {}),
    }).catch((e: unknown) => e);
    await s.idle();
    return { out, results };
  } finally {
    s.stop();
  }
}

describe('OT burns (selective-failure defence) are durable', () => {
  it('co-signer: a burn whose save throws blocks signing with that peer, also after re-reading storage; once saved it stays burned', async () => {
    const [ext, phone] = await twoOfTwo();
    const extParty = ext.ecdsa.self;
    const store = new FlakyStore(phone);
    const burns = new OtBurns(store.save);
    const live = store.load();

    // A real OT check failure: the requester's KOS messages are bad; the phone burns the pair in memory and tries to store it.
    const first = await signOnce(damaged(ext, live.ecdsa.self), live, burns);
    expect(first.out).toBeInstanceOf(Error);
    expect(live.ecdsa.burned).toEqual([extParty]);
    expect(store.saves).toBe(1);
    expect(store.load().ecdsa.burned).toEqual([]); // the save threw: storage still has the old record
    expect(errorCode(burns.refusal(live, extParty))).toBe('otBurn.unsaved');

    // A well-formed request from that device, served from a record read again from storage (as after a channel restart): refused.
    const reread = store.load();
    const second = await signOnce(ext, reread, burns);
    expect(second.out).toBeInstanceOf(SigningRefused);
    expect((second.out as SigningRefused).reasons[0]!.reason).toMatch(/could not yet record/);
    expect(store.saves).toBe(2); // retried on this attempt
    expect(reread.ecdsa.burned).toEqual([extParty]);

    // Storage works again: the next attempt stores the burn, and the pair stays refused (now as burned).
    store.failing = false;
    const third = await signOnce(ext, store.load(), burns);
    expect(third.out).toBeInstanceOf(SigningRefused);
    expect(store.load().ecdsa.burned).toEqual([extParty]);
    expect(errorCode(burns.refusal(store.load(), extParty))).toBe('otBurn.burned');
    expect((third.out as SigningRefused).reasons[0]!.reason).toMatch(/re-share/);

    // A new process (no memory of the failed saves) reads the stored burn and refuses too.
    const fresh = await signOnce(ext, store.load(), new OtBurns(store.save));
    expect(fresh.out).toBeInstanceOf(SigningRefused);
    expect(fresh.results[0]).toMatchObject({ ok: false });
  }, 60_000);

  it('requester: an unsaved burn refuses the request before any peer is asked; once saved it stays burned', async () => {
    const [ext, phone] = await twoOfTwo();
    const phoneParty = phone.ecdsa.self;
    const store = new FlakyStore(ext);
    const burns = new OtBurns(store.save);

    // The co-signer's KOS messages are bad: the requester detects it and burns the pair.
    const first = await signOnce(store.load(), damaged(phone, ext.ecdsa.self), new OtBurns(async () => undefined), burns);
    expect(first.out).toBeInstanceOf(Error);
    expect(store.load().ecdsa.burned).toEqual([]);

    // The next attempt starts from storage (as the extension does): refused with the stable code, nothing sent.
    const second = await signOnce(store.load(), phone, new OtBurns(async () => undefined), burns);
    expect(second.out).toBeInstanceOf(OtPairRefused);
    expect(errorCode(second.out)).toBe('otBurn.unsaved');
    expect(second.out).toMatchObject({ details: { peers: [phoneParty] } });
    expect(second.results).toEqual([]);

    store.failing = false;
    const third = await signOnce(store.load(), phone, new OtBurns(async () => undefined), burns);
    expect(errorCode(third.out)).toBe('otBurn.burned');
    expect(store.load().ecdsa.burned).toEqual([phoneParty]);
    expect(burns.isSaved(store.load())).toBe(true);
    const fourth = await signOnce(store.load(), phone, new OtBurns(async () => undefined), new OtBurns(store.save));
    expect(errorCode(fourth.out)).toBe('otBurn.burned');
  }, 60_000);
});
