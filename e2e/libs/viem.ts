/** viem: a wallet client with custom(window.ethereum). */
import { createWalletClient, createPublicClient, custom, defineChain, type EIP1193Provider } from 'viem';
import { ethereum, expose } from './harness';

const transport = custom(ethereum() as EIP1193Provider);
const hardhat = defineChain({
  id: 31337,
  name: 'Hardhat',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [] } },
});
const wallet = createWalletClient({ chain: hardhat, transport });
const chain = createPublicClient({ chain: hardhat, transport });
let account: `0x${string}`;

expose('viem', {
  async connect() {
    account = (await wallet.requestAddresses())[0]!;
    return account!;
  },
  async switchChain(id) {
    await wallet.switchChain({ id });
    return wallet.getChainId();
  },
  signMessage(message) {
    return wallet.signMessage({ account, message });
  },
  signTypedData(t) {
    return wallet.signTypedData({ account, domain: t.domain, types: t.types, primaryType: t.primaryType, message: t.message } as never);
  },
  async sendTransaction(to, valueWei) {
    const hash = await wallet.sendTransaction({ account, to: to as `0x${string}`, value: BigInt(valueWei), chain: hardhat });
    await chain.waitForTransactionReceipt({ hash });
    return hash;
  },
});
