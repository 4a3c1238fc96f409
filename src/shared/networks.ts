/** Networks the wallet knows, and the defaults it starts with. */

/** One EVM network. `chainId` is a 0x-prefixed lower-case hex string (EIP-695). */
export interface Network {
  chainId: string;
  name: string;
  rpcUrl: string;
  currencySymbol: string;
  blockExplorerUrl?: string;
  /** True for networks a site added with wallet_addEthereumChain. */
  custom?: boolean;
}

/** The default list: a local Hardhat node first, then Ethereum mainnet and Sepolia. */
export const DEFAULT_NETWORKS: readonly Network[] = [
  { chainId: '0x7a69', name: 'Hardhat (local)', rpcUrl: 'http://127.0.0.1:8545', currencySymbol: 'ETH' },
  {
    chainId: '0x1',
    name: 'Ethereum',
    rpcUrl: 'https://ethereum-rpc.publicnode.com',
    currencySymbol: 'ETH',
    blockExplorerUrl: 'https://etherscan.io',
  },
  {
    chainId: '0xaa36a7',
    name: 'Sepolia',
    rpcUrl: 'https://ethereum-sepolia-rpc.publicnode.com',
    currencySymbol: 'ETH',
    blockExplorerUrl: 'https://sepolia.etherscan.io',
  },
];

/** Normalizes a chain id given as hex string or number to `0x…` lower-case hex; null if invalid. */
export function normalizeChainId(x: unknown): string | null {
  let n: bigint;
  if (typeof x === 'number' && Number.isSafeInteger(x) && x > 0) n = BigInt(x);
  else if (typeof x === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(x)) n = BigInt(x);
  else return null;
  if (n <= 0n || n > 0xffffffffffffn) return null;
  return '0x' + n.toString(16);
}
