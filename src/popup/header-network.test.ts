import { describe, expect, it } from 'vitest';
import type { ApprovalView } from '../shared/popup-api';
import { approvalNetworkLabel } from './header-network';

const approval = (method: string, sign?: unknown) => ({ id: '1', kind: 'sign', origin: 'https://a.example', method, sign }) as ApprovalView;

describe('the popup header on an approval', () => {
  it('a Solana approval shows its cluster (or Solana) instead of the Ethereum network selector', () => {
    expect(approvalNetworkLabel([approval('solana_signAndSendTransaction', { solana: { send: { chain: 'solana:devnet' } } })])).toBe(
      'Solana devnet',
    );
    expect(approvalNetworkLabel([approval('solana_signTransaction', { solana: {} })])).toBe('Solana');
    expect(approvalNetworkLabel([{ ...approval('solana_connect'), kind: 'connect' }])).toBe('Solana');
  });

  it('an Ethereum approval, or none, keeps the selector', () => {
    expect(approvalNetworkLabel([approval('eth_sendTransaction')])).toBeNull();
    expect(approvalNetworkLabel([])).toBeNull();
    // Only the approval on screen (the first) counts.
    expect(approvalNetworkLabel([approval('personal_sign'), approval('solana_signMessage')])).toBeNull();
  });
});
