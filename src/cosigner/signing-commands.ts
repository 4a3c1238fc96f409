/**
 * `serve`: the co-signer on the vault's paired channel. It stays in the
 * channel's room, and for each request prints what it is (decoded from the
 * request itself: the digest is recomputed and must match), then asks the
 * terminal or applies a policy file. `sign`, the initiator's side, is in
 * sign-command.ts.
 */
import { readFileSync } from 'node:fs';
import { serveSigning, type Decision, type RequestInfo, type ServeResult } from '../session/ceremonies.js';
import type { PartyId } from '../tss/errors.js';
import { CHANNEL_TTL_SECONDS, channelOf, type DeviceVault } from '../session/device-vault.js';
import { openMailbox } from '../session/relay-transport.js';
import { OtBurns } from '../session/ot-burns.js';
import { checkPolicy, checkPreflight, parsePolicy, type Policy } from './policy.js';
import { ChainPreviews, nodeHost } from './preview.js';
import { SolanaBudget } from './solana-budget.js';
import { isSolanaRequest, type CosignRequest } from '../session/cosign-request.js';
import { vaultSolanaAddress } from '../session/solana-signing.js';
import { DailyBudget, DailySpending } from './spending.js';
import { rpcFlags, timing } from './options.js';
import { progressPrinter } from './progress.js';
import { askYesNo, closeInput, readPassword, UsageError } from './prompt.js';
import { EXIT, type CommandContext } from './context.js';
import { fileStore, finishIfPending, openNewChannel } from './generation-store.js';
import { answerStoredAsks, askForStatements } from '../session/generation-asks.js';
import { StoreError } from './store.js';
import { withTestPause } from './test-pause.js';

interface LoadedVault {
  id: string;
  vault: DeviceVault;
  /** This process's OT burns, stored in the vault file (see session/ot-burns.ts). */
  burns: OtBurns;
  /** Tells the user about a burn (after it was applied and its save attempted). */
  onOtFailure: (party: PartyId) => void;
  password: string;
}

export async function loadVault(ctx: CommandContext): Promise<LoadedVault> {
  const password = await readPassword('TANDEM_PASSWORD', "Password for this device's vault files");
  const id = ctx.store.resolve(typeof ctx.flags.vault === 'string' ? ctx.flags.vault : undefined);
  const loaded = await ctx.store.load(id, password);
  // A key generation or re-share this device did not see end: finish it first (docs/generations.md).
  const vault = await finishIfPending(ctx, id, loaded, password);
  if (!vault) throw new StoreError('store.retired', `this device left vault ${id}; it holds no share of it any more`);
  // A peer's OT messages failed their check: never sign with it again until a re-share (selective-failure defence).
  const burns = new OtBurns(async (v) => {
    await ctx.store.save(v, password, { replace: true });
  });
  const onOtFailure = (party: PartyId) => {
    const device = vault.members.find((m) => m.party === party)?.identity.deviceId ?? `party ${party}`;
    ctx.print(
      `warning: ${device} sent signing messages that failed their check; this device will not sign with it again until the vault is re-shared`,
    );
    if (!burns.isSaved(vault))
      ctx.print(`warning: could not record this in the vault file ${id}: ${burns.refusal(vault, party)?.message ?? 'unknown error'}`);
  };
  return { id, vault, burns, onOtFailure, password };
}

function readPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the policy file ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`the policy file ${path} is not JSON`);
  }
  return parsePolicy(json);
}

/** The vault's paired channel, read from where this device last read it (requests sent meanwhile included). */
export function openChannel(vault: DeviceVault) {
  return openMailbox({ ...channelOf(vault), deviceId: vault.identity.deviceId, ttlSeconds: CHANNEL_TTL_SECONDS });
}

/**
 * `serve [--vault ID] [--policy FILE] [--once] [--rpc URL]...`: answers signing requests
 * until stopped (or after one with `--once`). Each transaction is previewed
 * first on this device's own node for its chain (`--rpc`; "unavailable"
 * without one) and the preview printed; a policy with `refuseFailing`
 * refuses one whose pre-flight fails or could not run. The channel is read from where
 * this device last read it: requests sent while the co-signer was not
 * running are answered if still open; expired ones, and ones their requester
 * already ended, are skipped (and do not count for `--once`).
 * Resolves with the exit code.
 */
export async function serveCommand(ctx: CommandContext): Promise<number> {
  const policy = typeof ctx.flags.policy === 'string' ? readPolicy(ctx.flags.policy) : null;
  const previews = new ChainPreviews(rpcFlags(ctx.flags));
  if (policy?.refuseFailing && previews.urls.length === 0)
    throw new UsageError('the policy sets refuseFailing: give this co-signer its own node with --rpc URL (one per chain it signs for)');
  const time = timing(ctx.flags);
  const { id, vault, burns, onOtFailure, password } = await loadVault(ctx);
  const spending = new DailySpending(ctx.store.home, id);
  const opened = await openChannel(vault);
  ctx.onExit(() => opened.close());
  ctx.print(
    `serving vault ${id} (${vault.address}, ${vault.ecdsa.t}-of-${vault.ecdsa.parties.length}) as ${vault.identity.deviceId} on ${vault.channel.relayUrl}`,
  );
  ctx.print(`solana address ${vaultSolanaAddress(vault)}`);
  ctx.print(
    policy
      ? `policy: chains ${policy.chains.join(', ')}, at most ${policy.maxValueWei} wei per transaction, ${policy.dailyLimitWei} wei per day`
      : 'no policy: each request is asked on this terminal',
  );
  if (policy)
    ctx.print(
      policy.solana
        ? `policy (solana): at most ${policy.solana.maxLamports} lamports per transaction, ${policy.solana.dailyLimitLamports} lamports per day${solanaTokensLine(policy.solana.tokens)}`
        : 'policy (solana): none, Solana requests are refused',
    );
  ctx.print(
    previews.urls.length
      ? `pre-flight: transactions are previewed on ${previews.urls.map(nodeHost).join(', ')}${policy?.refuseFailing ? '; the policy refuses one that will fail' : ''}`
      : 'pre-flight: no --rpc, transactions are not previewed',
  );
  ctx.print('listening for signing requests');

  // Check and record in one step, per request (spending.ts DailyBudget).
  const budget = new DailyBudget(spending);
  const solBudget = new SolanaBudget(ctx.store.home, id);
  const decide = async (request: CosignRequest, _lines: string[], _from: string, info: RequestInfo): Promise<Decision> => {
    // This device's own preview of what it decoded (never the requester's).
    const previewed = isSolanaRequest(request) ? null : await previews.preview(request, vault);
    for (const line of previewed?.lines ?? []) ctx.print(`  ${line}`);
    if (policy) {
      try {
        if (!isSolanaRequest(request)) checkPreflight(request, policy, previewed?.preview ?? null);
        if (isSolanaRequest(request)) await solBudget.reserve(info.id, request, policy.solana);
        else budget.reserve(info.id, (today) => checkPolicy(request, policy, today));
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
      ctx.print('policy: approved');
      return true;
    }
    return (await askYesNo('Approve?')) ? true : 'the user declined';
  };
  const settle = (r: ServeResult) => {
    budget.settle(r.id, r.joined === true);
    solBudget.settle(r.id, r.joined === true);
  };

  const printEvent = withTestPause(progressPrinter(ctx.print));
  return new Promise<number>((resolve) => {
    let current: { vault: DeviceVault; opened: OpenedChannel; stop: () => void } = { vault, opened, stop: () => undefined };
    const serveOn = (v: DeviceVault, channel: OpenedChannel) => {
      const server = serveSigning({
        mailbox: channel.mailbox,
        vault: v,
        decide,
        roundTimeoutMs: time.roundTimeoutMs,
        startTimeoutMs: time.roundTimeoutMs,
        burns,
        onOtFailure,
        onEvent: printEvent,
        onResult: (r) => {
          // The daily total counts what this co-signer took part in signing.
          settle(r);
          if (r.ended) {
            // Expired, or ended by its requester: nobody waits for this one.
            ctx.print(`${r.skipped ? 'skipped' : 'refused'}: request ${r.id}: ${r.error ?? 'ended'}`);
            return;
          }
          if (r.ok && r.joined) {
            ctx.print(`done: request ${r.id} signed`);
          } else if (r.ok) {
            ctx.print(`done: request ${r.id} approved; the initiator signed with other co-signers`);
          } else {
            ctx.print(`refused: request ${r.id}: ${r.error ?? 'no reason'}`);
          }
          if (ctx.flags.once) {
            current.stop();
            closeInput();
            // Refused (policy, user, checks) or ended by the requester: 3; accepted, then the signing failed: 1.
            const code = r.ok ? EXIT.ok : r.accepted && !r.ended ? EXIT.failed : EXIT.refused;
            void current.opened.close().then(() => resolve(code));
          }
        },
      });
      // A device that missed the end of a re-share asks here for the statements it lacks (generation-asks.ts).
      const unanswer = answerStoredAsks(channel.mailbox, () => current.vault);
      current = {
        vault: v,
        opened: channel,
        stop: () => {
          server.stop();
          unanswer();
        },
      };
    };
    serveOn(vault, opened);
    ctx.onExit(() => current.stop());
    if (vault.pending)
      void finishWhileServing(ctx, { id, vault, password, opened }, (done, channel) => {
        const old = current;
        old.stop();
        serveOn(done, channel);
        if (old.opened !== channel) void old.opened.close();
      });
  });
}

type OpenedChannel = Awaited<ReturnType<typeof openChannel>>;

/**
 * `serve` with a pending record: keeps asking on the new generation's channel
 * until every statement is in, then hands over the committed record and the
 * channel to serve on (the new one after a re-share).
 */
async function finishWhileServing(
  ctx: CommandContext,
  held: { id: string; vault: DeviceVault; password: string; opened: OpenedChannel },
  switchTo: (done: DeviceVault, channel: OpenedChannel) => void,
): Promise<void> {
  // Key generation: the channel served is the generation's own; a re-share: the new one.
  const same = held.vault.pending?.kind === 'unconfirmed';
  const opened = same ? held.opened : await openNewChannel(held.vault).catch(() => null);
  if (!opened) return;
  let stop!: (e: Error) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => undefined);
  ctx.onExit(() => {
    stop(new Error('serve stopped'));
    return same ? undefined : opened.close();
  });
  const store = fileStore(ctx, () => held.id, held.password, true);
  const out = await askForStatements({
    record: held.vault,
    store,
    mailbox: opened.mailbox,
    timeoutMs: 7 * 86_400_000,
    stopped,
    onPeer: (again) => opened.client.onJoin(again),
  }).catch(() => null);
  if (out?.kind !== 'member' || out.vault.pending) return;
  ctx.print(`complete: every device stored generation ${out.vault.ecdsa.epoch}; the previous one was wiped; serving it`);
  switchTo(out.vault, opened);
}

function solanaTokensLine(tokens: Record<string, { maxAmount: bigint; dailyLimit: bigint }> | undefined): string {
  const list = Object.entries(tokens ?? {});
  if (!list.length) return '; no token transfers';
  return `; tokens: ${list.map(([mint, l]) => `${mint} at most ${l.maxAmount} base units per transaction, ${l.dailyLimit} per day`).join('; ')}`;
}
