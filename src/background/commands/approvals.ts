/** Popup commands of approvals: decide one, change a transaction's fees. */
import { signView } from '../../shared/sign-view';
import { WalletError } from '../../shared/wallet-errors';
import { withFees } from '../tx-builder';
import { previewed } from '../tx-preview';
import type { Handlers } from './context';

export const approvalCommands: Handlers<'decideApproval' | 'adjustFees'> = {
  async decideApproval(ctx, { id, approve, accounts }) {
    if (approve && accounts) {
      // Only accounts of the active vault can be connected (docs/accounts.md).
      const mine = new Set((await ctx.wallet.accounts()).map((a) => a.toLowerCase()));
      if (!mine.size) throw new WalletError('wallet.lockedApprove');
      const unknown = accounts.find((a) => !mine.has(a.toLowerCase()));
      if (unknown) throw new WalletError('account.notInVault', { account: unknown });
      await ctx.approvals.chooseAccounts(id, accounts);
    }
    await ctx.approvals.decide(id, approve);
  },
  /** New fees for a pending transaction, until its co-signing starts (the view is decoded and previewed again). */
  async adjustFees(ctx, { id, ...fees }) {
    const a = (await ctx.approvals.list()).find((x) => x.id === id);
    if (a?.sign?.request.kind !== 'transaction') throw new WalletError('approval.gone');
    if (ctx.signingApprovalId() === a.id) throw new WalletError('fees.signingStarted');
    const network = (await ctx.networks.find(a.sign.chainId)) ?? (await ctx.networks.selected());
    const tx = withFees(a.sign.request.tx, fees);
    const tokens = await ctx.tokens.list(network.chainId);
    const view = {
      ...signView({ ...a.sign.request, tx }, a.sign.account, network, tokens),
      ...(a.sign.accountName ? { accountName: a.sign.accountName } : {}),
    };
    const updated = await previewed(ctx.chain, network, view, tokens);
    // A replacement (Speed up / Cancel) stays one with other fees.
    await ctx.approvals.updateSign(a.id, a.sign.replaces ? { ...updated, replaces: a.sign.replaces } : updated);
  },
};
