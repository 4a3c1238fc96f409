/**
 * Which EIP-1193 methods the router forwards to the chain, which need the
 * vault's signature, and which it refuses (with what the dApp is told).
 */
/** Read-only JSON-RPC methods forwarded as they are to the selected network. */
export const FORWARDED_METHODS: ReadonlySet<string> = new Set([
  'eth_blockNumber',
  'eth_call',
  'eth_estimateGas',
  'eth_feeHistory',
  'eth_gasPrice',
  'eth_getBalance',
  'eth_getBlockByHash',
  'eth_getBlockByNumber',
  'eth_getBlockTransactionCountByHash',
  'eth_getBlockTransactionCountByNumber',
  'eth_getCode',
  'eth_getLogs',
  'eth_getProof',
  'eth_getStorageAt',
  'eth_getTransactionByBlockHashAndIndex',
  'eth_getTransactionByBlockNumberAndIndex',
  'eth_getTransactionByHash',
  'eth_getTransactionCount',
  'eth_getTransactionReceipt',
  'eth_maxPriorityFeePerGas',
  'eth_blobBaseFee',
  'eth_syncing',
  'eth_getBlockReceipts',
  'eth_createAccessList',
  // Filters (viem's and web3's event watchers poll with these): they live on the node.
  'eth_newFilter',
  'eth_newBlockFilter',
  'eth_newPendingTransactionFilter',
  'eth_getFilterChanges',
  'eth_getFilterLogs',
  'eth_uninstallFilter',
  'net_listening',
  'web3_clientVersion',
  'web3_sha3',
]);

/** Methods that need a signature from the vault. */
export const SIGNING_METHODS: ReadonlySet<string> = new Set([
  'eth_sendTransaction',
  'eth_signTransaction',
  'eth_sign',
  'personal_sign',
  'eth_signTypedData',
  'eth_signTypedData_v3',
  'eth_signTypedData_v4',
]);

/**
 * Methods a wallet whose key never exists in one place cannot honour, with
 * what the dApp is told (EIP-1193 4200).
 */
export const REFUSED_METHODS: ReadonlyMap<string, string> = new Map([
  [
    'eth_decrypt',
    'Tandem cannot decrypt: its private key never exists in one place, and threshold decryption of MetaMask-encrypted messages is not supported.',
  ],
  [
    'eth_getEncryptionPublicKey',
    'Tandem has no encryption key: its private key never exists in one place, so it cannot give one (nor decrypt with it).',
  ],
  ['wallet_sendCalls', 'batched calls (EIP-5792) are not supported: send the transactions one by one with eth_sendTransaction.'],
  ['wallet_getCapabilities', 'Tandem has no EIP-5792 capabilities: send transactions one by one with eth_sendTransaction.'],
  ['wallet_getCallsStatus', 'batched calls (EIP-5792) are not supported.'],
  ['wallet_showCallsStatus', 'batched calls (EIP-5792) are not supported.'],
  ['eth_subscribe', 'subscriptions are not supported over the in-page provider: poll with eth_newFilter / eth_getFilterChanges.'],
  ['eth_unsubscribe', 'subscriptions are not supported over the in-page provider.'],
]);
