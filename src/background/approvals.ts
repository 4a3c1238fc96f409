/**
 * The approval queue: requests that wait for the user in the popup
 * (connect, add a network). Pending approvals live in chrome.storage.session,
 * so they survive a service-worker restart; the dApp's request is answered
 * when the user decides, through the waiting promise if this worker instance
 * made it, otherwise through the reply route stored with the approval.
 */
import type { KeyValueArea } from './storage';
import type { ApprovalKind, ApprovalView, SignView } from '../shared/popup-api';
import type { Network } from '../shared/networks';
import { ProviderRpcError, rpcErrors, type RpcErrorShape } from '../shared/rpc-errors';
import { WalletError } from '../shared/wallet-errors';

const KEY = 'approvals.v1';

/** Where to send the answer if the worker restarted meanwhile. */
export interface ReplyRoute {
  tabId: number;
  frameId: number;
  requestId: string;
}

/** A pending approval as stored. */
export interface Approval extends ApprovalView {
  reply?: ReplyRoute;
}

/** What to answer the dApp. */
export type Outcome = { result: unknown } | { error: RpcErrorShape };

/** What the router asks for. */
export interface ApprovalInput {
  kind: ApprovalKind;
  origin: string;
  method: string;
  network?: Network;
  sign?: SignView;
  asset?: ApprovalView['asset'];
  reply?: ReplyRoute | undefined;
}

export interface ApprovalQueueDeps {
  area: KeyValueArea;
  /** Carries out an approved request and says what the dApp gets (throws a ProviderRpcError to refuse). */
  onApprove(approval: Approval): Promise<unknown>;
  /** Answers a dApp whose waiting promise was lost (worker restart). */
  deliverLate(route: ReplyRoute, outcome: Outcome): void;
  /** Called after the queue changed (to refresh the popup / open it). */
  onChange?(): void;
  newId?(): string;
  now?(): number;
}

/** Approvals waiting for the user. */
export class ApprovalQueue {
  private readonly waiters = new Map<string, (o: Outcome) => void>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ApprovalQueueDeps) {}

  /** Pending approvals, oldest first. */
  async list(): Promise<Approval[]> {
    return (await this.deps.area.get<Approval[]>(KEY)) ?? [];
  }

  /** Serializes read-modify-write of the stored list. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Queues an approval and resolves with the outcome once the user decides.
   * A site may have only one approval of each kind pending (-32002 otherwise).
   */
  async request(input: ApprovalInput): Promise<Outcome> {
    const approval = await this.locked(async () => {
      const list = await this.list();
      if (list.some((a) => a.origin === input.origin && a.kind === input.kind)) throw rpcErrors.pending(input.method);
      const a: Approval = {
        id: this.deps.newId?.() ?? crypto.randomUUID(),
        kind: input.kind,
        origin: input.origin,
        method: input.method,
        createdAt: this.deps.now?.() ?? Date.now(),
        ...(input.network ? { network: input.network } : {}),
        ...(input.sign ? { sign: input.sign } : {}),
        ...(input.asset ? { asset: input.asset } : {}),
        ...(input.reply ? { reply: input.reply } : {}),
      };
      list.push(a);
      await this.deps.area.set(KEY, list);
      return a;
    });
    const outcome = new Promise<Outcome>((resolve) => this.waiters.set(approval.id, resolve));
    this.deps.onChange?.();
    return outcome;
  }

  /**
   * Records the user's decision: runs the approved action (or answers 4001)
   * and answers the dApp. Throws if the approval is unknown or the action
   * cannot run yet (e.g. the wallet is locked), leaving it pending. An action
   * that fails with a ProviderRpcError (the co-signer refused or timed out)
   * ends the request: the dApp gets that error.
   */
  async decide(id: string, approve: boolean): Promise<Outcome> {
    const approval = (await this.list()).find((a) => a.id === id);
    if (!approval) throw new WalletError('approval.gone');
    let outcome: Outcome;
    if (approve) {
      try {
        outcome = { result: await this.deps.onApprove(approval) };
      } catch (e) {
        if (!(e instanceof ProviderRpcError)) throw e;
        outcome = { error: e.toJSON() };
      }
    } else {
      outcome = { error: rpcErrors.userRejected(describe(approval)).toJSON() };
    }
    await this.remove(id);
    this.answer(approval, outcome);
    return outcome;
  }

  /** Records which accounts a pending connect approval grants (the user's choice on the approval screen). */
  async chooseAccounts(id: string, accounts: string[]): Promise<void> {
    await this.locked(async () => {
      const list = await this.list();
      const a = list.find((x) => x.id === id);
      if (a?.kind !== 'connect') throw new WalletError('approval.gone');
      a.accounts = [...accounts];
      await this.deps.area.set(KEY, list);
    });
  }

  /** Replaces what a pending signing approval will sign (the user adjusted the fees). */
  async updateSign(id: string, sign: SignView): Promise<void> {
    await this.locked(async () => {
      const list = await this.list();
      const a = list.find((x) => x.id === id);
      if (a?.kind !== 'sign') throw new WalletError('approval.gone');
      a.sign = sign;
      await this.deps.area.set(KEY, list);
    });
    this.deps.onChange?.();
  }

  /** Drops the pending approvals `which` selects and answers them with `error`. */
  async abandonWhere(which: (a: Approval) => boolean, error: RpcErrorShape): Promise<void> {
    for (const a of (await this.list()).filter(which)) {
      await this.remove(a.id);
      this.answer(a, { error });
    }
  }

  /** Drops the approvals a frame asked for (the page was closed or navigated away) and answers them with `error`. */
  abandonFromFrame(tabId: number, frameId: number, error: RpcErrorShape): Promise<void> {
    return this.abandonWhere((a) => a.reply?.tabId === tabId && a.reply.frameId === frameId, error);
  }

  private async remove(id: string): Promise<void> {
    await this.locked(async () => {
      await this.deps.area.set(
        KEY,
        (await this.list()).filter((a) => a.id !== id),
      );
    });
    this.deps.onChange?.();
  }

  private answer(approval: Approval, outcome: Outcome): void {
    const waiter = this.waiters.get(approval.id);
    this.waiters.delete(approval.id);
    if (waiter) waiter(outcome);
    else if (approval.reply) this.deps.deliverLate(approval.reply, outcome);
  }
}

function describe(a: Approval): string {
  if (a.kind === 'sign')
    return a.method === 'eth_sendTransaction' || a.method === 'solana_signAndSendTransaction' ? 'The transaction' : 'The signature request';
  if (a.kind === 'watchAsset') return 'Adding the token';
  return a.kind === 'connect' ? 'The connection request' : 'Adding the network';
}
