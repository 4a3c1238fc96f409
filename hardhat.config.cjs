// Minimal Hardhat 2 config for the local chains the e2e tests (and `npm start`)
// run: `npx hardhat node`. The chain id comes from TANDEM_CHAIN_ID so a second
// node can serve another chain (31338) for wallet_addEthereumChain tests.
module.exports = {
  networks: {
    hardhat: {
      chainId: Number(process.env.TANDEM_CHAIN_ID || 31337),
      mining: { auto: true },
    },
  },
};
