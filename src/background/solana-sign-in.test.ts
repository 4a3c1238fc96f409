import { describe, expect, it } from 'vitest';
import { parseSignInInput, signInMessageText } from './solana-sign-in';

const ADDRESS = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const M = 'solana_signIn';

describe('Sign-In With Solana message text', () => {
  it('is built from the input with the page host as domain, fields in the standard order', () => {
    const input = parseSignInInput(M, {
      statement: 'Sign in to the dapp',
      nonce: 'abc12345',
      uri: 'https://dapp.example:8443/login',
      version: '1',
      chainId: 'solana:devnet',
      issuedAt: '2026-12-07T17:00:00Z',
      resources: ['https://dapp.example/a', 'ipfs://b'],
    });
    expect(signInMessageText(M, input, 'https://dapp.example:8443', ADDRESS)).toBe(
      [
        'dapp.example:8443 wants you to sign in with your Solana account:',
        ADDRESS,
        '',
        'Sign in to the dapp',
        '',
        'URI: https://dapp.example:8443/login',
        'Version: 1',
        'Chain ID: solana:devnet',
        'Nonce: abc12345',
        'Issued At: 2026-12-07T17:00:00Z',
        'Resources:',
        '- https://dapp.example/a',
        '- ipfs://b',
      ].join('\n'),
    );
    expect(signInMessageText(M, parseSignInInput(M, undefined), 'https://dapp.example', ADDRESS)).toBe(
      `dapp.example wants you to sign in with your Solana account:\n${ADDRESS}`,
    );
  });

  it('refuses another domain, another address, line breaks in a field, unknown fields and off-chain messages', () => {
    const bad = (input: unknown) => () => signInMessageText(M, parseSignInInput(M, input), 'https://dapp.example', ADDRESS);
    expect(bad({ domain: 'evil.example' })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(bad({ domain: 'dapp.example' })).not.toThrow();
    expect(bad({ address: '11111111111111111111111111111111' })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(bad({ statement: 'hi\nURI: https://evil.example' })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(bad({ nonce: 5 })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(bad({ resources: ['a\nb'] })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(bad({ extra: 'x' })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(bad({ useOffchainMessage: { messageVersion: 1 } })).toThrow(expect.objectContaining({ code: -32602 }));
  });
});
