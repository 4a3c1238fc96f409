/**
 * `npm run bench`: runs every registered benchmark suite and prints a table,
 * or with `--json` one JSON object per line: {"op","t","n","ms","bytesPerParty"}.
 *
 *   npm run bench                 table (progress on stderr)
 *   npm run bench -- --json       JSON lines on stdout
 *   npm run bench -- --runs 5     runs per row (default: each suite's own)
 *   npm run bench -- --only dkls  only suites whose name contains "dkls"
 *
 * To add rows, export a BenchSuite (bench/row.ts) from a module in bench/
 * and append it to SUITES below.
 */
import { cpus, loadavg } from 'node:os';
import { dklsSuite } from './dkls.js';
import { ceremonySuite } from './ceremony.js';
import { frostSuite } from './frost.js';
import { reshareSuite } from './reshare.js';
import type { BenchRow, BenchSuite } from './row.js';

const SUITES: BenchSuite[] = [dklsSuite, frostSuite, reshareSuite, ceremonySuite];

function parseArgs(argv: string[]): { json: boolean; runs: number; only: string | null } {
  const out = { json: false, runs: 0, only: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') out.json = true;
    else if (a === '--runs') out.runs = Math.max(1, Number.parseInt(argv[++i] ?? '', 10) || 1);
    else if (a === '--only') out.only = argv[++i] ?? null;
    else throw new Error(`bench: unknown argument ${a} (use --json, --runs N, --only NAME)`);
  }
  return out;
}

function table(rows: BenchRow[]): string {
  const head = ['op', 't', 'n', 'ms (median, total)', 'ms per party', 'cpu ms (process)', 'bytes per party', 'runs'];
  const body = rows.map((r) => [
    r.op,
    String(r.t),
    String(r.n),
    r.ms.toFixed(1),
    r.msPerParty.toFixed(1),
    r.cpuMs.toFixed(1),
    String(r.bytesPerParty),
    String(r.runs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const suites = SUITES.filter((s) => !args.only || s.name.includes(args.only));
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const header = `bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${load()} at start, node ${process.version}`;
  process.stderr.write(`${header}\n`);
  const rows: BenchRow[] = [];
  for (const suite of suites) {
    process.stderr.write(`bench: ${suite.name}\n`);
    const got = await suite.rows({ runs: args.runs });
    rows.push(...got);
    if (args.json)
      for (const r of got)
        process.stdout.write(
          JSON.stringify({
            op: r.op,
            t: r.t,
            n: r.n,
            ms: Number(r.ms.toFixed(2)),
            cpuMs: Number(r.cpuMs.toFixed(2)),
            bytesPerParty: r.bytesPerParty,
          }) + '\n',
        );
  }
  // The load goes with the figures: on a shared machine wall times depend on it (cpu ms much less).
  if (!args.json) process.stdout.write(`${header}; load ${load()} at end\n${table(rows)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
