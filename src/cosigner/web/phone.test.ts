/**
 * The phone co-signer's logic without a browser: the PIN-sealed vault store,
 * joining key generation from a pairing, and answering signing requests on
 * the paired channel as the user decides (in-process rooms stand in for the
 * relay; the e2e test e2e/phone-cosigner.spec.ts runs the real page).
 */
import { describe, expect, it } from 'vitest';
import { Transaction, Signature, getAddress } from 'ethers';
import { createVault, requestSignature, SigningRefused } from '../../session/ceremonies';
import { channelOf, vaultId, type DeviceVault } from '../../session/device-vault';
import { newIdentity, publicOf } from '../../session/identity';
import { Mailbox } from '../../session/mailbox';
import { Room } from '../../session/memory-room.test-util';
import { createPairing, encodePairing, parsePairingFragment, type PairingPayload } from '../../session/pairing';
import type { CeremonyTransport, Delivery } from '../../session/mailbox';
import { encodeSignLink } from '../../session/sign-link';
import { PhoneController } from './controller';
import { phonePreviews } from './preview-nodes';
import type { OpenedMailbox, OpenMailboxOptions } from '../../session/relay-transport';
import { parseSigningRequest } from '../../session/signing-request';
import { networkOfChain } from '../../shared/sign-view';
import { deviceIdFor, joinCeremony, pairingInfo } from './ceremony';
import { reshareParams } from '../pairing-params';
import { bytesToHex } from '@noble/hashes/utils.js';
import { NO_PHONE_NODE, SETTLE_MS, SigningService } from '../../shared/signing-service';
import { answerStoredAsks, askForStatements } from '../../session/generation-asks';
import { memoryBackend, PhoneVaultStore, VaultStoreError } from './vault-store';
import { ed25519 } from '@noble/curves/ed25519.js';
import { address, getTransactionDecoder } from '@solana/kit';
import { solanaTransactionBytes, solTransfer } from '../../session/solana-test-tx.test-util';
import { requestSolanaSignature, vaultSolanaAddress } from '../../session/solana-signing';
import type { SolanaSigningRequest } from '../../session/solana-signing-request';
import { thrownError } from '../../errors/codes.test-util';

const ITER = 100_000; // the lowest the KDF accepts; the page uses 600,000
const timing = { joinTimeoutMs: 30_000, roundTimeoutMs: 30_000 };

/** Polls `cond` every 20 ms for up to 6 s; fails naming `what` if it never holds. */
async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300 && !(await cond()); i++) await new Promise((res) => setTimeout(res, 20));
  expect(await cond(), what).toBe(true);
}

/** In-process rooms by session id, opened like relay rooms. */
function rooms() {
  const all = new Map<string, Room>();
  const room = (id: string) => all.get(id) ?? all.set(id, new Room()).get(id)!;
  const open = async (o: Pick<OpenMailboxOptions, 'sessionId' | 'deviceId'>): Promise<OpenedMailbox> => {
    const transport = room(o.sessionId).join(o.deviceId);
    return { mailbox: new Mailbox(transport), client: null as never, close: () => transport.close() };
  };
  return { open };
}

describe('phone vault store', () => {
  it('seals vaults under the PIN; a wrong PIN is refused and changes nothing', async () => {
    const backend = memoryBackend();
    const store = new PhoneVaultStore(backend, ITER);
    await expect(store.setPin('12345')).rejects.toMatchObject({ code: 'phoneStore.pinTooShort' });
    expect(await store.hasPin()).toBe(false);
    const unlocked = await store.setPin('246810');
    const vault = (await twoOfTwo()).phoneVault;
    const summary = await unlocked.save(vault);
    expect(summary).toMatchObject({ id: vaultId(vault), address: vault.address, t: 2, n: 2, deviceId: vault.identity.deviceId });
    await expect(unlocked.save(vault)).rejects.toMatchObject({ code: 'phoneStore.alreadyHeld' });

    // Nothing secret is stored in the clear: not the share, the identity or channel keys, nor the PIN.
    const [record] = await backend.listVaults();
    const stored = JSON.stringify([record, await backend.getPin()]);
    expect(stored).not.toContain(Buffer.from(vault.channel.secret).toString('hex'));
    expect(stored).not.toContain(Buffer.from(vault.identity.signSecret).toString('hex'));
    expect(stored).not.toContain(vault.ecdsa.secretShare.toString(16).padStart(64, '0'));
    expect(stored).not.toContain('246810');

    const again = new PhoneVaultStore(backend, ITER);
    await expect(again.unlock('135790')).rejects.toThrow(VaultStoreError);
    await expect(again.unlock('135790')).rejects.toMatchObject({ code: 'phoneStore.wrongPin' });
    expect((await again.list()).map((v) => v.id)).toEqual([summary.id]);
    await expect(again.setPin('999999')).rejects.toMatchObject({ code: 'phoneStore.pinSet' });
    const reopened = await again.unlock('246810');
    const { vaults, errors } = await reopened.loadAll();
    expect(errors).toEqual([]);
    expect(vaults.map((v) => v.address)).toEqual([vault.address]);
    expect(vaults[0]!.ecdsa.publicKey).toEqual(vault.ecdsa.publicKey);

    // A record altered in storage does not open (and says so), the others are unaffected.
    record!.sealed = { ...record!.sealed, ciphertext: record!.sealed.ciphertext.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) };
    await backend.putVault(record!, true);
    expect((await reopened.loadAll()).errors[0]).toMatch(/does not open/);
  });
});

describe('pairing links on the phone', () => {
  it('describes a keygen pairing, refuses a signing one, and makes valid device ids from names', () => {
    const me = newIdentity('ext');
    const p = createPairing('http://127.0.0.1:8787', 'keygen', { init: publicOf(me).signPub, t: 2, n: 3, name: 'Savings' });
    expect(pairingInfo(p)).toEqual({ kind: 'keygen', name: 'Savings', t: 2, n: 3, relayUrl: 'http://127.0.0.1:8787' });
    expect(thrownError(() => pairingInfo(createPairing('http://127.0.0.1:8787', 'sign', {})))).toMatchObject({
      code: 'pairing.wrongKind',
      details: { kind: 'sign' },
    });
    for (const name of ["Anna's Pixel 8", 'iPhone', '手机', '   ']) {
      const id = deviceIdFor(name);
      expect(() => newIdentity(id)).not.toThrow();
      expect(id).toMatch(/-[0-9a-f]{4}$/);
    }
    expect(deviceIdFor("Anna's Pixel 8")).toMatch(/^Anna-s-Pixel-8-/);
    expect(encodePairing(p).length).toBeGreaterThan(0);
    // Pasted as text (no link): the same pairing.
    expect(pairingInfo(parsePairingFragment(`p=${encodePairing(p)}`))).toEqual(pairingInfo(p));
  });

  it('never names an unknown chain like a known one', () => {
    expect(networkOfChain(1).name).toBe('Ethereum');
    expect(networkOfChain(31337).name).toBe('Hardhat (local)');
    expect(networkOfChain(56)).toMatchObject({ chainId: '0x38', name: expect.stringMatching(/Chain 56 \(not a known network\)/) });
  });
});

/** The extension's side starts a 2-of-2 keygen; the phone joins from the pairing and stores its share. */
async function twoOfTwo(r: { open: (o: Pick<OpenMailboxOptions, 'sessionId' | 'deviceId'>) => Promise<OpenedMailbox> } = rooms()) {
  const ext = newIdentity('tandem-ext-test');
  const pairing: PairingPayload = createPairing('http://127.0.0.1:1', 'keygen', {
    init: publicOf(ext).signPub,
    t: 2,
    n: 2,
    name: 'Phone vault',
  });
  const backend = memoryBackend();
  const store = await new PhoneVaultStore(backend, ITER).setPin('246810');
  const extBox = await r.open({ sessionId: pairing.sessionId, deviceId: ext.deviceId });
  const [extVault, joined] = await Promise.all([
    createVault({
      ...timing,
      mailbox: extBox.mailbox,
      me: ext,
      sessionId: pairing.sessionId,
      plan: { t: 2, n: 2, name: 'Phone vault', relayUrl: 'http://127.0.0.1:1' },
    }),
    joinCeremony({ pairing, deviceName: 'Test Pixel', store, open: r.open, timing }),
  ]);
  if (joined.kind !== 'stored') throw new Error('expected a stored vault');
  return { extVault, phoneVault: joined.vault, store, backend, r };
}

describe('the phone co-signs on the paired channel', () => {
  it('joins key generation, then signs what the user approves and refuses what they reject', async () => {
    const { extVault, phoneVault, store, r } = await twoOfTwo();
    expect(phoneVault.address).toBe(extVault.address);
    expect(phoneVault.identity.deviceId).toMatch(/^Test-Pixel-[0-9a-f]{4}$/);
    expect((await store.loadAll()).vaults.map((v) => v.address)).toEqual([extVault.address]);
    // A re-share pairing of this vault names the id the phone's share is stored under.
    const reshare = createPairing(
      'http://127.0.0.1:1',
      'reshare',
      reshareParams({ init: publicOf(extVault.identity).signPub, pk: bytesToHex(extVault.ecdsa.publicKey), newT: 2, name: 'Phone vault' }),
    );
    expect(pairingInfo(reshare)).toMatchObject({ kind: 'reshare', t: 2, vaultId: vaultId(phoneVault) });

    let changes = 0;
    const service = new SigningService({ onChange: () => changes++, open: r.open });
    await service.listen(phoneVault);
    expect(service.status(vaultId(phoneVault))).toEqual({ state: 'listening' });
    const ask = async (request: ReturnType<typeof parseSigningRequest>) => {
      const box = await r.open({ sessionId: channelOf(extVault).sessionId, deviceId: extVault.identity.deviceId });
      try {
        return await requestSignature({ ...timing, mailbox: box.mailbox, vault: extVault, request });
      } finally {
        await box.close();
      }
    };

    // A transaction, decoded for the screen as the extension shows it; approved: a valid signature.
    const to = getAddress('0x' + '42'.repeat(20));
    const tx = Transaction.from({
      type: 2,
      chainId: 31337,
      nonce: 3,
      to,
      value: 10n ** 18n,
      maxFeePerGas: 2n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
      gasLimit: 21000n,
    });
    const signing = ask(parseSigningRequest({ v: 1, kind: 'transaction', chainId: 31337, path: [], tx: tx.unsignedSerialized }));
    await until(() => service.pending.length === 1, 'transaction shown');
    const p = service.pending[0]!;
    expect(p).toMatchObject({ vaultName: 'Phone vault', fromDevice: 'tandem-ext-test', method: 'eth_sendTransaction', phase: 'waiting' });
    expect(p.view).toMatchObject({
      account: extVault.address,
      networkName: 'Hardhat (local)',
      currencySymbol: 'ETH',
      transaction: { to, value: '1.0', nonce: 3, maxFeeGwei: '2.0' },
    });
    // A phone without a node for the chain says its preview is unavailable (it never shows a requester's).
    expect(p.view.transaction?.preview?.preflight).toEqual({ status: 'unavailable', why: NO_PHONE_NODE });
    service.decide(p.key, true);
    const sig = await signing;
    tx.signature = Signature.from({
      r: '0x' + sig.r.toString(16).padStart(64, '0'),
      s: '0x' + sig.s.toString(16).padStart(64, '0'),
      v: 27 + sig.recovery,
    });
    expect(tx.from).toBe(extVault.address);
    await until(() => service.results.length === 1, 'transaction result');
    expect(service.results[0]).toMatchObject({ outcome: 'signed', what: 'Send 1.0 ETH' });
    expect(service.pending).toEqual([]);

    // A message the user rejects: the requesting device learns it was refused, with the reason.
    const msg = '0x' + Buffer.from('hello').toString('hex');
    const refused = ask(parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: msg })).catch(
      (e: unknown) => e,
    );
    await until(() => service.pending.length === 1, 'message shown');
    expect(service.pending[0]!.view.message).toEqual({ text: 'hello', isHex: false });
    service.decide(service.pending[0]!.key, false);
    const err = await refused;
    expect(err).toBeInstanceOf(SigningRefused);
    expect((err as SigningRefused).reasons[0]!.reason).toMatch(/rejected it on the phone/);
    await until(() => service.results.length === 2, 'message result');
    expect(service.results[0]).toMatchObject({ outcome: 'rejected', what: 'Message signature' });

    // Locking stops listening: a request then finds no co-signer (the extension times out).
    service.stopAll();
    expect(service.status(vaultId(phoneVault))).toBeUndefined();
    const lonely = await r.open({ sessionId: channelOf(extVault).sessionId, deviceId: extVault.identity.deviceId });
    await expect(
      requestSignature({
        joinTimeoutMs: 300,
        roundTimeoutMs: 1000,
        mailbox: lonely.mailbox,
        vault: extVault,
        request: parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: msg }),
      }),
    ).rejects.toMatchObject({ code: 'ceremony.timeout', details: { stage: 'answers' } });
    expect(changes).toBeGreaterThan(0);
  });
});

/**
 * Rooms that keep what was posted, like the relay: a device that joins
 * reads what it has not read yet (from its last position, or from
 * `readAfter`), then what follows.
 */
function backlogRooms() {
  const all = new Map<
    string,
    { log: Array<{ from: string; to: string; payload: unknown }>; members: Map<string, (d: Delivery) => void>; read: Map<string, number> }
  >();
  const room = (id: string) => all.get(id) ?? all.set(id, { log: [], members: new Map(), read: new Map() }).get(id)!;
  const open = async (o: Pick<OpenMailboxOptions, 'sessionId' | 'deviceId' | 'readAfter'>): Promise<OpenedMailbox> => {
    const r = room(o.sessionId);
    const me = o.deviceId;
    const transport: CeremonyTransport = {
      deviceId: me,
      async send(to, payload) {
        const wire = JSON.parse(JSON.stringify(payload));
        r.log.push({ from: me, to, payload: wire });
        const seq = r.log.length;
        for (const [id, h] of r.members)
          if (id !== me && (to === 'all' || to === id)) setTimeout(() => (r.read.set(id, seq), h({ from: me, payload: wire })), 0);
      },
      onMessage(h) {
        const from = o.readAfter ?? r.read.get(me) ?? 0;
        r.members.set(me, h);
        r.log.forEach((m, i) => {
          if (i + 1 > from && m.from !== me && (m.to === 'all' || m.to === me))
            setTimeout(() => (r.read.set(me, i + 1), h({ from: m.from, payload: m.payload })), 0);
        });
      },
      async participants() {
        return [...r.members.keys()];
      },
      async close() {
        r.members.delete(me);
      },
    };
    return { mailbox: new Mailbox(transport), client: null as never, close: () => transport.close() };
  };
  return { open, position: (id: string) => room(id).log.length };
}

describe('a signing link opens a request the phone did not see (page closed)', () => {
  it('cold start from the link: unlock, the request shows, approve signs; an expired or unknown one says so', async () => {
    const r = backlogRooms();
    const { extVault, backend } = await twoOfTwo(r);
    const channel = channelOf(extVault).sessionId;
    /** The extension asks while the phone page is closed, and makes the link its QR code shows. */
    const ask = async (message: string, joinTimeoutMs: number) => {
      const after = r.position(channel);
      const box = await r.open({ sessionId: channel, deviceId: extVault.identity.deviceId });
      let requestId = '';
      const signing = requestSignature({
        joinTimeoutMs,
        roundTimeoutMs: 30_000,
        mailbox: box.mailbox,
        vault: extVault,
        request: parseSigningRequest({
          v: 1,
          kind: 'personal_sign',
          chainId: 31337,
          path: [],
          message: '0x' + Buffer.from(message).toString('hex'),
        }),
        onEvent: (e) => e.kind === 'requested' && (requestId = e.id),
      }).finally(() => box.close());
      await until(() => requestId !== '', 'request sent');
      const hash = `#sign=${encodeSignLink({ vault: extVault.address, requestId, after, relayUrl: 'http://127.0.0.1:1' })}`;
      return { signing, hash, requestId };
    };

    // The page opens from the link, locked: it waits for the PIN, then finds the request in the channel's backlog.
    const { signing, hash, requestId } = await ask('opened from the QR code', 30_000);
    const phone = new PhoneController(backend, ITER, { open: r.open });
    await phone.boot(hash);
    expect(phone.state.signLink).toMatchObject({ status: 'locked', link: { requestId, vault: extVault.address } });
    expect(await phone.unlock('246810')).toBeNull();
    await until(() => phone.signing.pending.length === 1, 'request shown');
    expect(phone.state.signLink).toBeNull(); // the approval screen takes over
    const p = phone.signing.pending[0]!;
    expect(p).toMatchObject({ requestId, method: 'personal_sign', phase: 'waiting' });
    expect(p.view.message).toEqual({ text: 'opened from the QR code', isHex: false });
    phone.signing.decide(p.key, true);
    const sig = await signing;
    expect(sig.compact.length).toBe(64);
    await until(() => phone.signing.results[0]?.outcome === 'signed', 'signed');

    // Opening the same link again: already answered on this phone.
    phone.readSignLink(hash);
    await until(() => phone.state.signLink?.status === 'done', 'already answered');

    // A request whose requester stopped waiting (expired): never approvable, the page says it expired.
    phone.lock();
    const late = await ask('too late', 200);
    await expect(late.signing).rejects.toMatchObject({ code: 'ceremony.timeout', details: { stage: 'answers' } });
    const again = new PhoneController(backend, ITER, { open: r.open });
    await again.boot(late.hash);
    expect(await again.unlock('246810')).toBeNull();
    await until(() => again.state.signLink?.status === 'expired', 'expired');
    expect(again.signing.pending).toEqual([]);

    // A link for a vault this phone does not hold; a damaged link.
    const other = new PhoneController(backend, ITER, { open: r.open });
    await other.boot(`#sign=${encodeSignLink({ vault: '0x' + '77'.repeat(20), requestId, after: 0, relayUrl: 'http://127.0.0.1:1' })}`);
    expect(await other.unlock('246810')).toBeNull();
    expect(other.state.signLink?.status).toBe('unknown-vault');
    const damaged = new PhoneController(backend, ITER, { open: r.open });
    await damaged.boot('#sign=AAAA');
    expect(damaged.state.signLink).toMatchObject({ status: 'invalid', detail: expect.stringMatching(/signing link: version/) });
    for (const c of [phone, again, other]) c.lock();
  }, 60_000);
});

describe('a requester whose OT messages fail their check', () => {
  it('is burned on the phone, recorded in its store, and refused without asking after a reload', async () => {
    const r = rooms();
    const { extVault, backend } = await twoOfTwo(r);
    const channel = channelOf(extVault).sessionId;
    const extParty = extVault.ecdsa.self;
    const phoneParty = extVault.ecdsa.parties.find((p) => p !== extParty)!;
    const request = parseSigningRequest({
      v: 1,
      kind: 'personal_sign',
      chainId: 31337,
      path: [],
      message: '0x' + Buffer.from('burn').toString('hex'),
    });
    const ask = async (vault: DeviceVault) => {
      const box = await r.open({ sessionId: channel, deviceId: extVault.identity.deviceId });
      return requestSignature({ ...timing, roundTimeoutMs: 5_000, mailbox: box.mailbox, vault, request })
        .catch((e: unknown) => e)
        .finally(() => box.close());
    };

    const phone = new PhoneController(backend, ITER, { open: r.open });
    await phone.boot('');
    expect(await phone.unlock('246810')).toBeNull();
    const id = vaultId(extVault);
    await until(() => phone.signing.status(id)?.state === 'listening', 'listening');

    // The extension's OT seeds for the phone's pair are damaged: its OT-extension message fails the phone's KOS check.
    const m = extVault.ecdsa.otReceiver.get(phoneParty)!;
    const damaged: DeviceVault = {
      ...extVault,
      ecdsa: {
        ...extVault.ecdsa,
        otReceiver: new Map([...extVault.ecdsa.otReceiver, [phoneParty, { ...m, seeds1: m.seeds1.map((b) => b ^ 0xff) }]]),
      },
    };
    const failed = ask(damaged);
    await until(() => phone.signing.pending.length === 1, 'request shown');
    phone.signing.decide(phone.signing.pending[0]!.key, true);
    expect(await failed).toBeInstanceOf(Error);
    await until(() => phone.signing.results.length === 1, 'result');
    expect(phone.signing.results[0]!.outcome).not.toBe('signed');
    // Stored: a fresh unlock of the same storage sees the burned pair.
    const stored = async () => (await (await new PhoneVaultStore(backend, ITER).unlock('246810')).loadAll()).vaults[0]!.ecdsa.burned;
    await until(async () => (await stored()).includes(extParty), 'burn recorded');
    phone.lock();

    // After a reload, even a well-formed request from that device is refused before it reaches the screen.
    const again = new PhoneController(backend, ITER, { open: r.open });
    await again.boot('');
    expect(await again.unlock('246810')).toBeNull();
    await until(() => again.signing.status(id)?.state === 'listening', 'listening again');
    const refused = await ask(extVault);
    expect(refused).toBeInstanceOf(SigningRefused);
    expect((refused as SigningRefused).reasons[0]!.reason).toMatch(/failed its OT check.*re-share/);
    expect(again.signing.pending).toEqual([]);
    again.lock();
  }, 60_000);
});

describe('the phone finishes a change of generation it did not see end (docs/generations.md)', () => {
  /** `v` as if its device was killed after storing, before hearing the others' statements; the ceremony room is empty now. */
  const missedTheEnd = (v: DeviceVault): DeviceVault => {
    const { settled, ...rest } = v;
    return {
      ...rest,
      pending: {
        kind: 'unconfirmed',
        ceremony: settled!.ceremony,
        digest: settled!.digest,
        room: { relayUrl: v.channel.relayUrl, sessionId: `emptied-${v.identity.deviceId}`, sessionKey: new Uint8Array(32) },
        awaiting: v.members,
        acked: [],
      },
    };
  };

  it('on unlock it asks on the paired channel and commits; its channel answers a device that asks', async () => {
    const { extVault, phoneVault, store, backend, r } = await twoOfTwo();
    await store.save(missedTheEnd(phoneVault), true);
    // The extension (committed) is on the channel and answers asks, as it does while co-signing.
    const extBox = await r.open({ sessionId: channelOf(extVault).sessionId, deviceId: extVault.identity.deviceId });
    const unanswer = answerStoredAsks(extBox.mailbox, () => extVault);
    const phone = new PhoneController(backend, ITER, { open: r.open });
    try {
      expect(await phone.unlock('246810')).toBeNull();
      await until(async () => !(await store.loadAll()).vaults[0]!.pending, 'the phone committed');
      expect((await store.loadAll()).vaults[0]!.settled).toMatchObject({ digest: extVault.settled!.digest });
      unanswer();

      // Now the extension missed the end: the phone's listening channel answers its ask.
      const ext = await askForStatements({
        record: missedTheEnd(extVault),
        store: { save: async () => undefined, remove: async () => undefined },
        mailbox: extBox.mailbox,
        timeoutMs: 5000,
      });
      expect(ext.kind === 'member' && ext.vault.pending).toBeUndefined();
    } finally {
      phone.lock();
      await extBox.close();
    }
  });
  it('a request read while the channel is left (the change committed: that share is gone) is never shown', async () => {
    const { extVault, phoneVault, r } = await twoOfTwo();
    const service = new SigningService({ onChange: () => undefined, open: r.open });
    await service.listen(phoneVault);
    const box = await r.open({ sessionId: channelOf(extVault).sessionId, deviceId: extVault.identity.deviceId });
    const msg = '0x' + Buffer.from('read while leaving').toString('hex');
    const asked = requestSignature({
      joinTimeoutMs: 2000,
      roundTimeoutMs: 2000,
      mailbox: box.mailbox,
      vault: extVault,
      request: parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: msg }),
    }).catch((e: unknown) => e);
    // Inside the settling delay before the request would be shown, the phone leaves the channel.
    await new Promise((res) => setTimeout(res, 50));
    service.forget(vaultId(phoneVault));
    await new Promise((res) => setTimeout(res, SETTLE_MS + 200));
    expect(service.pending).toEqual([]);
    expect(await asked).toBeInstanceOf(Error); // refused or unanswered, never signed
    await box.close();
  });
});

describe('the phone co-signs Solana requests (docs/solana.md)', () => {
  it('shows a Solana transfer as it decodes it, signs it with FROST when approved, and shows a message as text', async () => {
    const { extVault, phoneVault, r } = await twoOfTwo();
    const sol = vaultSolanaAddress(phoneVault);
    expect(vaultSolanaAddress(extVault)).toBe(sol);
    const service = new SigningService({ onChange: () => undefined, open: r.open });
    await service.listen(phoneVault);
    const ask = async (request: SolanaSigningRequest) => {
      const box = await r.open({ sessionId: channelOf(extVault).sessionId, deviceId: extVault.identity.deviceId });
      try {
        return await requestSolanaSignature({ ...timing, mailbox: box.mailbox, vault: extVault, request });
      } finally {
        await box.close();
      }
    };
    const to = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
    const wire = solanaTransactionBytes({ feePayer: sol, lastValidBlockHeight: 10n, instructions: [solTransfer(sol, to, 250_000_000n)] });
    const compiled = getTransactionDecoder().decode(wire);
    const tx = Buffer.from(wire).toString('base64');
    const signing = ask({ v: 1, kind: 'solana_transaction', signer: sol, tx });
    await until(() => service.pending.length === 1, 'Solana transaction shown');
    const p = service.pending[0]!;
    expect(p).toMatchObject({ method: 'solana:signTransaction', view: { account: sol, networkName: 'Solana' } });
    expect(p.view.solana).toMatchObject({ kind: 'transaction', sendsSol: '0.25', warnings: [] });
    expect(p.view.solana!.instructions).toContain(`Send 0.25 SOL from ${sol} to ${to}`);
    service.decide(p.key, true);
    const sig = await signing;
    expect(ed25519.verify(sig, new Uint8Array(compiled.messageBytes), phoneVault.eddsa.groupPublicKey)).toBe(true);
    await until(() => service.results.length === 1, 'Solana result');
    expect(service.results[0]).toMatchObject({ outcome: 'signed', what: 'Solana transaction (0.25 SOL)' });

    const text = 'Sign in to dapp.example';
    const msg = ask({ v: 1, kind: 'solana_message', signer: sol, message: Buffer.from(text).toString('hex') });
    await until(() => service.pending.length === 1, 'Solana message shown');
    expect(service.pending[0]!.view.solana?.message).toEqual({ text, isHex: false });
    service.decide(service.pending[0]!.key, true);
    expect(ed25519.verify(await msg, new TextEncoder().encode(text), phoneVault.eddsa.groupPublicKey)).toBe(true);
    service.stopAll();
  });
});

describe('the phone previews transactions on its own nodes (Settings › Nodes for previews)', () => {
  it('stores checked URLs and keeps them across a reload; refuses what is not an http(s) URL', async () => {
    const backend = memoryBackend();
    const phone = new PhoneController(backend, ITER);
    await phone.boot('');
    expect(phone.state.previewRpcUrls).toEqual([]);
    expect(await phone.setPreviewRpcUrls('ftp://node')).toMatch(/starts with https:\/\//);
    expect(await phone.setPreviewRpcUrls('not a url')).toMatch(/is not a URL/);
    expect(await phone.setPreviewRpcUrls('https://user:pw@node.example')).toMatch(/user name or password/);
    expect(phone.state.previewRpcUrls).toEqual([]);
    expect(await phone.setPreviewRpcUrls(' https://rpc.example/eth \n\nhttp://127.0.0.1:8545\nhttps://rpc.example/eth')).toBeNull();
    expect(phone.state.previewRpcUrls).toEqual(['https://rpc.example/eth', 'http://127.0.0.1:8545/']);
    const again = new PhoneController(backend, ITER);
    await again.boot('');
    expect(again.state.previewRpcUrls).toEqual(['https://rpc.example/eth', 'http://127.0.0.1:8545/']);
    expect(await again.setPreviewRpcUrls('')).toBeNull();
    expect(again.state.previewRpcUrls).toEqual([]);
  });

  it('without a node for the chain, a transaction preview says so', async () => {
    const previewOf = phonePreviews(() => []);
    const tx = Transaction.from({
      type: 2,
      chainId: 5,
      nonce: 0,
      to: getAddress('0x' + '42'.repeat(20)),
      value: 1n,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
      gasLimit: 21000n,
    });
    const request = parseSigningRequest({ v: 1, kind: 'transaction', chainId: 5, path: [], tx: tx.unsignedSerialized });
    const vault = { address: getAddress('0x' + 'ab'.repeat(20)) } as DeviceVault;
    expect((await previewOf(request, vault)).preflight).toEqual({
      status: 'unavailable',
      why: 'this phone has no node for chain 5 (Settings › Nodes for previews)',
    });
  });
});
