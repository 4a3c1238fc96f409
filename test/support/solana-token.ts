/**
 * SPL tokens in a LiteSVM instance for tests: litesvm's default build loads
 * the SPL Token, Token-2022 and Associated Token Account programs, and its
 * `setAccount` writes a mint and token accounts directly (no mint
 * authority transactions needed), encoded with @solana-program/token's
 * account codecs and rent-exempt.
 */
import { address, none, some, type Address } from '@solana/kit';
import {
  AccountState,
  findAssociatedTokenPda,
  getMintEncoder,
  getMintSize,
  getTokenEncoder,
  getTokenSize,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import type { LiteSVM } from 'litesvm';

function put(svm: LiteSVM, at: Address, data: Uint8Array): void {
  svm.setAccount({
    address: at,
    data,
    executable: false,
    lamports: svm.minimumBalanceForRentExemption(BigInt(data.length)) as never,
    programAddress: TOKEN_PROGRAM_ADDRESS,
    space: BigInt(data.length),
  });
}

/** An initialized SPL Token mint at `mint` with `decimals` and `supply`, minted by `authority`. */
export function setMint(svm: LiteSVM, mint: string, decimals: number, supply: bigint, authority: string): void {
  const data = new Uint8Array(
    getMintEncoder().encode({
      mintAuthority: some(address(authority)),
      supply,
      decimals,
      isInitialized: true,
      freezeAuthority: none(),
    }),
  );
  if (data.length !== getMintSize()) throw new Error('unexpected mint size');
  put(svm, address(mint), data);
}

/** `owner`'s associated token account for `mint` (SPL Token), holding `amount` base units; returns its address. */
export async function setTokenAccount(svm: LiteSVM, owner: string, mint: string, amount: bigint): Promise<Address> {
  const [ata] = await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: TOKEN_PROGRAM_ADDRESS });
  const data = new Uint8Array(
    getTokenEncoder().encode({
      mint: address(mint),
      owner: address(owner),
      amount,
      delegate: none(),
      state: AccountState.Initialized,
      isNative: none(),
      delegatedAmount: 0n,
      closeAuthority: none(),
    }),
  );
  if (data.length !== getTokenSize()) throw new Error('unexpected token account size');
  put(svm, ata, data);
  return ata;
}
