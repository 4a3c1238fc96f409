/**
 * dApp client libraries with the real packages, each bundled (esbuild) into
 * its own page on its own origin: ethers v6 BrowserProvider, viem
 * custom(window.ethereum), @wagmi/core with its injected connector and with
 * the connector it builds from Tandem's EIP-6963 announcement, and web3.js.
 * Each connects, switches chain (to a second Hardhat node and back), signs a
 * message and typed data and sends a transaction on the Hardhat node, with a
 * real co-signed 2-of-2 vault (the CLI co-signer over a real relay).
 */
import { build } from 'esbuild';
import { getAddress, parseEther, verifyMessage, verifyTypedData } from 'ethers';
import { test, expect } from './fixtures';
import { CosignerDevice } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { serveDirectory, type StaticServer } from './support/static-server';
import { decideInWindow } from './support/approval-window';
import { startRelay, type RunningRelay } from '../src/relay/server';
import type { TypedData } from './libs/harness';

const RECIPIENT = getAddress('0x' + '5a'.repeat(20));
const LIBRARIES = [
  { name: 'ethers v6 (BrowserProvider)', entry: 'ethers', query: '' },
  { name: 'viem (custom(window.ethereum))', entry: 'viem', query: '' },
  { name: '@wagmi/core, injected connector', entry: 'wagmi', query: '' },
  { name: '@wagmi/core, EIP-6963 connector', entry: 'wagmi', query: '?connector=eip6963' },
  { name: 'web3.js v4', entry: 'web3', query: '' },
] as const;

let relay: RunningRelay;
const servers: StaticServer[] = [];
test.beforeAll(async () => {
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
});
test.afterAll(async () => {
  await Promise.all([relay?.close(), ...servers.map((s) => s.close())]);
});

/** Bundles e2e/libs/<entry>.ts and serves it on a new origin with a page that loads it. */
async function libraryPage(entry: string): Promise<StaticServer> {
  const out = await build({
    entryPoints: [`e2e/libs/${entry}.ts`],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome116',
    write: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${entry}</title><script src="/lib.js"></script></head><body><h1>${entry}</h1></body></html>`;
  const server = await serveDirectory(null, { '/index.html': html, '/lib.js': out.outputFiles[0]!.text });
  servers.push(server);
  return server;
}

function mail(chainId: number, from: string): TypedData {
  return {
    domain: { name: 'Ether Mail', version: '1', chainId, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      Person: [
        { name: 'name', type: 'string' },
        { name: 'wallet', type: 'address' },
      ],
      Mail: [
        { name: 'from', type: 'Person' },
        { name: 'to', type: 'Person[]' },
        { name: 'contents', type: 'string' },
      ],
    },
    primaryType: 'Mail',
    message: { from: { name: 'Vault', wallet: from }, to: [{ name: 'Bob', wallet: RECIPIENT }], contents: 'Hello from a library' },
  };
}

test('ethers, viem, wagmi (injected and EIP-6963) and web3.js: connect, switch chain, sign, sign typed data, send', async ({
  context,
  wallet,
  chains,
}) => {
  test.setTimeout(1_500_000);
  const cosigner = new CosignerDevice();
  const decided = new Set<string>();
  const decide = (kind: 'connect' | 'sign' | 'addChain') => decideInWindow(context, kind, true, { decided, timeoutMs: 60_000 });
  const report: string[] = [];
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + parseEther('10').toString(16) }]);
    await cosigner.serve({
      v: 1,
      chains: [31337],
      maxValueWei: parseEther('1').toString(),
      dailyLimitWei: parseEther('5').toString(),
      allowMessages: true,
      allowTypedData: true,
    });
    const pages = await Promise.all(LIBRARIES.map((l) => libraryPage(l.entry)));

    for (const [i, lib] of LIBRARIES.entries()) {
      await test.step(lib.name, async () => {
        const page = await context.newPage();
        await page.goto(`${pages[i]!.origin}/index.html${lib.query}`);
        await expect(page).toHaveTitle(/ready$/, { timeout: 30_000 });
        const call = (op: string, ...args: unknown[]) =>
          page.evaluate(([o, a]) => (window as any).lib[o as string](...(a as unknown[])), [op, args] as const) as Promise<{
            result?: unknown;
            error?: { code: number; message: string };
          }>;
        const ok = async (p: Promise<{ result?: unknown; error?: { message: string } }>) => {
          const r = await p;
          expect(r.error, `${lib.name}: ${r.error?.message}`).toBeUndefined();
          return r.result;
        };

        const connected = call('connect');
        await decide('connect');
        expect(String(await ok(connected)).toLowerCase()).toContain(address.toLowerCase());

        if (i === 0) {
          // The second chain is added once (an approval); after that, connected sites switch freely.
          const add = page.evaluate(
            (url) =>
              (window as any).ethereum.request({
                method: 'wallet_addEthereumChain',
                params: [
                  {
                    chainId: '0x7a6a',
                    chainName: 'Hardhat 31338',
                    rpcUrls: [url],
                    nativeCurrency: { name: 'E', symbol: 'ETH', decimals: 18 },
                  },
                ],
              }),
            chains.second.url,
          );
          await decide('addChain');
          expect(await add).toBeNull();
        }
        expect(await ok(call('switchChain', 31338))).toBe(31338);
        expect(await ok(call('switchChain', 31337))).toBe(31337);

        const text = `Signed with ${lib.name}`;
        const signed = call('signMessage', text);
        await decide('sign');
        expect(verifyMessage(text, (await ok(signed)) as string)).toBe(address);

        const typed = mail(31337, address);
        const typedSig = call('signTypedData', typed);
        await decide('sign');
        const { EIP712Domain: _d, ...types } = typed.types;
        expect(verifyTypedData(typed.domain, types, typed.message, (await ok(typedSig)) as string)).toBe(address);

        const sent = call('sendTransaction', RECIPIENT, parseEther('0.01').toString());
        await decide('sign');
        const hash = (await ok(sent)) as string;
        const receipt = await chains.main.rpc<{ status: string; from: string }>('eth_getTransactionReceipt', [hash]);
        expect(receipt).toMatchObject({ status: '0x1', from: address.toLowerCase() });
        report.push(
          `  works  ${lib.name}: connected, switched 31338 and back, signed a message and typed data, sent ${hash.slice(0, 10)}…`,
        );
        await page.close();
      });
    }
    console.log(`client libraries (${report.length} of ${LIBRARIES.length}):\n${report.join('\n')}`);
  } finally {
    await cosigner.dispose();
  }
});
