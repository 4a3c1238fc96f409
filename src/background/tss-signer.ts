/**
 * The vault's signer: dApp signing requests become approvals of kind 'sign'
 * (decoded for the approval screen); once the user approves, the request
 * itself goes to the paired co-signer on the vault's channel, the quorum
 * runs DKLs23 signing, and the result goes back to the dApp (a transaction
 * is assembled and broadcast first).
 *
 * Errors the dApp gets: 4001 when the user or the co-signer refused,
 * -32603 with the reason when the co-signer did not answer in time or the
 * relay failed. A failed signing leaves nothing half-done: a transaction is
 * only broadcast once it carries a valid signature.
 */
import { Signature, Transaction, getAddress } from 'ethers';
import { decodeMessageParam } from './personal-message';
import { requestSignature, type CeremonyTiming } from '../session/ceremonies';
import { encodeDeviceVault, type DeviceVault } from '../session/device-vault';
import { OtBurns } from '../session/ot-burns';
import type { OpenedMailbox, OpenMailboxOptions } from '../session/relay-transport';
import {
  digestOf,
  parseSigningRequest,
  SIGNING_REQUEST_VERSION,
  SigningRequestRejected,
  type SigningRequest,
  type TypedDataPayload,
} from '../session/signing-request';
import type { Network } from '../shared/networks';
import type { RpcRequest } from '../shared/page-channel';
import type { ActivityEntry, SignView, SigningProgress, VaultView } from '../shared/popup-api';
import { ProviderRpcError, RpcErrorCode, rpcErrors } from '../shared/rpc-errors';
import type { Approval, ApprovalInput, Outcome } from './approvals';
import { ask, type ChainClient, type RequestContext, type VaultSigner } from './router-deps';
import type { NetworkStore } from './networks';
import { buildTransaction } from './tx-builder';
import { previewed } from './tx-preview';
import { openDeviceVault } from './device-vault-store';
import { signView } from '../shared/sign-view';
import { WalletError } from '../shared/wallet-errors';
import { cosignOnChannel, type CosignRun, type Step } from './cosign-channel';
import { isSolanaRequest, type SolanaSigningRequest } from '../session/solana-signing-request';
import { requestSolanaSignature, vaultSolanaAddress } from '../session/solana-signing';
import { solanaAnswer, type SolanaSigned } from './solana-signing';
import { sendCoSigned, type SolanaSent } from './solana-send';
import { solanaActivityEntry } from './solana-activity';
import { accountPath, pathText } from '../session/account-path';
import { ethereumActivityEntry } from './eth-activity';

/** How long each signing round may take. */
export const SIGN_ROUND_TIMEOUT_MS = 60_000;

export interface SignerDeps {
  wallet: {
    vault(): Promise<VaultView | null>;
    openShare(vaultId: string): Promise<Uint8Array>;
    shareFormatOf(vaultId: string): Promise<string | null>;
    /** Stores updated share material (a burned co-signer pair). */
    replaceShare?(vaultId: string, share: Uint8Array<ArrayBuffer>): Promise<void>;
  };
  networks: Pick<NetworkStore, 'selected' | 'find'>;
  chain: ChainClient;
  /**
   * Finishes the vault's pending change of generation as far as it can now
   * (pending-generations.ts); returns the record to sign with, or null.
   */
  finishPending?(view: VaultView): Promise<DeviceVault | null>;
  /**
   * While a record pending `next` co-signs with its previous generation,
   * keeps finishing the change on the new channel (pending-generations.ts):
   * `committed` resolves with the committed record if it completes first.
   */
  watchPending?(view: VaultView, record: DeviceVault, timeoutMs: number): { committed: Promise<DeviceVault | null>; stop(): void };
  approvals: { request(input: ApprovalInput): Promise<Outcome> };
  openPopup(): void;
  /** Progress of the signing in flight (null when it ended). */
  onProgress(p: SigningProgress | null): void;
  /** The user's token list of a network (to show token amounts in their units). */
  tokensOf?(chainId: string): Promise<Array<{ address: string; symbol: string; decimals: number }>>;
  /** A transaction was broadcast. */
  onBroadcast?(entry: ActivityEntry): void | Promise<void>;
  open?: (opts: OpenMailboxOptions) => Promise<OpenedMailbox>;
  /** How long the co-signer has to answer (its user decides), and each signing round. */
  timing(): Promise<CeremonyTiming>;
}

const invalid = (method: string, why: string) => rpcErrors.invalidParams(method, why);

/** Signs for the active co-signed vault. */
export class TssSigner implements VaultSigner {
  private readonly inFlight = new Set<string>();
  /** Wallet record id of each vault signed with (by address): where a burned pair is stored. */
  private readonly walletIds = new Map<string, string>();
  /**
   * OT burns of this service worker (see session/ot-burns.ts): a burn is in the
   * record in memory at once, then stored (awaited); one that could not be
   * stored is re-applied to every later signing with the vault and its save
   * retried, and until it is stored this device will not sign with that peer.
   */
  private readonly burns = new OtBurns(async (vault) => {
    const id = this.walletIds.get(vault.address);
    if (!this.deps.wallet.replaceShare || !id) throw new WalletError('vault.cannotUpdateShare');
    await this.deps.wallet.replaceShare(id, new TextEncoder().encode(encodeDeviceVault(vault)) as Uint8Array<ArrayBuffer>);
  });

  constructor(private readonly deps: SignerDeps) {}

  /** `replaces`: the request replaces a pending transaction of Home's Recent activity (commands/activity.ts). */
  async handle(ctx: RequestContext, account: string, req: RpcRequest, replaces?: SignView['replaces']): Promise<unknown> {
    const { method } = req;
    switch (method) {
      case 'eth_sign':
        throw rpcErrors.unsupported(
          method,
          'Tandem refuses eth_sign: it signs an opaque hash that may be a transaction. Use personal_sign or eth_signTypedData_v4.',
        );
      case 'eth_signTransaction':
        throw rpcErrors.unsupported(method, 'use eth_sendTransaction: Tandem signs and broadcasts in one step.');
      default:
        break;
    }
    const vault = await this.deps.wallet.vault();
    // The router refuses first; this also covers the popup's Send and a vault switched meanwhile.
    if (!vault) throw new ProviderRpcError(RpcErrorCode.unauthorized, `${method}: Tandem has no vault. Create one in the popup.`);
    if (vault.kind !== 'tss') throw rpcErrors.watchOnly(method);
    const network = await this.deps.networks.selected();
    // The account's key path (docs/accounts.md); a derived account is also named, for the co-signers to check.
    const own = vault.accounts.find((a) => a.address.toLowerCase() === account.toLowerCase());
    if (!own) throw new ProviderRpcError(RpcErrorCode.unauthorized, `${method}: ${account} is not an account of the active vault.`);
    const base = {
      v: SIGNING_REQUEST_VERSION,
      chainId: Number(BigInt(network.chainId)),
      path: accountPath(own.index),
      ...(own.index ? { account: getAddress(own.address) } : {}),
    };
    const request = await this.buildRequest(method, req.params, account, network, base);
    let checked: SigningRequest;
    try {
      checked = parseSigningRequest(request);
      // Hashed now, as every co-signer will: what cannot be signed is refused before the user is asked.
      digestOf(checked);
    } catch (e) {
      throw invalid(method, e instanceof SigningRequestRejected ? e.message : 'the request cannot be signed');
    }
    // A transaction is previewed by this device's node first (bounded: a slow node shows "unavailable").
    const tokens = (await this.deps.tokensOf?.(network.chainId)) ?? [];
    const view = { ...signView(checked, getAddress(own.address), network, tokens), accountName: own.name };
    const previewedView = await previewed(this.deps.chain, network, view, tokens);
    const sign = replaces ? { ...previewedView, replaces } : previewedView;
    return ask(this.deps, { kind: 'sign', origin: ctx.origin, method, sign, ...(ctx.reply ? { reply: ctx.reply } : {}) });
  }

  private async buildRequest(
    method: string,
    params: unknown,
    account: string,
    network: Network,
    base: Pick<SigningRequest, 'v' | 'chainId' | 'path' | 'account'>,
  ): Promise<SigningRequest> {
    const chainId = base.chainId;
    if (method === 'eth_sendTransaction') {
      const built = await buildTransaction(this.deps.chain, network, account, params);
      return { ...base, kind: 'transaction', tx: built.unsignedTx };
    }
    if (method === 'personal_sign') {
      if (!Array.isArray(params) || params.length < 2 || typeof params[0] !== 'string')
        throw invalid(method, 'expected [message, address]');
      // Most dApps send [message, address]; some send them the other way round.
      let [message, address] = params as [string, unknown];
      if (isAddressLike(message) && !isAddressLike(address) && typeof address === 'string') [message, address] = [address, message];
      checkAccount(method, address, account);
      return { ...base, kind: 'personal_sign', message: decodeMessageParam(message) };
    }
    if (method === 'eth_signTypedData') {
      // Legacy v1: [typedData, address] (a list of { type, name, value }).
      if (!Array.isArray(params) || params.length < 2) throw invalid(method, 'expected [typedData, address]');
      checkAccount(method, params[1], account);
      return { ...base, kind: 'typed_data_v1', typedData: jsonParam(method, params[0]) as never };
    }
    if (method === 'eth_signTypedData_v3' || method === 'eth_signTypedData_v4') {
      if (!Array.isArray(params) || params.length < 2) throw invalid(method, 'expected [address, typedData]');
      checkAccount(method, params[0], account);
      const t = jsonParam(method, params[1]) as TypedDataPayload;
      const domainChain = t && typeof t === 'object' && t.domain && typeof t.domain === 'object' ? t.domain.chainId : undefined;
      if (domainChain !== undefined && domainChain !== null) {
        let asked: bigint;
        try {
          asked = BigInt(domainChain as string | number);
        } catch {
          throw invalid(method, `the typed data's domain chainId ${String(domainChain)} is not a number`);
        }
        if (asked !== BigInt(chainId))
          throw invalid(
            method,
            `the typed data is for chain ${asked}, but Tandem is on ${network.name} (${chainId}); switch networks first`,
          );
      }
      return { ...base, kind: 'typed_data', typedData: t, ...(method === 'eth_signTypedData_v3' ? { version: 'v3' as const } : {}) };
    }
    throw rpcErrors.unsupported(method);
  }

  /** True while the approval's co-signing runs (it must then finish, not be abandoned). */
  isSigning(approvalId: string): boolean {
    return this.inFlight.has(approvalId);
  }

  /** The active vault, if `account` is still one of its accounts at `path` (else nothing is signed). */
  private async activeVaultOf(account: string, path: readonly number[]): Promise<VaultView> {
    const active = await this.deps.wallet.vault();
    const own = active?.kind === 'tss' ? active.accounts.find((a) => a.address.toLowerCase() === account.toLowerCase()) : undefined;
    if (!active || !own || pathText(accountPath(own.index)) !== pathText(path))
      throw new ProviderRpcError(
        RpcErrorCode.internal,
        `The account ${account} is no longer an account of the active vault in Tandem; nothing was signed.`,
      );
    return active;
  }

  /** Runs an approved request with the co-signer; throws a ProviderRpcError for the dApp on failure. */
  async execute(approval: Approval): Promise<unknown> {
    const view = approval.sign;
    if (!view) throw new WalletError('approval.nothingToSign');
    if (this.inFlight.has(approval.id)) throw new WalletError('approval.alreadySigning');
    if (isSolanaRequest(view.request)) return this.executeSolana(approval, view.request);
    let active = await this.activeVaultOf(view.account, view.request.path);
    let vault = await openDeviceVault(this.deps.wallet, active);
    if (vault?.pending && this.deps.finishPending) {
      // A re-share this device did not see end: finish it first (docs/generations.md); a commit stores a new record.
      vault = await this.deps.finishPending(active);
      active = (await this.deps.wallet.vault()) ?? active;
    }
    if (!vault) throw new WalletError('vault.noShare');
    const network = await this.deps.networks.find(view.chainId);
    if (view.request.kind === 'transaction' && !network)
      throw new ProviderRpcError(RpcErrorCode.chainDisconnected, `The network ${view.networkName} was removed; nothing was signed.`);

    this.inFlight.add(approval.id);
    const steps: string[] = [];
    let cosignLink: SigningProgress['cosignLink'];
    const emit = () => this.deps.onProgress({ approvalId: approval.id, steps: [...steps], ...(cosignLink ? { cosignLink } : {}) });
    const step = (line: string, link?: SigningProgress['cosignLink'] | null) => {
      if (line) steps.push(line);
      if (link !== undefined) cosignLink = link ?? undefined;
      emit();
    };
    try {
      step(`Asking ${vault.ecdsa.t - 1 === 1 ? 'your co-signer' : `${vault.ecdsa.t - 1} co-signers`} to approve…`);
      const request = view.request;
      const sig = await this.cosign(vault, (o) => requestSignature({ ...o, request }), step, active);
      if (view.request.kind !== 'transaction') {
        step('Signed.');
        return Signature.from({ r: toHex32(sig.r), s: toHex32(sig.s), v: 27 + sig.recovery }).serialized;
      }
      const tx = Transaction.from(view.request.tx);
      tx.signature = Signature.from({ r: toHex32(sig.r), s: toHex32(sig.s), v: 27 + sig.recovery });
      if (tx.from?.toLowerCase() !== view.account.toLowerCase())
        throw new ProviderRpcError(
          RpcErrorCode.internal,
          'The co-signed transaction does not verify for this vault; it was not broadcast.',
        );
      step('Signed. Broadcasting…');
      const hash = (await this.deps.chain.call(network!, 'eth_sendRawTransaction', [tx.serialized])) as string;
      step(`Broadcast: ${hash}`);
      await this.deps.onBroadcast?.(ethereumActivityEntry({ view, tx, hash, origin: approval.origin, at: Date.now() }));
      return hash;
    } finally {
      this.inFlight.delete(approval.id);
      this.deps.onProgress(null);
    }
  }

  /**
   * Runs an approved Solana request (background/solana-signing.ts builds it):
   * FROST with the co-signers, who decode it themselves; answers
   * `{ signature }` (hex) and, for a transaction, `signedTransaction` (base64);
   * for signAndSendTransaction, sends it and answers its id (solana-send.ts).
   */
  private async executeSolana(approval: Approval, request: SolanaSigningRequest): Promise<SolanaSigned | SolanaSent> {
    const active = await this.deps.wallet.vault();
    let vault = active?.kind === 'tss' ? await openDeviceVault(this.deps.wallet, active) : null;
    if (vault?.pending && this.deps.finishPending && active) vault = await this.deps.finishPending(active);
    if (!active || !vault) throw new WalletError('vault.noShare');
    if (vaultSolanaAddress(vault) !== request.signer)
      throw new ProviderRpcError(
        RpcErrorCode.internal,
        `The Solana account ${request.signer} is no longer the active vault's; nothing was signed.`,
      );
    this.inFlight.add(approval.id);
    const steps: string[] = [];
    let cosignLink: SigningProgress['cosignLink'];
    const step = (line: string, link?: SigningProgress['cosignLink'] | null) => {
      if (line) steps.push(line);
      if (link !== undefined) cosignLink = link ?? undefined;
      this.deps.onProgress({ approvalId: approval.id, steps: [...steps], ...(cosignLink ? { cosignLink } : {}) });
    };
    try {
      step(`Asking ${vault.ecdsa.t - 1 === 1 ? 'your co-signer' : `${vault.ecdsa.t - 1} co-signers`} to approve…`);
      const sig = await this.cosign(vault, (o) => requestSolanaSignature({ ...o, request }), step, active);
      step('Signed.');
      const send = approval.sign?.solana?.send;
      if (!send || request.kind !== 'solana_transaction') return solanaAnswer(request, sig);
      const sent = await sendCoSigned(send, solanaAnswer(request, sig), step);
      // Home's Recent activity; the transaction is sent already, so a storage failure does not fail the request.
      try {
        await this.deps.onBroadcast?.(
          solanaActivityEntry({
            request,
            vault: active.address,
            chain: send.chain,
            signature: sent.transactionSignature,
            origin: approval.origin,
            at: Date.now(),
          }),
        );
      } catch {
        // Not listed on Home; the page still gets its signature.
      }
      return sent;
    } finally {
      this.inFlight.delete(approval.id);
      this.deps.onProgress(null);
    }
  }

  private cosign<T>(vault: DeviceVault, run: (o: CosignRun) => Promise<T>, step: Step, view: VaultView): Promise<T> {
    return cosignOnChannel(
      { ...this.deps, burns: this.burns, remember: (address, id) => this.walletIds.set(address, id) },
      vault,
      run,
      step,
      view,
    );
  }
}

/** A typed-data parameter: the object itself or its JSON text. */
function jsonParam(method: string, x: unknown): unknown {
  if (typeof x !== 'string') return x;
  try {
    return JSON.parse(x);
  } catch {
    throw invalid(method, 'typedData is not JSON');
  }
}

function toHex32(x: bigint): string {
  return '0x' + x.toString(16).padStart(64, '0');
}

function isAddressLike(x: unknown): boolean {
  return typeof x === 'string' && /^0x[0-9a-fA-F]{40}$/.test(x);
}

function checkAccount(method: string, address: unknown, account: string): void {
  if (!isAddressLike(address) || getAddress((address as string).toLowerCase()) !== getAddress(account))
    throw invalid(method, `the address ${String(address)} is not this site's account ${account}`);
}
