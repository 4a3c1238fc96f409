/**
 * A room member as its own process, for presence tests: joins the room
 * (session key from the environment, never argv) and stays until killed.
 *
 *   MEMBER_KEY=<hex> node --import tsx test/support/relay-member.ts <relay url> <session id> <party> <ws|poll>
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import WebSocket from 'ws';
import { RelayClient, type WebSocketConstructor } from '../../src/session/relay-client.js';

const [relayUrl, sessionId, self, transport] = process.argv.slice(2);
const client = await RelayClient.join({
  relayUrl: relayUrl!,
  sessionId: sessionId!,
  sessionKey: hexToBytes(process.env.MEMBER_KEY ?? ''),
  self: self!,
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  transport: transport === 'poll' ? 'poll' : 'ws',
  pollWaitMs: 2000,
});
console.log(`joined ${client.transportInUse}`);
setInterval(() => {}, 60_000);
