/**
 * A re-share rotates the vault's paired channel and hands the new channel's
 * secret only to the new generation's devices.
 *
 * Why: the paired channel's 32-byte secret gives its relay room id and its
 * AES-GCM key (`channelOf`). Whoever holds it reads every signing request
 * (what is being paid, to whom) and can post in the room. Were the new secret
 * in the re-share roster, every device in the re-share room would get it,
 * leaving devices included: a retired device (lost, sold, stolen) would keep
 * reading the vault's requests forever. So the roster carries no secret; the
 * initiator sends it after the roster to each new member alone, sealed like a
 * point-to-point protocol message (identity.ts): signed by the initiator's
 * identity key and encrypted under the X25519 pair key of the two devices, in
 * a relay message addressed to that device only. A leaving device receives
 * neither the secret nor its ciphertext, and its old channel goes quiet:
 * every new member signs on the new one.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../tss/errors.js';
import { isPlainObject } from '../tss/wire.js';
import type { DeviceVault } from './device-vault.js';
import { openMessage, sealMessage, type DeviceIdentity } from './identity.js';
import { CeremonyTimeout, type Mailbox } from './mailbox.js';
import { identitiesOf, protocolSid, rosterHash, type RosterMember, type SignedRoster } from './roster.js';

const PROTOCOL = 'session/channel-secret';

/** The party that signed the roster (the re-share's initiator), found by its signature. */
export function rosterSigner({ roster, sig }: SignedRoster): PartyId {
  const hash = rosterHash(roster);
  const m = roster.members.find((x) => {
    try {
      return ed25519.verify(hexToBytes(sig), hash, hexToBytes(x.identity.signPub));
    } catch {
      return false;
    }
  });
  if (!m) throw new Error('the re-share roster is not signed by one of its devices');
  return m.party;
}

/** Initiator: sends the new channel's secret to each of `to`, sealed to that device alone. */
export async function sendChannelSecret(opts: {
  mailbox: Mailbox;
  me: DeviceIdentity;
  signed: SignedRoster;
  self: PartyId;
  to: readonly RosterMember[];
  secret: Uint8Array;
}): Promise<void> {
  const { roster } = opts.signed;
  const sid = bytesToHex(protocolSid(roster, PROTOCOL));
  const identities = identitiesOf(roster);
  await Promise.all(
    opts.to
      .filter((m) => m.party !== opts.self)
      .map(async (m) => {
        const body = { secret: bytesToHex(opts.secret) };
        const sealed = await sealMessage(
          { v: 1, protocol: PROTOCOL, sid, round: 1, from: opts.self, to: m.party, body },
          opts.me,
          identities,
        );
        await opts.mailbox.send(m.identity.deviceId, { t: 'channel-secret', m: sealed });
      }),
  );
}

/**
 * A new member: takes the new channel's secret from the initiator. Only a
 * message signed by the roster's signer, for this re-share, encrypted to this
 * device, counts; anything else in the room is ignored.
 */
export async function receiveChannelSecret(opts: {
  mailbox: Mailbox;
  me: DeviceIdentity;
  signed: SignedRoster;
  self: PartyId;
  relayUrl: string;
  timeoutMs: number;
}): Promise<DeviceVault['channel']> {
  const { roster } = opts.signed;
  const from = rosterSigner(opts.signed);
  const sid = bytesToHex(protocolSid(roster, PROTOCOL));
  const identities = identitiesOf(roster);
  const initiator = identities.get(from)!.deviceId;
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const d = await opts.mailbox.take(
      (d) => d.from === initiator && isPlainObject(d.payload) && d.payload.t === 'channel-secret',
      Math.max(1, deadline - Date.now()),
      () => new CeremonyTimeout(`${initiator} did not send the vault's new channel; nothing was stored`, [initiator]),
    );
    try {
      const msg = await openMessage((d.payload as { m: unknown }).m, opts.self, opts.me, identities);
      const secret = msg.body.secret;
      if (msg.from !== from || msg.protocol !== PROTOCOL || msg.sid !== sid || msg.round !== 1) continue;
      if (typeof secret !== 'string' || !/^[0-9a-f]{64}$/.test(secret)) continue;
      return { relayUrl: opts.relayUrl, secret: hexToBytes(secret) };
    } catch {
      // Not sealed by the initiator to this device: ignored (anyone in the room can post).
    }
  }
}
