/**
 * The preview test contracts (test/fixtures/Reverter.sol, MiniToken.sol;
 * bytecode in preview-contracts.json, made by compile-fixtures.mjs), deployed
 * on a Hardhat node from its first unlocked account.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AbiCoder, Interface } from 'ethers';

interface Compiled {
  abi: unknown[];
  bytecode: string;
}
const fixtures = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/preview-contracts.json', import.meta.url)), 'utf8')) as Record<
  'Reverter' | 'MiniToken',
  Compiled
>;

export const reverterAbi = new Interface(fixtures.Reverter.abi as never);
export const miniTokenAbi = new Interface(fixtures.MiniToken.abi as never);

type NodeRpc = <T = unknown>(method: string, params?: unknown[]) => Promise<T>;

async function deploy(rpc: NodeRpc, data: string): Promise<string> {
  const [from] = await rpc<string[]>('eth_accounts');
  const hash = await rpc<string>('eth_sendTransaction', [{ from, data, gas: '0x2dc6c0' }]);
  for (let i = 0; i < 100; i++) {
    const receipt = await rpc<{ contractAddress?: string; status: string } | null>('eth_getTransactionReceipt', [hash]);
    if (receipt) {
      if (receipt.status !== '0x1' || !receipt.contractAddress) throw new Error('fixture deployment failed');
      return receipt.contractAddress;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('fixture deployment was not mined');
}

/** Deploys Reverter; resolves with its address. */
export function deployReverter(rpc: NodeRpc): Promise<string> {
  return deploy(rpc, fixtures.Reverter.bytecode);
}

/** Deploys MiniToken (supply minted to the node's first account); resolves with its address. */
export function deployMiniToken(rpc: NodeRpc, supply: bigint): Promise<string> {
  return deploy(rpc, fixtures.MiniToken.bytecode + AbiCoder.defaultAbiCoder().encode(['uint256'], [supply]).slice(2));
}
