/**
 * The transaction preview (docs/transaction-preview.md) in real Chromium:
 * a co-signed 2-of-2 vault with the CLI co-signer serving with its own node
 * (`--rpc`) and a `refuseFailing` policy, on a Hardhat chain with the
 * fixture contract of test/fixtures/Reverter.sol.
 *
 *  1. a dApp sends a call that reverts, without a gas limit: it reaches the
 *     approval screen, which says "This transaction will fail: <reason>" in
 *     red and offers "Approve anyway"; approved anyway, the co-signer's own
 *     pre-flight fails too and its policy refuses it (nothing is sent);
 *  2. a plain ETH send: pre-flight ok, the gas estimate, the max gas fee,
 *     balance change -1.0 ETH; approved, the co-signer prints its own
 *     "pre-flight: ok, gas ~…", signs, and it is mined.
 *
 * Then the phone co-signer page, given the chain's node in its Settings:
 * the same reverting call, approved anyway in the popup, shows on the phone
 * with the phone's own "This transaction will fail: …" and "Approve anyway";
 * rejected there, the dApp gets 4001.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getAddress, parseEther } from 'ethers';
import { test, expect } from './fixtures';
import { CosignerDevice } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { launchPhoneBrowser, openPhoneIn, pairWithPhoneAt, shoot } from './support/phone';
import { startRelay, type RunningRelay } from '../src/relay/server';
import { deployReverter, reverterAbi } from '../test/support/preview-contracts';

const RECIPIENT = getAddress('0x' + '43'.repeat(20));
const COSIGNER_DIST = resolve('dist-cosigner');

let relay: RunningRelay;
test.beforeAll(async () => {
  if (!existsSync(join(COSIGNER_DIST, 'index.html')))
    throw new Error('dist-cosigner/ is missing: run `npm run build` first (npm run test:e2e does).');
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'], staticDirs: { '/cosigner/': COSIGNER_DIST } });
});
test.afterAll(async () => {
  await relay?.close();
});

test('a transaction that will revert shows the failure before Approve; the co-signer checks it itself and refuses; a send shows its preview and is mined', async ({
  dapps,
  wallet,
  chains,
}) => {
  test.setTimeout(240_000);
  const cosigner = new CosignerDevice();
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('10').toString(16) }]);
    const reverter = await deployReverter(chains.main.rpc);

    const serve = await cosigner.serve(
      { v: 1, chains: [31337], maxValueWei: parseEther('2').toString(), dailyLimitWei: parseEther('5').toString(), refuseFailing: true },
      ['--rpc', chains.main.url],
    );
    // The node by its host only: a provider's URL may carry an API key.
    expect(serve.output).toContain(
      `pre-flight: transactions are previewed on ${new URL(chains.main.url).host}; the policy refuses one that will fail`,
    );
    const { page: dapp } = await wallet.connectDapp(popup, dapps.a.url);

    // 1. A call that reverts with a reason, sent without a gas limit.
    const nonceBefore = await chains.main.rpc<string>('eth_getTransactionCount', [address, 'latest']);
    const failing = dapp.evaluate(
      ([from, to, data]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, data }]),
      [address, reverter, reverterAbi.encodeFunctionData('failWithReason')],
    );
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    const banner = popup.getByTestId('preview-fails');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('This transaction will fail: "Reverter: not today"');
    await expect(popup.getByTestId('preview-preflight')).toHaveText('Will fail');
    await expect(popup.getByTestId('preview-balances')).toContainText('none but the gas fee');
    await expect(popup.getByRole('button', { name: 'Approve and send' })).toHaveCount(0);
    const anyway = popup.getByRole('button', { name: 'Approve anyway' });
    await expect(anyway).toBeVisible();
    await wallet.screenshot(popup, 'preview-01-will-fail');
    await expect(popup.getByRole('heading', { name: 'Contract call' })).toBeVisible();
    // The screenshot above is the screen's top; the rest of it (preview card, fees, network) below.
    await popup.getByTestId('sign-network').scrollIntoViewIfNeeded();
    await wallet.screenshot(popup, 'preview-02-will-fail-details');
    await anyway.click();
    const refusal = (await failing) as { error: { code: number; message: string } };
    expect(refusal.error.code).toBe(4001);
    expect(refusal.error.message).toMatch(/co-signer refused/);
    await serve.waitFor(/pre-flight: will fail: "Reverter: not today"/, 20_000);
    await serve.waitFor(/refused: request \S+: policy: the transaction will fail: "Reverter: not today"/, 20_000);
    expect(await chains.main.rpc<string>('eth_getTransactionCount', [address, 'latest'])).toBe(nonceBefore);

    // 2. A plain send: its preview, then co-signed and mined.
    const from = serve.output.length;
    const send = dapp.evaluate(
      ([f, to]) => (window as any).dapp.request('eth_sendTransaction', [{ from: f, to, value: '0xde0b6b3a7640000' }]),
      [address, RECIPIENT],
    );
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign', { timeout: 20_000 });
    await expect(popup.getByTestId('preview-preflight')).toHaveText('Succeeds now');
    await expect(popup.getByTestId('preview-gas')).toHaveText(/^21,00[01]$/);
    await expect(popup.getByTestId('preview-balances')).toContainText('-1.0 ETH');
    await expect(popup.getByTestId('preview-max-fee')).toHaveText(/^0\.0000\d+ ETH$/);
    await expect(popup.getByTestId('preview-fails')).toHaveCount(0);
    await wallet.screenshot(popup, 'preview-03-send-ok');
    await popup.getByRole('button', { name: 'Approve and send', exact: true }).click();
    const sent = (await send) as { result: string };
    expect(sent.result).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await chains.main.rpc<{ status: string }>('eth_getTransactionReceipt', [sent.result])).toMatchObject({ status: '0x1' });
    await serve.waitFor(/pre-flight: ok, gas ~2100[01]/, 10_000, from);
    await serve.waitFor(/balance changes \(calldata\): -1\.0 ETH, plus the gas fee/, 10_000, from);
    await serve.waitFor(/done: request/, 20_000, from);
  } finally {
    await cosigner.dispose();
  }
});

test('the phone co-signer previews on its own node: a reverting call shows its failure before Approve there too', async ({
  dapps,
  wallet,
  chains,
}) => {
  test.setTimeout(240_000);
  const phoneBrowser = await launchPhoneBrowser();
  try {
    const { page: phone } = await openPhoneIn(phoneBrowser);
    const popup = await wallet.openPopup();
    const address = await pairWithPhoneAt(relay.url, wallet, popup, phone);
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('10').toString(16) }]);
    const reverter = await deployReverter(chains.main.rpc);

    // The phone is given its own node for the chain.
    await phone.getByRole('button', { name: 'Settings' }).click();
    const nodes = phone.getByRole('form', { name: 'Nodes for previews' });
    await nodes.getByLabel('Nodes for transaction previews (one RPC URL per line)').fill(chains.main.url);
    await nodes.getByRole('button', { name: 'Save nodes' }).click();
    await expect(nodes.getByText('Saved.')).toBeVisible();
    await shoot(phone, 'preview-settings-nodes');
    await phone.getByRole('button', { name: 'Vaults' }).click();

    const { page: dapp } = await wallet.connectDapp(popup, dapps.a.url);
    const failing = dapp.evaluate(
      ([from, to, data]) => (window as any).dapp.request('eth_sendTransaction', [{ from, to, data }]),
      [address, reverter, reverterAbi.encodeFunctionData('failWithPanic', [0])],
    );
    await expect(popup.getByTestId('preview-fails')).toContainText('This transaction will fail: panic 0x12: division or modulo by zero', {
      timeout: 20_000,
    });
    await popup.getByRole('button', { name: 'Approve anyway' }).click();

    const request = phone.getByTestId('phone-request');
    await expect(request).toHaveAttribute('data-phase', 'waiting', { timeout: 30_000 });
    await expect(request.getByTestId('preview-fails')).toContainText('This transaction will fail: panic 0x12: division or modulo by zero');
    await expect(request.getByTestId('preview-preflight')).toHaveText('Will fail');
    await expect(request.getByRole('button', { name: 'Approve anyway' })).toBeVisible();
    await shoot(phone, 'preview-request-will-fail');
    await request.getByRole('button', { name: 'Reject' }).click();
    const refusal = (await failing) as { error: { code: number; message: string } };
    expect(refusal.error.code).toBe(4001);
    expect(refusal.error.message).toMatch(/rejected it on the phone/);
  } finally {
    await phoneBrowser.close();
  }
});
