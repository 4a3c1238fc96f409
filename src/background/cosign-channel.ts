/**
 * Co-signing on the vault's paired channel, for either family: opens the
 * channel, sends the request (the caller's `run`), shows progress, answers
 * other devices' stored-asks meanwhile, and turns failures into the dApp's
 * errors (4001 when a co-signer refused, -32603 otherwise; nothing signed).
 *
 * A record pending `next` (a re-share this device did not see end) asks with
 * the previous generation and meanwhile keeps finishing the change on the new
 * generation's channel: a co-signer that committed since listens only there.
 * If the change completes before a quorum accepted, the request is dropped
 * and asked again with the new generation (docs/generations.md).
 */
import { hasCode } from '../errors/index';
import type { CeremonyEvent, CeremonyTiming } from '../session/ceremonies';
import { CHANNEL_TTL_SECONDS, channelOf, type DeviceVault } from '../session/device-vault';
import { answerStoredAsks } from '../session/generation-asks';
import type { Mailbox } from '../session/mailbox';
import type { OtBurns } from '../session/ot-burns';
import { openMailbox, roomPosition, type OpenedMailbox, type OpenMailboxOptions } from '../session/relay-transport';
import { signLinkUrl } from '../session/sign-link';
import { SigningRefused } from '../session/ceremonies';
import type { SigningProgress, VaultView } from '../shared/popup-api';
import { ProviderRpcError, RpcErrorCode } from '../shared/rpc-errors';
import { WalletError } from '../shared/wallet-errors';
import { cosignerPage } from './ceremony-sessions';
import { explainCeremonyError } from './ceremony-view';

/** What either family's requester needs from the opened channel. */
export type CosignRun = CeremonyTiming & {
  mailbox: Mailbox;
  vault: DeviceVault;
  onEvent: (e: CeremonyEvent) => void;
  burns: OtBurns;
  superseded?: Promise<never>;
};

/** One progress line for the popup (and the signing link's QR code, or null to drop it). */
export type Step = (line: string, link?: SigningProgress['cosignLink'] | null) => void;

export interface ChannelDeps {
  open?: (opts: OpenMailboxOptions) => Promise<OpenedMailbox>;
  timing(): Promise<CeremonyTiming>;
  watchPending?(view: VaultView, record: DeviceVault, timeoutMs: number): { committed: Promise<DeviceVault | null>; stop(): void };
  burns: OtBurns;
  /** Notes the wallet record of a vault signed with (where a burned pair is stored). */
  remember(address: string, walletId: string): void;
}

export async function cosignOnChannel<T>(
  deps: ChannelDeps,
  vault: DeviceVault,
  run: (o: CosignRun) => Promise<T>,
  step: Step,
  view: VaultView,
): Promise<T> {
  const ch = channelOf(vault);
  let opened: OpenedMailbox;
  // Where the request will sit in the channel: a phone opened from the signing link reads from here.
  let position = 0;
  try {
    [opened, position] = await Promise.all([
      (deps.open ?? openMailbox)({ ...ch, deviceId: vault.identity.deviceId, ttlSeconds: CHANNEL_TTL_SECONDS }),
      roomPosition(ch.relayUrl, ch.sessionId, ch.sessionKey).catch(() => 0),
    ]);
  } catch (e) {
    throw new ProviderRpcError(
      RpcErrorCode.internal,
      `Co-signing failed: the relay at ${ch.relayUrl} cannot be reached (${e instanceof Error ? e.message.slice(0, 200) : 'no answer'}); nothing was signed.`,
    );
  }
  const timing = await deps.timing();
  // Pending `next`: this device asks with the previous generation, and meanwhile keeps finishing the change on the
  // new channel. A co-signer that committed since (it listens only there now) answers that ask; the request is then
  // dropped before signing and asked again with the new generation (docs/generations.md).
  const watch = vault.pending?.kind === 'next' ? deps.watchPending?.(view, vault, timing.joinTimeoutMs) : undefined;
  let accepted = 0;
  let moved: DeviceVault | null = null;
  const superseded = watch?.committed.then((v): Promise<never> => {
    // Only a change that completed while no quorum had accepted yet supersedes the request.
    if (!v || accepted >= vault.ecdsa.t - 1) return new Promise<never>(() => undefined);
    moved = v;
    throw new WalletError('approval.generationMoved');
  });
  superseded?.catch(() => undefined);
  const onEvent = (e: CeremonyEvent) => {
    if (e.kind === 'requested') {
      // A phone whose co-signer page is closed opens this request from a QR code (no key in it).
      try {
        const url = signLinkUrl(cosignerPage(vault.channel.relayUrl), {
          vault: vault.address,
          requestId: e.id,
          after: position,
          relayUrl: vault.channel.relayUrl.replace(/\/+$/, ''),
        });
        step('', { url, expires: e.expires });
      } catch {
        // A relay URL the link cannot carry: no QR code, the open page still gets the request.
      }
    } else if (e.kind === 'answer') {
      if (e.accepted) accepted++;
      step(e.accepted ? `${e.deviceId} approved.` : `${e.deviceId} refused: ${e.reason ?? 'no reason given'}`);
    } else if (e.kind === 'signing') step('Signing together…', null);
  };
  try {
    // A co-signer whose OT messages failed their check may be probing this
    // device's OT secrets (selective failure): never sign with it again
    // until a re-share gives the pair fresh material; the burn is stored before the failure is reported.
    deps.remember(vault.address, view.id);
    // A device that missed the end of this vault's last re-share may be asking for this device's statement.
    answerStoredAsks(opened.mailbox, () => vault);
    const burns = deps.burns;
    return await run({ ...timing, mailbox: opened.mailbox, vault, onEvent, burns, ...(superseded ? { superseded } : {}) });
  } catch (e) {
    if (moved && hasCode(e, 'approval.generationMoved')) return askAgain(deps, moved, run, step, view);
    if (e instanceof SigningRefused)
      throw new ProviderRpcError(
        RpcErrorCode.userRejected,
        `The co-signer refused: ${e.reasons.map((r) => `${r.deviceId}: ${r.reason}`).join('; ')}. Nothing was signed.`,
      );
    throw new ProviderRpcError(RpcErrorCode.internal, `Co-signing failed: ${explainCeremonyError(e)} Nothing was signed.`);
  } finally {
    watch?.stop();
    await opened.close().catch(() => undefined);
  }
}

/** The vault's re-share completed while its request waited: the same request, asked with the new generation. */
function askAgain<T>(deps: ChannelDeps, vault: DeviceVault, run: (o: CosignRun) => Promise<T>, step: Step, view: VaultView): Promise<T> {
  step(`The re-share completed meanwhile: asking again with share generation ${vault.ecdsa.epoch}…`, null);
  return cosignOnChannel(deps, vault, run, step, view);
}
