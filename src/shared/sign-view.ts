/**
 * A signing request as an approval screen shows it (amounts formatted, the
 * transaction and ERC-20 call decoded, the message as text or hex). Pure: no
 * chrome.*, no DOM; the extension's approval screen and the phone co-signer
 * page render the same {@link SignView} with the same component
 * (src/popup/screens/SignRequest.tsx `SignBody`).
 */
import { formatEther, formatUnits, toUtf8String } from 'ethers';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { SigningRequest } from '../session/signing-request';
import { summarizeTransaction } from '../session/describe-request';
import { pathText } from '../session/account-path';
import { DEFAULT_NETWORKS, type Network } from './networks';
import type { SignView } from './popup-api';
import type { TxPreview } from './tx-preview';

function callView(
  call: NonNullable<ReturnType<typeof summarizeTransaction>['call']>,
  tokens: ReadonlyArray<{ address: string; symbol: string; decimals: number }>,
): NonNullable<NonNullable<SignView['transaction']>['call']> {
  const known = tokens.find((t) => t.address.toLowerCase() === call.token.toLowerCase());
  return {
    ...call,
    amount: call.amount.toString(),
    ...(known && !call.unlimited
      ? { symbol: known.symbol, formatted: formatUnits(call.amount, known.decimals) }
      : known
        ? { symbol: known.symbol }
        : {}),
  };
}

/** The approval screen's view of a checked request. */
export function signView(
  request: SigningRequest,
  account: string,
  network: Pick<Network, 'chainId' | 'name' | 'currencySymbol'>,
  tokens: ReadonlyArray<{ address: string; symbol: string; decimals: number }> = [],
): SignView {
  const base = {
    account,
    ...(request.path.length ? { accountPath: pathText(request.path) } : {}),
    chainId: network.chainId,
    networkName: network.name,
    currencySymbol: network.currencySymbol,
    request,
  };
  switch (request.kind) {
    case 'transaction': {
      const s = summarizeTransaction(request.tx);
      const maxFee = s.maxFeePerGas ?? s.gasPrice ?? 0n;
      return {
        ...base,
        transaction: {
          to: s.to,
          value: formatEther(s.valueWei),
          nonce: s.nonce,
          gasLimit: s.gasLimit.toString(),
          maxFeeGwei: formatUnits(maxFee, 'gwei'),
          maxPriorityFeeGwei: formatUnits(s.maxPriorityFeePerGas ?? maxFee, 'gwei'),
          maxCost: formatEther(s.valueWei + s.gasLimit * maxFee),
          maxGasFee: formatEther(s.gasLimit * maxFee),
          dataBytes: (s.data.length - 2) / 2,
          dataPreview: s.data.slice(0, 74),
          ...(s.call ? { call: callView(s.call, tokens) } : {}),
        },
      };
    }
    case 'personal_sign': {
      const bytes = hexToBytes(request.message.slice(2));
      const text = utf8OrNull(bytes);
      // Control characters other than line breaks make text misleading: show hex.
      if (text === null || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text))
        return { ...base, message: { text: request.message, isHex: true } };
      return { ...base, message: { text, isHex: false } };
    }
    case 'typed_data': {
      const { primaryType, domain, message } = request.typedData;
      return { ...base, typedData: { primaryType, domain, message } };
    }
    case 'typed_data_v1':
      return {
        ...base,
        typedData: {
          primaryType: 'Legacy typed data (v1)',
          domain: {},
          message: Object.fromEntries(request.typedData.map((e) => [`${e.name} (${e.type})`, e.value])),
        },
      };
  }
}

/** The view with this device's preview of its transaction (a view of another kind is returned as it is). */
export function withPreview(view: SignView, preview: TxPreview): SignView {
  return view.transaction ? { ...view, transaction: { ...view.transaction, preview } } : view;
}

/**
 * The network of a chain id for a device that has no network list of its own
 * (the phone): a default network by name, else "Chain N" so an unknown chain
 * is never shown under a familiar name.
 */
export function networkOfChain(chainId: number): Pick<Network, 'chainId' | 'name' | 'currencySymbol'> {
  const hex = '0x' + chainId.toString(16);
  const known = DEFAULT_NETWORKS.find((n) => n.chainId === hex);
  return known ?? { chainId: hex, name: `Chain ${chainId} (not a known network)`, currencySymbol: 'native coin' };
}

/** The bytes as UTF-8 text, or null when they are not valid UTF-8. */
function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return toUtf8String(bytes);
  } catch {
    return null;
  }
}
