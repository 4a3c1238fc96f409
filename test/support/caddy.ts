/**
 * TEST ONLY: Debian's `caddy` running deploy/Caddyfile itself (the file users
 * deploy), with `tls internal` for a test host name, on free ports, with its
 * own data directory (its local CA lives there, nothing is installed into
 * this machine's trust store). Stopped by `stop()` or when this process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export interface CaddyFront {
  /** `https://HOST:PORT`, the public URL clients use. */
  url: string;
  host: string;
  port: number;
  /** PEM of Caddy's local root CA (for NODE_EXTRA_CA_CERTS) and its path. */
  rootPem: string;
  rootFile: string;
  /** base64 SHA-256 of the root's and the intermediate's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
  spkiHashes: string[];
  /** What Caddy wrote (its log, access log included). */
  log: () => string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return import('node:net').then(
    ({ createServer }) =>
      new Promise((res, rej) => {
        const s = createServer();
        s.on('error', rej);
        s.listen(0, '127.0.0.1', () => {
          const { port } = s.address() as { port: number };
          s.close(() => res(port));
        });
      }),
  );
}

function spki(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** A TLS handshake with SNI `host` on 127.0.0.1:port succeeds and presents a certificate for `host`. */
function handshake(host: string, port: number, ca: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port, servername: host, ca, timeout: 2000 }, () => {
      s.end();
      res(true);
    });
    s.on('error', () => res(false));
    s.on('timeout', () => {
      s.destroy();
      res(false);
    });
  });
}

/** Starts Caddy with deploy/Caddyfile in front of `upstreams` (`127.0.0.1:PORT` each) for `host`. */
export async function startCaddy(upstreams: string[], host = 'tandem.test'): Promise<CaddyFront> {
  const data = mkdtempSync(join(tmpdir(), 'tandem-caddy-'));
  const [port, httpPort] = await Promise.all([freePort(), freePort()]);
  const child = spawn('caddy', ['run', '--adapter', 'caddyfile', '--config', join(ROOT, 'deploy', 'Caddyfile')], {
    cwd: data,
    env: {
      PATH: process.env.PATH,
      HOME: data,
      XDG_DATA_HOME: data,
      XDG_CONFIG_HOME: data,
      TANDEM_DOMAIN: `${host}:${port}`,
      TANDEM_TLS: 'internal',
      TANDEM_RELAYS: upstreams.join(' '),
      TANDEM_HTTP_PORT: String(httpPort),
      TANDEM_HTTPS_PORT: String(port),
      CADDY_ADMIN: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    running.delete(child);
    rmSync(data, { recursive: true, force: true });
  };
  const pki = join(data, 'caddy', 'pki', 'authorities', 'local');
  const rootFile = join(pki, 'root.crt');
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`caddy exited (${child.exitCode}):\n${log}`);
      if (Date.now() > deadline) throw new Error(`caddy did not serve https://${host}:${port} within 30 s:\n${log}`);
      if (existsSync(rootFile) && (await handshake(host, port, readFileSync(rootFile, 'utf8')))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const rootPem = readFileSync(rootFile, 'utf8');
  const hashes = [spki(rootPem), spki(readFileSync(join(pki, 'intermediate.crt'), 'utf8'))];
  return { url: `https://${host}:${port}`, host, port, rootPem, rootFile, spkiHashes: hashes, log: () => log, stop };
}
