/**
 * Signing on the vault's paired channel, the co-signer's side: each request
 * is parsed strictly, its digest recomputed and compared, its creation time
 * and expiry checked against this device's clock, then `decide` (the user,
 * or a policy) approves or refuses it.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../tss/errors.js';
import type { CeremonyEvent } from './ceremony-common.js';
import { controlFrom, controlHeader, signControl, type SignRequestMsg } from './control.js';
import { memberIdentities, type DeviceVault } from './device-vault.js';
import type { DevicePublic } from './identity.js';
import type { LivenessTiming } from './liveness.js';
import { CeremonyTimeout, type Delivery, type Mailbox } from './mailbox.js';
import { SigningRequestRejected } from './signing-request.js';
import { checkRequestTimes, MAX_CLOCK_SKEW_MS, SigningRequestExpired, type RequestTimes } from './request-times.js';
import { checkCosignDigest, describeCosignRequest, isSolanaRequest, parseCosignRequest, type CosignRequest } from './cosign-request.js';
import { checkSolanaSigner, solanaBytesToSign } from './solana-signing-request.js';
import { signSolanaWithQuorum, vaultSolanaAddress } from './solana-signing.js';
import { signWithQuorum } from './signing.js';
import { pathText, requestAccount } from './account-path.js';
import { otRefusal, type OtBurns } from './ot-burns.js';

/** What a co-signer decides about a request: true to sign, or the reason to refuse. */
export type Decision = true | string;

/** About the request `decide` is asked: its id and times, and a signal that fires when it no longer needs a decision. */
export interface RequestInfo extends RequestTimes {
  id: string;
  /**
   * Aborted when the request expires (this device's clock) or its requester
   * ended it (it started signing with other co-signers, was refused, or gave
   * up): take it off the screen. The decision is no longer used then.
   */
  ended: AbortSignal;
  /** An Ethereum request's account, as this device derived it from the key path (docs/accounts.md). */
  account?: string;
}

/** The outcome of one request for a co-signer. */
export interface ServeResult {
  id: string;
  ok: boolean;
  error?: string;
  /** It was never shown: long expired, or ended by its requester before it was read. */
  skipped?: boolean;
  /** Why it needs no decision any more: it expired, or its requester ended it. */
  ended?: 'expired' | 'requester';
  /**
   * This device entered the signing protocol (its messages may have given the
   * others what they need for a signature), whether or not its own run then
   * completed: a policy's daily total counts such a request (docs/life-of-a-signature.md).
   */
  joined?: true;
  /** This device accepted the request: a failure after that is the signing's (a device or the relay), not a refusal. */
  accepted?: true;
}

export interface ServeOptions {
  mailbox: Mailbox;
  vault: DeviceVault;
  decide: (request: CosignRequest, lines: string[], fromDevice: string, info: RequestInfo) => Promise<Decision>;
  roundTimeoutMs: number;
  /** How long to wait for the initiator to start signing after we accepted. */
  startTimeoutMs?: number;
  onEvent?: (e: CeremonyEvent) => void;
  onResult?: (r: ServeResult) => void;
  /** The device's OT burns: a failed OT check burns the pair durably (see ot-burns.ts). */
  burns?: OtBurns;
  /** A peer's OT messages failed their check (after the burn was applied and its save attempted). */
  onOtFailure?: (party: PartyId) => void;
  /** This device's clock (tests). */
  now?: () => number;
  liveness?: LivenessTiming;
}

/** One request being served: who asked, and how to answer. */
interface Served {
  id: string;
  msg: SignRequestMsg;
  initiator: DevicePublic;
  from: string;
  answer: (ok: boolean, reason?: string, code?: string) => Promise<void>;
}

/** Watches for the requester ending request `id` (`sign-start` / `sign-end`); `ended` fires with the reason. */
function watchEnd(mailbox: Mailbox, s: Served): { ended: AbortController; stop: () => void } {
  const ended = new AbortController();
  const stop = mailbox.listen(
    (d) => {
      const h = controlHeader(d);
      return (h?.t === 'sign-start' || h?.t === 'sign-end') && h.id === s.id && h.party === s.msg.party && endOf(s, d) !== null;
    },
    (d) =>
      ended.abort(
        (endOf(s, d) as { why?: string }).why === 'expired'
          ? new SigningRequestExpired(
              'the request expired (the requesting device stopped waiting for co-signers); ask again from the requesting device',
              0,
            )
          : new SigningRequestRejected('the requesting device ended this request (it was decided elsewhere, refused or given up)'),
      ),
  );
  return { ended, stop };
}

/** The requester's signed `sign-start` or `sign-end` for `s` in `d`, or null. */
function endOf(s: Served, d: Delivery) {
  return controlFrom('sign-start', s.initiator, d) ?? controlFrom('sign-end', s.initiator, d);
}

/** `account`: the Ethereum account this device derived for the request's key path (docs/accounts.md). */
type Checked = { request: CosignRequest; digest: Uint8Array; times: RequestTimes; account?: string };

/** Checks what can be checked before asking anyone: times, generation, burned pair, the request and its digest. */
async function checkRequest(s: Served, opts: ServeOptions, now: number): Promise<Checked> {
  const { vault } = opts;
  const p = s.msg;
  const times = checkRequestTimes(p as unknown as Record<string, unknown>, now);
  if (p.epoch !== vault.ecdsa.epoch) {
    const behind = p.epoch < vault.ecdsa.epoch;
    throw new SigningRequestRejected(
      `the requesting device holds share generation ${p.epoch}, this one ${vault.ecdsa.epoch}: ${behind ? 'the requesting device was left behind by a re-share (re-share or restore it)' : 'this device was left behind by a re-share (re-share or restore it)'}`,
      { code: behind ? 'generation.behind' : 'generation.ahead' },
    );
  }
  // A burned pair is never used again (selective-failure defence); an unsaved burn's save is retried first.
  await opts.burns?.settle(vault);
  const refusal = opts.burns ? opts.burns.refusal(vault, p.party) : otRefusal(vault, p.party);
  if (refusal) throw new SigningRequestRejected(refusal.message, { cause: refusal });
  const request = parseCosignRequest(p.request);
  // A Solana request names the account it is for: it must be this vault's (docs/solana.md).
  if (isSolanaRequest(request)) checkSolanaSigner(request, vaultSolanaAddress(vault));
  // An Ethereum request's account is derived here from its key path, and must be the one it names.
  const account = isSolanaRequest(request) ? undefined : requestAccount(request, vault);
  if (typeof p.digest !== 'string' || !/^[0-9a-f]{64}$/.test(p.digest))
    throw new SigningRequestRejected('the request has no 32-byte digest');
  return { request, digest: checkCosignDigest(request, hexToBytes(p.digest)), times, ...(account ? { account } : {}) };
}

/** Asks `decide`, racing the requester's end and the request's expiry. Returns the decision, or the reason it ended. */
async function decideInTime(
  opts: ServeOptions,
  s: Served,
  checked: Checked,
  ended: AbortController,
): Promise<{ decision: Decision } | { endedBy: Error; expiredHere: boolean }> {
  const now = opts.now ?? Date.now;
  let expiredHere = false;
  const expiry = setTimeout(
    () => {
      expiredHere = !ended.signal.aborted;
      ended.abort(
        new SigningRequestExpired(
          'the request expired before a decision (the requesting device stopped waiting); ask again from the requesting device',
          0,
        ),
      );
    },
    Math.max(0, checked.times.expires - now()),
  );
  const lines = describeCosignRequest(checked.request);
  if (checked.account && !isSolanaRequest(checked.request) && checked.request.path.length)
    lines.unshift(`account ${checked.account} (key path ${pathText(checked.request.path)}, derived on this device)`);
  opts.onEvent?.({ kind: 'request', from: s.from, lines });
  const whenEnded = new Promise<'ended'>((resolve) => ended.signal.addEventListener('abort', () => resolve('ended'), { once: true }));
  const decision = await Promise.race([
    opts
      .decide(checked.request, lines, s.from, {
        id: s.id,
        ...checked.times,
        ended: ended.signal,
        ...(checked.account ? { account: checked.account } : {}),
      })
      .catch((e: unknown) => (e instanceof Error ? e.message : String(e))),
    whenEnded,
  ]).finally(() => clearTimeout(expiry));
  if (decision === 'ended' && ended.signal.aborted) return { endedBy: ended.signal.reason as Error, expiredHere };
  return { decision: decision === 'ended' ? 'ended' : decision };
}

const endedKind = (e: Error) => (e instanceof SigningRequestExpired ? ('expired' as const) : ('requester' as const));

/** After accepting: waits for the requester's start (or end) and signs if this device is a signer. */
async function signAccepted(opts: ServeOptions, s: Served, checked: Checked): Promise<void> {
  const identities = memberIdentities(opts.vault);
  let joined: true | undefined;
  try {
    const start = await opts.mailbox.take(
      (d) => endOf(s, d) !== null && (d.payload as { id: unknown }).id === s.id,
      opts.startTimeoutMs ?? 60_000,
      () => new CeremonyTimeout(`${s.initiator.deviceId} did not start signing`, [s.initiator.deviceId]),
    );
    const msg = endOf(s, start)!;
    if (msg.t === 'sign-end') {
      opts.onResult?.({
        id: s.id,
        ok: false,
        error: 'the requesting device ended this request after this device accepted (refused or given up elsewhere); nothing was signed',
        ended: 'requester',
        accepted: true,
      });
      return;
    }
    const { signers } = msg;
    if (!signers.every((x) => identities.has(x)) || !signers.includes(s.msg.party)) throw new Error('malformed signer set');
    if (!signers.includes(opts.vault.ecdsa.self)) {
      opts.onResult?.({ id: s.id, ok: true, accepted: true });
      return;
    }
    opts.onEvent?.({ kind: 'signing', signers });
    joined = true;
    const run = { ...opts, id: s.id, signers, digest: checked.digest };
    // FROST signs the bytes this device decoded itself; DKLs23 the digest it computed itself.
    if (isSolanaRequest(checked.request)) await signSolanaWithQuorum({ ...run, message: solanaBytesToSign(checked.request) });
    else await signWithQuorum({ ...run, path: checked.request.path });
    opts.onResult?.({ id: s.id, ok: true, joined, accepted: true });
  } catch (e) {
    opts.onResult?.({
      id: s.id,
      ok: false,
      error: e instanceof Error ? e.message : String(e),
      accepted: true,
      ...(joined ? { joined } : {}),
    });
  }
}

/** The refusal codes sent back to the requester. */
const forwardedCode = (code: string) => code.startsWith('generation.') || code === 'signing.accountMismatch';

/** Serves one request from its arrival to its end. */
async function serveOne(opts: ServeOptions, s: Served): Promise<void> {
  const watch = watchEnd(opts.mailbox, s);
  if (watch.ended.signal.aborted) {
    // Ended by its requester already (read from the backlog): never shown.
    watch.stop();
    const reason = watch.ended.signal.reason as Error;
    opts.onResult?.({ id: s.id, ok: false, error: reason.message, skipped: true, ended: endedKind(reason) });
    return;
  }
  let checked: Checked;
  try {
    checked = await checkRequest(s, opts, (opts.now ?? Date.now)());
  } catch (e) {
    watch.stop();
    const reason = e instanceof Error ? e.message : String(e);
    if (e instanceof SigningRequestExpired && e.expiredForMs > MAX_CLOCK_SKEW_MS) {
      // Long gone (read from the channel's backlog): nobody waits for an answer.
      opts.onResult?.({ id: s.id, ok: false, error: reason, skipped: true, ended: 'expired' });
      return;
    }
    opts.onResult?.({ id: s.id, ok: false, error: reason, ...(e instanceof SigningRequestExpired ? { ended: 'expired' as const } : {}) });
    // Only a generation mismatch (the requester acts on it, docs/generations.md) and an account mismatch carry their code.
    await s.answer(false, reason, e instanceof SigningRequestRejected && forwardedCode(e.code) ? e.code : undefined);
    return;
  }
  const got = await decideInTime(opts, s, checked, watch.ended).finally(() => watch.stop());
  if ('endedBy' in got) {
    opts.onResult?.({ id: s.id, ok: false, error: got.endedBy.message, ended: endedKind(got.endedBy) });
    // The requester ended it: nobody to answer. Expired by this device's clock: the requester's may lag, so it is told.
    if (got.expiredHere) await s.answer(false, got.endedBy.message);
    return;
  }
  if (got.decision !== true) {
    opts.onResult?.({ id: s.id, ok: false, error: got.decision });
    await s.answer(false, got.decision);
    return;
  }
  await s.answer(true);
  await signAccepted(opts, s, checked);
}

/**
 * Co-signer: answers signing requests on the paired channel until `stop()`.
 *
 * A co-signer may open the channel with its backlog (requests sent while it
 * was away): a request that expired more than the clock-skew allowance ago,
 * or that its requester already ended (`sign-start` or `sign-end` from the
 * requester for that id), is skipped without an answer; one that expired just
 * now is refused with the reason (the requester may still wait, its clock
 * being behind).
 */
export function serveSigning(opts: ServeOptions): { stop: () => void; idle: () => Promise<void> } {
  const { mailbox, vault } = opts;
  const identities = memberIdentities(vault);
  const self = vault.ecdsa.self;
  let chain: Promise<void> = Promise.resolve();
  const served = (d: Delivery): Served | null => {
    const h = controlHeader(d);
    // A device never co-signs its own request (it may listen on the channel it also asks on).
    const initiator = h?.t === 'sign-request' && h.party !== undefined && h.party !== self ? identities.get(h.party) : undefined;
    const msg = initiator ? controlFrom('sign-request', initiator, d) : null;
    if (!initiator || !msg) return null;
    const answer = (ok: boolean, reason?: string, code?: string) =>
      mailbox.send(
        'all',
        signControl(vault.identity, {
          t: 'sign-answer',
          id: msg.id,
          party: self,
          ok,
          ...(reason ? { reason: reason.slice(0, 1000) } : {}),
          ...(code ? { code, epoch: vault.ecdsa.epoch } : {}),
        }),
      );
    return { id: msg.id, msg, initiator, from: d.from, answer };
  };
  const unlisten = mailbox.listen(
    (d) => controlHeader(d)?.t === 'sign-request',
    (d) => {
      const s = served(d);
      if (s) chain = chain.then(() => serveOne(opts, s)).catch(() => undefined);
    },
  );
  return { stop: unlisten, idle: () => chain };
}
