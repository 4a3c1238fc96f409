/**
 * `tandem-cosigner`: the command-line co-signer (Node 20).
 *
 *   create  --relay URL --t T --n N [--name NAME] [--device-id ID]
 *   join    <pairing> [--device-id ID] [--leaving]
 *   serve   [--vault ID] [--policy FILE] [--once] [--rpc URL]...
 *   sign    [--vault ID] --request FILE|- [--broadcast RPC_URL] [--rpc URL]...
 *   reshare [--vault ID] --new-t T --joiners K [--relay URL]
 *   list
 *   export  [--vault ID] --out FILE
 *   import  --in FILE
 *
 * Ceremony commands also take --join-timeout S and --round-timeout S
 * (or TANDEM_JOIN_TIMEOUT_MS / TANDEM_ROUND_TIMEOUT_MS).
 *
 * Vault files live in $TANDEM_HOME (default ~/.tandem-cosigner), encrypted
 * with the password from TANDEM_PASSWORD or a hidden prompt (backups: from
 * TANDEM_BACKUP_PASSWORD or a prompt); passwords are never arguments.
 * Exit codes: 0 done, 1 failed, 2 bad usage, 3 a request was refused.
 */
import { parseArgs } from 'node:util';
import { CeremonyTimeout } from '../session/mailbox.js';
import { CeremonyAbort } from '../session/run-protocol.js';
import { GenerationBehind, SigningRefused } from '../session/ceremonies.js';
import { PairingError } from '../session/pairing.js';
import { RelayRequestError } from '../session/relay-client.js';
import { createCommand, joinCommand, reshareCommand } from './ceremony-commands.js';
import { serveCommand } from './signing-commands.js';
import { signCommand } from './sign-command.js';
import { exportCommand, importCommand, listCommand } from './vault-commands.js';
import { StoreError, VaultStore, tandemHome } from './store.js';
import { UsageError } from './prompt.js';
import { EXIT, type CommandContext } from './context.js';

const USAGE = `usage: tandem-cosigner <command> [options]

  create  --relay URL --t T --n N [--name NAME] [--device-id ID]   start key generation
  join    <pairing> [--device-id ID] [--leaving]                   join key generation or a re-share
  serve   [--vault ID] [--policy FILE] [--once] [--rpc URL]...     answer signing requests
  sign    [--vault ID] --request FILE|- [--broadcast RPC_URL] [--rpc URL]...
                                                                   ask the co-signers to sign
  reshare [--vault ID] --new-t T --joiners K [--relay URL]         start a re-share
  list                                                             vaults on this device
  export  [--vault ID] --out FILE                                  encrypted backup
  import  --in FILE                                                restore a backup

  --join-timeout S, --round-timeout S    ceremony timeouts (default 300 s and 60 s)
  --rpc URL                              this device's node for a chain (repeat for more chains): each
                                         transaction is previewed there before deciding (pre-flight, gas)

Vault files: $TANDEM_HOME (default ~/.tandem-cosigner). Password: TANDEM_PASSWORD or a prompt.`;

// biome-ignore lint/suspicious/noConfusingVoidType: a command returns its exit code, or nothing for success
type Command = (ctx: CommandContext) => Promise<number | void>;
const COMMANDS: Record<string, Command> = {
  create: createCommand,
  join: joinCommand,
  serve: serveCommand,
  sign: signCommand,
  reshare: reshareCommand,
  list: listCommand,
  export: exportCommand,
  import: importCommand,
};

/** One line saying what went wrong and what to do. Never includes secrets. */
export function explain(e: unknown): { line: string; code: number } {
  if (e instanceof UsageError) return { line: e.message, code: EXIT.usage };
  if (e instanceof PairingError) return { line: e.message, code: EXIT.usage };
  if (e instanceof StoreError) return { line: e.message, code: EXIT.failed };
  if (e instanceof SigningRefused) return { line: `${e.message}; nothing was signed`, code: EXIT.refused };
  if (e instanceof CeremonyTimeout)
    return { line: `${e.message}; nothing was stored or signed: check that device and start again`, code: EXIT.failed };
  if (e instanceof GenerationBehind) return { line: `[${e.check}] ${e.message}`, code: EXIT.failed };
  if (e instanceof CeremonyAbort)
    return {
      line: `ceremony aborted [${e.check}]: ${e.message}; nothing was stored or signed: start again${e.deviceId ? ` (check device ${e.deviceId})` : ''}`,
      code: EXIT.failed,
    };
  if (e instanceof RelayRequestError) return { line: `${e.message}: check the relay URL and that the relay is running`, code: EXIT.failed };
  const msg = e instanceof Error ? e.message : String(e);
  return { line: msg.split('\n')[0]!.slice(0, 500), code: EXIT.failed };
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`tandem-cosigner: unknown command ${name}\n${USAGE}`);
    return EXIT.usage;
  }
  const cleanups: Array<() => Promise<void> | void> = [];
  const onSignal = (signal: NodeJS.Signals) => {
    void Promise.allSettled(cleanups.map((c) => c())).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        relay: { type: 'string' },
        t: { type: 'string' },
        n: { type: 'string' },
        name: { type: 'string' },
        'device-id': { type: 'string' },
        leaving: { type: 'boolean' },
        vault: { type: 'string' },
        policy: { type: 'string' },
        once: { type: 'boolean' },
        request: { type: 'string' },
        broadcast: { type: 'string' },
        rpc: { type: 'string', multiple: true },
        'new-t': { type: 'string' },
        joiners: { type: 'string' },
        out: { type: 'string' },
        in: { type: 'string' },
        'join-timeout': { type: 'string' },
        'round-timeout': { type: 'string' },
      },
    });
    const ctx: CommandContext = {
      store: new VaultStore(tandemHome()),
      flags: values,
      positionals,
      print: (line) => console.log(line),
      onExit: (c) => void cleanups.push(c),
    };
    return (await command(ctx)) ?? EXIT.ok;
  } catch (e) {
    const { line, code } = explain(
      e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
        ? new UsageError(`${e.message}; see tandem-cosigner --help`)
        : e,
    );
    console.error(`tandem-cosigner: ${line}`);
    return code;
  } finally {
    // One run of main() (the tests run many in one process) leaves no signal handler behind.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// Run when executed directly (tsx src/cosigner/cli.ts, or the bin launcher).
const entry = process.argv[1] ?? '';
if (/cosigner[\\/]cli\.ts$/.test(entry) || /tandem-cosigner(\.mjs)?$/.test(entry)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`tandem-cosigner: ${explain(e).line}`);
      process.exit(EXIT.failed);
    },
  );
}
