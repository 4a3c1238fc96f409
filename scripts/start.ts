/**
 * `npm start`: everything a developer needs to try Tandem on this machine.
 * Builds the extension into dist/, starts a relay (127.0.0.1:8787), a local
 * Hardhat chain (127.0.0.1:8545, chain 31337) and, when this machine already
 * holds a co-signer vault, the command-line co-signer serving it; then prints
 * what to load and open. Ctrl-C stops everything.
 *
 * `npm start -- --phone --caddy` or `npm start -- --tls-cert F --tls-key F`:
 * the same, reachable over https by a phone on this network (scripts/phone.ts);
 * prints the https URL and its QR code.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { startRelay, type RunningRelay } from '../src/relay/server.js';
import { parsePhoneMode, startCaddyFront, terminalQr, type PhoneMode } from './phone.js';

const root = resolve(import.meta.dirname, '..');
const RELAY_PORT = Number(process.env.RELAY_PORT ?? 8787);
const CHAIN_PORT = Number(process.env.CHAIN_PORT ?? 8545);
const cosignerHome = process.env.TANDEM_HOME ?? resolve(root, '.tandem/cosigner');
const children: ChildProcess[] = [];

function step(msg: string): void {
  console.log(`\n▶ ${msg}`);
}

async function rpcUp(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    return res.ok;
  } catch {
    return false;
  }
}

async function startChain(): Promise<string> {
  const url = `http://127.0.0.1:${CHAIN_PORT}`;
  if (await rpcUp(url)) {
    console.log(`  a chain already answers on ${url}; using it`);
    return url;
  }
  const cli = createRequire(import.meta.url).resolve('hardhat/internal/cli/cli.js');
  const child = spawn(process.execPath, [cli, 'node', '--hostname', '127.0.0.1', '--port', String(CHAIN_PORT)], {
    cwd: root,
    env: { ...process.env, TANDEM_CHAIN_ID: '31337', HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const deadline = Date.now() + 60_000;
  while (!(await rpcUp(url))) {
    if (child.exitCode !== null) throw new Error('the Hardhat node exited; see the lines above');
    if (Date.now() > deadline) throw new Error(`the Hardhat node did not answer on ${url} within 60 s`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return url;
}

function startCosigner(relayUrl: string): string {
  const cli = resolve(root, 'src/cosigner/cli.ts');
  const dir = resolve(cosignerHome, 'vaults');
  const vaults = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.vault.json')) : [];
  const env = `TANDEM_HOME=${cosignerHome}`;
  if (vaults.length === 0 || !process.env.TANDEM_PASSWORD) {
    return [
      `  no co-signer vault is served yet (${cosignerHome}). To make this machine a device of a new vault,`,
      `  create the vault in the popup (relay ${relayUrl}), copy its pairing code, and run:`,
      `    ${env} npx tandem-cosigner join '<pairing code>'`,
      '  then `TANDEM_PASSWORD=… npm start` again to have it answer signing requests (or run',
      `    ${env} npx tandem-cosigner serve --policy <policy.json>   yourself).`,
    ].join('\n');
  }
  if (vaults.length > 1)
    return `  ${vaults.length} co-signer vaults in ${cosignerHome}: serve one with \`${env} npx tandem-cosigner serve --vault ID\``;
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
    cwd: root,
    env: { ...process.env, TANDEM_HOME: cosignerHome },
    stdio: 'inherit',
  });
  children.push(child);
  return `  the command-line co-signer serves the vault in ${cosignerHome} (each request is asked on this terminal)`;
}

async function main(): Promise<void> {
  step('Building the extension (dist/) and the phone co-signer page (dist-cosigner/)');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the extension build failed; see the lines above');

  const phone = parsePhoneMode(process.argv.slice(2), process.env);
  const { relay, publicUrl, phoneLines } = await startRelayFor(phone);

  step(`Starting a local chain (Hardhat, chain id 31337) on 127.0.0.1:${CHAIN_PORT}`);
  const chain = await startChain();

  step('Co-signer');
  const cosigner = startCosigner(publicUrl);

  console.log(`
Tandem is running.

  Extension   load ${resolve(root, 'dist')} in Chromium/Chrome:
              chrome://extensions → Developer mode → Load unpacked → pick that folder
  Relay       ${publicUrl}   (health: ${publicUrl}/health)
  Phone page  ${publicUrl}/cosigner/   ${phone ? '' : "(the popup's pairing link opens it; for a real phone: npm start -- --phone --caddy)"}
${phoneLines}  Chain       ${chain}   chain id 31337 ("Localhost 8545" in the wallet's networks)
              funded test account: 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (Hardhat account #0)
${cosigner}

Press Ctrl-C to stop.`);

  const stop = async () => {
    for (const c of children) c.kill('SIGTERM');
    await relay.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** The relay on 127.0.0.1 (default), or reachable by a phone over https (its own TLS, or Caddy in front). */
async function startRelayFor(phone: PhoneMode | null): Promise<{ relay: RunningRelay; publicUrl: string; phoneLines: string }> {
  const cosignerPage = resolve(root, 'dist-cosigner');
  const common = {
    port: RELAY_PORT,
    redisUrl: process.env.REDIS_URL,
    allowedOrigins: (process.env.RELAY_ALLOWED_ORIGINS ?? 'chrome-extension://*').split(',').filter(Boolean),
    staticDirs: existsSync(cosignerPage) ? { '/cosigner/': cosignerPage } : undefined,
  };
  if (!phone) {
    step(`Starting the relay on 127.0.0.1:${RELAY_PORT}`);
    const relay = await startRelay({ ...common, host: '127.0.0.1' });
    return { relay, publicUrl: relay.url, phoneLines: '' };
  }
  let relay: RunningRelay;
  let publicUrl: string;
  let trust = '  The phone must trust your certificate for this host.';
  if (phone.kind === 'tls') {
    publicUrl = `https://${phone.host}:${RELAY_PORT}`;
    step(`Starting the relay with https on 0.0.0.0:${RELAY_PORT} (${publicUrl})`);
    relay = await startRelay({ ...common, host: '0.0.0.0', tls: { cert: phone.cert, key: phone.key }, publicUrl });
  } else {
    const httpsPort = Number(process.env.TANDEM_PHONE_PORT ?? 8443);
    publicUrl = `https://${phone.host}:${httpsPort}`;
    relay = await startRelay({ ...common, host: '127.0.0.1', trustedProxies: ['127.0.0.1'], publicUrl });
    step(`Starting Caddy (deploy/Caddyfile, its own local CA) on :${httpsPort} in front of the relay`);
    const caddy = await startCaddyFront(root, phone.host, relay.port, httpsPort);
    children.push(caddy.child);
    trust = `  On the phone, install and trust Caddy's root certificate once: ${caddy.rootFile}`;
  }
  const page = `${publicUrl}/cosigner/`;
  const lines = [
    '',
    `  A phone on this network opens ${page}`,
    trust,
    `  In the extension: Settings → Relay → ${publicUrl}   (then "Create vault and pair devices" shows the pairing QR)`,
    '',
    (await terminalQr(page)).replace(/^/gm, '    '),
  ];
  return { relay, publicUrl, phoneLines: lines.join('\n') };
}

main().catch((e: unknown) => {
  console.error(`\nnpm start failed: ${e instanceof Error ? e.message : String(e)}`);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
