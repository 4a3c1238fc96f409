/**
 * A pairing from the extension's QR code (`#p=`): read from the link, then
 * joined — key generation or a re-share, with its progress in
 * `state.ceremony` — and the new share listened on once stored.
 */
import { parsePairingFragment } from '../../session/pairing';
import { joinCeremony, pairingInfo } from './ceremony';
import { setDeviceName } from './device-name';
import { explain } from './explain-error';
import { checkPersistence } from './persistence';
import type { PhoneCore } from './phone-core';
import type { CeremonyState } from './phone-state';

/** Takes a pairing from a link (the page's fragment, or pasted text). */
export function readPairing(core: PhoneCore, hashOrUrl: string): void {
  try {
    const payload = parsePairingFragment(hashOrUrl.includes('p=') ? hashOrUrl : `p=${hashOrUrl.trim()}`);
    core.set({ pairing: { payload, info: pairingInfo(payload) }, pairingError: null, ceremony: null });
  } catch (e) {
    core.set({ pairing: null, pairingError: e instanceof Error ? e.message : String(e) });
  }
}

/** Keeps the screen on during a ceremony where the browser allows it (a sleeping phone drops out). */
async function keepScreenOn(): Promise<WakeLockSentinel | null> {
  try {
    return typeof navigator === 'undefined' ? null : ((await navigator.wakeLock?.request('screen')) ?? null);
  } catch {
    return null;
  }
}

/**
 * Joins the pairing's ceremony (the store must be unlocked). Resolves with
 * an error message for the user when it cannot start, else null; how the
 * ceremony went is in `state.ceremony`.
 */
export async function joinPairing(core: PhoneCore, deviceName: string): Promise<string | null> {
  const pairing = core.state.pairing;
  if (!pairing) return 'There is no pairing to join: scan the QR code again.';
  if (!core.unlocked) return 'Unlock first.';
  const nameErr = await setDeviceName(core, deviceName);
  if (nameErr) return nameErr;
  const { info, payload } = pairing;
  const oldVault = info.kind === 'reshare' && info.vaultId ? core.vaults.get(info.vaultId) : undefined;
  // The old share signs no more while it is being re-shared.
  if (oldVault) core.signing.forget(info.vaultId!);
  const ceremony: CeremonyState = {
    info,
    status: 'running',
    progress: info.kind === 'keygen' ? 'Joining… waiting for the other devices.' : 'Joining the re-share… waiting for the other devices.',
  };
  core.set({ pairing: null, ceremony });
  const awake = await keepScreenOn();
  const update = (patch: Partial<CeremonyState>) => {
    if (core.state.ceremony?.info !== info) return; // closed meanwhile
    core.set({ ceremony: { ...core.state.ceremony!, ...patch } });
  };
  try {
    const outcome = await joinCeremony({
      pairing: payload,
      deviceName: core.state.deviceName,
      store: core.unlocked,
      ...(oldVault ? { oldVault } : {}),
      onEvent: (e) => {
        if (e.kind === 'roster')
          update({ progress: `All ${e.members.length} devices are in. Generating the keys together (a few seconds)…` });
        else if (e.kind === 'confirmed') update({ progress: 'Every device confirmed the same keys. Saving…' });
      },
    });
    if (outcome.kind === 'retired') {
      core.vaults.delete(outcome.vaultId);
      update({
        status: 'done',
        retired: true,
        progress: 'This phone gave its place up: every new device stored its share, so this one was deleted.',
      });
    } else {
      core.vaults.set(outcome.summary.id, outcome.vault);
      update({
        status: 'done',
        address: outcome.vault.address,
        quorum: { t: outcome.vault.ecdsa.t, n: outcome.vault.members.length },
        replaced: outcome.replaced,
        progress: outcome.pending
          ? `Stored, but pending: ${outcome.pending}.`
          : outcome.replaced
            ? 'Re-shared: same address, new share stored.'
            : 'Your share is stored on this phone.',
      });
      void core.signing.listen(outcome.vault);
      await checkPersistence(core, true);
    }
    await core.refreshVaults();
    return null;
  } catch (e) {
    update({
      status: 'failed',
      error: `${info.kind === 'keygen' ? 'Key generation' : 'The re-share'} failed: ${explain(e)}. Nothing was stored or changed; start again from the extension.`,
    });
    if (oldVault) void core.signing.listen(oldVault);
    return null;
  } finally {
    void awake?.release().catch(() => undefined);
  }
}
