/**
 * Solana through the Wallet Standard in real Chromium: a page bundled with
 * @wallet-standard/app finds Tandem with getWallets(), connects, signs a
 * message (verified with noble's ed25519) and a System transfer, which the
 * test submits to litesvm (funded for the vault's Solana address) and checks
 * the recipient's balance; co-signed by the CLI co-signer over a real relay.
 * Then, with the Solana RPC URL set in Settings to litesvm behind the test
 * HTTP RPC (test/support/solana-rpc.ts), solana:signAndSendTransaction is
 * approved, co-signed and sent by Tandem itself, and Home shows the balance;
 * then Send SOL from Home's Solana card takes the same path; last, the page
 * builds an SPL Token TransferChecked (a mint and token accounts set in
 * litesvm), Tandem signs and sends it, the co-signer's policy allows that
 * mint, and the recipient's token balance, read through the RPC, changes.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { address, createSolanaRpc, getBase58Encoder, getTransactionDecoder, lamports, signature as toSignature } from '@solana/kit';
import { build } from 'esbuild';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { test, expect } from './fixtures';
import { CosignerDevice } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { serveDirectory, type StaticServer } from './support/static-server';
import { findApprovalWindow } from './support/approval-window';
import { startRelay, type RunningRelay } from '../src/relay/server';
import { solanaTransactionBase64, solTransfer } from '../src/session/solana-test-tx.test-util';
import { formatUnits, solanaAddressOf } from '../src/session/solana-request';
import { startSolanaRpc, type SolanaRpcServer } from '../test/support/solana-rpc';
import { setMint, setTokenAccount } from '../test/support/solana-token';

const RECIPIENT = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
/** An SPL Token mint (6 decimals) at an address of the test's choosing: litesvm's setAccount writes it. */
const MINT = solanaAddressOf(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
const DECIMALS = 6;
/** Lamports as Home shows SOL: up to 6 decimals. */
const shownSol = (l: bigint) => {
  const [i, f = ''] = formatUnits(l, 9).split('.');
  const frac = f.slice(0, 6).replace(/0+$/, '');
  return frac ? `${i}.${frac}` : i;
};

let relay: RunningRelay;
let server: StaticServer;
test.beforeAll(async () => {
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
  const out = await build({
    entryPoints: ['e2e/libs/solana.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome116',
    write: false,
    logLevel: 'error',
  });
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>solana</title><script src="/lib.js"></script></head><body><h1>solana</h1></body></html>';
  server = await serveDirectory(null, { '/index.html': html, '/lib.js': out.outputFiles[0]!.text });
});
test.afterAll(async () => {
  await Promise.all([relay?.close(), server?.close()]);
});

test('a Wallet Standard page finds Tandem, connects, signs a message and a System transfer that litesvm executes; signAndSendTransaction and Send SOL go through the Solana RPC', async ({
  context,
  wallet,
}) => {
  test.setTimeout(600_000);
  const cosigner = new CosignerDevice();
  let rpc: SolanaRpcServer | undefined;
  const decided = new Set<string>();
  /** Approves the next approval window of `kind`, screenshotting it at popup size. */
  const approve = async (kind: 'connect' | 'sign', shot?: string) => {
    const shown = await findApprovalWindow(context, kind, 60_000, decided);
    if (!shown) throw new Error(`no ${kind} approval`);
    if (shot) await wallet.screenshot(shown.page, shot);
    await shown.page.getByRole('button', { name: kind === 'connect' ? 'Connect' : /^Approve and (send|sign)$/ }).click();
    decided.add(shown.id);
  };
  try {
    const popup = await wallet.openPopup();
    await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    const serve = await cosigner.serve({
      v: 1,
      chains: [31337],
      maxValueWei: '0',
      dailyLimitWei: '0',
      solana: {
        maxLamports: '2000000000',
        dailyLimitLamports: '5000000000',
        allowMessages: true,
        // TransferChecked of this mint only, in its base units: at most 50 tokens a transaction, 100 a day.
        tokens: { [MINT]: { maxAmount: '50000000', dailyLimit: '100000000' } },
      },
    });
    expect(serve.output).toContain(`tokens: ${MINT} at most 50000000 base units per transaction, 100000000 per day`);
    const sol = /^solana address (\w+)$/m.exec(serve.output)![1]!;
    // Home shows the same Solana address (its EdDSA group key), with copy and a QR code.
    await expect(popup.getByTestId('solana-account').getByTestId('address')).toHaveText(sol);
    await popup.getByRole('button', { name: 'QR code' }).click();
    await expect(popup.getByTestId('solana-qr')).toBeVisible();
    await wallet.screenshot(popup, 'solana-00-home');

    const page = await context.newPage();
    await page.goto(`${server.origin}/index.html`);
    await expect(page).toHaveTitle('solana ready', { timeout: 30_000 });
    const call = (op: string, ...args: unknown[]) =>
      page.evaluate(([o, a]) => (window as any).lib[o as string](...(a as unknown[])), [op, args] as const) as Promise<{
        result?: unknown;
        error?: { message: string };
      }>;
    const ok = async (p: Promise<{ result?: unknown; error?: { message: string } }>) => {
      const r = await p;
      expect(r.error, r.error?.message).toBeUndefined();
      return r.result;
    };
    const wallets = (await ok(call('wallets'))) as Array<{ name: string; features: string[] }>;
    expect(wallets.find((w) => w.name === 'Tandem')?.features).toEqual(
      expect.arrayContaining([
        'standard:connect',
        'standard:events',
        'solana:signMessage',
        'solana:signTransaction',
        'solana:signAndSendTransaction',
        'solana:signIn',
      ]),
    );

    const connected = call('connect');
    await approve('connect');
    expect(await ok(connected)).toEqual([sol]);

    const text = 'Sign in to the Solana test page with Tandem';
    const signed = call('signMessage', text);
    await approve('sign', 'solana-01-sign-message');
    const signature = hexToBytes((await ok(signed)) as string);
    expect(ed25519.verify(signature, new TextEncoder().encode(text), new Uint8Array(getBase58Encoder().encode(sol)))).toBe(true);

    // Sign-In With Solana: another domain is refused; the page's own host gets the SIWS text, co-signed.
    const refused = await call('signIn', { domain: 'evil.example', nonce: 'n0nce123' });
    expect(refused.error).toBeDefined();
    const host = new URL(server.origin).host;
    const signedIn = call('signIn', { statement: 'Sign in to the test page', nonce: 'n0nce123' });
    await approve('sign', 'solana-01b-sign-in');
    const siws = (await ok(signedIn)) as { address: string; message: string; signature: string };
    expect(siws.address).toBe(sol);
    expect(siws.message).toBe(
      `${host} wants you to sign in with your Solana account:\n${sol}\n\nSign in to the test page\n\nNonce: n0nce123`,
    );
    expect(
      ed25519.verify(hexToBytes(siws.signature), new TextEncoder().encode(siws.message), new Uint8Array(getBase58Encoder().encode(sol))),
    ).toBe(true);

    const svm = new LiteSVM();
    svm.airdrop(address(sol), lamports(3_000_000_000n));
    const wire = solanaTransactionBase64({
      feePayer: sol,
      blockhash: svm.latestBlockhash(),
      instructions: [solTransfer(sol, RECIPIENT, 1_200_000_000n)],
    });
    const tx = call('signTransaction', wire);
    await approve('sign', 'solana-02-sign-transaction');
    const signedTx = getTransactionDecoder().decode(Buffer.from((await ok(tx)) as string, 'base64'));
    const result = svm.sendTransaction(signedTx);
    expect(result instanceof FailedTransactionMetadata ? result.toString() : 'ok').toBe('ok');
    expect(svm.getBalance(RECIPIENT)).toBe(1_200_000_000n);
    expect(serve.output).toContain(`Send 1.2 SOL from ${sol} to ${RECIPIENT}`);

    // signAndSendTransaction through the Solana RPC set in Settings: the litesvm above, over HTTP.
    rpc = await startSolanaRpc(svm);
    const sendWire = () =>
      solanaTransactionBase64({
        feePayer: sol,
        blockhash: svm.latestBlockhash(),
        instructions: [solTransfer(sol, RECIPIENT, 500_000_000n)],
      });
    // Without an RPC URL it is refused before anything is asked.
    const noRpc = await call('signAndSendTransaction', sendWire(), 'solana:localnet');
    expect(noRpc.error?.message).toMatch(/no Solana RPC URL is set/);
    await popup.getByRole('button', { name: 'Settings', exact: true }).click();
    const rpcForm = popup.locator('form', { has: popup.getByLabel('Solana RPC URL') });
    await rpcForm.getByLabel('Solana RPC URL').fill(rpc.url);
    await rpcForm.getByRole('button', { name: 'Save' }).click();
    await expect(rpcForm.getByRole('button', { name: 'Saved' })).toBeVisible();
    await wallet.screenshot(popup, 'solana-03-settings-rpc');
    // The page names another cluster than the RPC's: refused, nothing asked.
    const wrong = await call('signAndSendTransaction', sendWire(), 'solana:devnet');
    expect(wrong.error?.message).toMatch(/serves solana:localnet/);
    expect(wrong.error?.message).not.toContain(rpc.url);

    await popup.getByRole('button', { name: 'Home', exact: true }).click();
    const before = svm.getBalance(RECIPIENT)!;
    const vaultBefore = svm.getBalance(address(sol))!;
    await expect(popup.getByTestId('solana-balance')).toContainText(`${shownSol(vaultBefore)} SOL`);
    const sent = call('signAndSendTransaction', sendWire(), 'solana:localnet', { commitment: 'confirmed' });
    const shown = await findApprovalWindow(context, 'sign', 60_000, decided);
    if (!shown) throw new Error('no sign approval for signAndSendTransaction');
    await expect(shown.page.getByTestId('solana-send-notice')).toContainText('Solana localnet');
    await expect(shown.page.getByTestId('solana-sends')).toHaveText('0.5 SOL');
    // The header names the cluster it is sent to, not the Ethereum network (no selector on a Solana approval).
    await expect(shown.page.getByTestId('header-network')).toHaveText('Solana localnet');
    await expect(shown.page.getByLabel('Network')).toHaveCount(0);
    await expect(shown.page.getByRole('button', { name: 'Approve and send' })).toBeVisible();
    await wallet.screenshot(shown.page, 'solana-04-sign-and-send');
    await shown.page.getByRole('button', { name: 'Approve and send' }).click();
    decided.add(shown.id);
    const { signature: txId, bytes } = (await ok(sent)) as { signature: string; bytes: number };
    expect(bytes).toBe(64);
    expect(svm.getTransaction(toSignature(txId))).not.toBeNull();
    // The recipient's balance, read through the RPC, changed by the amount.
    const paid = (await createSolanaRpc(rpc.url).getBalance(RECIPIENT).send()).value;
    expect(paid - before).toBe(500_000_000n);
    expect(serve.output).toContain(`Send 0.5 SOL from ${sol} to ${RECIPIENT}`);
    // Home's Solana card shows the vault's new balance (the amount and the fee gone).
    const vaultAfter = svm.getBalance(address(sol))!;
    expect(vaultBefore - vaultAfter).toBe(500_005_000n);
    await expect(popup.getByTestId('solana-balance')).toContainText(`${shownSol(vaultAfter)} SOL`, { timeout: 20_000 });
    await expect(popup.getByTestId('solana-cluster')).toHaveText('on Solana localnet');
    await wallet.screenshot(popup, 'solana-05-home-balance');

    // Send SOL from the card: the same approval (in the popup), the same co-signing, sent through the RPC.
    const card = popup.getByTestId('solana-account');
    await card.getByRole('button', { name: 'Send SOL' }).click();
    await card.getByLabel('Recipient Solana address').fill(RECIPIENT);
    await card.getByLabel('Amount (SOL)').fill('0.1');
    await wallet.screenshot(popup, 'solana-06-send-sol');
    await card.getByRole('button', { name: 'Review' }).click();
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign');
    await expect(popup.getByTestId('approval-origin')).toHaveText('You, from the Send screen');
    await expect(popup.getByTestId('solana-sends')).toHaveText('0.1 SOL');
    await expect(popup.getByTestId('header-network')).toHaveText('Solana localnet');
    await expect(popup.getByTestId('solana-send-notice')).toContainText('Solana localnet');
    await wallet.screenshot(popup, 'solana-07-send-sol-approval');
    await popup.getByRole('button', { name: 'Approve and send' }).click();
    await expect(popup.getByTestId('approval')).toHaveCount(0, { timeout: 120_000 });
    expect((await createSolanaRpc(rpc.url).getBalance(RECIPIENT).send()).value - paid).toBe(100_000_000n);
    expect(serve.output).toContain(`Send 0.1 SOL from ${sol} to ${RECIPIENT}`);
    await expect(popup.getByTestId('solana-balance')).toContainText(`${shownSol(svm.getBalance(address(sol))!)} SOL`, { timeout: 20_000 });
    await expect(popup.getByTestId('send-error')).toHaveCount(0);

    // An SPL token transfer the same way: the vault holds 100 tokens of MINT, the recipient's token account none.
    setMint(svm, MINT, DECIMALS, 100_000_000n, RECIPIENT);
    const vaultTokens = await setTokenAccount(svm, sol, MINT, 100_000_000n);
    const recipientTokens = await setTokenAccount(svm, RECIPIENT, MINT, 0n);
    const rpcUrl = rpc.url;
    const tokenBalance = async (a: string) => (await createSolanaRpc(rpcUrl).getTokenAccountBalance(address(a)).send()).value;
    expect((await tokenBalance(recipientTokens)).amount).toBe('0');
    const tokenSent = call('transferToken', {
      mint: MINT,
      source: vaultTokens,
      destination: recipientTokens,
      amount: '12500000',
      decimals: DECIMALS,
      blockhash: svm.latestBlockhash(),
      lastValidBlockHeight: '1000',
      chain: 'solana:localnet',
    });
    const tokenApproval = await findApprovalWindow(context, 'sign', 60_000, decided);
    if (!tokenApproval) throw new Error('no sign approval for the token transfer');
    // The amount in the token's units (6 decimals), with its mint; no "0 SOL".
    await expect(tokenApproval.page.getByTestId('solana-sends-token')).toHaveText(`12.5 of the token with mint ${MINT}`);
    await expect(tokenApproval.page.getByTestId('solana-sends')).toHaveCount(0);
    await expect(tokenApproval.page.getByTestId('solana-instructions')).toContainText(
      `Token transfer (token): 12.5 of mint ${MINT} from ${vaultTokens} to ${recipientTokens}`,
    );
    await expect(tokenApproval.page.getByTestId('solana-warning')).toHaveCount(0);
    await wallet.screenshot(tokenApproval.page, 'solana-08-spl-transfer');
    await tokenApproval.page.getByRole('button', { name: 'Approve and send' }).click();
    decided.add(tokenApproval.id);
    const { signature: tokenTx } = (await ok(tokenSent)) as { signature: string };
    expect(svm.getTransaction(toSignature(tokenTx))).not.toBeNull();
    // The co-signer decoded it itself, in units, and its policy counted the mint's base units.
    expect(serve.output).toContain(`Token transfer (token): 12.5 of mint ${MINT} from ${vaultTokens} to ${recipientTokens}`);
    expect(await tokenBalance(recipientTokens)).toMatchObject({ amount: '12500000', decimals: DECIMALS, uiAmountString: '12.5' });
    expect((await tokenBalance(vaultTokens)).amount).toBe('87500000');

    // Home's Recent activity lists the Solana sends (newest first), by cluster and origin, without a link.
    const activity = popup.getByTestId('activity');
    await expect(activity.first()).toContainText('Token transfer', { timeout: 20_000 });
    await expect(activity.first()).toContainText(`12.5 tokens (mint ${MINT.slice(0, 4)}…${MINT.slice(-4)})`);
    await expect(activity.first()).toContainText(`${tokenTx} · Solana localnet · ${server.origin}`);
    await expect(activity.nth(1)).toContainText('0.1 SOL');
    await expect(activity.nth(1)).toContainText('Solana localnet · Send screen');
    await expect(activity.nth(2)).toContainText(`${txId} · Solana localnet · ${server.origin}`);
    await expect(popup.locator('[data-testid="activity"][data-chain^="solana:"] a')).toHaveCount(0);
    await activity.first().scrollIntoViewIfNeeded();
    await wallet.screenshot(popup, 'solana-09-home-activity');
  } finally {
    await rpc?.close();
    await cosigner.dispose();
  }
});
