/**
 * Joining a ceremony from the pairing link the phone's camera opened: key
 * generation (a new vault) or a re-share (this phone as an old device of the
 * vault, or as a new one). The share is stored, sealed under the PIN, only
 * after every device confirmed the same keys; a ceremony that fails stores
 * nothing and changes nothing.
 */
import { joinReshare, joinVault, type CeremonyEvent, type CeremonyTiming, type GenerationStore } from '../../session/ceremonies';
import { CHANNEL_TTL_SECONDS, vaultId, type DeviceVault } from '../../session/device-vault';
import { describePending } from '../../session/generations';
import { newIdentity } from '../../session/identity';
import type { PairingPayload } from '../../session/pairing';
import { openMailbox, type OpenedMailbox, type OpenMailboxOptions } from '../../session/relay-transport';
import { readKeygenParams, readReshareParams, reshareVaultId } from '../pairing-params';
import type { UnlockedStore, VaultSummary } from './vault-store';
import { TandemError } from '../../errors/index';

export const CEREMONY_TIMING: CeremonyTiming = { joinTimeoutMs: 10 * 60_000, roundTimeoutMs: 60_000 };

/** What the join screen says about a pairing before the user joins. */
export interface PairingInfo {
  kind: 'keygen' | 'reshare';
  name: string;
  /** Threshold and device count after the ceremony (re-share: the new threshold only). */
  t: number;
  n?: number;
  relayUrl: string;
  /** Re-share: the vault id, to find this phone's old share. */
  vaultId?: string;
}

/** Reads a pairing for the join screen; throws with a message for the user when it is not one the phone joins. */
export function pairingInfo(p: PairingPayload): PairingInfo {
  if (p.kind === 'keygen') {
    const k = readKeygenParams(p);
    return { kind: 'keygen', name: k.name, t: k.t, n: k.n, relayUrl: p.relayUrl };
  }
  if (p.kind === 'reshare') {
    const r = readReshareParams(p);
    return { kind: 'reshare', name: r.name, t: r.newT, relayUrl: p.relayUrl, vaultId: reshareVaultId(r) };
  }
  throw new TandemError(
    'pairing.wrongKind',
    p.kind === 'sign'
      ? 'This QR code is for a signing session. Open the co-signer page and unlock it instead: signing requests reach it on its own.'
      : `This QR code is for a ${p.kind} session, which the phone does not join.`,
    { details: { kind: p.kind } },
  );
}

/** A device id from the name the user chose: the allowed characters, and a short random suffix. */
export function deviceIdFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(2)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${slug || 'phone'}-${suffix}`;
}

export type JoinOutcome =
  /** `pending` says what the change of generation still waits for (docs/generations.md); `vault` is the record as stored. */
  | { kind: 'stored'; vault: DeviceVault; summary: VaultSummary; replaced: boolean; pending: string | null }
  | { kind: 'retired'; vaultId: string };

/** The phone's vault store as a generation store; the first save may create the record, later ones replace it. */
function phoneStore(store: UnlockedStore, replaceFirst: boolean, id: () => string): GenerationStore & { summary?: VaultSummary } {
  let replace = replaceFirst;
  const g: GenerationStore & { summary?: VaultSummary } = {
    async save(record) {
      g.summary = await store.save(record, replace);
      replace = true;
    },
    async remove() {
      await store.remove(id());
    },
  };
  return g;
}

/**
 * Joins the ceremony of `pairing` and stores the result. `oldVault` is this
 * phone's share of the vault being re-shared, if it holds one.
 */
export async function joinCeremony(opts: {
  pairing: PairingPayload;
  deviceName: string;
  store: UnlockedStore;
  oldVault?: DeviceVault;
  /** This phone gives its place up (it deals, then deletes its share once every new device stored its own). */
  leaving?: boolean;
  onEvent?: (e: CeremonyEvent) => void;
  open?: (o: OpenMailboxOptions) => Promise<OpenedMailbox>;
  timing?: CeremonyTiming;
}): Promise<JoinOutcome> {
  const { pairing, store } = opts;
  const info = pairingInfo(pairing);
  const timing = opts.timing ?? CEREMONY_TIMING;
  const me = opts.oldVault ? opts.oldVault.identity : newIdentity(deviceIdFor(opts.deviceName));
  const opened = await (opts.open ?? openMailbox)({
    relayUrl: pairing.relayUrl,
    sessionId: pairing.sessionId,
    sessionKey: pairing.sessionKey,
    deviceId: me.deviceId,
    // Kept for days: a device that misses the end finishes it there later (docs/generations.md).
    ttlSeconds: CHANNEL_TTL_SECONDS,
  });
  const room = { relayUrl: pairing.relayUrl, sessionId: pairing.sessionId, sessionKey: pairing.sessionKey };
  try {
    const init = String(pairing.params.init);
    if (info.kind === 'keygen') {
      const files = phoneStore(store, false, () => '');
      const vault = await joinVault({
        ...timing,
        mailbox: opened.mailbox,
        me,
        sessionId: pairing.sessionId,
        initiatorSignPub: init,
        store: files,
        room,
        ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      });
      return { kind: 'stored', vault, summary: files.summary!, replaced: false, pending: describePending(vault) };
    }
    const files = phoneStore(store, !!opts.oldVault, () => info.vaultId!);
    const outcome = await joinReshare({
      ...timing,
      mailbox: opened.mailbox,
      me,
      sessionId: pairing.sessionId,
      initiatorSignPub: init,
      ...(opts.oldVault ? { oldVault: opts.oldVault } : {}),
      ...(opts.oldVault && opts.leaving ? { leaving: true } : {}),
      expectedKey: String(pairing.params.pk),
      store: files,
      room,
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    });
    if (outcome.kind === 'retired') return { kind: 'retired', vaultId: info.vaultId! };
    if (vaultId(outcome.vault) !== info.vaultId)
      throw new TandemError('reshare.otherKey', 'the re-share ended with another vault than the QR code said');
    return {
      kind: 'stored',
      vault: outcome.vault,
      summary: files.summary!,
      replaced: !!opts.oldVault,
      pending: describePending(outcome.vault),
    };
  } finally {
    await opened.close().catch(() => undefined);
  }
}
