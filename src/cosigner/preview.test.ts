import { describe, expect, it } from 'vitest';
import { Transaction, getAddress } from 'ethers';
import { ChainPreviews, nodeHost, signerAddress } from './preview.js';
import { parseSigningRequest } from '../session/signing-request.js';
import type { Rpc } from '../shared/tx-preview.js';
import type { DeviceVault } from '../session/device-vault.js';

const vault = {
  address: getAddress('0x' + 'ab'.repeat(20)),
  // A valid compressed secp256k1 point (the generator) and a chain code: enough to derive child addresses.
  ecdsa: {
    publicKey: Uint8Array.from(Buffer.from('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex')),
    chainCode: new Uint8Array(32).fill(7),
  },
} as unknown as Pick<DeviceVault, 'address' | 'ecdsa'>;

const request = (chainId: number, path: number[] = []) =>
  parseSigningRequest({
    v: 1,
    kind: 'transaction',
    chainId,
    path,
    tx: Transaction.from({
      type: 2,
      chainId,
      nonce: 0,
      to: '0x' + '11'.repeat(20),
      value: 1n,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
      gasLimit: 21000n,
    }).unsignedSerialized,
  });

/** Fake nodes by URL: each serves one chain and records who asked what. */
function nodes(chains: Record<string, number>, asked: Array<[string, string, unknown[]]>) {
  return (url: string): Rpc =>
    async (method, params) => {
      asked.push([url, method, params]);
      if (!(url in chains)) throw new Error('fetch failed');
      if (method === 'eth_chainId') return '0x' + chains[url]!.toString(16);
      if (method === 'eth_getBalance') return '0xffffffff';
      if (method === 'eth_estimateGas') return '0x5208';
      if (method === 'eth_getCode' || method === 'eth_call') return '0x';
      if (method === 'eth_blockNumber') return '0x2';
      throw { code: -32601, message: 'not supported' };
    };
}

describe('the CLI co-signer previews on its own nodes', () => {
  it('picks the --rpc that serves the request chain and previews for the account it derives itself', async () => {
    const asked: Array<[string, string, unknown[]]> = [];
    const previews = new ChainPreviews(['http://down', 'http://a', 'http://b'], nodes({ 'http://a': 1, 'http://b': 31337 }, asked));
    const r = await previews.preview(request(31337), vault);
    expect(r!.lines[0]).toBe('pre-flight: ok, gas ~21000 (block 2)');
    const call = asked.find(([, m]) => m === 'eth_call')!;
    expect(call[0]).toBe('http://b');
    expect(call[2][0]).toMatchObject({ from: vault.address });
    // Derived accounts: the child address, computed here.
    const child = signerAddress(vault, [0, 5]);
    expect(child).not.toBe(vault.address);
    await previews.preview(request(31337, [0, 5]), vault);
    expect(asked.filter(([, m]) => m === 'eth_call').at(-1)![2][0]).toMatchObject({ from: child });
    // Each URL's chain is asked once (the one that failed is asked again next time).
    expect(asked.filter(([u, m]) => u === 'http://b' && m === 'eth_chainId')).toHaveLength(1);
  });

  it('says "unavailable" when no node serves the chain, and for non-transactions previews nothing', async () => {
    const none = await new ChainPreviews([]).preview(request(5), vault);
    expect(none!.preview.preflight).toEqual({ status: 'unavailable', why: 'no --rpc URL for chain 5' });
    expect(none!.lines).toEqual([
      'pre-flight: unavailable: no --rpc URL for chain 5',
      'max fee 0.000000000000021 ETH (gas limit 21000 × max fee per gas)',
      'balance changes: unavailable',
    ]);
    const other = await new ChainPreviews(['http://a'], nodes({ 'http://a': 1 }, [])).preview(request(5), vault);
    expect(other!.preview.preflight).toMatchObject({ status: 'unavailable', why: expect.stringMatching(/no --rpc URL serves chain 5/) });
    const msg = parseSigningRequest({ v: 1, kind: 'personal_sign', chainId: 5, path: [], message: '0x6869' });
    expect(await new ChainPreviews([]).preview(msg, vault)).toBeNull();
  });
});

describe('printing a node', () => {
  it('shows its host only, never a key in its path or query', () => {
    expect(nodeHost('https://mainnet.example.io/v3/SECRETKEY?apikey=SECRET2')).toBe('mainnet.example.io');
    expect(nodeHost('not a url')).toBe('a node');
  });
});
