/**
 * Key generation from the extension: this device starts the ceremony
 * (src/session/ceremonies.ts `createVault`) on a fresh relay room, the popup
 * shows the pairing (QR code, text, link) and the devices as they join, and
 * the resulting device vault is stored encrypted in the vault store only
 * after every device confirmed the same keys.
 *
 * One ceremony at a time. Its state lives in the service worker's memory
 * (the pairing holds the session key: it is never written anywhere); a
 * marker in session storage tells a restarted worker that a ceremony was cut
 * off, so the popup can say so instead of waiting forever. Nothing is
 * stored by a ceremony that did not finish.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { createVault, type CeremonyEvent, type CeremonyTiming } from '../session/ceremonies';
import { encodeDeviceVault, type DeviceVault } from '../session/device-vault';
import { newIdentity, publicOf } from '../session/identity';
import { CeremonyTimeout } from '../session/mailbox';
import { createPairing, encodePairing, pairingLink } from '../session/pairing';
import { openMailbox, type OpenedMailbox, type OpenMailboxOptions } from '../session/relay-transport';
import { CeremonyAbort } from '../session/run-protocol';
import type { CeremonyView, VaultView } from '../shared/popup-api';
import type { KeyValueArea } from './storage';
import type { WalletService } from './vault/wallet';

/** Format name of a TSS vault's share blob: the JSON of `encodeDeviceVault`. */
export const DEVICE_VAULT_FORMAT = 'tandem-device-vault-v1';

/** Session-storage marker of a ceremony in flight (no secrets). */
export const CEREMONY_MARKER_KEY = 'ceremony.inflight.v1';

/** How long devices have to join, and each protocol round. */
export const KEYGEN_TIMING: CeremonyTiming = { joinTimeoutMs: 10 * 60_000, roundTimeoutMs: 60_000 };

/** The co-signer web page a phone's camera opens (served by the relay). */
export function cosignerPage(relayUrl: string): string {
  return `${relayUrl.replace(/\/+$/, '')}/cosigner/`;
}

/** Threshold suggested for n devices: ceil(2n/3), at least 2. */
export function suggestedThreshold(n: number): number {
  return Math.max(2, Math.ceil((2 * n) / 3));
}

export interface KeygenDeps {
  wallet: Pick<WalletService, 'addVault'>;
  session: KeyValueArea;
  onChange(): void;
  open?: (opts: OpenMailboxOptions) => Promise<OpenedMailbox>;
  timing?: CeremonyTiming;
}

/** Runs key generation ceremonies for the popup. */
export class KeygenSessions {
  private view: CeremonyView | null = null;
  private opened: OpenedMailbox | null = null;
  private run: Promise<void> | null = null;

  constructor(private readonly deps: KeygenDeps) {}

  /** What the popup shows, or null. A ceremony cut off by a worker restart shows as failed. */
  async current(): Promise<CeremonyView | null> {
    if (this.view) return this.view;
    const cut = await this.deps.session.get<{ name: string; t: number; n: number }>(CEREMONY_MARKER_KEY);
    if (!cut) return null;
    return {
      kind: 'keygen',
      status: 'failed',
      name: cut.name,
      t: cut.t,
      n: cut.n,
      pairing: '',
      link: '',
      thisDevice: '',
      joined: [],
      error: 'Tandem was restarted by the browser during key generation. Nothing was stored on this device; start again (the other devices give up by themselves).',
    };
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
    if (this.view && (this.view.status === 'waiting' || this.view.status === 'running')) throw new Error('Key generation is already running. Finish or cancel it first.');
    const { t, n } = plan;
    if (!Number.isInteger(n) || n < 2 || n > 16 || !Number.isInteger(t) || t < 2 || t > n) throw new Error(`A vault needs 2 ≤ threshold ≤ devices ≤ 16 (got ${t}-of-${n}).`);
    const name = plan.name.trim().slice(0, 64) || 'Vault';
    const me = newIdentity(`tandem-ext-${bytesToHex(crypto.getRandomValues(new Uint8Array(4)))}`);
    const pairing = createPairing(plan.relayUrl, 'keygen', { init: publicOf(me).signPub, t, n, name });
    let opened: OpenedMailbox;
    try {
      opened = await (this.deps.open ?? openMailbox)({ relayUrl: plan.relayUrl, sessionId: pairing.sessionId, sessionKey: pairing.sessionKey, deviceId: me.deviceId });
    } catch (e) {
      throw new Error(`The relay at ${plan.relayUrl} cannot be reached (${e instanceof Error ? e.message.slice(0, 200) : 'no answer'}). Check the relay URL in Settings.`);
    }
    this.opened = opened;
    this.view = {
      kind: 'keygen',
      status: 'waiting',
      name,
      t,
      n,
      pairing: encodePairing(pairing),
      link: pairingLink(cosignerPage(plan.relayUrl), pairing),
      thisDevice: me.deviceId,
      joined: [],
      progress: `Waiting for ${n - 1} more device${n > 2 ? 's' : ''} to join.`,
    };
    await this.deps.session.set(CEREMONY_MARKER_KEY, { name, t, n });
    this.deps.onChange();
    const view = this.view;
    this.run = createVault({
      ...(this.deps.timing ?? KEYGEN_TIMING),
      mailbox: opened.mailbox,
      me,
      sessionId: pairing.sessionId,
      plan: { t, n, name, relayUrl: plan.relayUrl },
      onEvent: (e) => this.onEvent(view, e),
    })
      .then((vault) => this.store(view, vault))
      .catch((e: unknown) => this.fail(view, e))
      .finally(() => this.finish(view, opened));
  }

  /** Cancels the ceremony in progress (nothing is stored), or clears a finished one. */
  async close(): Promise<void> {
    const view = this.view;
    this.view = null;
    await this.deps.session.remove(CEREMONY_MARKER_KEY);
    if (view && (view.status === 'waiting' || view.status === 'running')) {
      view.status = 'failed';
      view.error = 'Cancelled.';
      await this.opened?.close().catch(() => undefined);
    }
    this.deps.onChange();
  }

  private onEvent(view: CeremonyView, e: CeremonyEvent): void {
    if (this.view !== view) return;
    switch (e.kind) {
      case 'joined':
        if (!view.joined.includes(e.deviceId)) view.joined = [...view.joined, e.deviceId];
        view.progress = view.joined.length < view.n - 1 ? `${view.joined.length} of ${view.n - 1} devices joined.` : 'All devices joined.';
        break;
      case 'roster':
        view.status = 'running';
        view.progress = 'Generating the keys together (this takes a few seconds)…';
        break;
      case 'progress':
        view.progress = 'Generating the keys together (this takes a few seconds)…';
        break;
      case 'confirmed':
        view.progress = 'Every device confirmed the same keys. Saving…';
        break;
      default:
        return;
    }
    this.deps.onChange();
  }

  private async store(view: CeremonyView, vault: DeviceVault): Promise<void> {
    await storeDeviceVault(this.deps.wallet, vault);
    view.status = 'done';
    view.address = vault.address;
    view.progress = 'Your vault is ready.';
  }

  private fail(view: CeremonyView, e: unknown): void {
    if (view.status === 'failed') return; // cancelled
    view.status = 'failed';
    view.error = `Key generation failed: ${explainCeremonyError(e)} Nothing was stored; start again.`;
  }

  private async finish(view: CeremonyView, opened: OpenedMailbox): Promise<void> {
    await opened.close().catch(() => undefined);
    if (this.opened === opened) this.opened = null;
    if (this.view === view) {
      // No secret stays on screen after the ceremony.
      view.pairing = '';
      view.link = '';
      await this.deps.session.remove(CEREMONY_MARKER_KEY);
      this.deps.onChange();
    }
  }
}

/** Stores a device vault (its share encrypted under the wallet key) as a 'tss' vault. */
export async function storeDeviceVault(wallet: Pick<WalletService, 'addVault'>, vault: DeviceVault): Promise<VaultView> {
  const blob = new TextEncoder().encode(encodeDeviceVault(vault));
  try {
    return await wallet.addVault({
      name: vault.name,
      kind: 'tss',
      address: vault.address,
      publicKey: bytesToHex(vault.ecdsa.publicKey),
      shareFormat: DEVICE_VAULT_FORMAT,
      share: blob,
      t: vault.ecdsa.t,
      n: vault.members.length,
    });
  } finally {
    blob.fill(0);
  }
}

/** One sentence for the user about why a ceremony stopped (never secrets). */
export function explainCeremonyError(e: unknown): string {
  if (e instanceof CeremonyTimeout) return `${e.message}.`;
  if (e instanceof CeremonyAbort) return `${e.message}${e.deviceId ? ` (device ${e.deviceId})` : ''}.`;
  const msg = e instanceof Error ? e.message : String(e);
  return `${msg.split('\n')[0]!.slice(0, 300)}.`;
}
