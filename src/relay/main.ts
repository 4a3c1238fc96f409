/**
 * `npm run relay`: starts a relay from flags and environment.
 *
 *   --port N          (RELAY_PORT, PORT; default 8787; 0 = any free port)
 *   --host ADDR       (RELAY_HOST; default 127.0.0.1)
 *   --redis URL       (REDIS_URL; default: in-memory store)
 *   --redis-prefix P  (RELAY_REDIS_PREFIX; default relay:)
 *   --origins LIST    (RELAY_ALLOWED_ORIGINS; comma separated, e.g.
 *                      chrome-extension://abcdef...,https://cosigner.example)
 *   --static DIR      (RELAY_STATIC_DIR; served at /cosigner/)
 *   --trusted-proxies LIST  (RELAY_TRUSTED_PROXIES; addresses or CIDR ranges of the
 *                      reverse proxies in front, e.g. 172.28.0.10 or 10.0.0.0/8: only
 *                      they may set X-Forwarded-For/-Proto/-Host; see proxy.ts)
 *   --trust-proxy     (RELAY_TRUST_PROXY=1; shorthand for a proxy on this host:
 *                      --trusted-proxies 127.0.0.1,::1)
 *   --public-url URL  (RELAY_PUBLIC_URL; the https origin clients use, e.g.
 *                      https://relay.example.com; reported by /health)
 *   --tls-cert FILE   (RELAY_TLS_CERT; PEM certificate chain: serve https/wss itself)
 *   --tls-key FILE    (RELAY_TLS_KEY; its PEM private key; SIGHUP re-reads both)
 *   --limits JSON     (RELAY_LIMITS; overrides of DEFAULT_LIMITS in limits.ts)
 *
 * Prints `relay listening on http(s)://HOST:PORT` once ready; stops on SIGINT/SIGTERM.
 */
import { startRelay } from './server.js';
import type { RelayLimits } from './limits.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) return '';
  return v;
}

function fail(msg: string): never {
  console.error(`relay: ${msg}`);
  process.exit(2);
}

const portText = flag('port') ?? process.env.RELAY_PORT ?? process.env.PORT ?? '8787';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) fail(`bad port ${JSON.stringify(portText)}`);
const origins = (flag('origins') ?? process.env.RELAY_ALLOWED_ORIGINS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const staticDir = flag('static') ?? process.env.RELAY_STATIC_DIR;
const limitsText = flag('limits') ?? process.env.RELAY_LIMITS;
let limits: Partial<RelayLimits> | undefined;
if (limitsText) {
  try {
    limits = JSON.parse(limitsText) as Partial<RelayLimits>;
  } catch {
    fail('RELAY_LIMITS / --limits is not valid JSON');
  }
}

const trusted = [
  ...(flag('trusted-proxies') ?? process.env.RELAY_TRUSTED_PROXIES ?? '').split(/[\s,]+/).filter(Boolean),
  ...(process.argv.includes('--trust-proxy') || process.env.RELAY_TRUST_PROXY === '1' ? ['127.0.0.1', '::1'] : []),
];
const tlsCert = flag('tls-cert') ?? process.env.RELAY_TLS_CERT;
const tlsKey = flag('tls-key') ?? process.env.RELAY_TLS_KEY;
if (!tlsCert !== !tlsKey) fail('--tls-cert and --tls-key (RELAY_TLS_CERT, RELAY_TLS_KEY) go together');
const tls = tlsCert && tlsKey ? { cert: tlsCert, key: tlsKey } : undefined;

const relay = await startRelay({
  port,
  host: flag('host') ?? process.env.RELAY_HOST ?? '127.0.0.1',
  redisUrl: flag('redis') ?? process.env.REDIS_URL ?? undefined,
  redisKeyPrefix: flag('redis-prefix') ?? process.env.RELAY_REDIS_PREFIX ?? undefined,
  allowedOrigins: origins,
  staticDirs: staticDir ? { '/cosigner/': staticDir } : undefined,
  trustedProxies: trusted,
  publicUrl: flag('public-url') ?? process.env.RELAY_PUBLIC_URL ?? undefined,
  tls,
  limits,
  log: (line) => console.error(line),
}).catch((e: unknown) => fail(`could not start: ${e instanceof Error ? e.message : String(e)}`));

console.log(`relay listening on ${relay.url} (store: ${relay.store.kind})`);
if (relay.publicUrl !== relay.url) console.log(`relay public URL ${relay.publicUrl}`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  relay.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
// A safety net: a stray rejection is logged (without details that could carry data), not fatal.
process.on('unhandledRejection', (e) => console.error(`relay: unhandled rejection: ${e instanceof Error ? e.name : typeof e}`));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', () => {
  try {
    relay.reloadTls();
    if (tls) console.error('relay: TLS certificate reloaded');
  } catch (e) {
    console.error(`relay: TLS reload failed, keeping the old certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
});
