/** Test helpers: the code of what a call throws, so tests assert codes rather than wording. */
import { errorCode } from './index';

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
