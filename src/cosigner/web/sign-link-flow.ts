/**
 * A signing link the page was opened with (`#sign=`, from the extension's QR
 * code): once unlocked, reads the linked vault's channel from the link's
 * position and waits for the request, which then shows on the normal
 * approval screen; otherwise `state.signLink` says why it does not.
 */
import { vaultId, type DeviceVault } from '../../session/device-vault';
import { parseSignLinkFragment, type SignLink } from '../../session/sign-link';
import type { PhoneCore } from './phone-core';
import type { SignLinkState } from './phone-state';

/** How long the page looks for a linked request once the vault's channel is open. */
export const SIGN_LINK_WAIT_MS = 15_000;

export class SignLinkFlow {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly core: PhoneCore) {}

  /** Takes a signing link (the page's fragment); looks for its request now if unlocked. */
  read(hashOrUrl: string): void {
    let link: SignLink;
    try {
      link = parseSignLinkFragment(hashOrUrl);
    } catch (e) {
      this.core.set({ signLink: { link: null, status: 'invalid', detail: e instanceof Error ? e.message : String(e) } });
      return;
    }
    this.core.set({ pairing: null, pairingError: null, signLink: { link, status: 'locked' } });
    if (this.core.unlocked) void this.find();
  }

  /** Looks for the linked request again (after the relay could not be reached). */
  async retry(): Promise<void> {
    const link = this.core.state.signLink?.link;
    if (!link || !this.core.unlocked) return;
    this.core.set({ signLink: { link, status: 'looking' } });
    await this.find();
  }

  /** Leaves the signing link's screen (back to the vaults). */
  drop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.core.set({ signLink: null });
  }

  /** Unlocked: finds the linked vault and reads its channel from the link's position. */
  async find(): Promise<void> {
    const { core } = this;
    const link = core.state.signLink?.link;
    if (!link) return;
    const vault = this.vaultAt(link.vault);
    if (!vault) {
      core.set({ signLink: { link, status: 'unknown-vault' } });
      return;
    }
    const id = vaultId(vault);
    core.set({ signLink: { link, status: 'looking', vaultName: vault.name } });
    // Known already (shown now, or read earlier on this page): no need to read the channel again.
    if (!core.signing.seen.has(link.requestId) && !core.signing.busy(id)) await core.signing.listen(vault, link.after);
    if (core.state.signLink?.link !== link) return;
    const giveUp = () => {
      this.timer = null;
      const now = core.state.signLink;
      if (now?.link !== link || now.status !== 'looking') return;
      // Another request of this vault is on screen: the linked one comes after it.
      if (core.signing.busy(id)) this.timer = setTimeout(giveUp, SIGN_LINK_WAIT_MS);
      else core.set({ signLink: { ...now, status: 'not-found' } });
    };
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(giveUp, SIGN_LINK_WAIT_MS);
    this.follow();
  }

  /** Updates the signing link's status from what the signing service read (the listeners are not told: the caller does). */
  follow(): void {
    const { core } = this;
    const s = core.state.signLink;
    if (!s?.link || s.status !== 'looking') return;
    const vault = this.vaultAt(s.link.vault);
    const channel = vault ? core.signing.status(vaultId(vault)) : undefined;
    const seen = core.signing.seen.get(s.link.requestId);
    let next: SignLinkState | null | undefined;
    if (seen?.state === 'shown')
      next = null; // on the approval screen now
    else if (seen?.state === 'done') next = { ...s, status: 'done', detail: seen.outcome };
    else if (seen) next = { ...s, status: seen.state, detail: seen.detail };
    else if (channel?.state === 'offline') next = { ...s, status: 'offline', detail: channel.error };
    if (next === undefined) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    core.setQuietly({ signLink: next });
  }

  /** The unlocked vault with this address (a signing link names its vault by address). */
  private vaultAt(address: string): DeviceVault | undefined {
    const a = address.toLowerCase();
    return [...this.core.vaults.values()].find((v) => v.address.toLowerCase() === a);
  }
}
