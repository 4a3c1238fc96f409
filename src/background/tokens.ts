/**
 * ERC-20 tokens the user follows, per network (editable in Settings), their
 * balances, and the calldata of a token transfer for the Send screen.
 * Symbol and decimals are read from the token contract itself when added.
 */
import { Interface, getAddress, parseUnits, formatUnits } from 'ethers';
import type { Network } from '../shared/networks';
import type { TokenView } from '../shared/popup-api';
import type { ChainClient } from './router-deps';
import type { KeyValueArea } from './storage';
import { WalletError } from '../shared/wallet-errors';

const KEY = 'tokens.v1';
/** At most this many tokens per network. */
export const MAX_TOKENS = 30;

const erc20 = new Interface([
  'function symbol() view returns (string)',
  'function decimals() view returns (uint8)',
  'function balanceOf(address) view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
]);

export interface Token {
  address: string;
  symbol: string;
  decimals: number;
}

export class TokenList {
  constructor(
    private readonly area: KeyValueArea,
    private readonly chain: ChainClient,
  ) {}

  /** Every network's list, by chain id. */
  private async all(): Promise<Record<string, Token[]>> {
    return (await this.area.get<Record<string, Token[]>>(KEY)) ?? {};
  }

  async list(chainId: string): Promise<Token[]> {
    return (await this.all())[chainId] ?? [];
  }

  /** Adds a token of `network` after reading its symbol and decimals from the contract. */
  async add(network: Network, addressText: string): Promise<Token> {
    const token = await this.inspect(network, addressText);
    const current = await this.list(network.chainId);
    if (current.some((t) => t.address === token.address)) throw new WalletError('token.exists');
    if (current.length >= MAX_TOKENS) throw new WalletError('token.tooMany', { max: MAX_TOKENS });
    const all = await this.all();
    all[network.chainId] = [...current, token];
    await this.area.set(KEY, all);
    return token;
  }

  /** Reads a token's symbol and decimals from its contract (throws when it does not answer as an ERC-20). */
  async inspect(network: Network, addressText: string): Promise<Token> {
    let address: string;
    try {
      address = getAddress(addressText.trim());
    } catch {
      throw new WalletError('token.badAddress');
    }
    let symbol: string;
    let decimals: number;
    try {
      symbol = String(
        erc20.decodeFunctionResult('symbol', (await this.call(network, address, erc20.encodeFunctionData('symbol'))) as string)[0],
      );
      decimals = Number(
        erc20.decodeFunctionResult('decimals', (await this.call(network, address, erc20.encodeFunctionData('decimals'))) as string)[0],
      );
    } catch {
      throw new WalletError('token.notErc20', { address, network: network.name });
    }
    symbol = symbol.replace(/[^\x20-\x7e]/g, '').slice(0, 12) || '?';
    if (!Number.isInteger(decimals) || decimals > 36) throw new WalletError('token.badDecimals');
    return { address, symbol, decimals };
  }

  async remove(chainId: string, address: string): Promise<void> {
    const all = await this.all();
    all[chainId] = (all[chainId] ?? []).filter((t) => t.address.toLowerCase() !== address.toLowerCase());
    await this.area.set(KEY, all);
  }

  /** The tokens of `network` with `account`'s balances (null where the call failed). */
  async balances(network: Network, account: string): Promise<TokenView[]> {
    const tokens = await this.list(network.chainId);
    return Promise.all(
      tokens.map(async (t) => {
        try {
          const raw = await this.call(network, t.address, erc20.encodeFunctionData('balanceOf', [account]));
          const [bal] = erc20.decodeFunctionResult('balanceOf', raw as string);
          return { ...t, balance: formatUnits(bal as bigint, t.decimals) };
        } catch {
          return { ...t, balance: null };
        }
      }),
    );
  }

  private call(network: Network, to: string, data: string): Promise<unknown> {
    return this.chain.call(network, 'eth_call', [{ to, data }, 'latest']);
  }
}

/** Calldata of `transfer(to, amount)` for a token, the amount in the token's units (decimal text). */
export function transferData(token: Token, to: string, amount: string): string {
  let units: bigint;
  try {
    units = parseUnits(amount.trim(), token.decimals);
  } catch {
    throw new WalletError('send.badAmount', { decimals: token.decimals });
  }
  if (units <= 0n) throw new WalletError('send.amountNotPositive');
  return erc20.encodeFunctionData('transfer', [to, units]);
}
