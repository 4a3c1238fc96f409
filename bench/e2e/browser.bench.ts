/**
 * `npm run bench:e2e`: what a user waits for in the browser, in the e2e
 * suite's Chromium with the built extension. Measured, never asserted:
 *
 *   - a dApp's `eth_chainId` with the service worker running, and right after
 *     Chrome stopped it (the worker starts again to answer);
 *   - a dApp's `eth_requestAccounts` until the approval window shows it, worker
 *     stopped before each (the window opens from a cold worker);
 *   - the popup, from navigation start until Home shows the vault (timed in
 *     the page), worker running and stopped;
 *   - click Approve → the dApp has the transaction hash, for an
 *     `eth_sendTransaction` co-signed by the command-line co-signer over a
 *     relay on loopback (Hardhat automines, so the hash comes after the
 *     broadcast was accepted).
 *
 * Prints one table at the end (ms: median, p90, min, max) and writes the rows
 * as JSON to test-results/bench/e2e.json.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseEther } from 'ethers';
import { test, expect, openDapp, type WalletHelper } from '../../e2e/fixtures';
import { CosignerDevice } from '../../e2e/support/cosigner';
import { pairWithCliCosigner } from '../../e2e/support/pair-vault';
import { stopServiceWorker } from '../../e2e/support/service-worker';
import { startRelay } from '../../src/relay/server';
import { median } from '../row';

const RUNS = Number(process.env.BENCH_E2E_RUNS ?? 10);
const RECIPIENT = `0x${'42'.repeat(20)}`;

interface Row {
  op: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

const rows: Row[] = [];

function record(op: string, xs: number[]): void {
  const s = [...xs].sort((a, b) => a - b);
  rows.push({
    op,
    runs: s.length,
    medianMs: median(s),
    p90Ms: s[Math.min(s.length - 1, Math.ceil(s.length * 0.9) - 1)]!,
    minMs: s[0]!,
    maxMs: s.at(-1)!,
  });
  process.stderr.write(`bench:e2e ${op}: median ${median(s).toFixed(1)} ms over ${s.length}\n`);
}

/**
 * Stops the worker (marking the running one first, so that `expectRestarted`
 * can tell a fresh worker from it). A dApp page's bridge connects again
 * 300 ms after its port dropped, which starts the worker again, so a cold
 * figure is taken at once after this returns: the request itself starts it.
 */
async function coldWorker(context: BrowserContext, page: Page): Promise<void> {
  const [running] = context.serviceWorkers();
  expect(running, 'a running worker to stop').toBeDefined();
  await running!.evaluate(() => {
    (globalThis as any).__benchOld = true;
  });
  await stopServiceWorker(context, page);
}

/**
 * The worker that answers now is a fresh one (the stopped one was marked);
 * returns ms from its start until its script had run (background/index.ts).
 */
async function expectRestarted(context: BrowserContext): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const workers = context.serviceWorkers();
    const ready = await Promise.all(
      workers.map((w) =>
        w
          .evaluate(() => ((globalThis as any).__benchOld ? -1 : (performance.getEntriesByName('tandem:worker-ready')[0]?.startTime ?? -1)))
          .catch(() => -1),
      ),
    );
    const fresh = ready.find((ms) => ms >= 0);
    if (fresh !== undefined) return fresh;
    if (Date.now() > deadline) throw new Error('the worker was not restarted: the cold figure would be a warm one');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Where a popup open goes, ms from the page's navigation start: HTML loaded, the popup's entry running (it opens
 * the state port: main.tsx), the app's script running (start.tsx), its first state (api.ts), Home shown.
 */
interface PopupOpen {
  html: number;
  boot: number;
  script: number;
  state: number;
  home: number;
  found: number;
}

/**
 * Opens the popup in a tab and times it (marks set by src/popup/main.tsx, start.tsx and api.ts). Home is timed
 * in the page, when its vault name enters the DOM (a MutationObserver installed before the page's scripts): a poll
 * from the test starts only once `goto` returned after the load event, so it cannot see a Home rendered sooner
 * (`found`: when that poll saw it).
 */
async function popupOpenMs(wallet: WalletHelper): Promise<PopupOpen> {
  const page = await wallet.context.newPage();
  await page.setViewportSize({ width: 360, height: 600 });
  await page.addInitScript(() => {
    const seen = new MutationObserver(() => {
      if (!document.querySelector('[data-testid="vault-name"]')) return;
      (window as any).__homeAt = performance.now();
      seen.disconnect();
    });
    seen.observe(document, { childList: true, subtree: true });
  });
  await page.goto(wallet.popupUrl());
  const handle = await page.waitForFunction(() => (document.querySelector('[data-testid="vault-name"]') ? performance.now() : 0), null, {
    polling: 5,
    timeout: 20_000,
  });
  const found = (await handle.jsonValue()) as number;
  const marks = await page.evaluate(() => {
    const at = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN;
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    return {
      html: nav?.responseEnd ?? Number.NaN,
      boot: at('tandem:boot'),
      script: at('tandem:script'),
      state: at('tandem:state'),
      home: ((window as any).__homeAt as number | undefined) ?? Number.NaN,
    };
  });
  await page.close();
  return { ...marks, found };
}

/** Records a popup open series: the total, and each step's median. */
function recordPopup(label: string, runs: PopupOpen[]): void {
  record(
    label,
    runs.map((r) => r.home),
  );
  record(
    `  ${label}: HTML loaded`,
    runs.map((r) => r.html),
  );
  record(
    `  ${label}: popup entry running, state port opened`,
    runs.map((r) => r.boot),
  );
  record(
    `  ${label}: popup app script running`,
    runs.map((r) => r.script),
  );
  record(
    `  ${label}: first state from the worker`,
    runs.map((r) => r.state),
  );
  record(
    `  ${label}: Home as the test's poll found it (after goto returned)`,
    runs.map((r) => r.found),
  );
}

/** ms from a dApp's request until the approval window shows it; the request is rejected. */
async function approvalWindowMs(context: BrowserContext, dapp: Page): Promise<number> {
  const opened = context.waitForEvent('page', { predicate: (p) => p.url().includes('#approvals'), timeout: 20_000 });
  const t0 = await dapp.evaluate(() => {
    const w = window as any;
    w.__pending = w.dapp.request('eth_requestAccounts');
    return Date.now();
  });
  const win = await opened;
  const shown = await win.waitForFunction(() => (document.querySelector('[data-testid="approval"]') ? Date.now() : 0), null, {
    polling: 5,
    timeout: 20_000,
  });
  const ms = ((await shown.jsonValue()) as number) - t0;
  const closed = win.waitForEvent('close', { timeout: 20_000 });
  await win.getByRole('button', { name: 'Reject', exact: true }).click();
  expect(await dapp.evaluate(() => (window as any).__pending)).toMatchObject({ error: { code: 4001 } });
  await closed;
  return ms;
}

test('browser: service-worker cold start, approval window, popup open', async ({ context, dapps, wallet }) => {
  const popup = await wallet.openPopup();
  await wallet.addWatchOnly(popup);
  await popup.close();
  const dapp = await openDapp(context, dapps.a.url);
  const chainId = () =>
    dapp.evaluate(async () => {
      const t0 = performance.now();
      const r = await (window as any).dapp.request('eth_chainId');
      if (!('result' in r)) throw new Error(JSON.stringify(r));
      return performance.now() - t0;
    });

  await chainId();
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await chainId());
  record('eth_chainId, worker running', warm);

  const cold: number[] = [];
  const scriptRun: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await coldWorker(context, dapp);
    cold.push(await chainId());
    scriptRun.push(await expectRestarted(context));
  }
  record('eth_chainId, worker stopped before', cold);
  record('  of which: the worker script loads and runs (from the worker start)', scriptRun);

  const windowCold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await coldWorker(context, dapp);
    windowCold.push(await approvalWindowMs(context, dapp));
    await expectRestarted(context);
  }
  record('eth_requestAccounts → approval window shown, worker stopped before', windowCold);

  await popupOpenMs(wallet);
  const popupWarm: PopupOpen[] = [];
  for (let i = 0; i < RUNS; i++) popupWarm.push(await popupOpenMs(wallet));
  recordPopup('popup open → Home shown, worker running', popupWarm);

  // No dApp page from here on: nothing but the popup starts the worker again.
  const blank = await context.newPage();
  await dapp.close();
  const popupCold: PopupOpen[] = [];
  for (let i = 0; i < RUNS; i++) {
    await coldWorker(context, blank);
    await new Promise((r) => setTimeout(r, 500));
    popupCold.push(await popupOpenMs(wallet));
    await expectRestarted(context);
  }
  recordPopup('popup open → Home shown, worker stopped before', popupCold);
});

test('co-signed: click Approve → the dApp has the transaction hash (CLI co-signer, relay on loopback)', async ({
  dapps,
  wallet,
  chains,
}) => {
  const relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
  const cosigner = new CosignerDevice();
  try {
    const popup = await wallet.openPopup();
    const address = await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
    expect((await wallet.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: chains.main.url })).ok).toBe(true);
    const [funder] = await chains.main.rpc<string[]>('eth_accounts');
    await chains.main.rpc('eth_sendTransaction', [{ from: funder, to: address, value: `0x${parseEther('10').toString(16)}` }]);
    await cosigner.serve({ v: 1, chains: [31337], maxValueWei: parseEther('1').toString(), dailyLimitWei: parseEther('5').toString() });
    const { page: dapp } = await wallet.connectDapp(popup, dapps.a.url);
    await popup.evaluate(() => document.addEventListener('click', () => ((window as any).__clickAt = Date.now()), { capture: true }));

    const send = async () => {
      const sent = dapp.evaluate(
        async ([from, to]) => {
          const r = await (window as any).dapp.request('eth_sendTransaction', [{ from, to, value: '0x38d7ea4c68000' }]);
          return { r, at: Date.now() };
        },
        [address, RECIPIENT],
      );
      await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', 'sign');
      await popup.getByRole('button', { name: /^Approve and send$/ }).click();
      const { r, at } = await sent;
      expect(r.result).toMatch(/^0x[0-9a-f]{64}$/);
      const clickAt = (await popup.evaluate(() => (window as any).__clickAt)) as number;
      await expect(popup.getByTestId('approval')).toHaveCount(0);
      return at - clickAt;
    };

    await send();
    const xs: number[] = [];
    for (let i = 0; i < RUNS; i++) xs.push(await send());
    record('click Approve → tx hash (2-of-2, CLI co-signer, loopback relay)', xs);
  } finally {
    await cosigner.dispose();
    await relay.close();
  }
});

test.afterAll(() => {
  const header = `bench:e2e: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the end`;
  const head = ['op', 'runs', 'median ms', 'p90 ms', 'min ms', 'max ms'];
  const body = rows.map((r) => [r.op, String(r.runs), ...[r.medianMs, r.p90Ms, r.minMs, r.maxMs].map((x) => x.toFixed(1))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log([header, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n'));
  mkdirSync('test-results/bench', { recursive: true });
  writeFileSync('test-results/bench/e2e.json', JSON.stringify({ header, rows }, null, 2));
});
