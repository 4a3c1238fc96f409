/**
 * What a device co-signing on a screen (the phone page, the extension's
 * Co-sign screen) knows of the requests it reads: its channels' status, the
 * requests waiting for the user, and what became of earlier ones. The
 * service that fills them is ./signing-service.ts.
 */
import type { SignView } from './popup-api';

export type ChannelStatus = { state: 'connecting' } | { state: 'listening' } | { state: 'offline'; error: string; detail: string };

/** A request waiting for the user. */
export interface PendingRequest {
  /** Local id (for the screen). */
  key: string;
  vaultId: string;
  vaultName: string;
  /** The device that asked (its device id in the vault). */
  fromDevice: string;
  method: string;
  view: SignView;
  receivedAt: number;
  /** The request's id in the channel (a signing link names it). */
  requestId: string;
  /** When the requester stops waiting (ms since 1970, its clock). */
  expires: number;
  /** Set once the user decided: what happens next. */
  phase: 'waiting' | 'signing';
  steps: string[];
}

/** A finished request, for the activity list. */
export interface RequestResult {
  key: string;
  vaultName: string;
  what: string;
  outcome: 'signed' | 'rejected' | 'failed' | 'not-needed' | 'expired' | 'withdrawn';
  detail?: string;
  at: number;
}

/** What became of a request this page read from a channel, by request id. */
export type SeenRequest =
  | { state: 'shown'; vaultId: string }
  | { state: 'done'; vaultId: string; outcome: RequestResult['outcome'] }
  | { state: 'expired'; vaultId: string; detail: string }
  | { state: 'ended'; vaultId: string; detail: string }
  | { state: 'refused'; vaultId: string; detail: string };
