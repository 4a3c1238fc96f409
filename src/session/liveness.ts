/**
 * Device liveness inside a ceremony: every device sends a signed heartbeat
 * (`alive`) to the room about once a second from the roster to its end, and
 * a signed `bye` when its part is over. A peer heard from neither for the
 * grace period is dead: the ceremony aborts naming it within seconds instead
 * of waiting out a 60 s round timeout.
 *
 * Device or relay? Before blaming a peer, this device asks the relay a
 * question of its own (the room's participants): when the relay answers, the
 * peer is at fault (`liveness.device`); when it does not, this device's
 * connection or the relay is (`liveness.relay`), and no peer is named.
 *
 * A device that was itself stalled (its timers ran late: a busy CPU, a
 * suspended process) forgives the silence it could not have heard, so a slow
 * machine does not turn into an accusation.
 */
import type { DeviceIdentity, DevicePublic } from './identity.js';
import type { Delivery, Mailbox } from './mailbox.js';
import { controlFrom, controlKind, signControl } from './control.js';
import { DROP_GRACE_MS, watchDrops } from './presence-watch.js';
import { CeremonyAbort } from './run-protocol.js';

export interface LivenessTiming {
  /** How often this device says it is alive. */
  intervalMs: number;
  /** How long a peer that said it is computing (a heavy protocol round) may stay silent. */
  busyMs: number;
  /** Silence after which a peer is dead. */
  graceMs: number;
  /** How long the relay has to answer the "is it me?" question. */
  probeMs: number;
}

/** Dead within 5 s of a kill: the last heartbeat is at most 0.5 s old when it dies, 3 s of grace, checks every 0.25 s, a probe of a round trip. */
export const LIVENESS: LivenessTiming = { intervalMs: 500, busyMs: 30_000, graceMs: 3000, probeMs: 1200 };

export class Liveness {
  private readonly lastHeard = new Map<string, number>();
  private readonly lastSeq = new Map<string, number>();
  private readonly busyUntil = new Map<string, number>();
  private readonly left = new Map<string, { why?: string; culprit?: string }>();
  private readonly departures = new Map<string, Array<(e: CeremonyAbort) => void>>();
  private seq = 0;
  private working = 0;
  private sender: ReturnType<typeof setInterval> | undefined;
  private checker: ReturnType<typeof setInterval> | undefined;
  private lastTick = Date.now();
  private probing = false;
  private stopped = false;
  private unlisten: () => void = () => undefined;
  private unwatch: () => void = () => undefined;
  private fail!: (e: CeremonyAbort) => void;
  /** Rejects with a {@link CeremonyAbort} when a peer (or the relay) is gone; never resolves. */
  readonly failure: Promise<never>;

  constructor(
    private readonly opts: {
      mailbox: Mailbox;
      me: DeviceIdentity;
      /** The ceremony (roster session id, or signing request id). */
      scope: string;
      peers: readonly DevicePublic[];
      timing?: LivenessTiming;
    },
  ) {
    this.failure = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failure.catch(() => undefined);
  }

  private get timing(): LivenessTiming {
    return this.opts.timing ?? LIVENESS;
  }

  start(): this {
    const now = Date.now();
    for (const p of this.opts.peers) this.lastHeard.set(p.deviceId, now);
    const byId = new Map(this.opts.peers.map((p) => [p.deviceId, p]));
    this.unlisten = this.opts.mailbox.listen(
      (d) => {
        const k = controlKind(d);
        return (k === 'alive' || k === 'bye') && byId.has(d.from) && (d.payload as { scope?: unknown }).scope === this.opts.scope;
      },
      (d) => this.heard(byId.get(d.from)!, d),
    );
    // The relay says a peer's connection dropped and it did not come back: fail now (presence-watch.ts).
    const dropGrace = Math.min(this.timing.graceMs, DROP_GRACE_MS);
    this.unwatch = watchDrops(this.opts.mailbox.transport, [...byId.keys()], dropGrace, (id) => this.dropped(id, dropGrace));
    void this.beat();
    this.sender = setInterval(() => void this.beat(), this.timing.intervalMs);
    this.checker = setInterval(() => void this.check(), Math.min(250, this.timing.intervalMs));
    return this;
  }

  /** Rejects (naming the device) when `deviceId` leaves or dies before the caller got what it waits for from it. */
  departed(deviceId: string): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.left.has(deviceId)) return reject(this.leftError(deviceId));
      const list = this.departures.get(deviceId) ?? [];
      list.push(reject);
      this.departures.set(deviceId, list);
    });
  }

  /**
   * Stops heartbeats and says goodbye (the caller's part of the ceremony is
   * over); after a failure, says why and whom it blames, so that the others
   * name the device at fault rather than this one.
   */
  async stop(failure?: unknown): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sender);
    clearInterval(this.checker);
    this.unlisten();
    this.unwatch();
    const why = failure instanceof Error ? failure.message.slice(0, 1000) : undefined;
    const culprit = failure instanceof CeremonyAbort && failure.deviceId ? failure.deviceId : undefined;
    const bye = signControl(this.opts.me, { t: 'bye', scope: this.opts.scope, ...(why ? { why } : {}), ...(culprit ? { culprit } : {}) });
    await this.opts.mailbox.send('all', bye).catch(() => undefined);
  }

  private beat(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const busy = this.working > 0;
    const msg = signControl(this.opts.me, { t: 'alive', scope: this.opts.scope, seq: this.seq++, ...(busy ? { busy: true } : {}) });
    return this.opts.mailbox.send('all', msg).catch(() => undefined);
  }

  /**
   * Says (and waits until the relay has it, at most a second) that this
   * device starts (`true`) or ended (`false`) a step that may block it for
   * seconds: the others give it {@link LivenessTiming.busyMs} meanwhile.
   */
  async work(busy: boolean): Promise<void> {
    // Steps of protocols running side by side overlap: busy while any is.
    this.working = Math.max(0, this.working + (busy ? 1 : -1));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.beat(), new Promise<void>((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
  }

  private heard(who: DevicePublic, d: Delivery): void {
    const kind = controlKind(d);
    if (kind === 'bye') {
      const bye = controlFrom('bye', who, d);
      if (!bye) return;
      this.left.set(who.deviceId, { ...(bye.why ? { why: bye.why } : {}), ...(bye.culprit ? { culprit: bye.culprit } : {}) });
      for (const reject of this.departures.get(who.deviceId) ?? []) reject(this.leftError(who.deviceId));
      this.departures.delete(who.deviceId);
      return;
    }
    const m = controlFrom('alive', who, d);
    if (!m || m.seq <= (this.lastSeq.get(who.deviceId) ?? -1)) return;
    this.lastSeq.set(who.deviceId, m.seq);
    this.lastHeard.set(who.deviceId, Date.now());
    this.busyUntil.set(who.deviceId, m.busy ? Date.now() + this.timing.busyMs : 0);
  }

  private dropped(deviceId: string, graceMs: number): void {
    if (this.stopped || this.left.has(deviceId)) return;
    const error = new CeremonyAbort(
      `${deviceId} lost its connection to the relay and did not come back within ${(graceMs / 1000).toFixed(1)} s (the relay reported it): the device went offline, was closed or crashed`,
      deviceId,
      'liveness.dropped',
    );
    this.fail(error);
    for (const reject of this.departures.get(deviceId) ?? []) reject(error);
  }

  private leftError(deviceId: string): CeremonyAbort {
    const bye = this.left.get(deviceId);
    if (bye?.why) {
      // It gave up because of a device it names (e.g. one that died): that device is the one at fault.
      const culprit = bye.culprit && this.lastHeard.has(bye.culprit) ? bye.culprit : null;
      return new CeremonyAbort(`${deviceId} gave up: ${bye.why.slice(0, 300)}`, culprit ?? deviceId, 'liveness.left');
    }
    return new CeremonyAbort(
      `${deviceId} left the ceremony before sending what this device waits for (it gave up or failed on its side)`,
      deviceId,
      'liveness.left',
    );
  }

  private async check(): Promise<void> {
    if (this.stopped || this.probing) return;
    const now = Date.now();
    const stalled = now - this.lastTick > 2 * Math.min(250, this.timing.intervalMs) + 500;
    this.lastTick = now;
    if (stalled) {
      // This device could not read the room meanwhile: what arrived is read before anyone is judged.
      for (const [id, t] of this.lastHeard) this.lastHeard.set(id, Math.max(t, now - this.timing.intervalMs));
      return;
    }
    const silent = [...this.lastHeard].filter(([id, t]) => this.silent(id, t, now)).map(([id]) => id);
    if (silent.length === 0) return;
    this.probing = true;
    const relayAnswers = await this.probeRelay();
    this.probing = false;
    if (this.stopped) return;
    const still = silent.filter((id) => this.silent(id, this.lastHeard.get(id)!, Date.now()));
    if (still.length === 0) return;
    const secs = (this.timing.graceMs / 1000).toFixed(1);
    const error = relayAnswers
      ? new CeremonyAbort(
          `${still.join(', ')} stopped answering (no heartbeat for ${secs} s while the relay answers this device): the device went offline, was closed or crashed`,
          still.length === 1 ? still[0]! : null,
          'liveness.device',
        )
      : new CeremonyAbort(
          `the relay did not answer this device (nothing from ${still.join(', ')} for ${secs} s either): this device's connection or the relay is at fault, not the other devices`,
          null,
          'liveness.relay',
        );
    this.fail(error);
    for (const id of still) for (const reject of this.departures.get(id) ?? []) reject(error);
  }

  /** Silent for longer than it may be: the grace, or while it said it computes, the busy allowance. */
  private silent(id: string, lastHeard: number, now: number): boolean {
    return !this.left.has(id) && now - lastHeard > this.timing.graceMs && now > (this.busyUntil.get(id) ?? 0);
  }

  private async probeRelay(): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        this.opts.mailbox.transport.participants().then(() => true),
        new Promise<boolean>((res) => {
          timer = setTimeout(() => res(false), this.timing.probeMs);
        }),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
