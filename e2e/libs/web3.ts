/** web3.js v4 over window.ethereum. */
import { Web3 } from 'web3';
import { ethereum, expose } from './harness';

const web3 = new Web3(ethereum() as never);
let account = '';

expose('web3.js', {
  async connect() {
    account = (await web3.eth.requestAccounts())[0]!;
    return account;
  },
  async switchChain(chainId) {
    await web3.requestManager.send({ method: 'wallet_switchEthereumChain', params: [{ chainId: `0x${chainId.toString(16)}` }] });
    return Number(await web3.eth.getChainId());
  },
  signMessage(text) {
    return web3.eth.personal.sign(web3.utils.utf8ToHex(text), account, '');
  },
  signTypedData(t) {
    return web3.eth.signTypedData(account, t as never);
  },
  async sendTransaction(to, valueWei) {
    const receipt = await web3.eth.sendTransaction({ from: account, to, value: valueWei });
    return String(receipt.transactionHash);
  },
});
