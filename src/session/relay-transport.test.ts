import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../relay/server.js';
import { createPairing } from './pairing.js';
import { openMailbox, type OpenedMailbox } from './relay-transport.js';
import { CeremonyTimeout } from './mailbox.js';

let relay: RunningRelay;
const opened: OpenedMailbox[] = [];

beforeAll(async () => {
  relay = await startRelay({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await relay.close();
});

async function open(sessionId: string, sessionKey: Uint8Array, deviceId: string, skipBacklog = false): Promise<OpenedMailbox> {
  const o = await openMailbox({ relayUrl: relay.url, sessionId, sessionKey, deviceId, skipBacklog });
  opened.push(o);
  return o;
}

const timeout = () => new CeremonyTimeout('nothing arrived', []);

describe('relay transport', () => {
  it('moves JSON between devices by device id; numeric-looking ids stay strings', async () => {
    const p = createPairing(relay.url, 'keygen', {});
    const a = await open(p.sessionId, p.sessionKey, '7');
    const b = await open(p.sessionId, p.sessionKey, 'dev-b');
    await a.mailbox.send('dev-b', { hello: 'b' });
    await b.mailbox.send('all', { hello: 'everyone' });
    const atB = await b.mailbox.take(() => true, 10_000, timeout);
    expect(atB).toEqual({ from: '7', payload: { hello: 'b' } });
    const atA = await a.mailbox.take(() => true, 10_000, timeout);
    expect(atA).toEqual({ from: 'dev-b', payload: { hello: 'everyone' } });
    expect((await a.mailbox.transport.participants()).sort()).toEqual(['7', 'dev-b']);
  });

  it('with skipBacklog, ignores what the room held before the device joined but gets what follows', async () => {
    const p = createPairing(relay.url, 'sign', {});
    const a = await open(p.sessionId, p.sessionKey, 'initiator');
    await a.mailbox.send('all', { n: 'stale request' });
    const late = await open(p.sessionId, p.sessionKey, 'cosigner', true);
    const plain = await open(p.sessionId, p.sessionKey, 'other');
    await a.mailbox.send('all', { n: 'fresh request' });
    expect((await late.mailbox.take(() => true, 10_000, timeout)).payload).toEqual({ n: 'fresh request' });
    await expect(late.mailbox.take((d) => (d.payload as { n: string }).n === 'stale request', 500, timeout)).rejects.toThrow(
      CeremonyTimeout,
    );
    // Without it, a device reads the room from the start.
    expect((await plain.mailbox.take(() => true, 10_000, timeout)).payload).toEqual({ n: 'stale request' });
  });
});
