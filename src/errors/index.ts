/**
 * The one error model of Tandem, below every other layer (any layer may
 * import it; it imports nothing).
 *
 * Every error we throw on purpose is a {@link TandemError}: a stable,
 * machine-readable `code` (what code and tests match on), structured
 * `details` (the values the message was made from), an optional `cause` (the
 * error it wraps), and a `shortMessage` for people. The shape follows viem's
 * `BaseError` (`shortMessage`, `details`, `cause`, `walk`); `culprit()` follows
 * ZF frost's `Error::culprit()`: the party whose message failed a check, when
 * one did, found anywhere along the cause chain.
 *
 * Codes are dotted lower-camel names grouped by area (`wallet.locked`,
 * `protocol.abort`, `backup.wrongPassword`). A code, once released, keeps its
 * meaning; the wording of its message may change.
 */

/** Structured facts about an error: plain data only (no secrets: messages and details may be shown or logged). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

export interface TandemErrorOptions {
  details?: ErrorDetails;
  /** The error this one wraps (kept as the standard `Error.cause`). */
  cause?: unknown;
}

export class TandemError<C extends string = string> extends Error {
  override name = 'TandemError';
  /** Stable machine-readable code, e.g. `wallet.locked`. */
  readonly code: C;
  /** The message without decoration, for people. */
  readonly shortMessage: string;
  readonly details: ErrorDetails;

  constructor(code: C, shortMessage: string, opts: TandemErrorOptions = {}) {
    super(shortMessage, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = opts.details ?? {};
  }

  /**
   * Walks the cause chain from this error: with `fn`, returns the first error
   * (this one included) for which it is true, or null; without, returns the
   * deepest cause (the root of the failure).
   */
  walk(fn?: (e: unknown) => boolean): unknown {
    return walkCauses(this, fn);
  }

  /**
   * The party at fault, when a check on another party's message failed
   * somewhere along the cause chain (a `party` number in an error's details);
   * null when the fault is local or unknown.
   */
  culprit(): number | null {
    const found = walkCauses(this, (e) => e instanceof TandemError && typeof e.details.party === 'number');
    return found instanceof TandemError ? (found.details.party as number) : null;
  }
}

/** {@link TandemError.walk} for any thrown value (which may not be ours). */
export function walkCauses(err: unknown, fn?: (e: unknown) => boolean): unknown {
  let e: unknown = err;
  for (let depth = 0; depth < 32; depth++) {
    if (fn?.(e)) return e;
    const next = e instanceof Error ? e.cause : undefined;
    if (next === undefined || next === null) return fn ? null : e;
    e = next;
  }
  return fn ? null : e;
}

/** The code of a thrown value: its own, else the first along its cause chain; undefined when none is ours. */
export function errorCode(err: unknown): string | undefined {
  const found = walkCauses(err, (e) => e instanceof TandemError);
  return found instanceof TandemError ? found.code : undefined;
}

/** True when `err` (or an error it wraps) is a TandemError with this code. */
export function hasCode(err: unknown, code: string): boolean {
  return walkCauses(err, (e) => e instanceof TandemError && e.code === code) !== null;
}
