/** Command-line options shared by the co-signer's commands. */
import { randomBytes } from 'node:crypto';
import type { CeremonyTiming } from '../session/ceremonies.js';
import { UsageError } from './prompt.js';

export type Flags = Record<string, string | string[] | boolean | undefined>;

/** A required string flag. */
export function need(flags: Flags, name: string, hint: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required: ${hint}`);
  return v;
}

/** An integer flag in [min, max]. */
export function intFlag(flags: Flags, name: string, min: number, max: number, fallback?: number): number {
  const v = flags[name];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return Number(v);
}

/** A relay URL flag (http or https, no path beyond `/`). */
export function relayFlag(flags: Flags, fallback?: string): string {
  const v = typeof flags.relay === 'string' ? flags.relay : fallback;
  if (!v) throw new UsageError('--relay URL is required, e.g. --relay https://relay.example');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`--relay ${v} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError('--relay must be an http: or https: URL');
  return u.origin + u.pathname.replace(/\/+$/, '');
}

/**
 * `--rpc URL` (repeatable, one per chain): this device's own nodes for
 * transaction previews (the chain each serves is asked with eth_chainId).
 */
export function rpcFlags(flags: Flags): string[] {
  const v = flags.rpc;
  const urls = v === undefined ? [] : Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return urls.map((x) => {
    let u: URL;
    try {
      u = new URL(x);
    } catch {
      throw new UsageError(`--rpc ${x} is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError('--rpc must be an http: or https: URL');
    return u.href;
  });
}

function seconds(flags: Flags, flag: string, envVar: string, fallbackMs: number): number {
  const f = flags[flag];
  if (typeof f === 'string') {
    if (!/^[0-9]+(\.[0-9]+)?$/.test(f) || Number(f) <= 0) throw new UsageError(`--${flag} must be a number of seconds`);
    return Math.round(Number(f) * 1000);
  }
  const e = process.env[envVar];
  if (e) {
    if (!/^[0-9]+$/.test(e) || Number(e) <= 0) throw new UsageError(`${envVar} must be a number of milliseconds`);
    return Number(e);
  }
  return fallbackMs;
}

/**
 * Timeouts: `--join-timeout S` / TANDEM_JOIN_TIMEOUT_MS (waiting for devices
 * or an approval; default 5 minutes) and `--round-timeout S` /
 * TANDEM_ROUND_TIMEOUT_MS (each protocol round; default 60 s).
 */
export function timing(flags: Flags, joinDefaultMs = 300_000): CeremonyTiming {
  return {
    joinTimeoutMs: seconds(flags, 'join-timeout', 'TANDEM_JOIN_TIMEOUT_MS', joinDefaultMs),
    roundTimeoutMs: seconds(flags, 'round-timeout', 'TANDEM_ROUND_TIMEOUT_MS', 60_000),
  };
}

/** `--device-id`, or a fresh random one. */
export function deviceIdFlag(flags: Flags): string {
  const v = flags['device-id'];
  if (typeof v === 'string') {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(v)) throw new UsageError('--device-id must be 1-64 characters of A-Z a-z 0-9 _ . : -');
    return v;
  }
  return `cli-${randomBytes(4).toString('hex')}`;
}
