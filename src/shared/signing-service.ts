/**
 * A device as a co-signer, on a screen (the phone page, and the extension's
 * popup while its Co-sign screen is open): while it is open and unlocked, it stays in
 * each vault's paired channel (src/session/ceremonies.ts `serveSigning`);
 * every incoming request is parsed strictly and its digest recomputed there,
 * then waits here as a {@link PendingRequest} until the user approves or
 * rejects it on screen. A rejection goes back to the requesting device as a
 * refusal (the dApp gets 4001 from the extension).
 *
 * The channel is read with its backlog: requests sent while the page was
 * closed (since this device last read the channel, or from the position a
 * signing link gives) are shown if they are still open. serveSigning drops
 * the expired ones and those their requester ended (signed with other
 * co-signers, refused, given up); every request's fate is kept by id in
 * {@link SigningService.seen} so a signing link can say what became of it.
 */
import { serveSigning, type Decision, type RequestInfo, type ServeResult } from '../session/ceremonies';
import { CHANNEL_TTL_SECONDS, channelOf, vaultId, type DeviceVault } from '../session/device-vault';
import { openMailbox, type OpenedMailbox, type OpenMailboxOptions } from '../session/relay-transport';
import { answerStoredAsks } from '../session/generation-asks';
import type { CosignRequest } from '../session/cosign-request';
import { isSolanaRequest } from '../session/solana-signing-request';
import { solanaSignView } from './solana-sign-view';
import { OtBurns } from '../session/ot-burns';
import { networkOfChain, signView, withPreview } from './sign-view';
import { type TxPreview, unavailablePreview } from './tx-preview';
import type { SigningRequest } from '../session/signing-request';
import type { SignView } from './popup-api';
import { TandemError } from '../errors/index';
import type { ChannelStatus, PendingRequest, RequestResult, SeenRequest } from './cosign-requests';

export type { ChannelStatus, PendingRequest, RequestResult, SeenRequest } from './cosign-requests';

/** A request nobody decided on is refused after this long (the extension stopped waiting long before). */
export const DECISION_TIMEOUT_MS = 10 * 60_000;
/**
 * A request read from the backlog is shown after this pause, so that its
 * requester's end (already in the backlog right behind it) can withdraw it
 * first instead of flashing it on screen.
 */
export const SETTLE_MS = 400;
/** How long a channel being left waits for its last answer to be sent before it closes. */
export const CLOSE_WAIT_MS = 2_000;

export interface SigningServiceOptions {
  onChange(): void;
  /**
   * A peer's OT messages failed their check while signing: the vault's share
   * now lists that pair as burned (this device will not sign with it again
   * until a re-share). Store `vault` (the object the channel uses) and
   * resolve once stored; throw when it cannot be (the save is then retried
   * before every later request, and that peer refused until it is stored).
   */
  onBurn?(vault: DeviceVault): Promise<void>;
  open?: (o: OpenMailboxOptions) => Promise<OpenedMailbox>;
  roundTimeoutMs?: number;
  /**
   * This device's own preview of a transaction it decoded (the phone's preview-nodes.ts, the extension's networks), shown with it;
   * without it, a transaction's preview says it is unavailable.
   */
  previewOf?: (request: SigningRequest, vault: DeviceVault) => Promise<TxPreview>;
  /** What the user calls this device, in the reasons sent back ("phone", "browser"); default "phone". */
  device?: string;
  /** Why a transaction has no preview when there is no `previewOf` (default {@link NO_PHONE_NODE}). */
  noNode?: string;
}

/** Why a transaction has no preview on a phone that was given no node. */
export const NO_PHONE_NODE = 'this phone has no node for this chain (Settings › Nodes for previews)';

/** The step shown once this device's part of the signature is done (it also tells 'signed' from 'not-needed'). */
const SIGNED_STEP = 'Signed.';

const METHOD: Record<CosignRequest['kind'], string> = {
  transaction: 'eth_sendTransaction',
  personal_sign: 'personal_sign',
  typed_data: 'eth_signTypedData_v4',
  typed_data_v1: 'eth_signTypedData',
  solana_transaction: 'solana:signTransaction',
  solana_message: 'solana:signMessage',
};

function whatOf(view: SignView): string {
  if (view.solana) {
    const s = view.solana;
    if (s.kind === 'message') return 'Solana message signature';
    const tokens = s.sendsTokens?.length
      ? `, ${s.sendsTokens.length === 1 ? 'a token amount' : `${s.sendsTokens.length} token amounts`}`
      : '';
    return `Solana transaction (${s.sendsSol} SOL${tokens})`;
  }
  if (view.transaction) {
    const t = view.transaction;
    if (t.call) return t.call.method === 'approve' ? 'Token approval' : 'Token transfer';
    return t.to ? `Send ${t.value} ${view.currencySymbol}` : 'Contract deployment';
  }
  if (view.message) return 'Message signature';
  return `Typed data (${view.typedData?.primaryType ?? '?'})`;
}

/** What became of a request that was on screen, from how serveSigning ended it. */
function outcomeOf(p: PendingRequest, r: ServeResult): RequestResult['outcome'] {
  if (r.ok) return p.steps.includes(SIGNED_STEP) ? 'signed' : 'not-needed';
  if (p.phase !== 'waiting') return 'failed'; // approved, then signing failed
  if (r.ended === 'expired') return 'expired';
  return r.ended === 'requester' ? 'withdrawn' : 'rejected';
}

interface Channel {
  vault: DeviceVault;
  status: ChannelStatus;
  opened?: OpenedMailbox;
  stop?: () => void;
  /** Resolves once every request read so far was answered (serveSigning's idle). */
  idle?: () => Promise<void>;
  /** The request of this vault in progress (serveSigning handles one at a time). */
  current?: PendingRequest | undefined;
}

/** Listens on the paired channels of the unlocked vaults. */
export class SigningService {
  private readonly channels = new Map<string, Channel>();
  private readonly deciders = new Map<string, (d: Decision) => void>();
  pending: PendingRequest[] = [];
  results: RequestResult[] = [];
  /** Requests read from the channels, by id (the latest 200). */
  readonly seen = new Map<string, SeenRequest>();
  private counter = 0;

  /** This page's OT burns (see session/ot-burns.ts), stored through `onBurn`. */
  private readonly burns: OtBurns;

  private get device(): string {
    return this.opts.device ?? 'phone';
  }

  constructor(private readonly opts: SigningServiceOptions) {
    this.burns = new OtBurns(async (vault) => {
      if (!opts.onBurn) throw new TandemError('vault.cannotUpdateShare', 'this page cannot store the vault');
      await opts.onBurn(vault);
    });
  }

  status(id: string): ChannelStatus | undefined {
    return this.channels.get(id)?.status;
  }

  /**
   * Joins the vault's paired channel (again, after an error) and answers its
   * requests. `readAfter`: read the channel from this room position (a
   * signing link's), else from where this device last read it.
   */
  async listen(vault: DeviceVault, readAfter?: number): Promise<void> {
    const id = vaultId(vault);
    this.forget(id);
    const ch: Channel = { vault, status: { state: 'connecting' } };
    this.channels.set(id, ch);
    this.opts.onChange();
    try {
      const c = channelOf(vault);
      ch.opened = await (this.opts.open ?? openMailbox)({
        ...c,
        deviceId: vault.identity.deviceId,
        ttlSeconds: CHANNEL_TTL_SECONDS,
        ...(readAfter !== undefined ? { readAfter } : {}),
      });
    } catch (e) {
      if (this.channels.get(id) !== ch) return;
      const host = (() => {
        try {
          return new URL(vault.channel.relayUrl).host;
        } catch {
          return vault.channel.relayUrl;
        }
      })();
      ch.status = {
        state: 'offline',
        error: `Not connected: the relay ${host} cannot be reached. Check this ${this.device}'s connection.`,
        detail: e instanceof Error ? e.message.slice(0, 300) : 'no answer',
      };
      this.opts.onChange();
      return;
    }
    if (this.channels.get(id) !== ch) {
      await ch.opened.close().catch(() => undefined);
      return;
    }
    const server = serveSigning({
      mailbox: ch.opened.mailbox,
      vault,
      roundTimeoutMs: this.opts.roundTimeoutMs ?? 60_000,
      startTimeoutMs: 60_000,
      decide: (request, _lines, from, info) => this.ask(ch, id, request, from, info),
      // The channel keeps serving with this vault object: the pair is refused from now on, then stored (awaited).
      burns: this.burns,
      onEvent: (e) => {
        const p = ch.current;
        if (!p) return;
        if (e.kind === 'signing') p.steps = [...p.steps, 'Signing together with the other device…'];
        else if (e.kind === 'signed') p.steps = [...p.steps, SIGNED_STEP];
        else return;
        this.opts.onChange();
      },
      onResult: (r) => this.finish(ch, r),
    });
    // A device that missed the end of this vault's last change of generation may ask for this device's statement.
    const unanswer = answerStoredAsks(ch.opened.mailbox, () => ch.vault);
    ch.stop = () => {
      server.stop();
      unanswer();
    };
    ch.idle = server.idle;
    ch.status = { state: 'listening' };
    this.opts.onChange();
  }

  /** True while the vault's channel has a request on screen or being signed. */
  busy(id: string): boolean {
    return !!this.channels.get(id)?.current;
  }

  private see(id: string, s: SeenRequest): void {
    this.seen.delete(id);
    this.seen.set(id, s);
    if (this.seen.size > 200) this.seen.delete(this.seen.keys().next().value!);
  }

  private async ask(ch: Channel, id: string, request: CosignRequest, from: string, info: RequestInfo): Promise<Decision> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, SETTLE_MS);
      info.ended.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
    if (info.ended.aborted) return 'the request ended before it was shown';
    // The channel was left meanwhile (a change of generation committed, the vault was deleted, the device locked):
    // this generation's share may be gone, so the request is never shown.
    if (this.channels.get(id) !== ch) return `the ${this.device} stopped listening on this channel`;
    // Read again from the channel (a signing link re-reads it): answered once is enough.
    if (this.seen.get(info.id)?.state === 'done') return `already decided on this ${this.device}`;
    // Decoded here as serveSigning decoded it (the Solana signer was checked to be this vault's there).
    // The account serveSigning derived on this device from the request's key path (it refused one naming another).
    let view = isSolanaRequest(request)
      ? solanaSignView(request)
      : signView(request, info.account ?? ch.vault.address, networkOfChain(request.chainId));
    if (!isSolanaRequest(request) && request.kind === 'transaction') {
      // Asked of this device's own node (bounded in time), never taken from the requester.
      view = withPreview(
        view,
        this.opts.previewOf ? await this.opts.previewOf(request, ch.vault) : unavailablePreview(this.opts.noNode ?? NO_PHONE_NODE),
      );
      if (info.ended.aborted) return 'the request ended before it was shown';
      if (this.channels.get(id) !== ch) return `the ${this.device} stopped listening on this channel`;
    }
    const p: PendingRequest = {
      key: `r${++this.counter}`,
      vaultId: id,
      vaultName: ch.vault.name,
      fromDevice: from,
      method: METHOD[request.kind],
      view,
      receivedAt: Date.now(),
      requestId: info.id,
      expires: info.expires,
      phase: 'waiting',
      steps: [],
    };
    ch.current = p;
    this.pending = [...this.pending, p];
    this.see(info.id, { state: 'shown', vaultId: id });
    this.opts.onChange();
    return new Promise<Decision>((resolve) => {
      const timer = setTimeout(() => this.decide(p.key, false, `nobody decided on the ${this.device} in time`), DECISION_TIMEOUT_MS);
      this.deciders.set(p.key, (d) => {
        clearTimeout(timer);
        resolve(d);
      });
      // Expired or ended by its requester: off the screen (serveSigning reports the result next).
      info.ended.addEventListener('abort', () => this.deciders.delete(p.key) && (clearTimeout(timer), resolve('ended')), { once: true });
    });
  }

  /** Ids of the vaults whose channel could not be opened. */
  offline(): string[] {
    return [...this.channels].filter(([, ch]) => ch.status.state === 'offline').map(([id]) => id);
  }

  /** The user's decision on a pending request. */
  decide(key: string, approve: boolean, reason = `the user rejected it on the ${this.device}`): void {
    const resolve = this.deciders.get(key);
    const p = this.pending.find((x) => x.key === key);
    if (!resolve || !p) return;
    this.deciders.delete(key);
    if (approve) {
      p.phase = 'signing';
      p.steps = ['Approved. Waiting for the other device to start signing…'];
    } else {
      this.pending = this.pending.filter((x) => x !== p);
    }
    resolve(approve ? true : reason);
    this.opts.onChange();
  }

  private finish(ch: Channel, r: ServeResult): void {
    const id = vaultId(ch.vault);
    const p = ch.current?.requestId === r.id ? ch.current : undefined;
    if (p) ch.current = undefined;
    if (!p) {
      // Never shown: expired or ended (read from the backlog), or refused before it reached the user (malformed, digest mismatch, old format).
      const detail = r.error ?? 'refused';
      this.see(
        r.id,
        r.ended === 'expired'
          ? { state: 'expired', vaultId: id, detail }
          : r.ended === 'requester'
            ? { state: 'ended', vaultId: id, detail }
            : { state: 'refused', vaultId: id, detail },
      );
      this.opts.onChange();
      return;
    }
    this.pending = this.pending.filter((x) => x !== p);
    const outcome = outcomeOf(p, r);
    this.see(r.id, { state: 'done', vaultId: id, outcome });
    this.results = [
      { key: p.key, vaultName: p.vaultName, what: whatOf(p.view), outcome, ...(r.ok ? {} : { detail: r.error }), at: Date.now() },
      ...this.results,
    ].slice(0, 20);
    this.opts.onChange();
  }

  /** Leaves one vault's channel (deleted vault, re-share). */
  forget(id: string): void {
    const ch = this.channels.get(id);
    if (!ch) return;
    this.channels.delete(id);
    ch.stop?.();
    if (ch.current) this.decide(ch.current.key, false, `the ${this.device} stopped listening`);
    // The channel closes once the refusal (or a signing under way) is sent, within a bound.
    const sent = ch.idle ? Promise.race([ch.idle(), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS))]) : Promise.resolve();
    void sent.then(() => ch.opened?.close()).catch(() => undefined);
    this.pending = this.pending.filter((p) => p.vaultId !== id);
  }

  /** Leaves every channel (lock). Pending requests are refused. */
  stopAll(): void {
    for (const id of [...this.channels.keys()]) this.forget(id);
    this.opts.onChange();
  }
}
