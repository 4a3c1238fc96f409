/** The approval window Tandem opens for dApp requests (a popup window at `#approvals`), driven like a user. */
import type { BrowserContext, Page } from '@playwright/test';

export type ApprovalKind = 'connect' | 'addChain' | 'sign' | 'watchAsset';

const APPROVE: Record<ApprovalKind, string | RegExp> = {
  connect: 'Connect',
  addChain: 'Add network',
  watchAsset: 'Add token',
  sign: /^Approve and (send|sign)$/,
};

/** An approval on screen: its window and the approval's id. */
export interface Shown {
  page: Page;
  id: string;
}

/**
 * Waits for an open approval window that shows an approval of `kind` other
 * than the ones in `decided` (a window may still show the request just
 * decided for a moment); null after `timeoutMs` (a request left unseen).
 */
export async function findApprovalWindow(
  context: BrowserContext,
  kind: ApprovalKind,
  timeoutMs = 30_000,
  decided: ReadonlySet<string> = new Set(),
): Promise<Shown | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const page of [...context.pages()].reverse()) {
      if (page.isClosed() || !page.url().endsWith('#approvals')) continue;
      try {
        const section = page.getByTestId('approval');
        if ((await section.getAttribute('data-kind', { timeout: 250 })) !== kind) continue;
        const id = (await section.getAttribute('data-id', { timeout: 250 })) ?? '';
        if (!decided.has(id)) return { page, id };
      } catch {
        // not rendered yet, or closing
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/** Approves (or rejects) the next approval of `kind` in its window; throws when no window shows one. Returns its id. */
export async function decideInWindow(
  context: BrowserContext,
  kind: ApprovalKind,
  approve: boolean,
  opts: { timeoutMs?: number; decided?: Set<string> } = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const shown = await findApprovalWindow(context, kind, timeoutMs, opts.decided);
  if (!shown) throw new Error(`no approval window showed a ${kind} request within ${timeoutMs} ms`);
  await shown.page.getByRole('button', { name: approve ? APPROVE[kind] : 'Reject', exact: true }).click();
  opts.decided?.add(shown.id);
  return shown.id;
}
