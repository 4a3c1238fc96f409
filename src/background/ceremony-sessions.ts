/**
 * Ceremonies run from the extension (src/session/ceremonies.ts), each on a
 * fresh relay room:
 * - key generation started here (`createVault`): the popup shows the
 *   pairing (QR code, text, link) and the devices as they join;
 * - a re-share of the active vault started here (`startReshare`);
 * - joining another device's key generation or re-share from its pairing
 *   text or link (`joinVault`, `joinReshare`).
 * The resulting device vault is stored encrypted in the vault store only
 * after every device confirmed the same keys (a re-share replaces the old
 * share only then).
 *
 * One ceremony at a time. Its state lives in the service worker's memory
 * (the pairing holds the session key: it is never written anywhere); a
 * marker in session storage tells a restarted worker that a ceremony was cut
 * off, so the popup can say so instead of waiting forever. Nothing is
 * stored before every device confirmed; a ceremony cut off after that may
 * have stored a pending record (docs/generations.md): the marker says so,
 * and the popup then shows where this device's vault stands.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { createVault, joinReshare, joinVault, startReshare, type CeremonyEvent, type CeremonyTiming } from '../session/ceremonies';
import { CHANNEL_TTL_SECONDS, type DeviceVault } from '../session/device-vault';
import { describePending } from '../session/generations';
import {
  followEvent,
  markFailed,
  reshareResult,
  viewAfterRestart,
  type CeremonyMarker,
  type CeremonyResult,
  type VaultStanding,
} from './ceremony-view';
import { newIdentity, publicOf } from '../session/identity';
import {
  createPairing,
  decodePairing,
  encodePairing,
  PairingError,
  pairingLink,
  parsePairingFragment,
  type PairingPayload,
} from '../session/pairing';
import { openMailbox, type OpenedMailbox, type OpenMailboxOptions } from '../session/relay-transport';
import type { CeremonyView } from '../shared/popup-api';
import { walletStore } from './device-vault-store';
import type { KeyValueArea } from './storage';
import type { WalletService } from './vault/wallet';
import { WalletError } from '../shared/wallet-errors';

/** Session-storage marker of a ceremony in flight (no secrets). */
export const CEREMONY_MARKER_KEY = 'ceremony.inflight.v1';

/** How long devices have to join, and each protocol round. */
export const KEYGEN_TIMING: CeremonyTiming = { joinTimeoutMs: 10 * 60_000, roundTimeoutMs: 60_000 };

/** The co-signer web page a phone's camera opens (served by the relay). */
export function cosignerPage(relayUrl: string): string {
  return `${relayUrl.replace(/\/+$/, '')}/cosigner/`;
}

export interface CeremonyDeps {
  wallet: Pick<WalletService, 'addVault' | 'deleteVault' | 'replaceShare'>;
  session: KeyValueArea;
  onChange(): void;
  /** Where the vault that ceremony `ceremony` stored stands now, or null (this device stored nothing of it). */
  standing?: (ceremony: string) => Promise<VaultStanding | null>;
  open?: (opts: OpenMailboxOptions) => Promise<OpenedMailbox>;
  timing?: CeremonyTiming;
}

/** Runs key generation ceremonies for the popup. */
export class CeremonySessions {
  private view: CeremonyView | null = null;
  private opened: OpenedMailbox | null = null;
  private run: Promise<void> | null = null;
  /** The last write of the marker (the popup is told of a step only once the marker has it). */
  private marking: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CeremonyDeps) {}

  /** What the popup shows, or null. A ceremony cut off by a worker restart shows as failed. */
  async current(): Promise<CeremonyView | null> {
    if (this.view) return this.view;
    const cut = await this.deps.session.get<CeremonyMarker>(CEREMONY_MARKER_KEY);
    if (!cut) return null;
    const now = cut.confirmed && cut.ceremony ? await this.deps.standing?.(cut.ceremony).catch(() => null) : null;
    return viewAfterRestart(cut, now);
  }

  /** Resolves when the running ceremony (if any) has ended (tests). */
  idle(): Promise<void> {
    return this.run ?? Promise.resolve();
  }

  /**
   * Opens a relay room and starts waiting for the other devices. Resolves
   * once the pairing can be shown; throws (nothing started) if the relay
   * cannot be reached.
   */
  async start(plan: { name: string; t: number; n: number; relayUrl: string }): Promise<void> {
    this.checkIdle();
    const { t, n } = plan;
    checkQuorum(t, n);
    const name = plan.name.trim().slice(0, 64) || 'Vault';
    const me = newDeviceIdentity();
    const pairing = createPairing(plan.relayUrl, 'keygen', { init: publicOf(me).signPub, t, n, name });
    await this.launch({ kind: 'keygen', name, t, n, joiners: n - 1 }, pairing, me.deviceId, async (mailbox, onEvent) => {
      const vault = await createVault({
        ...(this.deps.timing ?? KEYGEN_TIMING),
        mailbox,
        me,
        sessionId: pairing.sessionId,
        plan: { t, n, name, relayUrl: plan.relayUrl },
        ...this.generationOpts(pairing, null),
        onEvent,
      });
      return { address: vault.address, pending: describePending(vault) };
    });
  }

  /**
   * Re-shares the active vault (this device is one of its current devices)
   * to `newN` devices with threshold `newT`: every device of the new set
   * other than this one joins with the pairing (the current devices that stay
   * — at least t − 1 of them — and the new ones). The address stays; this
   * device's old share is replaced only after every new device confirmed.
   */
  async startReshare(plan: {
    vault: DeviceVault;
    vaultRecordId: string;
    newT: number;
    newN: number;
    relayUrl: string;
    /** This device gives its place up: the new set is `newN` other devices, which all join. */
    leaving?: boolean;
  }): Promise<void> {
    this.checkIdle();
    const { vault, newT, newN } = plan;
    checkQuorum(newT, newN);
    const pairing = createPairing(plan.relayUrl, 'reshare', {
      init: publicOf(vault.identity).signPub,
      pk: bytesToHex(vault.ecdsa.publicKey),
      newT,
      name: vault.name,
    });
    const joiners = plan.leaving ? newN : newN - 1;
    await this.launch(
      { kind: 'reshare', name: vault.name, t: newT, n: newN, joiners },
      pairing,
      vault.identity.deviceId,
      async (mailbox, onEvent) => {
        const outcome = await startReshare({
          ...(this.deps.timing ?? KEYGEN_TIMING),
          mailbox,
          vault,
          sessionId: pairing.sessionId,
          plan: { newT, expectedJoiners: joiners, relayUrl: plan.relayUrl, ...(plan.leaving ? { leaving: true } : {}) },
          ...this.generationOpts(pairing, plan.vaultRecordId),
          onEvent,
        });
        return reshareResult(outcome, vault.address);
      },
    );
  }

  /**
   * Joins a ceremony another device started, from its pairing text or link:
   * key generation (a new vault), or a re-share of `current` (this device's
   * vault with the same key: it takes part as an old device) or of a vault
   * this device does not hold yet (it joins as a new device).
   */
  async join(text: string, current?: { vault: DeviceVault; vaultRecordId: string }, leaving = false): Promise<void> {
    this.checkIdle();
    const t = text.trim();
    let pairing: PairingPayload;
    try {
      pairing = t.includes('#') ? parsePairingFragment(t) : decodePairing(t);
    } catch (e) {
      throw new WalletError('pairing.invalid', e instanceof PairingError ? { reason: e.message } : {}, e);
    }
    const init = pairing.params.init;
    if (typeof init !== 'string' || !/^[0-9a-f]{64}$/.test(init)) throw new WalletError('pairing.noInitiator');
    const name = typeof pairing.params.name === 'string' ? pairing.params.name.slice(0, 64) : 'Vault';
    const timing = this.deps.timing ?? KEYGEN_TIMING;
    if (pairing.kind === 'keygen') {
      const n = Number(pairing.params.n);
      const tt = Number(pairing.params.t);
      if (!Number.isInteger(n) || !Number.isInteger(tt) || n < 2 || n > 16 || tt < 2 || tt > n) throw new WalletError('pairing.badQuorum');
      const me = newDeviceIdentity();
      await this.launch(
        { kind: 'keygen', name, t: tt, n, joiners: n - 1 },
        pairing,
        me.deviceId,
        async (mailbox, onEvent) => {
          const vault = await joinVault({
            ...timing,
            mailbox,
            me,
            sessionId: pairing.sessionId,
            initiatorSignPub: init,
            ...this.generationOpts(pairing, null),
            onEvent,
          });
          return { address: vault.address, pending: describePending(vault) };
        },
        true,
      );
      return;
    }
    if (pairing.kind !== 'reshare') throw new WalletError('pairing.wrongKind', { kind: pairing.kind });
    const pk = pairing.params.pk;
    const newT = Number(pairing.params.newT);
    if (typeof pk !== 'string' || !/^[0-9a-f]{66}$/.test(pk) || !Number.isInteger(newT) || newT < 2 || newT > 16)
      throw new WalletError('pairing.badReshare');
    const old = current && bytesToHex(current.vault.ecdsa.publicKey) === pk ? current : undefined;
    const me = old ? old.vault.identity : newDeviceIdentity();
    await this.launch(
      { kind: 'reshare', name, t: newT, n: newT, joiners: 0 },
      pairing,
      me.deviceId,
      async (mailbox, onEvent) => {
        const outcome = await joinReshare({
          ...timing,
          mailbox,
          me,
          sessionId: pairing.sessionId,
          initiatorSignPub: init,
          ...(old ? { oldVault: old.vault } : {}),
          ...(old && leaving ? { leaving: true } : {}),
          expectedKey: pk,
          ...this.generationOpts(pairing, old ? old.vaultRecordId : null),
          onEvent,
        });
        return reshareResult(outcome, `0x`);
      },
      true,
    );
  }

  /** Where a ceremony stores its result: this wallet's record `recordId` (an old device), or a new record. */
  private generationOpts(pairing: PairingPayload, recordId: string | null) {
    return {
      store: walletStore(this.deps.wallet, recordId),
      room: { relayUrl: pairing.relayUrl, sessionId: pairing.sessionId, sessionKey: pairing.sessionKey },
    };
  }

  private checkIdle(): void {
    if (this.view && (this.view.status === 'waiting' || this.view.status === 'running')) throw new WalletError('ceremony.busy');
  }

  /** Opens the room, shows the pairing, and runs `ceremony` in the background. */
  private async launch(
    what: Pick<CeremonyView, 'kind' | 'name' | 't' | 'n' | 'joiners'>,
    pairing: PairingPayload,
    deviceId: string,
    ceremony: (mailbox: OpenedMailbox['mailbox'], onEvent: (e: CeremonyEvent) => void) => Promise<CeremonyResult>,
    joining = false,
  ): Promise<void> {
    let opened: OpenedMailbox;
    try {
      opened = await (this.deps.open ?? openMailbox)({
        relayUrl: pairing.relayUrl,
        sessionId: pairing.sessionId,
        sessionKey: pairing.sessionKey,
        deviceId,
        // Kept for days: a device that misses the end finishes it there later (docs/generations.md).
        ttlSeconds: CHANNEL_TTL_SECONDS,
      });
    } catch (e) {
      const reason = e instanceof Error ? e.message.slice(0, 200) : 'no answer';
      throw new WalletError('ceremony.relayUnreachable', { relayUrl: pairing.relayUrl, reason }, e);
    }
    this.opened = opened;
    const view: CeremonyView = {
      ...what,
      status: 'waiting',
      // A joining device shows no code: the initiator does.
      pairing: joining ? '' : encodePairing(pairing),
      link: joining ? '' : pairingLink(cosignerPage(pairing.relayUrl), pairing),
      thisDevice: deviceId,
      joined: [],
      progress: joining
        ? 'Joined. Waiting for the device that showed the code to start…'
        : `Waiting for ${what.joiners} more device${what.joiners > 1 ? 's' : ''} to join.`,
      ...(joining ? { joining: true } : {}),
    };
    this.view = view;
    this.marker = { ...what, ceremony: pairing.sessionId };
    await this.deps.session.set(CEREMONY_MARKER_KEY, this.marker);
    this.deps.onChange();
    this.run = ceremony(opened.mailbox, (e) => this.onEvent(view, e))
      .then((result) => {
        view.status = 'done';
        if (result.address) view.address = result.address;
        view.progress = result.pending
          ? `Stored, but pending: ${result.pending}.`
          : result.retired
            ? 'This device gave its place up: every new device stored its share, so this one was deleted.'
            : what.kind === 'keygen'
              ? 'Your vault is ready.'
              : `Re-shared: ${what.t} of ${what.n} devices now sign, same address.`;
      })
      .catch((e: unknown) => markFailed(view, e))
      .finally(() => this.finish(view, opened));
  }

  /** Cancels the ceremony in progress (nothing is stored), or clears a finished one. */
  async close(): Promise<void> {
    const view = this.view;
    this.view = null;
    await this.marking;
    await this.deps.session.remove(CEREMONY_MARKER_KEY);
    if (view && (view.status === 'waiting' || view.status === 'running')) {
      view.status = 'failed';
      view.error = 'Cancelled.';
      await this.opened?.close().catch(() => undefined);
    }
    this.deps.onChange();
  }

  private marker: CeremonyMarker | null = null;

  /** Records how far the ceremony got in its marker (for a worker that restarts); resolves once written. */
  private mark(patch: Partial<CeremonyMarker>): Promise<void> {
    const marker = { ...this.marker!, ...patch };
    this.marker = marker;
    this.marking = this.marking.then(() => this.deps.session.set(CEREMONY_MARKER_KEY, marker)).catch(() => undefined);
    return this.marking;
  }

  private onEvent(view: CeremonyView, e: CeremonyEvent): void {
    if (this.view !== view) return;
    if (!followEvent(view, e)) {
      if (e.kind === 'acked') {
        // Shown once the marker says the ceremony got past its confirmation.
        void this.marking.then(() => {
          if (this.view !== view || view.status !== 'running') return;
          view.progress = 'Saved on this browser (its previous share is kept). Waiting for every device to say it saved its new share…';
          this.deps.onChange();
        });
      }
      return;
    }
    if (e.kind === 'roster') void this.mark({ joined: view.joined, joiners: view.joiners, n: view.n });
    // Before this device stores anything: a restarted worker then looks at what it holds.
    if (e.kind === 'confirmed') void this.mark({ confirmed: true });
    this.deps.onChange();
  }

  private async finish(view: CeremonyView, opened: OpenedMailbox): Promise<void> {
    await opened.close().catch(() => undefined);
    if (this.opened === opened) this.opened = null;
    if (this.view === view) {
      // No secret stays on screen after the ceremony.
      view.pairing = '';
      view.link = '';
      await this.marking;
      await this.deps.session.remove(CEREMONY_MARKER_KEY);
      this.deps.onChange();
    }
  }
}

/** Throws unless 2 ≤ t ≤ n ≤ 16 (whole numbers). */
function checkQuorum(t: number, n: number): void {
  if (!Number.isInteger(n) || n < 2 || n > 16 || !Number.isInteger(t) || t < 2 || t > n)
    throw new WalletError('ceremony.badQuorum', { t, n });
}

/** A fresh identity for this browser in a new vault (`tandem-ext-` and 8 random hex digits). */
function newDeviceIdentity(): ReturnType<typeof newIdentity> {
  return newIdentity(`tandem-ext-${bytesToHex(crypto.getRandomValues(new Uint8Array(4)))}`);
}
