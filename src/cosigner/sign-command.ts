/**
 * `sign`: the initiator's side on the vault's paired channel (normally the
 * extension's; the tests and power users use it). It sends a request, prints
 * the signature and can broadcast a signed transaction. The co-signer's side
 * is `serve` in signing-commands.ts.
 */
import { readFileSync } from 'node:fs';
import { bytesToHex } from '@noble/hashes/utils.js';
import { JsonRpcProvider, Signature, Transaction } from 'ethers';
import { requestSignature } from '../session/ceremonies.js';
import type { PartyId } from '../tss/errors.js';
import type { DeviceVault } from '../session/device-vault.js';
import type { OtBurns } from '../session/ot-burns.js';
import { SigningRequestRejected } from '../session/signing-request.js';
import type { EcdsaSignature } from '../tss/dkls/index.js';
import { ChainPreviews } from './preview.js';
import { isSolanaRequest, parseCosignRequest, type CosignRequest } from '../session/cosign-request.js';
import { requestSolanaSignature, vaultSolanaAddress } from '../session/solana-signing.js';
import { signatureToBase58 } from '../session/solana-request.js';
import { withSolanaSignature, type SolanaSigningRequest } from '../session/solana-signing-request.js';
import { need, rpcFlags, timing } from './options.js';
import { progressPrinter } from './progress.js';
import { UsageError } from './prompt.js';
import { EXIT, type CommandContext } from './context.js';
import { pathText, requestAccount } from '../session/account-path.js';
import { answerStoredAsks } from '../session/generation-asks.js';
import { withTestPause } from './test-pause.js';
import { loadVault, openChannel } from './signing-commands.js';
/** The signature as ethers sees it (v = 27 + recovery). */
function ethSignature(sig: EcdsaSignature): Signature {
  return Signature.from({
    r: '0x' + sig.r.toString(16).padStart(64, '0'),
    s: '0x' + sig.s.toString(16).padStart(64, '0'),
    v: 27 + sig.recovery,
  });
}

function sigJson(sig: EcdsaSignature): Record<string, unknown> {
  const e = ethSignature(sig);
  return {
    r: e.r,
    s: e.s,
    recovery: sig.recovery,
    compact: '0x' + bytesToHex(sig.compact),
    // The 65-byte r ‖ s ‖ v form that personal_sign and eth_signTypedData_v4 return.
    serialized: e.serialized,
  };
}

function readRequest(path: string): CosignRequest {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the request file ${path}`);
  }
  try {
    return parseCosignRequest(JSON.parse(text));
  } catch (e) {
    throw new UsageError(`the request in ${path} is not valid: ${e instanceof SigningRequestRejected ? e.message : 'not JSON'}`);
  }
}

/**
 * `sign [--vault ID] --request FILE|- [--broadcast RPC_URL] [--rpc URL]...`: asks the
 * vault's co-signers to sign the request; prints the signature as JSON. With
 * `--rpc`, a transaction is previewed on that node first and the preview
 * printed. With `--broadcast`, a transaction is assembled, sent to the node
 * and its hash printed once mined.
 */
export async function signCommand(ctx: CommandContext): Promise<number> {
  const request = readRequest(need(ctx.flags, 'request', 'a JSON signing request file, or - for standard input'));
  const broadcast = typeof ctx.flags.broadcast === 'string' ? ctx.flags.broadcast : null;
  if (broadcast && request.kind !== 'transaction') throw new UsageError('--broadcast only applies to a transaction request');
  const previews = new ChainPreviews(rpcFlags(ctx.flags));
  const time = timing(ctx.flags, 60_000);
  const { vault, burns, onOtFailure } = await loadVault(ctx);
  if (isSolanaRequest(request)) return signSolana(ctx, vault, request, { time, burns, onOtFailure });
  if (previews.urls.length) for (const line of (await previews.preview(request, vault))?.lines ?? []) ctx.print(line);
  const opened = await openChannel(vault);
  ctx.onExit(() => opened.close());
  // A device that missed the end of this vault's last re-share may be asking for this device's statement.
  answerStoredAsks(opened.mailbox, () => vault);
  let sig: EcdsaSignature;
  try {
    // The account this device derives for the request's key path (refused here if the request names another).
    const account = requestAccount(request, vault);
    const path = request.path.length ? ` (key path ${pathText(request.path)})` : '';
    ctx.print(`asking the co-signers of ${account}${path} (${vault.ecdsa.t - 1} needed)`);
    sig = await requestSignature({
      ...time,
      mailbox: opened.mailbox,
      vault,
      request,
      onEvent: withTestPause(progressPrinter(ctx.print)),
      burns,
      onOtFailure,
    });
  } finally {
    await opened.close();
  }
  ctx.print(`signature: ${JSON.stringify(sigJson(sig))}`);
  if (request.kind === 'transaction') {
    const tx = Transaction.from(request.tx);
    tx.signature = ethSignature(sig);
    ctx.print(`raw transaction: ${tx.serialized}`);
    if (broadcast) {
      const provider = new JsonRpcProvider(broadcast, undefined, { staticNetwork: true });
      try {
        const sent = await provider.broadcastTransaction(tx.serialized);
        ctx.print(`tx ${sent.hash}`);
        const receipt = await sent.wait(1, time.joinTimeoutMs);
        ctx.print(`mined in block ${receipt?.blockNumber} (status ${receipt?.status})`);
      } finally {
        provider.destroy();
      }
    }
  }
  return EXIT.ok;
}

/** The policy's token limits as the serve banner prints them. */
/** `sign` for a Solana request: prints the base58 signature and, for a transaction, the signed transaction (base64). */
async function signSolana(
  ctx: CommandContext,
  vault: DeviceVault,
  request: SolanaSigningRequest,
  o: { time: ReturnType<typeof timing>; burns: OtBurns; onOtFailure: (party: PartyId) => void },
): Promise<number> {
  const opened = await openChannel(vault);
  ctx.onExit(() => opened.close());
  answerStoredAsks(opened.mailbox, () => vault);
  let sig: Uint8Array;
  try {
    ctx.print(`asking the co-signers of ${vaultSolanaAddress(vault)} (${vault.ecdsa.t - 1} needed)`);
    sig = await requestSolanaSignature({
      ...o.time,
      mailbox: opened.mailbox,
      vault,
      request,
      onEvent: withTestPause(progressPrinter(ctx.print)),
      burns: o.burns,
      onOtFailure: o.onOtFailure,
    });
  } finally {
    await opened.close();
  }
  ctx.print(`solana signature: ${signatureToBase58(sig)}`);
  if (request.kind === 'solana_transaction') ctx.print(`signed transaction: ${withSolanaSignature(request, sig)}`);
  return EXIT.ok;
}
