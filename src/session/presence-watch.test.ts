/**
 * Liveness on the relay's presence (presence-watch.ts), through a real relay:
 * a peer whose connection drops and stays away fails the ceremony naming it
 * (`liveness.dropped`) within the drop grace, long before its heartbeats'
 * grace would; a peer whose connection drops and comes back does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../relay/server.js';
import { newIdentity, publicOf } from './identity.js';
import { Liveness } from './liveness.js';
import { createPairing } from './pairing.js';
import { DROP_GRACE_MS } from './presence-watch.js';
import { openMailbox, type OpenedMailbox } from './relay-transport.js';
import type { CeremonyAbort } from './run-protocol.js';

let relay: RunningRelay;
const opened: OpenedMailbox[] = [];
/** Heartbeats alone would wait 60 s: only presence can fail these ceremonies quickly. */
const SLOW_HEARTBEATS = { intervalMs: 500, busyMs: 60_000, graceMs: 60_000, probeMs: 1200 };

beforeAll(async () => {
  relay = await startRelay({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await relay.close();
});

async function pair() {
  const p = createPairing(relay.url, 'keygen', {});
  const open = async (deviceId: string) => {
    const o = await openMailbox({ relayUrl: relay.url, sessionId: p.sessionId, sessionKey: p.sessionKey, deviceId });
    opened.push(o);
    return o;
  };
  const [a, b] = [await open('dev-a'), await open('dev-b')];
  const ids = { a: newIdentity('dev-a'), b: newIdentity('dev-b') };
  const live = new Liveness({ mailbox: a.mailbox, me: ids.a, scope: 'presence-test', peers: [publicOf(ids.b)], timing: SLOW_HEARTBEATS });
  // a has heard b join before the test starts.
  for (let i = 0; i < 100 && !a.client.online().includes('dev-b'); i++) await new Promise((r) => setTimeout(r, 50));
  expect(a.client.online()).toEqual(['dev-b']);
  return { a, b, live: live.start() };
}

describe('liveness on relay presence', () => {
  it('a peer whose connection drops and stays away fails the ceremony naming it', async () => {
    const { b, live } = await pair();
    const dropped = Date.now();
    await b.close();
    const e = (await live.failure.catch((x: unknown) => x)) as CeremonyAbort;
    const took = Date.now() - dropped;
    await live.stop();
    expect(e.code).toBe('ceremony.abort');
    expect(e.check).toBe('liveness.dropped');
    expect(e.deviceId).toBe('dev-b');
    // The drop grace, not the heartbeats' 60 s (slack for a loaded machine).
    expect(took).toBeGreaterThanOrEqual(DROP_GRACE_MS - 50);
    expect(took).toBeLessThan(SLOW_HEARTBEATS.graceMs / 2);
  });

  it('a peer whose connection drops and comes back within the grace is not blamed', async () => {
    const { a, b, live } = await pair();
    const events: string[] = [];
    a.client.onPresence((e) => events.push(`${e.party} ${e.online}`));
    let failed: unknown = null;
    live.failure.catch((x: unknown) => (failed = x));
    b.client.dropConnection();
    // It reconnects after 100 ms: a's relay reports it gone, then back.
    for (let i = 0; i < 200 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(events).toEqual(['dev-b false', 'dev-b true']);
    await new Promise((r) => setTimeout(r, DROP_GRACE_MS + 500));
    expect(failed).toBeNull();
    await live.stop();
  });
});
