/** ethers v6: BrowserProvider over window.ethereum. */
import { BrowserProvider, TypedDataEncoder } from 'ethers';
import { ethereum, expose } from './harness';

let provider = new BrowserProvider(ethereum());

expose('ethers', {
  async connect() {
    return (await provider.getSigner()).getAddress();
  },
  async switchChain(chainId) {
    await provider.send('wallet_switchEthereumChain', [{ chainId: `0x${chainId.toString(16)}` }]);
    // As ethers v6 asks: a provider is bound to one network, so make a new one after a chain change.
    provider = new BrowserProvider(ethereum());
    return Number((await provider.getNetwork()).chainId);
  },
  async signMessage(text) {
    return (await provider.getSigner()).signMessage(text);
  },
  async signTypedData(t) {
    const { EIP712Domain: _d, ...types } = t.types;
    TypedDataEncoder.from(types); // the library's own check of the types
    return (await provider.getSigner()).signTypedData(t.domain, types, t.message);
  },
  async sendTransaction(to, valueWei) {
    const tx = await (await provider.getSigner()).sendTransaction({ to, value: BigInt(valueWei) });
    await tx.wait();
    return tx.hash;
  },
});
