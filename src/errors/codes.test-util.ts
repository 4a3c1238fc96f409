/** Test helpers: the code of what a call throws, so tests assert codes rather than wording. */
import { type ErrorDetails, errorCode, TandemError, walkCauses } from './index';

/** The error code `fn` throws (its own or a wrapped one's); `'no error'` when it returns, `'no code'` when the error has none. */
export function thrownCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return errorCode(e) ?? 'no code';
  }
  return 'no error';
}

/** The error code `p` rejects with; `'no error'` when it resolves, `'no code'` when the error has none. */
export async function rejectedCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return errorCode(e) ?? 'no code';
  }
  return 'no error';
}

/** Code and details of a thrown value (its first TandemError along the cause chain), to match with `toMatchObject`. */
export interface ThrownError {
  code: string;
  details: ErrorDetails;
}

function described(e: unknown): ThrownError {
  const found = walkCauses(e, (x) => x instanceof TandemError);
  return found instanceof TandemError ? { code: found.code, details: found.details } : { code: 'no code', details: {} };
}

/** The code and details of what `fn` throws; code `'no error'` when it returns, `'no code'` when the error is not ours. */
export function thrownError(fn: () => unknown): ThrownError {
  try {
    fn();
  } catch (e) {
    return described(e);
  }
  return { code: 'no error', details: {} };
}

/** The code and details `p` rejects with; code `'no error'` when it resolves, `'no code'` when the error is not ours. */
export async function rejectedError(p: Promise<unknown>): Promise<ThrownError> {
  try {
    await p;
  } catch (e) {
    return described(e);
  }
  return { code: 'no error', details: {} };
}

/** Like {@link thrownError}, for the deepest TandemError along the cause chain (the rule that failed first). */
export function thrownRoot(fn: () => unknown): ThrownError {
  try {
    fn();
  } catch (e) {
    let deepest: unknown = e;
    walkCauses(e, (x) => {
      if (x instanceof TandemError) deepest = x;
      return false;
    });
    return described(deepest);
  }
  return { code: 'no error', details: {} };
}
