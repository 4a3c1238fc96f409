/**
 * Honest 2-of-2 signings through a real relay, for the relay's load, abuse
 * and soak runs: one key generation, then as many paired channels as wanted
 * (copies of the two device vaults with fresh channel secrets), each with a
 * co-signer serving and an initiator requesting personal_sign signatures.
 * Every signature is checked to recover the vault's address.
 */
import { randomBytes } from 'node:crypto';
import { hexlify, Signature, toUtf8Bytes, verifyMessage } from 'ethers';
import WebSocket from 'ws';
import { createVault, joinVault, requestSignature, serveSigning } from '../../src/session/ceremonies.js';
import { CHANNEL_TTL_SECONDS, channelOf, type DeviceVault } from '../../src/session/device-vault.js';
import { newIdentity, publicOf } from '../../src/session/identity.js';
import { createPairing } from '../../src/session/pairing.js';
import type { WebSocketConstructor } from '../../src/session/relay-client.js';
import { type OpenedMailbox, openMailbox } from '../../src/session/relay-transport.js';
import { parseSigningRequest } from '../../src/session/signing-request.js';

const WS = WebSocket as unknown as WebSocketConstructor;
export const timing = { joinTimeoutMs: 120_000, roundTimeoutMs: 120_000 };

/** One 2-of-2 key generation through the relay at `relayUrl`. */
export async function keygen2of2(relayUrl: string): Promise<[DeviceVault, DeviceVault]> {
  const ids = [newIdentity('soak-a'), newIdentity('soak-b')] as const;
  const p = createPairing(relayUrl, 'keygen', {});
  const open = (deviceId: string) => openMailbox({ relayUrl, sessionId: p.sessionId, sessionKey: p.sessionKey, deviceId, WebSocket: WS });
  const [a, b] = await Promise.all([open(ids[0].deviceId), open(ids[1].deviceId)]);
  try {
    const vaults = await Promise.all([
      createVault({ ...timing, mailbox: a.mailbox, me: ids[0], sessionId: p.sessionId, plan: { t: 2, n: 2, name: 'soak', relayUrl } }),
      joinVault({ ...timing, mailbox: b.mailbox, me: ids[1], sessionId: p.sessionId, initiatorSignPub: publicOf(ids[0]).signPub }),
    ]);
    return [vaults[0], vaults[1]];
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** The same two vaults on a fresh paired channel (another room, another key). */
export function onNewChannel([a, b]: [DeviceVault, DeviceVault], relayUrl: string): [DeviceVault, DeviceVault] {
  const secret = new Uint8Array(randomBytes(32));
  return [
    { ...a, channel: { relayUrl, secret } },
    { ...b, channel: { relayUrl, secret } },
  ];
}

export interface Channel {
  /** Signs `text` on this channel; resolves with the time it took (ms), throws when it fails. */
  sign(text: string): Promise<number>;
  sessionId: string;
  /** The channel's session key (to sign raw requests on its room). SECRET. */
  sessionKey: Uint8Array;
  close(): Promise<void>;
}

/** Opens both devices' mailboxes on the vaults' paired channel; the second serves (accepting every request). */
export async function openChannel([a, b]: [DeviceVault, DeviceVault]): Promise<Channel> {
  const ch = channelOf(a);
  const open = (v: DeviceVault): Promise<OpenedMailbox> =>
    openMailbox({ ...ch, deviceId: v.identity.deviceId, ttlSeconds: CHANNEL_TTL_SECONDS, WebSocket: WS });
  const [ma, mb] = await Promise.all([open(a), open(b)]);
  const server = serveSigning({ mailbox: mb.mailbox, vault: b, decide: async () => true, roundTimeoutMs: timing.roundTimeoutMs });
  return {
    sessionId: ch.sessionId,
    sessionKey: ch.sessionKey,
    async sign(text: string) {
      const t0 = performance.now();
      const request = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: hexlify(toUtf8Bytes(text)) });
      const sig = await requestSignature({ ...timing, mailbox: ma.mailbox, vault: a, request });
      const hex = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}`;
      const signer = verifyMessage(text, Signature.from({ r: hex(sig.r), s: hex(sig.s), v: 27 + (sig.recovery & 1) }));
      if (signer !== a.address) throw new Error(`signature recovers ${signer}, not the vault's ${a.address}`);
      return performance.now() - t0;
    },
    async close() {
      server.stop();
      await Promise.all([ma.close(), mb.close()]);
    },
  };
}
