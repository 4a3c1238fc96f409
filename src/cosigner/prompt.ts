/**
 * Terminal input for the command-line co-signer: passwords (from an
 * environment variable, or typed at a hidden prompt; never from an
 * argument) and yes/no approvals.
 */
import { createInterface, type Interface } from 'node:readline';
import { TandemError } from '../errors/index.js';

/** A failure a user can act on (bad usage, missing input). */
export class UsageError extends TandemError {
  override name = 'UsageError';
  /** `code` defaults to `cli.usage`. */
  constructor(message: string, code = 'cli.usage', details?: Record<string, unknown>) {
    super(code, message, details ? { details } : {});
  }
}

/** Reads a line from the terminal without echoing it. */
function hiddenLine(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(
      new UsageError('no terminal to ask for a password: set the password in the environment (TANDEM_PASSWORD, TANDEM_BACKUP_PASSWORD)'),
    );
  }
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let text = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The password from `envVar`, or typed at a hidden prompt (twice when
 * `confirm`, for a new password).
 */
export async function readPassword(envVar: string, what: string, confirm = false): Promise<string> {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  const first = await hiddenLine(`${what}: `);
  if (first.length === 0) throw new UsageError(`the ${what.toLowerCase()} is empty`);
  if (confirm && (await hiddenLine(`${what} again: `)) !== first) throw new UsageError('the two passwords differ; run the command again');
  return first;
}

let lines: Interface | null = null;
const pending: Array<(line: string | null) => void> = [];
const buffered: string[] = [];
let ended = false;

/** The next line of standard input (null at its end). */
function nextLine(): Promise<string | null> {
  if (!lines) {
    lines = createInterface({ input: process.stdin, terminal: false });
    lines.on('line', (l) => {
      const w = pending.shift();
      if (w) w(l);
      else buffered.push(l);
    });
    lines.on('close', () => {
      ended = true;
      for (const w of pending.splice(0)) w(null);
    });
  }
  if (buffered.length) return Promise.resolve(buffered.shift()!);
  if (ended) return Promise.resolve(null);
  return new Promise((r) => pending.push(r));
}

/** Asks `question [y/N]` on the terminal; only `y` or `yes` approves. */
export async function askYesNo(question: string): Promise<boolean> {
  process.stdout.write(`${question} [y/N] `);
  const answer = await nextLine();
  if (answer === null) process.stdout.write('\n');
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}

/** Stops reading standard input (so the process can exit). */
export function closeInput(): void {
  lines?.close();
}
