/**
 * Accounts of a co-signed vault (docs/accounts.md), with a real co-signer:
 * an added account is the derived key m/1, a site sees the accounts it was
 * granted (active first) and is told when the user switches, and a
 * signature for the second account verifies for that account's address,
 * co-signed by a device that derived the account itself.
 */
import { describe, expect, it } from 'vitest';
import { Transaction, verifyMessage } from 'ethers';
import { accountAddress } from '../session/account-path';
import type { CosignRequest } from '../session/cosign-request';
import { A, approveNext, pairedVault, serve, waitApprovals } from './cosigned-services.test-util';

/** Every accountsChanged event sent to origin A. */
function eventsOf(t: Awaited<ReturnType<typeof pairedVault>>) {
  const seen: unknown[][] = [];
  const emit = t.s.pages.emitToOrigin.bind(t.s.pages);
  t.s.pages.emitToOrigin = (origin, event, data) => {
    if (origin === A && event === 'accountsChanged') seen.push(data as unknown[]);
    emit(origin, event, data);
  };
  return seen;
}

describe('accounts of a co-signed vault', () => {
  it('adds m/1, connects both accounts, switches (accountsChanged) and co-signs for the second account', async () => {
    const t = await pairedVault();
    const first = t.cosigner.address;
    const second = accountAddress(t.cosigner.ecdsa, [1]);
    const events = eventsOf(t);
    await t.s.command({ type: 'addAccount', name: 'Savings' });
    const vault = (await t.s.state()).vault!;
    expect(vault.accounts).toEqual([
      { index: 0, name: 'Account 1', address: first, path: 'm' },
      { index: 1, name: 'Savings', address: second, path: 'm/1' },
    ]);
    expect(vault.account.index).toBe(1);
    // The site was granted only the first account: adding and switching to the second shows it nothing new.
    expect(await t.rpc('eth_accounts')).toEqual([first.toLowerCase()]);
    // It asks again; the user connects both.
    const asked = t.rpc('wallet_requestPermissions', [{ eth_accounts: {} }]);
    const [connect] = await waitApprovals(t.s);
    await t.s.command({ type: 'decideApproval', id: connect!.id, approve: true, accounts: [first, second] });
    await asked;
    expect(await t.rpc('eth_accounts')).toEqual([second.toLowerCase(), first.toLowerCase()]);
    await t.s.command({ type: 'selectAccount', index: 0 });
    expect(await t.rpc('eth_accounts')).toEqual([first.toLowerCase(), second.toLowerCase()]);
    expect(events.at(-1)).toEqual([first.toLowerCase(), second.toLowerCase()]);

    const seen: CosignRequest[] = [];
    const server = serve(t, (r) => (seen.push(r), true));
    try {
      // personal_sign naming the second account, while the first is active: signed by m/1.
      const msg = t.rpc('personal_sign', ['0x' + Buffer.from('from savings').toString('hex'), second]);
      const a = await approveNext(t.s);
      expect(a.sign).toMatchObject({ account: second, accountPath: 'm/1', accountName: 'Savings' });
      expect(verifyMessage('from savings', (await msg) as string)).toBe(second);
      // A transaction from the second account: the broadcast transaction is from it.
      const sent = t.rpc('eth_sendTransaction', [{ from: second, to: '0x' + '22'.repeat(20), value: '0x1' }]);
      await approveNext(t.s);
      await sent;
      expect(Transaction.from(t.broadcast.at(-1)!).from).toBe(second);
      // The co-signer was asked for m/1 and told which address to expect.
      expect(seen.map((r) => ('path' in r ? [r.path, r.account] : null))).toEqual([
        [[1], second],
        [[1], second],
      ]);
    } finally {
      server.stop();
    }
  });

  it('refuses a request naming an account the site was not granted (4100, account.notGranted)', async () => {
    const t = await pairedVault();
    await t.s.command({ type: 'addAccount', name: '' });
    const second = (await t.s.state()).vault!.account;
    expect(second).toMatchObject({ index: 1, name: 'Account 2', path: 'm/1' });
    await expect(t.rpc('personal_sign', ['0x68690a', second.address])).rejects.toMatchObject({
      code: 4100,
      data: { code: 'account.notGranted' },
    });
    expect(await t.s.approvals.list()).toEqual([]);
  });

  it('account commands: unknown index, empty name; accounts stay through lock and unlock', async () => {
    const t = await pairedVault();
    await t.s.command({ type: 'addAccount', name: 'Two' });
    await expect(t.s.command({ type: 'selectAccount', index: 7 })).rejects.toMatchObject({ code: 'account.unknown' });
    await expect(t.s.command({ type: 'renameAccount', index: 1, name: '  ' })).rejects.toMatchObject({ code: 'account.nameEmpty' });
    await t.s.command({ type: 'renameAccount', index: 0, name: 'Main' });
    await t.s.command({ type: 'lock' });
    expect(await t.rpc('eth_accounts')).toEqual([]);
    await t.s.command({ type: 'unlock', password: 'correct horse' });
    const v = (await t.s.state()).vault!;
    expect(v.accounts.map((a) => [a.index, a.name])).toEqual([
      [0, 'Main'],
      [1, 'Two'],
    ]);
    expect(v.account.index).toBe(1);
    const balances = await t.s.run({ type: 'getAccountBalances' });
    expect(balances.result).toEqual([
      { index: 0, value: '1.0' },
      { index: 1, value: '1.0' },
    ]);
  });

  it('a connect request answered on unlock keeps the grant as it is: nothing is granted unasked', async () => {
    const t = await pairedVault();
    const first = t.cosigner.address;
    await t.s.command({ type: 'addAccount', name: 'Burner' });
    await t.s.command({ type: 'lock' });
    const asked = t.rpc('eth_requestAccounts');
    await waitApprovals(t.s);
    await t.s.command({ type: 'unlock', password: 'correct horse' });
    expect(await asked).toEqual([first.toLowerCase()]);
    expect(await t.s.permissions.accountsFor(A)).toEqual([first]);
  });
});
