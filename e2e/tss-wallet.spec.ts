/**
 * The wallet with a real co-signed vault: the extension pairs with the
 * command-line co-signer over a real relay, key generation runs in the
 * service worker, and dApp requests on a local Hardhat chain are approved
 * in the popup and co-signed by the CLI (by policy).
 */
import { Interface, MaxUint256, getAddress, parseEther, verifyMessage } from 'ethers';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { test, expect, openDapp, PASSWORD, type WalletHelper } from './fixtures';
import { CosignerDevice } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { stopServiceWorker } from './support/service-worker';
import { permitTypedData, typedDataSigner } from './support/typed-data';
import { startRelay, type RunningRelay } from '../src/relay/server';

const RECIPIENT = getAddress('0x' + '42'.repeat(20));
/** A co-signer policy that signs messages only. */
const MESSAGES_ONLY = { v: 1, chains: [31337], maxValueWei: '0', dailyLimitWei: '0', allowMessages: true };

let relay: RunningRelay;
test.beforeAll(async () => {
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
});
test.afterAll(async () => {
  await relay?.close();
});

/** Waits for a signing approval in the popup and approves or rejects it. */
async function decideSign(popup: Page, approve: boolean, shot?: { wallet: WalletHelper; name: string }): Promise<void> {
  await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
  if (shot) await shot.wallet.screenshot(popup, shot.name);
  await popup.getByRole('button', { name: approve ? /^Approve and (send|sign)$/ : 'Reject', exact: true }).click();
}

/** A dApp's personal_sign, approved in the popup and co-signed: the signature is the vault's. */
async function cosignMessage(popup: Page, dapp: Page, address: string, text: string): Promise<void> {
  const psign = dapp.evaluate(
    ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
    ['0x' + Buffer.from(text).toString('hex'), address],
  );
  await decideSign(popup, true);
  expect(verifyMessage(text, ((await psign) as { result: string }).result)).toBe(address);
}

test('pair a 2-of-2 vault with the CLI co-signer; a dApp sends a transaction, personal_sign and typed data, all co-signed', async ({
  dapps,
  wallet,
  chains,
}) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url, { screenshots: true });
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    expect((await wallet.state(popup)).vault).toMatchObject({ kind: 'tss', address, t: 2, n: 2 });

    // Fund the vault from a Hardhat account.
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('10').toString(16) }]);

    // The co-signer serves its paired channel with a policy.
    const serve = await cosigner.serve({
      v: 1,
      chains: [31337],
      maxValueWei: parseEther('2').toString(),
      dailyLimitWei: parseEther('5').toString(),
      allowMessages: true,
      allowTypedData: true,
    });

    const { page: a, accounts } = await wallet.connectDapp(popup, dapps.a.url);
    expect(accounts).toEqual({ result: [address.toLowerCase()] });
    // The chain is shared by the worker's tests: compare the recipient's balance with what it had.
    const recipientBalance = async () => BigInt(await chains.main.rpc<string>('eth_getBalance', [RECIPIENT, 'latest']));
    const startBalance = await recipientBalance();

    // eth_sendTransaction: approved in the popup, co-signed, broadcast, mined.
    const send = a.evaluate(
      ([from, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0xde0b6b3a7640000' }]),
      [address, RECIPIENT],
    );
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    await expect(popup.getByTestId('sign-value')).toHaveText('1.0 ETH');
    await expect(popup.getByTestId('sign-network')).toHaveText('Hardhat (local)');
    await wallet.screenshot(popup, 'tss-06-approve-transaction');
    // The user raises the fees before approving.
    await popup.getByRole('button', { name: 'Edit fees' }).click();
    const fees = popup.getByRole('form', { name: 'Fees' });
    await fees.getByLabel('Max fee (gwei per gas)').fill('10');
    await fees.getByLabel('Priority fee (gwei per gas)').fill('2');
    await wallet.screenshot(popup, 'tss-06b-edit-fees');
    await fees.getByRole('button', { name: 'Use these fees' }).click();
    await expect(popup.getByTestId('sign-max-cost')).toHaveText(/^1\.00021\d* ETH$/);
    await decideSign(popup, true);
    const sent = (await send) as { result: string };
    expect(sent.result).toMatch(/^0x[0-9a-f]{64}$/);
    const receipt = await chains.main.rpc<{ status: string; from: string }>('eth_getTransactionReceipt', [sent.result]);
    expect(receipt).toMatchObject({ status: '0x1', from: address.toLowerCase() });
    const mined = await chains.main.rpc<{ maxFeePerGas: string; maxPriorityFeePerGas: string }>('eth_getTransactionByHash', [sent.result]);
    expect([BigInt(mined.maxFeePerGas), BigInt(mined.maxPriorityFeePerGas)]).toEqual([10n ** 10n, 2n * 10n ** 9n]);
    expect((await recipientBalance()) - startBalance).toBe(parseEther('1'));
    await serve.waitFor(/done: request/, 10_000);

    // personal_sign: the signature verifies for the vault's address.
    const text = 'Sign in to the test dApp';
    const psign = a.evaluate(
      ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
      ['0x' + Buffer.from(text).toString('hex'), address],
    );
    await expect(popup.getByTestId('sign-message')).toHaveText(text, { timeout: 20_000 });
    await decideSign(popup, true, { wallet, name: 'tss-07-approve-message' });
    const sig = (await psign) as { result: string };
    expect(verifyMessage(text, sig.result)).toBe(address);

    // eth_signTypedData_v4: verifies with ethers.
    const data = permitTypedData(address, RECIPIENT);
    const tsign = a.evaluate(([from, d]) => (window as any).dapp.request('eth_signTypedData_v4', [from, JSON.stringify(d)]), [
      address,
      data,
    ] as const);
    await expect(popup.getByTestId('sign-typed-data')).toContainText('Test Token', { timeout: 20_000 });
    await decideSign(popup, true, { wallet, name: 'tss-08-approve-typed-data' });
    expect(typedDataSigner(data, ((await tsign) as { result: string }).result)).toBe(address);

    // The Send screen: same approval and co-signing; the activity list shows it.
    await expect(popup.getByTestId('balance')).toHaveText(/^8\.99\d* ETH$/);
    await popup.getByRole('button', { name: 'Send', exact: true }).click();
    const sendForm = popup.getByRole('form', { name: 'Send' });
    await sendForm.getByLabel('Recipient address').fill(RECIPIENT);
    await sendForm.getByLabel(/Amount/).fill('0.5');
    await wallet.screenshot(popup, 'tss-16-send');
    await sendForm.getByRole('button', { name: 'Review' }).click();
    await expect(popup.getByTestId('approval-origin')).toHaveText('You, from the Send screen');
    await expect(popup.getByTestId('sign-value')).toHaveText('0.5 ETH');
    await decideSign(popup, true);
    await expect(popup.getByTestId('activity')).toHaveCount(2, { timeout: 30_000 });
    await expect(popup.getByTestId('activity').first()).toContainText('0.5 ETH');
    await wallet.screenshot(popup, 'tss-17-home-activity');
    expect((await recipientBalance()) - startBalance).toBe(parseEther('1.5'));

    // An unlimited ERC-20 approval is decoded and called out; the user rejects it.
    const approveData = new Interface(['function approve(address spender, uint256 amount)']).encodeFunctionData('approve', [
      RECIPIENT,
      MaxUint256,
    ]);
    const token = getAddress('0x' + 'ab'.repeat(20));
    const unlimited = a.evaluate(
      ([from, to, data]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, data }]),
      [address, token, approveData],
    );
    await expect(popup.getByTestId('unlimited-approval')).toBeVisible({ timeout: 20_000 });
    await expect(popup.getByTestId('token-amount')).toHaveText('Unlimited');
    await decideSign(popup, false, { wallet, name: 'tss-19-unlimited-approval' });
    expect(((await unlimited) as { error: { code: number } }).error.code).toBe(4001);

    // The user rejects: 4001, the co-signer is never asked.
    const rejected = a.evaluate((from) => (window as any).dapp.request('personal_sign', ['0x6e6f', from]), address);
    await decideSign(popup, false);
    expect(((await rejected) as { error: { code: number } }).error.code).toBe(4001);

    // The co-signer's policy refuses (above its per-transaction limit): 4001 with its reason; nothing is sent.
    const nonceBefore = await chains.main.rpc<string>('eth_getTransactionCount', [address, 'latest']);
    const tooMuch = a.evaluate(
      ([from, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0x' + (3n * 10n ** 18n).toString(16) }]),
      [address, RECIPIENT],
    );
    await decideSign(popup, true);
    const refusal = (await tooMuch) as { error: { code: number; message: string } };
    expect(refusal.error.code).toBe(4001);
    expect(refusal.error.message).toMatch(/co-signer refused/);
    expect(await chains.main.rpc<string>('eth_getTransactionCount', [address, 'latest'])).toBe(nonceBefore);

    // eth_sign is refused outright.
    const ethSign = (await a.evaluate((from) => (window as any).dapp.request('eth_sign', [from, '0x' + '11'.repeat(32)]), address)) as {
      error: { code: number; message: string };
    };
    expect(ethSign.error).toMatchObject({ code: 4200, message: expect.stringContaining('refuses eth_sign') });
    await expect(popup.getByTestId('approval')).toHaveCount(0);
  } finally {
    await cosigner.dispose();
  }
});

test('a co-signer that is offline: the dApp gets -32603 with the reason once the wait runs out', async ({ dapps, wallet }) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    expect((await wallet.command(popup, { type: 'setCosignTimeout', seconds: 8 })).ok).toBe(true);
    const { page: a } = await wallet.connectDapp(popup, dapps.a.url);
    // No `serve` running: nobody answers on the paired channel.
    const pending = a.evaluate((from) => (window as any).dapp.request('personal_sign', ['0x6869', from]), address);
    await decideSign(popup, true);
    await expect(popup.getByTestId('signing-progress')).toContainText('Asking your co-signer');
    await wallet.screenshot(popup, 'tss-09-waiting-for-cosigner');
    const res = (await pending) as { error: { code: number; message: string } };
    expect(res.error.code).toBe(-32603);
    expect(res.error.message).toMatch(/no answer from cli-cosigner/);
    await expect(popup.getByTestId('approval')).toHaveCount(0);
  } finally {
    await cosigner.dispose();
  }
});

test('settings: export an encrypted backup, delete the vault, a wrong backup password is refused, restore, sign again', async ({
  dapps,
  wallet,
}) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    await popup.getByRole('button', { name: 'Settings' }).click();
    const exportForm = popup.getByRole('form', { name: 'Export backup' });
    await exportForm.getByLabel('Backup password', { exact: true }).fill('backup-password-1');
    await exportForm.getByLabel('Confirm backup password').fill('backup-password-1');
    await wallet.screenshot(popup, 'tss-10-settings-backup');
    const download = popup.waitForEvent('download');
    await exportForm.getByRole('button', { name: 'Export encrypted backup' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^tandem-paired-vault-[0-9a-f]{6}\.backup\.json$/);
    const text = readFileSync((await file.path())!, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'tandem-cosigner-backup', version: 2, alg: 'AES-GCM' });
    expect(JSON.parse(text)).not.toHaveProperty('vaultId'); // nothing linkable in the clear (#12)
    expect(text.toLowerCase()).not.toContain(address.slice(2).toLowerCase());
    await expect(popup.getByTestId('backup-done')).toBeVisible();

    await popup.getByRole('button', { name: 'Delete this vault…' }).click();
    await wallet.screenshot(popup, 'tss-11-delete-warning');
    await popup.getByRole('button', { name: 'Delete for good' }).click();
    await expect(popup.getByRole('heading', { name: 'Welcome to Tandem' })).toBeVisible();
    expect((await wallet.state(popup)).vault).toBeNull();

    // Restore: a wrong backup password is refused and changes nothing.
    await popup.getByRole('button', { name: 'Restore from a backup' }).click();
    const restore = popup.getByRole('form', { name: 'Restore backup' });
    await restore
      .getByLabel('Backup file')
      .setInputFiles({ name: file.suggestedFilename(), mimeType: 'application/json', buffer: Buffer.from(text) });
    await restore.getByLabel('Backup password').fill('not-the-backup-password');
    await restore.getByLabel(/Tandem password/).fill(PASSWORD);
    await restore.getByRole('button', { name: 'Restore' }).click();
    await expect(restore.getByRole('alert')).toHaveText(/Wrong backup password/);
    await wallet.screenshot(popup, 'tss-12-restore-wrong-password');
    expect((await wallet.state(popup)).vault).toBeNull();
    await restore.getByLabel('Backup password').fill('backup-password-1');
    await restore.getByRole('button', { name: 'Restore' }).click();
    await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-2');
    expect((await wallet.state(popup)).vault).toMatchObject({ kind: 'tss', address });

    // The restored share signs with the co-signer.
    await cosigner.serve(MESSAGES_ONLY);
    const { page: a, accounts } = await wallet.connectDapp(popup, dapps.a.url);
    expect(accounts).toEqual({ result: [address.toLowerCase()] });
    await cosignMessage(popup, a, address, 'restored');
  } finally {
    await cosigner.dispose();
  }
});

test('settings: re-share 2-of-2 -> 2-of-3 with a new CLI device; same address, the new quorum signs', async ({ dapps, wallet }) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  const newDevice = new CosignerDevice('new-device-password');
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    await popup.getByRole('button', { name: 'Settings' }).click();
    const form = popup.getByRole('form', { name: 'Re-share' });
    await form.getByLabel('Devices after').selectOption('3');
    await expect(form.getByLabel('Needed to sign after')).toHaveValue('2');
    await form.scrollIntoViewIfNeeded();
    await wallet.screenshot(popup, 'tss-12b-settings-reshare');
    await form.getByRole('button', { name: 'Start re-share' }).click();
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'waiting', { timeout: 15_000 });
    await expect(popup.getByTestId('device-waiting')).toHaveCount(2);
    await wallet.screenshot(popup, 'tss-13-reshare-pairing');
    const pairing = (await popup.getByTestId('pairing-text').textContent())!.trim();

    const old = cosigner.run(['join', pairing]);
    const added = newDevice.run(['join', pairing, '--device-id', 'cli-new-device']);
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
    expect(await old.exit()).toBe(0);
    expect(await added.exit()).toBe(0);
    expect(added.output).toContain(`address ${address}`);
    await wallet.screenshot(popup, 'tss-14-reshare-done');
    await popup.getByRole('button', { name: 'Open wallet' }).click();
    await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-3');
    expect((await wallet.state(popup)).vault).toMatchObject({ kind: 'tss', address, t: 2, n: 3 });

    // Only the new device serves: this browser and it form the new quorum.
    const serve = await newDevice.serve(MESSAGES_ONLY);
    const { page: a, accounts } = await wallet.connectDapp(popup, dapps.a.url);
    expect(accounts).toEqual({ result: [address.toLowerCase()] });
    await cosignMessage(popup, a, address, 'new quorum');
    await serve.waitFor(/done: request/, 10_000);
  } finally {
    await Promise.all([cosigner.dispose(), newDevice.dispose()]);
  }
});

test('Chrome stopping the worker during key generation: the popup says so, nothing is stored, the user starts again', async ({
  context,
  dapps,
  wallet,
}) => {
  const popup = await wallet.openPopup();
  expect((await wallet.command(popup, { type: 'setRelayUrl', url: relay.url })).ok).toBe(true);
  await popup.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await popup.getByLabel('Confirm password').fill(PASSWORD);
  await popup.getByRole('button', { name: 'Create vault and pair devices' }).click();
  await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'waiting', { timeout: 15_000 });
  await popup.close();
  const page = await openDapp(context, dapps.a.url);
  await stopServiceWorker(context, page);

  const popup2 = await wallet.openPopup();
  await expect(popup2.getByTestId('pairing')).toHaveAttribute('data-status', 'failed');
  await expect(popup2.getByTestId('ceremony-error')).toHaveText(/restarted by the browser during the key generation. Nothing was stored/);
  await wallet.screenshot(popup2, 'tss-15-restart-mid-keygen');
  expect((await wallet.state(popup2)).vault).toBeNull();
  await popup2.getByRole('button', { name: 'Back' }).click();
  await expect(popup2.getByRole('heading', { name: 'Welcome to Tandem' })).toBeVisible();
});

test('join a vault the CLI co-signer started, by pasting its pairing code; then co-sign with it', async ({ dapps, wallet }) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  try {
    const create = cosigner.run([
      'create',
      '--relay',
      relay.url,
      '--t',
      '2',
      '--n',
      '2',
      '--name',
      'CLI vault',
      '--device-id',
      'cli-initiator',
    ]);
    const [, pairing] = await create.waitFor(/pairing: (\S+)/, 30_000);
    const popup = await wallet.openPopup();
    await popup.getByRole('button', { name: 'Join with a pairing code' }).click();
    const form = popup.getByRole('form', { name: 'Join with a pairing code' });
    await form.getByLabel('Pairing code or link').fill(pairing!);
    await form.getByLabel(/Tandem password/).fill(PASSWORD);
    await wallet.screenshot(popup, 'tss-18-join-code');
    await form.getByRole('button', { name: 'Join' }).click();
    await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
    expect(await create.exit()).toBe(0);
    const address = (await popup.getByTestId('new-vault-address').getByTestId('address').textContent())!.trim();
    expect(create.output).toContain(`address ${address}`);
    await popup.getByRole('button', { name: 'Open wallet' }).click();
    await expect(popup.getByTestId('vault-name')).toHaveText('CLI vault');

    await cosigner.serve(MESSAGES_ONLY);
    const { page: a, accounts } = await wallet.connectDapp(popup, dapps.a.url);
    expect(accounts).toEqual({ result: [address.toLowerCase()] });
    await cosignMessage(popup, a, address, 'joined');
  } finally {
    await cosigner.dispose();
  }
});

test('closing the approval window rejects its request (4001); a signing request survives a worker restart and is answered late', async ({
  context,
  dapps,
  wallet,
}) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    const { page: a } = await wallet.connectDapp(popup, dapps.a.url);

    // The approval window Tandem opens: closing it is a rejection.
    const closed = a.evaluate((from) => (window as any).dapp.request('personal_sign', ['0x6869', from]), address);
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    await expect.poll(() => context.pages().filter((p) => p.url().endsWith('#approvals')).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const approvalWindow = context.pages().find((p) => p.url().endsWith('#approvals'))!;
    await expect(approvalWindow.getByTestId('approval')).toBeVisible();
    await approvalWindow.close();
    const res = (await closed) as { error: { code: number; message: string } };
    expect(res.error).toMatchObject({ code: 4001, message: expect.stringContaining('window was closed') });
    await expect(popup.getByTestId('approval')).toHaveCount(0);

    // A pending signing request survives Chrome stopping the worker; approved afterwards, the dApp gets its signature.
    const late = a.evaluate(
      ([msg, from]) => (window as any).dapp.request('personal_sign', [msg, from]),
      ['0x' + Buffer.from('late').toString('hex'), address],
    );
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    await popup.close();
    await stopServiceWorker(context, a);
    await cosigner.serve(MESSAGES_ONLY);
    const popup2 = await wallet.openPopup();
    await expect(popup2.getByTestId('sign-message')).toHaveText('late', { timeout: 20_000 });
    await decideSign(popup2, true);
    expect(verifyMessage('late', ((await late) as { result: string }).result)).toBe(address);
  } finally {
    await cosigner.dispose();
  }
});
