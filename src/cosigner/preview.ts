/**
 * The CLI co-signer's own transaction preview (docs/transaction-preview.md):
 * with `--rpc URL` (once per chain) it asks its own node what a transaction
 * it decoded will do, for the account it derives itself from the request's
 * key path, and prints it before deciding. Nothing the requester says about
 * a preview is read: a request carries none.
 */
import { accountAddress } from '../session/account-path.js';
import type { DeviceVault } from '../session/device-vault.js';
import type { SigningRequest } from '../session/signing-request.js';
import { summarizeTransaction } from '../session/describe-request.js';
import {
  PREVIEW_TIMEOUT_MS,
  previewLines,
  previewTransaction,
  unavailablePreview,
  type Rpc,
  type TxPreview,
} from '../shared/tx-preview.js';
import { chainIdOf, httpRpc } from './rpc.js';

/** The address that signs for `path` in this vault (the vault's own for the root path), derived by this device. */
export function signerAddress(vault: Pick<DeviceVault, 'address' | 'ecdsa'>, path: readonly number[]): string {
  return path.length === 0 ? vault.address : accountAddress(vault.ecdsa, path);
}

/** This device's nodes, by the chain each serves (asked with eth_chainId the first time it is needed). */
export class ChainPreviews {
  private readonly known = new Map<string, number>();

  constructor(
    readonly urls: readonly string[],
    private readonly rpcOf: (url: string) => Rpc = (url) => httpRpc(url),
    readonly timeoutMs = PREVIEW_TIMEOUT_MS,
    /** Why there is no preview for a chain (the CLI names its --rpc option; the phone its Settings). */
    private readonly noNode: (chainId: number, anyUrl: boolean) => string = (chainId, anyUrl) =>
      anyUrl ? `no --rpc URL serves chain ${chainId} (or none answered)` : `no --rpc URL for chain ${chainId}`,
  ) {}

  /** The node for a chain, or null when none of the URLs serves it (or none answered within the preview's time). */
  async rpcFor(chainId: number): Promise<Rpc | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.timeoutMs);
    });
    try {
      return await Promise.race([this.find(chainId), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async find(chainId: number): Promise<Rpc | null> {
    for (const url of this.urls) {
      let id = this.known.get(url);
      if (id === undefined) {
        try {
          id = await chainIdOf(this.rpcOf(url));
          this.known.set(url, id);
        } catch {
          continue;
        }
      }
      if (id === chainId) return this.rpcOf(url);
    }
    return null;
  }

  /** The preview of a transaction request (null for other kinds), and the lines to print. */
  async preview(
    request: SigningRequest,
    vault: Pick<DeviceVault, 'address' | 'ecdsa'>,
  ): Promise<{ preview: TxPreview; lines: string[] } | null> {
    if (request.kind !== 'transaction') return null;
    const start = Date.now();
    const rpc = await this.rpcFor(request.chainId);
    // Finding the node counts against the preview's time (a little is always left for the node to answer).
    const timeoutMs = Math.max(this.timeoutMs - (Date.now() - start), Math.min(this.timeoutMs, 500));
    const preview = rpc
      ? await previewTransaction(rpc, request.tx, signerAddress(vault, request.path), { timeoutMs })
      : unavailablePreview(this.noNode(request.chainId, this.urls.length > 0));
    return { preview, lines: previewLines(preview, summarizeTransaction(request.tx)) };
  }
}

/** A node URL as printed: its host only (a provider's URL may carry an API key in its path or query). */
export function nodeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'a node';
  }
}
