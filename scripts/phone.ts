/**
 * `npm start -- --phone`: a phone on the same network opens the co-signer
 * page over https. Two ways to get a certificate the phone accepts:
 *
 *   --tls-cert FILE --tls-key FILE   the relay serves https itself with your
 *                                    certificate (e.g. from mkcert, or your
 *                                    domain's), on 0.0.0.0:8787;
 *   --caddy                          Caddy (deploy/Caddyfile, `tls internal`)
 *                                    in front on :8443 with its own local CA,
 *                                    kept in .tandem/caddy; install its root
 *                                    certificate on the phone once.
 *
 * --phone-host NAME sets the name or address the phone uses (default: this
 * machine's first LAN IPv4 address). Prints the https URL and a QR code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { TandemError } from '../src/errors/index.js';

export type PhoneMode = { kind: 'tls'; cert: string; key: string; host: string } | { kind: 'caddy'; host: string };

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? argv[i + 1] : undefined;
  return v && !v.startsWith('--') ? v : undefined;
}

/** This machine's first non-internal IPv4 address (what a phone on the same Wi-Fi reaches), or null. */
export function lanAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

/** The phone mode asked for on the command line (or TANDEM_PHONE_* variables); null for the local default. */
export function parsePhoneMode(argv: readonly string[], env: NodeJS.ProcessEnv): PhoneMode | null {
  const cert = flag(argv, 'tls-cert') ?? env.TANDEM_TLS_CERT;
  const key = flag(argv, 'tls-key') ?? env.TANDEM_TLS_KEY;
  const caddy = argv.includes('--caddy') || env.TANDEM_PHONE === 'caddy';
  if (!argv.includes('--phone') && !env.TANDEM_PHONE && !cert && !caddy) return null;
  const host = flag(argv, 'phone-host') ?? env.TANDEM_PHONE_HOST ?? lanAddress();
  if (!host) throw new TandemError('phoneMode.noHost', 'no LAN address found for the phone to reach: pass --phone-host NAME');
  if (!/^[A-Za-z0-9.-]+$/.test(host))
    throw new TandemError('phoneMode.badHost', `--phone-host ${JSON.stringify(host)} is not a host name or IPv4 address`, {
      details: { host },
    });
  if (cert || key) {
    if (!cert || !key) throw new TandemError('phoneMode.tlsPair', '--tls-cert and --tls-key go together');
    return { kind: 'tls', cert, key, host };
  }
  if (caddy) return { kind: 'caddy', host };
  throw new TandemError(
    'phoneMode.needsHttps',
    'a phone needs https: pass --tls-cert FILE --tls-key FILE (a certificate for the phone host), or --caddy (Caddy with its own local CA)',
  );
}

export interface CaddyProcess {
  url: string;
  /** Caddy's local root certificate: install it on the phone (once; it is kept in .tandem/caddy). */
  rootFile: string;
  child: ChildProcess;
}

/** Starts Caddy with deploy/Caddyfile in front of the relay on 127.0.0.1:relayPort; resolves once https answers. */
export async function startCaddyFront(
  root: string,
  host: string,
  relayPort: number,
  httpsPort: number,
  data = join(root, '.tandem', 'caddy'),
): Promise<CaddyProcess> {
  mkdirSync(data, { recursive: true });
  const child = spawn('caddy', ['run', '--adapter', 'caddyfile', '--config', join(root, 'deploy', 'Caddyfile')], {
    env: {
      PATH: process.env.PATH,
      HOME: data,
      XDG_DATA_HOME: data,
      XDG_CONFIG_HOME: data,
      TANDEM_DOMAIN: `${host}:${httpsPort}`,
      TANDEM_TLS: 'internal',
      TANDEM_RELAYS: `127.0.0.1:${relayPort}`,
      TANDEM_HTTPS_PORT: String(httpsPort),
      TANDEM_HTTP_PORT: String(Number(process.env.TANDEM_PHONE_HTTP_PORT ?? httpsPort + 1)),
      CADDY_ADMIN: 'off',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
  const rootFile = join(data, 'caddy', 'pki', 'authorities', 'local', 'root.crt');
  const deadline = Date.now() + 30_000;
  while (!existsSync(rootFile) || !/"msg":"serving initial configuration"/.test(log)) {
    if (child.exitCode !== null)
      throw new Error(`caddy exited (${child.exitCode}); is \`caddy\` installed (apt-get install caddy)?\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`caddy did not start within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `https://${host}:${httpsPort}`, rootFile, child };
}

/** The QR code of `url` for the terminal (two rows per character). */
export function terminalQr(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}
