/**
 * @wagmi/core: the injected connector (window.ethereum) or the connector
 * wagmi makes from Tandem's EIP-6963 announcement (`?connector=eip6963`).
 */
import {
  connect,
  createConfig,
  getChainId,
  injected,
  sendTransaction,
  signMessage,
  signTypedData,
  switchChain,
  waitForTransactionReceipt,
  type Connector,
} from '@wagmi/core';
import { custom, defineChain, type EIP1193Provider } from 'viem';
import { ethereum, expose } from './harness';

const chain = (id: number) =>
  defineChain({
    id,
    name: `Hardhat ${id}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
const chains = [chain(31337), chain(31338)] as const;
const transport = custom(ethereum() as EIP1193Provider);
const config = createConfig({ chains, connectors: [injected()], transports: { 31337: transport, 31338: transport } });
const viaEip6963 = new URLSearchParams(location.search).get('connector') === 'eip6963';

/** The connector to use: wagmi's injected one, or the one it built from the EIP-6963 announcement of Tandem. */
async function connector(): Promise<Connector> {
  if (!viaEip6963) return config.connectors.find((c) => c.id === 'injected')!;
  for (let i = 0; i < 50; i++) {
    const c = config.connectors.find((x) => x.id === 'app.tandem.wallet');
    if (c) return c;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('wagmi found no EIP-6963 connector for app.tandem.wallet');
}

expose(viaEip6963 ? 'wagmi (EIP-6963 connector)' : 'wagmi (injected connector)', {
  async connect() {
    const c = await connector();
    const { accounts } = await connect(config, { connector: c });
    return `${accounts[0]} via ${c.name}`;
  },
  async switchChain(chainId) {
    await switchChain(config, { chainId: chainId as 31337 | 31338 });
    return getChainId(config);
  },
  signMessage(message) {
    return signMessage(config, { message });
  },
  signTypedData(t) {
    return signTypedData(config, { domain: t.domain, types: t.types, primaryType: t.primaryType, message: t.message } as never);
  },
  async sendTransaction(to, valueWei) {
    const hash = await sendTransaction(config, { to: to as `0x${string}`, value: BigInt(valueWei) });
    await waitForTransactionReceipt(config, { hash });
    return hash;
  },
});
