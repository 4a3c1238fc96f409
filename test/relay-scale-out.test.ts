/**
 * Scale-out behind the reverse proxy: two relay processes on one Redis
 * (redis-server) behind Caddy (deploy/Caddyfile, https with `tls internal`).
 * Two devices (this process, the session layer as the extension and the
 * CLI run it) reach the relays only through https://localhost:PORT; each
 * device's WebSocket is on a different instance (checked on each instance's
 * /metrics). They generate a 2-of-2 vault and sign; then one instance is
 * SIGKILLed in the middle of a signing: the clients reconnect through Caddy
 * to the other instance, and the signing either completes or fails with a
 * clear error; the next signing succeeds.
 */
import { request as httpsRequest } from 'node:https';
import { hexlify, Signature, toUtf8Bytes, verifyMessage } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnRelayProcess, startRedisServer, type RedisServer, type RelayProcess } from '../src/relay/testing.js';
import { createVault, joinVault, requestSignature, serveSigning } from '../src/session/ceremonies.js';
import { channelOf, type DeviceVault } from '../src/session/device-vault.js';
import { newIdentity, publicOf, type DeviceIdentity } from '../src/session/identity.js';
import { Mailbox } from '../src/session/mailbox.js';
import { createPairing } from '../src/session/pairing.js';
import { RelayClient, type WebSocketConstructor } from '../src/session/relay-client.js';
import { relayTransport } from '../src/session/relay-transport.js';
import { parseSigningRequest } from '../src/session/signing-request.js';
import type { EcdsaSignature } from '../src/tss/dkls/index.js';
import { startCaddy, type CaddyFront } from './support/caddy.js';

const timing = { joinTimeoutMs: 60_000, roundTimeoutMs: 60_000 };
const LIMITS = JSON.stringify({ requestsPerSecond: 10_000, requestBurst: 10_000, maxConnectionsPerAddress: 1000 });

let redis: RedisServer;
const relays: RelayProcess[] = [];
let caddy: CaddyFront;

/** fetch over https that trusts Caddy's local root (and nothing else). */
function trustingFetch(ca: string): typeof fetch {
  return ((input: string | URL, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        String(input),
        { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, ca, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 })));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      init.signal?.addEventListener('abort', () => req.destroy(new DOMException('aborted', 'AbortError')));
      req.end(init.body as string | undefined);
    })) as typeof fetch;
}

/** The `ws` WebSocket, trusting Caddy's local root. */
function trustingWebSocket(ca: string): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { ca });
    }
  } as unknown as WebSocketConstructor;
}

interface Device {
  identity: DeviceIdentity;
  mailbox: Mailbox;
  close(): Promise<void>;
}

/** Opens `identity`'s mailbox on a room through the https front (what openMailbox does, with the test CA). */
async function open(identity: DeviceIdentity, sessionId: string, sessionKey: Uint8Array): Promise<Device> {
  const client = await RelayClient.join({
    relayUrl: caddy.url,
    sessionId,
    sessionKey,
    self: identity.deviceId,
    WebSocket: trustingWebSocket(caddy.rootPem),
    fetch: trustingFetch(caddy.rootPem),
    transport: 'ws',
  });
  const transport = relayTransport(client, {});
  return { identity, mailbox: new Mailbox(transport), close: () => transport.close() };
}

/** Open WebSockets per instance (each relay's own /metrics, not through the proxy). */
async function connections(): Promise<number[]> {
  return Promise.all(
    relays.map(async (r) => {
      if (r.child.exitCode !== null || r.child.signalCode !== null) return 0;
      const text = await (await fetch(`${r.url}/metrics`)).text();
      return Number(/^tandem_relay_connections (\d+)$/m.exec(text)![1]);
    }),
  );
}

/** Waits until the instances hold `total` WebSockets between them (closed ones are counted down). */
async function settle(total: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await connections()).reduce((x, y) => x + y, 0) === total) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the instances did not settle at ${total} WebSockets`);
}

/** Which instance took the WebSocket that was just opened (the one whose count went up). */
async function instanceOf(before: number[]): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const now = await connections();
    const k = now.findIndex((n, j) => n > before[j]!);
    if (k >= 0) return k;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no instance counted the new WebSocket');
}

/**
 * Opens both devices on a room so that their WebSockets are on different
 * instances: the second reopens (the proxy balances round-robin) until it
 * lands on the other instance than the first.
 */
async function openApart(a: DeviceIdentity, b: DeviceIdentity, sessionId: string, key: Uint8Array): Promise<[Device, Device, number]> {
  await settle(0);
  let before = await connections();
  const da = await open(a, sessionId, key);
  const ia = await instanceOf(before);
  for (let attempt = 0; attempt < 6; attempt++) {
    before = await connections();
    const db = await open(b, sessionId, key);
    const ib = await instanceOf(before);
    if (ib !== ia) return [da, db, ia];
    await db.close();
    await settle(1);
    // Each open is two proxied requests (join, upgrade): one more request shifts the round-robin by one.
    await trustingFetch(caddy.rootPem)(`${caddy.url}/health`);
  }
  throw new Error('the proxy never placed the second device on the other instance');
}

function messageRequest(text: string) {
  return parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: hexlify(toUtf8Bytes(text)) });
}

function signer(text: string, sig: EcdsaSignature): string {
  const hex = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}`;
  return verifyMessage(text, Signature.from({ r: hex(sig.r), s: hex(sig.s), v: 27 + (sig.recovery & 1) }));
}

beforeAll(async () => {
  redis = await startRedisServer();
  for (let i = 0; i < 2; i++) {
    relays.push(await spawnRelayProcess(['--port', '0', '--redis', redis.url, '--trusted-proxies', '127.0.0.1'], { RELAY_LIMITS: LIMITS }));
  }
  caddy = await startCaddy(
    relays.map((r) => `127.0.0.1:${r.port}`),
    'localhost',
  );
}, 90_000);

afterAll(async () => {
  await caddy?.stop();
  await Promise.allSettled(relays.map((r) => r.stop()));
  await redis?.stop();
}, 60_000);

describe('two relay instances on one Redis behind Caddy', () => {
  let vaults: DeviceVault[] = [];

  it('devices on different instances generate a 2-of-2 vault and sign', async () => {
    const ids = [newIdentity('scale-a'), newIdentity('scale-b')] as const;
    const pairing = createPairing(caddy.url, 'keygen', {});
    const [a, b] = await openApart(ids[0], ids[1], pairing.sessionId, pairing.sessionKey);
    try {
      vaults = await Promise.all([
        createVault({
          ...timing,
          mailbox: a.mailbox,
          me: ids[0],
          sessionId: pairing.sessionId,
          plan: { t: 2, n: 2, name: 'scale', relayUrl: caddy.url },
        }),
        joinVault({ ...timing, mailbox: b.mailbox, me: ids[1], sessionId: pairing.sessionId, initiatorSignPub: publicOf(ids[0]).signPub }),
      ]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(vaults[0]!.address).toBe(vaults[1]!.address);
    expect(channelOf(vaults[0]!).relayUrl).toBe(caddy.url); // the vault's channel is the public https URL

    const ch = channelOf(vaults[0]!);
    const [sa, sb] = await openApart(vaults[0]!.identity, vaults[1]!.identity, ch.sessionId, ch.sessionKey);
    const server = serveSigning({
      mailbox: sb.mailbox,
      vault: vaults[1]!,
      decide: async () => true,
      roundTimeoutMs: timing.roundTimeoutMs,
    });
    try {
      const sig = await requestSignature({
        ...timing,
        mailbox: sa.mailbox,
        vault: vaults[0]!,
        request: messageRequest('across instances'),
      });
      expect(signer('across instances', sig)).toBe(vaults[0]!.address);
    } finally {
      server.stop();
      await Promise.all([sa.close(), sb.close()]);
    }
  }, 240_000);

  it('an instance killed mid-signing: clients reconnect through the proxy; that signing completes or fails clearly, the next succeeds', async () => {
    expect(vaults).toHaveLength(2);
    const ch = channelOf(vaults[0]!);
    const [sa, sb, ia] = await openApart(vaults[0]!.identity, vaults[1]!.identity, ch.sessionId, ch.sessionKey);
    let killed = false;
    // The co-signer has the request: now the instance under the requester dies (SIGKILL), before any signing round.
    const server = serveSigning({
      mailbox: sb.mailbox,
      vault: vaults[1]!,
      roundTimeoutMs: timing.roundTimeoutMs,
      decide: async () => {
        if (!killed) {
          killed = true;
          await relays[ia]!.kill();
        }
        return true;
      },
    });
    try {
      const outcome = await requestSignature({
        ...timing,
        mailbox: sa.mailbox,
        vault: vaults[0]!,
        request: messageRequest('while one dies'),
      }).then(
        (sig) => ({ ok: true as const, sig }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      expect(killed).toBe(true);
      console.log(
        `signing during the crash: ${outcome.ok ? 'completed' : `failed: ${String((outcome.e as Error).message).slice(0, 200)}`}`,
      );
      if (outcome.ok) {
        expect(signer('while one dies', outcome.sig)).toBe(vaults[0]!.address);
      } else {
        // A clear error: a named type and code, not a hang or a crash.
        const e = outcome.e as { name?: string; code?: string; message?: string };
        expect(e.name).toMatch(/TandemError|ProtocolAbort|SigningRefused|RelayError|Timeout/);
        expect(String(e.message)).not.toBe('');
      }
      // Everything now runs on the surviving instance, through the same https front.
      const survivor = relays[1 - ia]!;
      const sig = await requestSignature({ ...timing, mailbox: sa.mailbox, vault: vaults[0]!, request: messageRequest('after the crash') });
      expect(signer('after the crash', sig)).toBe(vaults[0]!.address);
      const text = await (await fetch(`${survivor.url}/metrics`)).text();
      expect(Number(/^tandem_relay_connections (\d+)$/m.exec(text)![1])).toBeGreaterThanOrEqual(2);
    } finally {
      server.stop();
      await Promise.all([sa.close(), sb.close()]);
    }
  }, 240_000);
});
