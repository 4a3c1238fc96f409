/**
 * The RPC ports of web pages (one per tab frame, opened by the bridge).
 * Knows each port's origin as the browser reported it, answers requests on
 * it, and pushes provider events to one origin or to all pages.
 */
import type { BackgroundToBridge, ProviderEventName } from '../shared/page-channel';
import type { EventSink } from './router-deps';
import type { Outcome, ReplyRoute } from './approvals';
import { toRpcError } from '../shared/rpc-errors';

/** A connected page. */
export interface PagePort {
  origin: string;
  post(msg: BackgroundToBridge): void;
}

/** The set of connected pages. */
export class PagePorts implements EventSink {
  private readonly ports = new Set<PagePort>();

  add(p: PagePort): void {
    this.ports.add(p);
  }

  delete(p: PagePort): void {
    this.ports.delete(p);
  }

  emitToOrigin(origin: string, event: ProviderEventName, data: unknown): void {
    for (const p of this.ports) if (p.origin === origin) safePost(p, { type: 'event', event, data });
  }

  emitToAll(event: ProviderEventName, data: unknown): void {
    for (const p of this.ports) safePost(p, { type: 'event', event, data });
  }
}

function safePost(p: PagePort, msg: BackgroundToBridge): void {
  try {
    p.post(msg);
  } catch {
    // The page went away; its port's onDisconnect removes it.
  }
}

/** The wire message answering request `id` with an outcome. */
export function responseMessage(id: string, outcome: Outcome): BackgroundToBridge {
  return 'error' in outcome
    ? { type: 'rpc-response', id, error: toRpcError(outcome.error) }
    : { type: 'rpc-response', id, result: outcome.result };
}

/** Sends a late answer (after a worker restart) to the frame that asked. */
export function deliverToTab(route: ReplyRoute, outcome: Outcome): void {
  chrome.tabs.sendMessage(route.tabId, responseMessage(route.requestId, outcome), { frameId: route.frameId }).catch(() => undefined);
}
