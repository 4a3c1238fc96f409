/**
 * End-to-end ceremony rows: key generation (DKLs23 + FROST, roster,
 * confirmation) and signing 2-of-3 between three devices through a real
 * relay process on loopback, with the session layer's end-to-end encryption
 * and per-device message signatures — what `tandem-cosigner` runs.
 *
 * The three devices run in this process (the relay in its own), so:
 * - `… compute` is the CPU time of this process during the ceremony (every
 *   device's protocol work, sealing, JSON, WebSocket I/O), from
 *   `process.cpuUsage()`; its `ms per party` is that divided by n;
 * - `… network` is the rest of the wall-clock time: waiting on the relay and
 *   the loopback network (the relay's own work included) and, on a loaded
 *   machine, waiting for a CPU (compare the load average bench/run.ts prints);
 * - the plain row is the wall-clock total.
 * On separate devices computation overlaps, so wall time is lower than here.
 * Bytes per party: JSON payload bytes the devices handed to the relay client
 * (before encryption), divided by the parties of the protocol (n for key
 * generation, t for signing, the third device's refusal-free answer included).
 * Compute per party is divided the same way.
 */
import { Transaction } from 'ethers';
import { spawnRelayProcess, type RelayProcess } from '../src/relay/testing.js';
import { createVault, joinVault, requestSignature, serveSigning } from '../src/session/ceremonies.js';
import { channelOf, type DeviceVault } from '../src/session/device-vault.js';
import { newIdentity, publicOf } from '../src/session/identity.js';
import { Mailbox, type CeremonyTransport } from '../src/session/mailbox.js';
import { createPairing } from '../src/session/pairing.js';
import { openMailbox, type OpenedMailbox } from '../src/session/relay-transport.js';
import { parseSigningRequest } from '../src/session/signing-request.js';
import { median, type BenchOptions, type BenchRow, type BenchSuite } from './row.js';

const T = 2;
const N = 3;
const KEYGEN_RUNS = 2;
const SIGN_RUNS = 5;
const timing = { joinTimeoutMs: 120_000, roundTimeoutMs: 120_000 };

interface Sample {
  wall: number;
  cpu: number;
  bytesPerParty: number;
}

/** Counts the JSON bytes a device sends. */
function counting(inner: CeremonyTransport, counter: { bytes: number }): CeremonyTransport {
  return {
    deviceId: inner.deviceId,
    send: (to, payload) => {
      counter.bytes += JSON.stringify(payload).length;
      return inner.send(to, payload);
    },
    onMessage: (h) => inner.onMessage(h),
    participants: () => inner.participants(),
    close: () => inner.close(),
  };
}

async function measure(parties: number, counters: Array<{ bytes: number }>, run: () => Promise<unknown>): Promise<Sample> {
  for (const c of counters) c.bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  const cpuUs = process.cpuUsage(cpu0);
  return { wall, cpu: (cpuUs.user + cpuUs.system) / 1000, bytesPerParty: counters.reduce((a, c) => a + c.bytes, 0) / parties };
}

function rows(op: string, samples: Sample[], parties: number): BenchRow[] {
  const wall = median(samples.map((s) => s.wall));
  const cpu = median(samples.map((s) => s.cpu));
  const net = median(samples.map((s) => Math.max(0, s.wall - s.cpu)));
  const bytes = Math.round(median(samples.map((s) => s.bytesPerParty)));
  const base = { t: T, n: N, bytesPerParty: bytes, cpuMs: cpu, runs: samples.length };
  return [
    { op, ms: wall, msPerParty: cpu / parties, ...base },
    { op: `${op} compute`, ms: cpu, msPerParty: cpu / parties, ...base },
    { op: `${op} network`, ms: net, msPerParty: net, ...base },
  ];
}

async function open(
  relayUrl: string,
  sessionId: string,
  sessionKey: Uint8Array,
  deviceId: string,
  counter: { bytes: number },
): Promise<{ opened: OpenedMailbox; mailbox: Mailbox }> {
  const opened = await openMailbox({ relayUrl, sessionId, sessionKey, deviceId });
  return { opened, mailbox: new Mailbox(counting(opened.mailbox.transport, counter)) };
}

async function keygenOnce(relayUrl: string, counters: Array<{ bytes: number }>): Promise<{ sample: Sample; vaults: DeviceVault[] }> {
  const ids = Array.from({ length: N }, (_, i) => newIdentity(`bench-${i + 1}-${Math.random().toString(36).slice(2, 8)}`));
  const pairing = createPairing(relayUrl, 'keygen', {});
  const boxes = await Promise.all(ids.map((id, i) => open(relayUrl, pairing.sessionId, pairing.sessionKey, id.deviceId, counters[i]!)));
  let vaults: DeviceVault[] = [];
  try {
    const sample = await measure(N, counters, async () => {
      vaults = await Promise.all(
        ids.map((me, i) =>
          i === 0
            ? createVault({
                ...timing,
                mailbox: boxes[0]!.mailbox,
                me,
                sessionId: pairing.sessionId,
                plan: { t: T, n: N, name: 'bench', relayUrl },
              })
            : joinVault({
                ...timing,
                mailbox: boxes[i]!.mailbox,
                me,
                sessionId: pairing.sessionId,
                initiatorSignPub: publicOf(ids[0]!).signPub,
              }),
        ),
      );
    });
    return { sample, vaults };
  } finally {
    await Promise.all(boxes.map((b) => b.opened.close()));
  }
}

function txRequest(nonce: number) {
  const tx = Transaction.from({
    type: 2,
    chainId: 31337,
    nonce,
    to: '0x' + '22'.repeat(20),
    value: 1n,
    maxFeePerGas: 10n ** 9n,
    maxPriorityFeePerGas: 1n,
    gasLimit: 21000n,
  });
  return parseSigningRequest({ v: 1, kind: 'transaction', chainId: 31337, path: [], tx: tx.unsignedSerialized });
}

export const ceremonySuite: BenchSuite = {
  name: 'ceremony via relay',
  async rows(opts: BenchOptions): Promise<BenchRow[]> {
    let relay: RelayProcess | null = null;
    try {
      relay = await spawnRelayProcess(['--port', '0'], {
        RELAY_LIMITS: JSON.stringify({ requestsPerSecond: 1e9, requestBurst: 1e9, maxMessagesPerRoom: 1e6 }),
      });
      const counters = Array.from({ length: N }, () => ({ bytes: 0 }));
      const keygens: Sample[] = [];
      let vaults: DeviceVault[] = [];
      for (let i = 0; i < (opts.runs || KEYGEN_RUNS); i++) {
        const r = await keygenOnce(relay.url, counters);
        keygens.push(r.sample);
        vaults = r.vaults;
        process.stderr.write(
          `  relay/keygen 2-of-3 run ${i + 1}: ${r.sample.wall.toFixed(0)} ms (compute ${r.sample.cpu.toFixed(0)} ms)\n`,
        );
      }

      // Signing on the vault's paired channel: device 1 asks, 2 and 3 serve.
      const ch = channelOf(vaults[0]!);
      const boxes = await Promise.all(
        vaults.map((v, i) => open(ch.relayUrl, ch.sessionId, ch.sessionKey, v.identity.deviceId, counters[i]!)),
      );
      const servers = vaults
        .slice(1)
        .map((v, i) =>
          serveSigning({ mailbox: boxes[i + 1]!.mailbox, vault: v, decide: async () => true, roundTimeoutMs: timing.roundTimeoutMs }),
        );
      const signs: Sample[] = [];
      try {
        const once = (nonce: number) =>
          requestSignature({ ...timing, mailbox: boxes[0]!.mailbox, vault: vaults[0]!, request: txRequest(nonce) });
        await once(0); // warm-up
        for (let i = 0; i < (opts.runs || SIGN_RUNS); i++) {
          const s = await measure(T, counters, () => once(i + 1));
          signs.push(s);
          process.stderr.write(`  relay/sign 2-of-3 run ${i + 1}: ${s.wall.toFixed(0)} ms (compute ${s.cpu.toFixed(0)} ms)\n`);
        }
      } finally {
        for (const s of servers) s.stop();
        await Promise.all(boxes.map((b) => b.opened.close()));
      }
      return [...rows('relay/keygen', keygens, N), ...rows('relay/sign', signs, T)];
    } finally {
      await relay?.stop();
    }
  },
};
