/**
 * Test helper: the background's Services with a real co-signer (the session
 * layer's ceremonies over in-memory relay rooms) and a stand-in node that
 * answers the few chain calls signing needs. Used by cosigning.test.ts and
 * accounts.test.ts.
 */
import { expect, vi } from 'vitest';
import { Interface, keccak256 } from 'ethers';
import { Services, type ServiceDeps } from './services';
import { memoryArea } from './storage';
import { memoryRepository } from './vault/records';
import type { ChainClient } from './router-deps';
import { Mailbox } from '../session/mailbox';
import { Room } from '../session/memory-room.test-util';
import { joinVault, serveSigning, type Decision } from '../session/ceremonies';
import { channelOf, type DeviceVault } from '../session/device-vault';
import { newIdentity } from '../session/identity';
import { decodePairing } from '../session/pairing';
import type { OpenedMailbox, OpenMailboxOptions } from '../session/relay-transport';
import type { RelayClient } from '../session/relay-client';
import type { CosignRequest } from '../session/cosign-request';

export const A = 'https://dapp.example';
export const TOKEN = '0x' + '7a'.repeat(20);
export const erc20 = new Interface([
  'function symbol() view returns (string)',
  'function decimals() view returns (uint8)',
  'function balanceOf(address) view returns (uint256)',
  'function transfer(address,uint256)',
]);
export const PASSWORD = 'correct horse';

export async function setup() {
  const rooms = new Map<string, Room>();
  const room = (id: string) => rooms.get(id) ?? (rooms.set(id, new Room()), rooms.get(id)!);
  const openMailbox = async (o: OpenMailboxOptions): Promise<OpenedMailbox> => {
    const transport = room(o.sessionId).join(o.deviceId);
    return { mailbox: new Mailbox(transport), client: {} as RelayClient, close: () => transport.close() };
  };
  const broadcast: string[] = [];
  const chain: ChainClient = {
    async call(_network, method, params) {
      switch (method) {
        case 'eth_getTransactionCount':
          return '0x3';
        case 'eth_estimateGas':
          return '0x5208';
        case 'eth_getBlockByNumber':
          return { baseFeePerGas: '0x3b9aca00' };
        case 'eth_maxPriorityFeePerGas':
          return '0x77359400';
        case 'eth_getBalance':
          return '0xde0b6b3a7640000';
        case 'eth_call': {
          // A token at TOKEN: symbol TST, 6 decimals, balance 12.345; anything else is not a contract.
          const { to, data } = params[0] as { to: string; data: string };
          if (to.toLowerCase() !== TOKEN.toLowerCase()) return '0x';
          const fn = erc20.getFunction(data.slice(0, 10))!.name;
          return erc20.encodeFunctionResult(fn, fn === 'symbol' ? ['TST'] : fn === 'decimals' ? [6] : [12_345_000n]);
        }
        case 'eth_sendRawTransaction':
          broadcast.push(params[0] as string);
          return keccak256(params[0] as string);
        default:
          throw new Error(`unexpected ${method}`);
      }
    },
    chainIdOf: async () => '0x7a69',
  };
  const armAutoLock = vi.fn();
  const s = newServices(chain, { armAutoLock, openMailbox, signTiming: { joinTimeoutMs: 1500, roundTimeoutMs: 30_000 } });
  const rpc = (method: string, params?: unknown[]) => s.handleRpc({ origin: A }, { method, ...(params ? { params } : {}) });
  return { s, rpc, room, broadcast, armAutoLock };
}

/** The background's Services over memory storage and `chain`, the browser's parts stubbed; `more` overrides them. */
export function newServices(chain: ChainClient, more: Partial<ServiceDeps> = {}): Services {
  return new Services({
    local: memoryArea(),
    session: memoryArea(),
    repo: memoryRepository(),
    chain,
    openPopup: vi.fn(),
    deliverLate: vi.fn(),
    armAutoLock: vi.fn(),
    onStateChange: vi.fn(),
    pbkdf2Iterations: 100_000,
    ...more,
  });
}

/** Joins the extension's key generation of `pairing` as device `deviceId`; resolves once the extension is done too. */
export async function joinAs(t: Awaited<ReturnType<typeof setup>>, pairing: ReturnType<typeof decodePairing>, deviceId: string) {
  const me = newIdentity(deviceId);
  const cosigner = await joinVault({
    joinTimeoutMs: 30_000,
    roundTimeoutMs: 30_000,
    mailbox: new Mailbox(t.room(pairing.sessionId).join(me.deviceId)),
    me,
    sessionId: pairing.sessionId,
    initiatorSignPub: pairing.params.init as string,
  });
  await t.s.ceremonies.idle();
  return cosigner;
}

/** Starts a 2-of-2 key generation in the extension and joins it as the co-signer. */
export async function pairedVault() {
  const t = await setup();
  const state = await t.s.command({ type: 'startKeygen', name: 'Paired', t: 2, n: 2, password: PASSWORD });
  expect(state.ceremony).toMatchObject({ status: 'waiting', t: 2, n: 2, joined: [] });
  const pairing = decodePairing(state.ceremony!.pairing);
  expect(state.ceremony!.link).toContain('/cosigner/#p=');
  expect(pairing).toMatchObject({ kind: 'keygen', relayUrl: 'http://127.0.0.1:8787', params: { t: 2, n: 2, name: 'Paired' } });
  const cosigner = await joinAs(t, pairing, 'cli-test');
  const after = await t.s.state();
  expect(after.ceremony).toMatchObject({ status: 'done', address: cosigner.address, joined: ['cli-test'], pairing: '', link: '' });
  expect(after.vault).toMatchObject({ kind: 'tss', address: cosigner.address, t: 2, n: 2 });
  await t.s.permissions.grant(A, [cosigner.address]);
  return { ...t, cosigner };
}

/** The co-signer serving its paired channel with `decide`. */
export function serve(t: Awaited<ReturnType<typeof pairedVault>>, decide: (r: CosignRequest) => Decision) {
  const mailbox = new Mailbox(t.room(channelOf(t.cosigner).sessionId).join(t.cosigner.identity.deviceId));
  return serveSigning({ mailbox, vault: t.cosigner as DeviceVault, decide: async (r) => decide(r), roundTimeoutMs: 30_000 });
}

export async function waitApprovals(s: Services) {
  for (let i = 0; i < 100; i++) {
    const list = await s.approvals.list();
    if (list.length) return list;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no approval queued');
}

export async function approveNext(s: Services, approve = true) {
  for (let i = 0; i < 100; i++) {
    const [a] = await s.approvals.list();
    if (a) {
      await s.command({ type: 'decideApproval', id: a.id, approve });
      return a;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no approval queued');
}
