/**
 * The nodes this phone asks what a transaction will do (Settings › Nodes
 * for previews): RPC URLs the user gives, one per chain, each one's chain
 * found with eth_chainId (src/cosigner/preview.ts, as the CLI's `--rpc`).
 * Without one for a request's chain, its preview says it is unavailable.
 */
import type { DeviceVault } from '../../session/device-vault';
import type { SigningRequest } from '../../session/signing-request';
import { type TxPreview, unavailablePreview } from '../../shared/tx-preview';
import { ChainPreviews } from '../preview';
import type { PhoneCore } from './phone-core';

/** At most this many nodes. */
export const MAX_PREVIEW_NODES = 8;

const noNode = (chainId: number, any: boolean) =>
  any
    ? `none of this phone's nodes serves chain ${chainId}, or none answered (Settings › Nodes for previews)`
    : `this phone has no node for chain ${chainId} (Settings › Nodes for previews)`;

/** Parses the Settings text (one URL per line); resolves with an error message for the user, or null once stored. */
export async function setPreviewRpcUrls(core: PhoneCore, text: string): Promise<string | null> {
  const lines = text
    .split(/\s+/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length > MAX_PREVIEW_NODES) return `At most ${MAX_PREVIEW_NODES} nodes.`;
  const urls: string[] = [];
  for (const l of lines) {
    let u: URL;
    try {
      u = new URL(l);
    } catch {
      return `${l.slice(0, 80)} is not a URL (e.g. https://ethereum-rpc.publicnode.com).`;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return `${l.slice(0, 80)}: a node's URL starts with https:// (or http://).`;
    if (u.username || u.password) return 'A node URL must not contain a user name or password.';
    if (!urls.includes(u.href)) urls.push(u.href);
  }
  await core.store.setPreviewRpcUrls(urls);
  core.set({ previewRpcUrls: urls });
  return null;
}

/** The phone's previews: one ChainPreviews per list of nodes (it remembers each node's chain). */
export function phonePreviews(urls: () => readonly string[]): (request: SigningRequest, vault: DeviceVault) => Promise<TxPreview> {
  let current: ChainPreviews | null = null;
  return async (request, vault) => {
    const list = urls();
    if (!current || current.urls.join(' ') !== list.join(' ')) current = new ChainPreviews(list, undefined, undefined, noNode);
    return (await current.preview(request, vault))?.preview ?? unavailablePreview('not a transaction');
  };
}
