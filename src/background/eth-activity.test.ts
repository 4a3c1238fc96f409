import { describe, expect, it } from 'vitest';
import { Transaction } from 'ethers';
import type { SignView } from '../shared/popup-api';
import { ethereumActivityEntry } from './eth-activity';

const ME = '0x' + '11'.repeat(20);
const TO = '0x' + '22'.repeat(20);

function view(replaces?: SignView['replaces']): SignView {
  return {
    account: ME,
    chainId: '0x7a69',
    networkName: 'Hardhat (local)',
    currencySymbol: 'ETH',
    request: { v: 1, kind: 'transaction', chainId: 31337, path: [], tx: '0x' } as never,
    transaction: {
      to: TO,
      value: '0.5',
      nonce: 4,
      gasLimit: '21000',
      maxFeeGwei: '3',
      maxPriorityFeeGwei: '1',
      maxCost: '0.500063',
      maxGasFee: '0.000063',
      dataBytes: 0,
      dataPreview: '',
    },
    ...(replaces ? { replaces } : {}),
  };
}

describe('the activity entry of a broadcast Ethereum transaction', () => {
  it('records the signed transaction: nonce, to, value, data, gas limit, type and fees; pending', () => {
    const tx = Transaction.from({
      type: 2,
      chainId: 31337n,
      nonce: 4,
      to: TO,
      value: 5n * 10n ** 17n,
      data: '0x',
      gasLimit: 21000n,
      maxFeePerGas: 3n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    const e = ethereumActivityEntry({ view: view(), tx, hash: '0x' + 'ab'.repeat(32), origin: 'https://dapp.example', at: 5 });
    expect(e).toMatchObject({ what: 'Send', value: '0.5', symbol: 'ETH', status: 'pending', to: TO });
    expect(e.tx).toEqual({
      nonce: 4,
      to: TO,
      value: '0x6f05b59d3b20000',
      data: '0x',
      gasLimit: '0x5208',
      type: 2,
      maxFeePerGas: '0xb2d05e00',
      maxPriorityFeePerGas: '0x3b9aca00',
    });
    expect(e.replaces).toBeUndefined();
    const legacy = Transaction.from({ type: 0, chainId: 31337n, nonce: 4, to: null, data: '0x6000', gasLimit: 60000n, gasPrice: 7n });
    expect(ethereumActivityEntry({ view: view(), tx: legacy, hash: '0x01', origin: 'x', at: 5 }).tx).toEqual({
      nonce: 4,
      to: null,
      value: '0x0',
      data: '0x6000',
      gasLimit: '0xea60',
      type: 0,
      gasPrice: '0x7',
    });
  });

  it('a replacement names what it replaces, and how', () => {
    const tx = Transaction.from({
      type: 2,
      chainId: 31337n,
      nonce: 4,
      to: ME,
      value: 0n,
      gasLimit: 21000n,
      maxFeePerGas: 4n,
      maxPriorityFeePerGas: 2n,
    });
    const orig = '0x' + 'cd'.repeat(32);
    const cancel = ethereumActivityEntry({
      view: view({ hash: orig, mode: 'cancel', what: 'Send' }),
      tx,
      hash: '0x02',
      origin: 'tandem://wallet',
      at: 6,
    });
    expect(cancel).toMatchObject({ what: 'Cancel', replaces: orig, replaceMode: 'cancel', status: 'pending' });
    const speedUp = (what: string) =>
      ethereumActivityEntry({ view: view({ hash: orig, mode: 'speedUp', what }), tx, hash: '0x03', origin: 'tandem://wallet', at: 6 });
    expect(speedUp('ERC-20 transfer')).toMatchObject({ what: 'Speed up: ERC-20 transfer', replaces: orig, replaceMode: 'speedUp' });
    // Sped up again, or a Cancel sped up: still what it was.
    expect([speedUp('Speed up: Send').what, speedUp('Cancel').what]).toEqual(['Speed up: Send', 'Cancel']);
  });
});
