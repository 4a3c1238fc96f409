/** The EIP-712 typed data the e2e tests have a dApp sign (eth_signTypedData_v4), and its check. */
import { getAddress, verifyTypedData } from 'ethers';

/** A Permit of 1000 units of a test token (chain 31337) from `owner` to `spender`. */
export function permitTypedData(owner: string, spender: string) {
  return {
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      Permit: [
        { name: 'owner', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
      ],
    },
    primaryType: 'Permit',
    domain: { name: 'Test Token', version: '1', chainId: 31337, verifyingContract: getAddress('0x' + 'cc'.repeat(20)) },
    message: { owner, spender, value: '1000', nonce: '0' },
  };
}

/** The address whose key made `signature` over `data` (ethers takes the types without EIP712Domain). */
export function typedDataSigner(data: ReturnType<typeof permitTypedData>, signature: string): string {
  const { EIP712Domain: _domain, ...types } = data.types;
  return verifyTypedData(data.domain, types, data.message, signature);
}
