/**
 * What every client-library page exposes to the test as `window.lib`: the
 * five things a dApp does, each written with the library's own API. Results
 * are plain JSON; errors become `{ error: { code, message } }`.
 */
export interface LibOps {
  /** Connects; resolves with the account the library reports. */
  connect(): Promise<string>;
  /** Switches the wallet to `chainId`; resolves with the chain id the library then reports. */
  switchChain(chainId: number): Promise<number>;
  signMessage(text: string): Promise<string>;
  signTypedData(typed: TypedData): Promise<string>;
  /** Sends `valueWei` to `to`; resolves once mined with the transaction hash. */
  sendTransaction(to: string, valueWei: string): Promise<string>;
}

export interface TypedData {
  domain: { name: string; version: string; chainId: number; verifyingContract: `0x${string}` };
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

type Outcome = { result: unknown } | { error: { code: number; message: string } };

async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { result: await p };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; cause?: { code?: unknown }; info?: { error?: { code?: unknown } } };
    const code = err.info?.error?.code ?? err.cause?.code ?? err.code;
    return { error: { code: Number(code), message: String(err.message) } };
  }
}

/** Publishes `ops` as `window.lib` (each call answers an Outcome) and marks the page ready. */
export function expose(name: string, ops: LibOps): void {
  const wrapped: Record<string, (...args: never[]) => Promise<Outcome>> = {};
  for (const [k, fn] of Object.entries(ops) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    wrapped[k] = (...args: unknown[]) => outcome(fn(...args));
  }
  (window as unknown as { lib: unknown }).lib = { name, ...wrapped };
  document.title = `${name} ready`;
}

export const ethereum = () =>
  (window as unknown as { ethereum: { request(a: { method: string; params?: unknown }): Promise<unknown> } }).ethereum;
