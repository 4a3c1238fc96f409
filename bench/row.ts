/**
 * Shared shape of `npm run bench` rows. Each benchmark module exports
 * {@link BenchSuite}s; bench/run.ts collects them, prints a table, or with
 * `--json` one JSON object per row: {"op","t","n","ms","bytesPerParty"}.
 */
export interface BenchRow {
  /** Operation, e.g. `dkls23/keygen`. */
  op: string;
  t: number;
  n: number;
  /** Median total milliseconds over the runs (all parties in one process). */
  ms: number;
  /** Median milliseconds of CPU per party (time inside the party's own calls). */
  msPerParty: number;
  /** Bytes each party sends (JSON wire size; a broadcast counts once), mean over parties. */
  bytesPerParty: number;
  /**
   * Median CPU milliseconds of this process over the run (user + system,
   * process.cpuUsage). On a loaded machine wall time includes waiting for a
   * core; this does not, so it compares runs made under different loads.
   */
  cpuMs: number;
  /** Number of timed runs behind the medians. */
  runs: number;
}

export interface BenchOptions {
  /** Runs per row (0 = the suite's default). */
  runs: number;
}

/** A named group of rows; `rows` may print progress to stderr, never to stdout. */
export interface BenchSuite {
  name: string;
  rows(opts: BenchOptions): Promise<BenchRow[]> | BenchRow[];
}

import type { DriverReport } from '../src/tss/driver.js';
import { encodeFrame } from '../src/tss/frame.js';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One timed in-memory driver run (bench/dkls.ts, frost.ts, reshare.ts). */
export interface Sample {
  ms: number;
  cpuMs: number;
  msPerParty: number;
  bytesPerParty: number;
}

/** Times one driver run; CPU and bytes are means over the parties that took part. */
export function sample<R>(run: () => DriverReport<R>): { sample: Sample; report: DriverReport<R> } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const report = run();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpu = [...report.cpuMs.values()];
  const bytes = [...report.bytesSent.values()];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { sample: { ms, cpuMs: (c.user + c.system) / 1000, msPerParty: mean(cpu), bytesPerParty: mean(bytes) }, report };
}

/** The medians of `samples` as a table row. */
export function row(op: string, t: number, n: number, samples: Sample[]): BenchRow {
  return {
    op,
    t,
    n,
    ms: median(samples.map((s) => s.ms)),
    msPerParty: median(samples.map((s) => s.msPerParty)),
    bytesPerParty: Math.round(median(samples.map((s) => s.bytesPerParty))),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    runs: samples.length,
  };
}

/** Bytes of a sealed relay message around its plaintext: version, sender seq, nonce, GCM tag (src/session/crypto.ts). */
const SEAL_OVERHEAD = 1 + 8 + 12 + 16;
const base64Length = (n: number) => Math.ceil((4 * n) / 3);

/**
 * Bytes per party (mean) of one run as a relay would carry them, each message
 * sealed once (a broadcast is posted once): JSON plaintext in base64url text
 * (the relay today), the binary frame of src/tss/frame.ts sealed (a relay
 * carrying bytes), and that frame in base64url text.
 */
export function relayBytes(report: DriverReport<unknown>): { jsonBase64: number; frame: number; frameBase64: number } {
  const sums = { jsonBase64: 0, frame: 0, frameBase64: 0 };
  for (const msg of report.transcript) {
    const json = new TextEncoder().encode(JSON.stringify(msg)).length + SEAL_OVERHEAD;
    const frame = encodeFrame(msg).length + SEAL_OVERHEAD;
    sums.jsonBase64 += base64Length(json);
    sums.frame += frame;
    sums.frameBase64 += base64Length(frame);
  }
  const parties = report.bytesSent.size;
  return { jsonBase64: sums.jsonBase64 / parties, frame: sums.frame / parties, frameBase64: sums.frameBase64 / parties };
}

/** Rows for {@link relayBytes} of `report`, beside the op's timing row. */
export function relayByteRows(op: string, timing: BenchRow, report: DriverReport<unknown>): BenchRow[] {
  const b = relayBytes(report);
  const at = (label: string, bytes: number): BenchRow => ({ ...timing, op: `${op} ${label}`, bytesPerParty: Math.round(bytes) });
  return [
    at('bytes: JSON sealed, base64 (relay today)', b.jsonBase64),
    at('bytes: frame sealed (binary relay)', b.frame),
    at('bytes: frame sealed, base64', b.frameBase64),
  ];
}
