/**
 * `create`, `join` and `reshare`: the co-signer as a device in key
 * generation and re-share ceremonies. A vault file is written only after
 * the ceremony returned, i.e. after every device confirmed the same result;
 * an aborted or killed ceremony leaves every stored file as it was.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { createVault, joinReshare, joinVault, startReshare, type ReshareOutcome } from '../session/ceremonies.js';
import { CHANNEL_TTL_SECONDS, vaultId, type DeviceVault } from '../session/device-vault.js';
import { describePending } from '../session/generations.js';
import { newIdentity, publicOf } from '../session/identity.js';
import { createPairing, decodePairing, encodePairing, pairingLink, type PairingPayload } from '../session/pairing.js';
import { openMailbox } from '../session/relay-transport.js';
import { keygenParams, readKeygenParams, readReshareParams, reshareParams, reshareVaultId } from './pairing-params.js';
import { deviceIdFlag, intFlag, need, relayFlag, timing } from './options.js';
import { progressPrinter } from './progress.js';
import { readPassword, UsageError } from './prompt.js';
import { EXIT, type CommandContext } from './context.js';
import { fileStore } from './generation-store.js';
import { withTestPause } from './test-pause.js';

/** The phone co-signer page that the relay serves (the link a phone's camera opens). */
function cosignerPage(relayUrl: string): string {
  return `${relayUrl}/cosigner/`;
}

function showPairing(ctx: CommandContext, p: PairingPayload, what: string): void {
  ctx.print(`pairing: ${encodePairing(p)}`);
  ctx.print(`link: ${pairingLink(cosignerPage(p.relayUrl), p)}`);
  ctx.print(`${what}: on each other device run \`tandem-cosigner join <pairing>\` or open the link; keep the pairing text private`);
}

async function withRoom<T>(
  ctx: CommandContext,
  p: PairingPayload,
  deviceId: string,
  run: (m: Awaited<ReturnType<typeof openMailbox>>) => Promise<T>,
): Promise<T> {
  // The room is kept for days: a device that misses the end of the ceremony finishes it there later (docs/generations.md).
  const opened = await openMailbox({
    relayUrl: p.relayUrl,
    sessionId: p.sessionId,
    sessionKey: p.sessionKey,
    deviceId,
    ttlSeconds: CHANNEL_TTL_SECONDS,
  });
  ctx.onExit(() => opened.close());
  try {
    return await run(opened);
  } finally {
    await opened.close();
  }
}

function describeVault(v: DeviceVault): string {
  return `vault ${vaultId(v)} address ${v.address} (${v.ecdsa.t}-of-${v.ecdsa.parties.length}, this device is party ${v.ecdsa.self} "${v.identity.deviceId}", generation ${v.ecdsa.epoch})`;
}

/** Prints the stored record; a pending one says what it waits for (exit code 4). */
function reportVault(ctx: CommandContext, v: DeviceVault): number {
  ctx.print(describeVault(v));
  const pending = describePending(v);
  if (!pending) return EXIT.ok;
  ctx.print(`pending: ${pending}; it finishes by itself the next time this device runs serve or sign`);
  return EXIT.pending;
}

/** What a ceremony needs to store its result in this device's files and to finish later. */
function generationOpts(ctx: CommandContext, p: PairingPayload, id: () => string, password: string, replace: boolean) {
  return {
    store: fileStore(ctx, id, password, replace),
    room: { relayUrl: p.relayUrl, sessionId: p.sessionId, sessionKey: p.sessionKey },
  };
}

/** `create --relay URL --t T --n N [--name NAME] [--device-id ID]`: starts key generation. */
export async function createCommand(ctx: CommandContext): Promise<number> {
  const relayUrl = relayFlag(ctx.flags);
  const n = intFlag(ctx.flags, 'n', 2, 16);
  const t = intFlag(ctx.flags, 't', 2, n);
  const name = typeof ctx.flags.name === 'string' ? ctx.flags.name.slice(0, 64) : 'Vault';
  const time = timing(ctx.flags);
  const password = await readPassword('TANDEM_PASSWORD', "New password for this device's vault file", true);
  const me = newIdentity(deviceIdFlag(ctx.flags));
  const pairing = createPairing(relayUrl, 'keygen', keygenParams({ init: publicOf(me).signPub, t, n, name }));
  showPairing(ctx, pairing, `waiting for ${n - 1} devices (${t}-of-${n} vault "${name}")`);
  const vault = await withRoom(ctx, pairing, me.deviceId, ({ mailbox }) =>
    createVault({
      ...time,
      mailbox,
      me,
      sessionId: pairing.sessionId,
      plan: { t, n, name, relayUrl },
      ...generationOpts(ctx, pairing, () => '', password, false),
      onEvent: withTestPause(progressPrinter(ctx.print, n)),
    }),
  );
  return reportVault(ctx, vault);
}

/** `join <pairing> [--device-id ID] [--leaving]`: joins key generation or a re-share. */
export async function joinCommand(ctx: CommandContext): Promise<number> {
  const text = ctx.positionals[0];
  if (!text) throw new UsageError('join needs the pairing text: tandem-cosigner join <pairing>');
  const pairing = decodePairing(text.trim());
  const time = timing(ctx.flags);
  if (pairing.kind === 'keygen') {
    if (ctx.flags.leaving) throw new UsageError('--leaving only applies to a re-share');
    const params = readKeygenParams(pairing);
    const password = await readPassword('TANDEM_PASSWORD', "Password for this device's vault file", true);
    const me = newIdentity(deviceIdFlag(ctx.flags));
    ctx.print(`joining key generation of a ${params.t}-of-${params.n} vault "${params.name}" as ${me.deviceId}`);
    const vault = await withRoom(ctx, pairing, me.deviceId, ({ mailbox }) =>
      joinVault({
        ...time,
        mailbox,
        me,
        sessionId: pairing.sessionId,
        initiatorSignPub: params.init,
        ...generationOpts(ctx, pairing, () => '', password, false),
        onEvent: withTestPause(progressPrinter(ctx.print)),
      }),
    );
    return reportVault(ctx, vault);
  }
  if (pairing.kind !== 'reshare')
    throw new UsageError(
      `this pairing is for a ${pairing.kind} session, which the command-line co-signer does not join; use \`serve\` for signing`,
    );
  const params = readReshareParams(pairing);
  const password = await readPassword('TANDEM_PASSWORD', "Password for this device's vault files");
  // An old device holds the vault with this public key; its file is named after it.
  const id = reshareVaultId(params);
  const old = ctx.store.has(id) ? await ctx.store.load(id, password) : undefined;
  if (!old && ctx.flags.leaving) throw new UsageError(`--leaving: this device holds no share of vault ${id}`);
  const me = old ? old.identity : newIdentity(deviceIdFlag(ctx.flags));
  ctx.print(
    old
      ? `joining the re-share of vault ${id} as old device ${me.deviceId} (party ${old.ecdsa.self})${ctx.flags.leaving ? ', leaving' : ''}; new threshold ${params.newT}`
      : `joining the re-share of vault ${id} as new device ${me.deviceId}; new threshold ${params.newT}`,
  );
  const outcome = await withRoom(ctx, pairing, me.deviceId, ({ mailbox }) =>
    joinReshare({
      ...time,
      mailbox,
      me,
      sessionId: pairing.sessionId,
      initiatorSignPub: params.init,
      ...(old ? { oldVault: old } : {}),
      ...(ctx.flags.leaving ? { leaving: true } : {}),
      expectedKey: params.pk,
      ...generationOpts(ctx, pairing, () => id, password, !!old),
      onEvent: withTestPause(progressPrinter(ctx.print)),
    }),
  );
  return reportReshare(ctx, outcome, id);
}

/** The ceremony stored what it ended with (docs/generations.md); this says what that is. */
function reportReshare(ctx: CommandContext, outcome: ReshareOutcome, id: string): number {
  if (outcome.kind === 'retired') {
    ctx.print(`retired: every new device said it stored the new generation; this device's share of vault ${id} was deleted`);
    return EXIT.ok;
  }
  if (outcome.kind === 'retiring') {
    ctx.print(`pending: ${describePending(outcome.vault)}; it finishes by itself the next time this device runs serve or sign`);
    return EXIT.pending;
  }
  return reportVault(ctx, outcome.vault);
}

/** `reshare --vault ID --new-t T --joiners K [--relay URL]`: starts a re-share from this (old) device. */
export async function reshareCommand(ctx: CommandContext): Promise<number> {
  need(ctx.flags, 'new-t', 'the threshold after the re-share');
  const joiners = intFlag(ctx.flags, 'joiners', 1, 15);
  const newT = intFlag(ctx.flags, 'new-t', 2, joiners + 1);
  const time = timing(ctx.flags);
  const password = await readPassword('TANDEM_PASSWORD', "Password for this device's vault files");
  const id = ctx.store.resolve(typeof ctx.flags.vault === 'string' ? ctx.flags.vault : undefined);
  const vault = await ctx.store.load(id, password);
  const relayUrl = relayFlag(ctx.flags, vault.channel.relayUrl);
  const pairing = createPairing(
    relayUrl,
    'reshare',
    reshareParams({ init: publicOf(vault.identity).signPub, pk: bytesToHex(vault.ecdsa.publicKey), newT, name: vault.name }),
  );
  showPairing(
    ctx,
    pairing,
    `waiting for ${joiners} devices (at least ${vault.ecdsa.t - 1} more old ones, and every new one) to re-share vault ${id} to threshold ${newT}`,
  );
  const outcome = await withRoom(ctx, pairing, vault.identity.deviceId, ({ mailbox }) =>
    startReshare({
      ...time,
      mailbox,
      vault,
      sessionId: pairing.sessionId,
      plan: { newT, expectedJoiners: joiners, relayUrl },
      ...generationOpts(ctx, pairing, () => id, password, true),
      onEvent: withTestPause(progressPrinter(ctx.print, joiners + 1)),
    }),
  );
  return reportReshare(ctx, outcome, id);
}
