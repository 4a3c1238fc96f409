/**
 * The extension finishes a change of generation it did not see end
 * (docs/generations.md): its record is pending, the ceremony's room holds
 * nothing any more (the relay dropped what every member read), and the
 * co-signer — committed, serving the paired channel — answers the signed ask
 * with its statement. On unlock, and before co-signing, the extension
 * commits; it then signs. With nobody answering, nothing changes.
 */
import { describe, expect, it, vi } from 'vitest';
import { verifyMessage } from 'ethers';
import { Services } from './services';
import { memoryArea } from './storage';
import { memoryRepository } from './vault/records';
import type { ChainClient } from './router-deps';
import { openDeviceVault } from './device-vault-store';
import { Mailbox } from '../session/mailbox';
import { Room } from '../session/memory-room.test-util';
import { joinVault, serveSigning } from '../session/ceremonies';
import { channelOf, encodeDeviceVault, type DeviceVault } from '../session/device-vault';
import { answerStoredAsks } from '../session/generation-asks';
import { newIdentity } from '../session/identity';
import { decodePairing } from '../session/pairing';
import type { OpenedMailbox, OpenMailboxOptions } from '../session/relay-transport';
import type { RelayClient } from '../session/relay-client';

const A = 'https://dapp.example';
const PASSWORD = 'correct horse';

async function paired() {
  const rooms = new Map<string, Room>();
  const room = (id: string) => rooms.get(id) ?? (rooms.set(id, new Room()), rooms.get(id)!);
  const openMailbox = async (o: OpenMailboxOptions): Promise<OpenedMailbox> => {
    const transport = room(o.sessionId).join(o.deviceId);
    return { mailbox: new Mailbox(transport), client: {} as RelayClient, close: () => transport.close() };
  };
  const chain: ChainClient = { call: async () => '0x', chainIdOf: async () => '0x7a69' };
  const s = new Services({
    local: memoryArea(),
    session: memoryArea(),
    repo: memoryRepository(),
    chain,
    openPopup: vi.fn(),
    deliverLate: vi.fn(),
    armAutoLock: vi.fn(),
    onStateChange: vi.fn(),
    pbkdf2Iterations: 100_000,
    openMailbox,
    signTiming: { joinTimeoutMs: 3000, roundTimeoutMs: 30_000 },
  });
  const state = await s.command({ type: 'startKeygen', name: 'Paired', t: 2, n: 2, password: PASSWORD });
  const pairing = decodePairing(state.ceremony!.pairing);
  const me = newIdentity('cli-test');
  const cosigner = await joinVault({
    joinTimeoutMs: 30_000,
    roundTimeoutMs: 30_000,
    mailbox: new Mailbox(room(pairing.sessionId).join(me.deviceId)),
    me,
    sessionId: pairing.sessionId,
    initiatorSignPub: pairing.params.init as string,
  });
  await s.ceremonies.idle();
  await s.permissions.grant(A, [cosigner.address]);
  return { s, room, cosigner };
}

/** The extension's record as if it was killed after storing the key generation, before hearing the co-signer's statement. */
async function missTheEnd(s: Services): Promise<DeviceVault> {
  const view = (await s.wallet.vault())!;
  const done = (await openDeviceVault(s.wallet, view))!;
  expect(done.settled).toBeDefined();
  const { settled, ...rest } = done;
  const pending: DeviceVault = {
    ...rest,
    pending: {
      kind: 'unconfirmed',
      ceremony: settled!.ceremony,
      digest: settled!.digest,
      // The ceremony's room as the relay holds it now: empty.
      room: { relayUrl: done.channel.relayUrl, sessionId: 'emptied-ceremony-room', sessionKey: new Uint8Array(32) },
      awaiting: done.members,
      acked: [],
    },
  };
  await s.wallet.replaceShare(view.id, new TextEncoder().encode(encodeDeviceVault(pending)) as Uint8Array<ArrayBuffer>);
  return pending;
}

/** The co-signer as `serve` runs it: signs what it is asked, answers asks for its statement. */
function serve(t: Awaited<ReturnType<typeof paired>>) {
  const mailbox = new Mailbox(t.room(channelOf(t.cosigner).sessionId).join(t.cosigner.identity.deviceId));
  const unanswer = answerStoredAsks(mailbox, () => t.cosigner);
  const server = serveSigning({ mailbox, vault: t.cosigner, decide: async () => true, roundTimeoutMs: 30_000 });
  return () => {
    server.stop();
    unanswer();
  };
}

async function record(s: Services): Promise<DeviceVault> {
  return (await openDeviceVault(s.wallet, await s.wallet.vault()))!;
}

describe('the extension finishes a pending change of generation later', () => {
  it('on unlock: the co-signer answers the ask on the paired channel; the record commits and signs', async () => {
    const t = await paired();
    expect(t.cosigner.settled).toBeDefined(); // the co-signer committed and keeps what it needs to say so again
    await missTheEnd(t.s);

    // Nobody answers: still pending, nothing deleted or rewritten.
    await t.s.finishPendingChanges();
    expect((await record(t.s)).pending?.kind).toBe('unconfirmed');

    const stop = serve(t);
    try {
      await t.s.command({ type: 'lock' });
      await t.s.command({ type: 'unlock', password: PASSWORD });
      await t.s.finishPendingChanges();
      const after = await record(t.s);
      expect(after.pending).toBeUndefined();
      expect(after.settled).toMatchObject({ digest: t.cosigner.settled!.digest });
      expect(after.address).toBe(t.cosigner.address);
      expect((await t.s.wallet.vaults()).filter((v) => v.kind === 'tss')).toHaveLength(1);

      const msg = t.s.handleRpc({ origin: A }, { method: 'personal_sign', params: ['0x6869', t.cosigner.address] });
      const [a] = await waitApprovals(t.s);
      await t.s.command({ type: 'decideApproval', id: a!.id, approve: true });
      expect(verifyMessage('hi', (await msg) as string)).toBe(t.cosigner.address);
    } finally {
      stop();
    }
  });

  it('before co-signing: a pending record is finished first, then the request is signed', async () => {
    const t = await paired();
    const stop = serve(t);
    try {
      await missTheEnd(t.s);
      const msg = t.s.handleRpc({ origin: A }, { method: 'personal_sign', params: ['0x6869', t.cosigner.address] });
      const [a] = await waitApprovals(t.s);
      await t.s.command({ type: 'decideApproval', id: a!.id, approve: true });
      expect(verifyMessage('hi', (await msg) as string)).toBe(t.cosigner.address);
      expect((await record(t.s)).pending).toBeUndefined();
    } finally {
      stop();
    }
  });
});

async function waitApprovals(s: Services) {
  for (let i = 0; i < 200; i++) {
    const list = await s.approvals.list();
    if (list.length) return list;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no approval queued');
}
