/**
 * Relay faults with real processes: a 2-of-2 vault made by two
 * `tandem-cosigner` processes, one of which stays in `serve` throughout
 * while the relay is killed (-9) and started again (a new process on the
 * same port), first with the in-memory store (everything lost), then on a
 * Redis that is itself killed (-9) and started again without persistence.
 * After each fault a signing succeeds without restarting `serve`; a signing
 * in progress when the relay dies either completes or fails naming the relay.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexlify, toUtf8Bytes, verifyMessage } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisServer, type RelayProcess, spawnRelayProcess, startRedisServer } from '../src/relay/testing.js';
import { Cosigner } from './support/cosigner-process.js';

const PASSWORD = 'recovery-password';
const CEREMONY_MS = 120_000;
const SIGN_MS = 90_000;
const LIMITS = JSON.stringify({ requestsPerSecond: 100_000, requestBurst: 100_000, maxConnectionsPerAddress: 1000 });

let port = 0;
let relay: RelayProcess | null = null;
let redis: RedisServer | null = null;
let serve: Cosigner | null = null;
const dirs: string[] = [];
const homes = { a: '', b: '' };
let msgFile = '';
let address = '';

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tandem-recovery-'));
  dirs.push(d);
  return d;
}

const cli = (label: string, home: string, args: string[]) => new Cosigner(label, args, { TANDEM_HOME: home, TANDEM_PASSWORD: PASSWORD });

async function startRelay(redisUrl?: string): Promise<void> {
  relay = await spawnRelayProcess(['--port', String(port)], { RELAY_LIMITS: LIMITS, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) });
}

/** One personal_sign from device a; `serve` on device b answers. Returns the CLI's exit. */
function sign(label: string) {
  return cli(label, homes.a, ['sign', '--request', msgFile, '--join-timeout', '60']);
}

async function signsOk(label: string): Promise<void> {
  const out = await sign(label).ok(SIGN_MS);
  const m = /^signature: (\{.*\})$/m.exec(out);
  expect(m, out).not.toBeNull();
  expect(verifyMessage('recovery', (JSON.parse(m![1]!) as { serialized: string }).serialized)).toBe(address);
}

describe('co-signer across relay faults (real processes)', () => {
  beforeAll(async () => {
    port = await freePort();
    await startRelay();
    homes.a = dir();
    homes.b = dir();
    const files = dir();
    msgFile = join(files, 'msg.json');
    const policy = join(files, 'policy.json');
    const rules = { v: 1, chains: [31337], maxValueWei: '0', dailyLimitWei: '0', allowMessages: true, allowTypedData: false };
    writeFileSync(policy, JSON.stringify(rules));
    writeFileSync(
      msgFile,
      JSON.stringify({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: hexlify(toUtf8Bytes('recovery')) }),
    );
    const a = cli('create', homes.a, ['create', '--relay', relay!.url, '--t', '2', '--n', '2', '--device-id', 'dev-a']);
    await a.waitFor(/^link: /m, 60_000);
    const pairing = /^pairing: (\S+)$/m.exec(a.stdout)![1]!;
    const b = cli('join', homes.b, ['join', pairing, '--device-id', 'dev-b']);
    const [outA] = await Promise.all([a.ok(CEREMONY_MS), b.ok(CEREMONY_MS)]);
    address = /^vault [0-9a-f]{16} address (0x[0-9a-fA-F]{40})/m.exec(outA)![1]!;
    serve = cli('serve', homes.b, ['serve', '--policy', policy]);
    await serve.waitFor(/^listening for signing requests$/m, 60_000);
  }, 240_000);

  afterAll(async () => {
    serve?.child.kill('SIGKILL');
    await Promise.allSettled([relay?.stop(), redis?.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it('keeps answering after the in-memory relay is killed and started again', async () => {
    await signsOk('sign-before');
    await relay!.kill();
    await startRelay(); // a new process, same port, no rooms
    await signsOk('sign-after-relay-restart');
    expect(serve!.child.exitCode).toBeNull();
  }, 300_000);

  it('keeps answering after Redis is killed and started again without persistence', async () => {
    redis = await startRedisServer();
    await relay!.kill();
    await startRelay(redis.url);
    await signsOk('sign-on-redis');
    const redisPort = redis.port;
    await redis.kill(); // everything the relay stored is gone
    redis = await startRedisServer({ port: redisPort });
    await signsOk('sign-after-redis-restart');
    expect(serve!.child.exitCode).toBeNull();
  }, 300_000);

  it('a signing in progress when the relay dies completes or fails naming the relay; the next one succeeds', async () => {
    const inFlight = sign('sign-in-flight');
    await inFlight.waitFor(/^asking the co-signers/m, 60_000);
    await relay!.kill();
    await startRelay(redis!.url);
    const exit = await inFlight.exit(SIGN_MS);
    if (exit.code !== 0) expect(exit.stderr).toMatch(/relay/i);
    else expect(exit.stdout).toMatch(/^signature: /m);
    expect(exit.stderr).not.toMatch(/co-signer may be offline/);
    await signsOk('sign-after-in-flight');
    expect(serve!.child.exitCode).toBeNull();
  }, 300_000);
});
