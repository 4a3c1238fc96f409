/** What every command gets: the vault store, the parsed command line, output. */
import type { VaultStore } from './store.js';
import type { Flags } from './options.js';
import type { Print } from './progress.js';

export interface CommandContext {
  store: VaultStore;
  flags: Flags;
  positionals: string[];
  /** A line on standard output. */
  print: Print;
  /** Runs at exit (SIGINT/SIGTERM included): close relay connections. */
  onExit(cleanup: () => Promise<void> | void): void;
}

/**
 * Exit codes: 0 done, 1 failed, 2 bad usage, 3 a request was refused, 4 a
 * key generation or re-share is stored but pending (not every device said it
 * stored the new generation; the previous one is kept, docs/generations.md).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3, pending: 4 } as const;
