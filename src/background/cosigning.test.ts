/**
 * The background with a real co-signer (the session layer's ceremonies over
 * in-memory relay rooms): key generation started from the popup, then dApp
 * requests approved by the user and co-signed, results checked with ethers.
 */
import { describe, expect, it } from 'vitest';
import { Transaction, TypedDataEncoder, getAddress, verifyMessage, verifyTypedData } from 'ethers';
import { Mailbox } from '../session/mailbox';
import { createVault, joinReshare, joinVault, serveSigning, startReshare } from '../session/ceremonies';
import { channelOf, type DeviceVault } from '../session/device-vault';
import { newIdentity } from '../session/identity';
import { createPairing, decodePairing, encodePairing as pairingText, pairingLink } from '../session/pairing';
import { publicOf } from '../session/identity';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultStore } from '../cosigner/store';
import { WALLET_ORIGIN, type BackupExport, type SigningProgress } from '../shared/popup-api';
import { errorCode } from '../errors/index';
import { parseSignLinkFragment } from '../session/sign-link';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { address, generateKeyPairSigner, getBase58Encoder, getTransactionDecoder, lamports } from '@solana/kit';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { vaultSolanaAddress } from '../session/solana-signing';
import { solanaTransactionBase64, solTransfer } from '../session/solana-test-tx.test-util';
import { startSolanaRpc } from '../../test/support/solana-rpc';

const typedData = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Mail: [
      { name: 'to', type: 'address' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', chainId: 31337, verifyingContract: '0x' + 'cc'.repeat(20) },
  message: { to: '0x' + 'bb'.repeat(20), contents: 'Hello, Bob!' },
};

import { A, TOKEN, erc20, PASSWORD, setup, pairedVault, serve, waitApprovals, approveNext, joinAs } from './cosigned-services.test-util';

describe('co-signed vault in the background', () => {
  it('pairs, then signs personal_sign, typed data v4 and a transaction with the co-signer; eth_sign is refused', async () => {
    const t = await pairedVault();
    const address = t.cosigner.address;
    const seen: string[] = [];
    const server = serve(t, (r) => (seen.push(r.kind), true));
    try {
      const msg = t.rpc('personal_sign', ['0x' + Buffer.from('hello tandem').toString('hex'), address]);
      const a1 = await approveNext(t.s);
      expect(a1.sign?.message).toEqual({ text: 'hello tandem', isHex: false });
      expect(verifyMessage('hello tandem', (await msg) as string)).toBe(address);

      const typed = t.rpc('eth_signTypedData_v4', [address, JSON.stringify(typedData)]);
      const a2 = await approveNext(t.s);
      expect(a2.sign?.typedData).toMatchObject({ primaryType: 'Mail', domain: { name: 'Ether Mail' } });
      const { EIP712Domain: _d, ...types } = typedData.types;
      expect(verifyTypedData(typedData.domain, types, typedData.message, (await typed) as string)).toBe(address);
      expect(TypedDataEncoder.hash(typedData.domain, types, typedData.message)).toMatch(/^0x/);

      const send = t.rpc('eth_sendTransaction', [{ from: address, to: '0x' + '22'.repeat(20), value: '0xde0b6b3a7640000' }]);
      const [pending] = await waitApprovals(t.s);
      expect(pending!.sign?.transaction).toMatchObject({
        to: '0x' + '22'.repeat(20),
        value: '1.0',
        nonce: 3,
        gasLimit: '21000',
        maxFeeGwei: '4.0',
        maxPriorityFeeGwei: '2.0',
        maxGasFee: '0.000084',
      });
      // Previewed by the background's node before the screen: 1 ETH of value and its fee do not fit in a balance of 1 ETH.
      expect(pending!.sign?.transaction?.preview).toMatchObject({
        preflight: { status: 'fails', reason: expect.stringMatching(/^insufficient funds/) },
        gasEstimate: { status: 'ok', gas: '21000' },
      });
      // The user adjusts the fees; nonsense is refused.
      await expect(
        t.s.command({ type: 'adjustFees', id: pending!.id, maxFeeGwei: '1', maxPriorityFeeGwei: '2', gasLimit: '21000' }),
      ).rejects.toMatchObject({ code: 'fees.priorityAboveMax' });
      await t.s.command({ type: 'adjustFees', id: pending!.id, maxFeeGwei: '5.5', maxPriorityFeeGwei: '1.5', gasLimit: '30000' });
      const a3 = await approveNext(t.s);
      expect(a3.sign?.transaction).toMatchObject({
        maxFeeGwei: '5.5',
        maxPriorityFeeGwei: '1.5',
        gasLimit: '30000',
        maxGasFee: '0.000165',
      });
      // Previewed again with the new fees.
      expect(a3.sign?.transaction?.preview?.preflight).toMatchObject({ status: 'fails' });
      const hash = await send;
      expect(t.broadcast).toHaveLength(1);
      const tx = Transaction.from(t.broadcast[0]!);
      expect(tx.from).toBe(address);
      expect([tx.maxFeePerGas, tx.maxPriorityFeePerGas, tx.gasLimit]).toEqual([5_500_000_000n, 1_500_000_000n, 30_000n]);
      expect(tx.hash).toBe(hash);
      expect(seen).toEqual(['personal_sign', 'typed_data', 'transaction']);
      expect((await t.s.state()).activity).toMatchObject([
        { hash, account: address, to: '0x' + '22'.repeat(20), value: '1.0', what: 'Send', origin: A },
      ]);

      // The Send screen goes through the same approval and co-signing.
      await expect(t.s.command({ type: 'send', to: '0x' + '22'.repeat(19) + '2G', amount: '1' })).rejects.toMatchObject({
        code: 'send.badRecipient',
      });
      await expect(t.s.command({ type: 'send', to: '0x' + '33'.repeat(20), amount: 'lots' })).rejects.toMatchObject({
        code: 'send.badAmount',
      });
      const queued = await t.s.command({ type: 'send', to: '0x' + '33'.repeat(20), amount: '0.25' });
      expect(queued.approvals).toMatchObject([{ kind: 'sign', origin: 'tandem://wallet', sign: { transaction: { value: '0.25' } } }]);
      await approveNext(t.s);
      for (let i = 0; i < 100 && (await t.s.state()).activity.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await t.s.state()).activity[0]).toMatchObject({ to: '0x' + '33'.repeat(20), value: '0.25', origin: 'tandem://wallet' });
      expect(t.broadcast).toHaveLength(2);

      // ERC-20: follow a token (read from the contract), see its balance, send it.
      await expect(t.s.command({ type: 'addToken', address: '0x' + '7b'.repeat(20) })).rejects.toMatchObject({
        code: 'token.notErc20',
      });
      const withToken = await t.s.command({ type: 'addToken', address: TOKEN });
      expect(withToken.tokens).toEqual([{ address: getAddress(TOKEN), symbol: 'TST', decimals: 6 }]);
      const { result: bal } = await t.s.run({ type: 'getBalance' });
      expect(bal).toMatchObject({ tokens: [{ symbol: 'TST', balance: '12.345' }] });
      const tq = await t.s.command({ type: 'send', to: '0x' + '33'.repeat(20), amount: '1.5', token: TOKEN });
      expect(tq.approvals[0]!.sign!.transaction!.call).toMatchObject({
        method: 'transfer',
        amount: '1500000',
        formatted: '1.5',
        symbol: 'TST',
      });
      await approveNext(t.s);
      for (let i = 0; i < 100 && t.broadcast.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      const tokenTx = Transaction.from(t.broadcast[2]!);
      expect([tokenTx.to, tokenTx.value, erc20.decodeFunctionData('transfer', tokenTx.data).map(String)]).toEqual([
        getAddress(TOKEN),
        0n,
        [getAddress('0x' + '33'.repeat(20)), '1500000'],
      ]);
      for (let i = 0; i < 100 && (await t.s.state()).activity.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await t.s.state()).activity[0]).toMatchObject({ value: '1.5', symbol: 'TST', what: 'ERC-20 transfer' });
      expect((await t.s.command({ type: 'removeToken', address: TOKEN })).tokens).toEqual([]);

      await expect(t.rpc('eth_sign', [address, '0x' + '11'.repeat(32)])).rejects.toMatchObject({
        code: 4200,
        message: expect.stringContaining('refuses eth_sign'),
      });
      expect((await t.s.state()).signing).toBeNull();
    } finally {
      server.stop();
    }
  }, 60_000);

  it('while the co-signer decides, the approval carries a link to that request for a phone (routing data only); it is gone once signing starts', async () => {
    const t = await pairedVault();
    const address = t.cosigner.address;
    let waiting: SigningProgress | null = null;
    let requestId = '';
    const mailbox = new Mailbox(t.room(channelOf(t.cosigner).sessionId).join(t.cosigner.identity.deviceId));
    const server = serveSigning({
      mailbox,
      vault: t.cosigner as DeviceVault,
      roundTimeoutMs: 30_000,
      decide: async (_r, _l, _f, info) => {
        waiting = (await t.s.state()).signing;
        requestId = info.id;
        return true;
      },
    });
    try {
      const msg = t.rpc('personal_sign', ['0x' + Buffer.from('link').toString('hex'), address]);
      await approveNext(t.s);
      expect(verifyMessage('link', (await msg) as string)).toBe(address);
      const link = (waiting as SigningProgress | null)?.cosignLink;
      expect(link?.url).toMatch(/^http:\/\/127\.0\.0\.1:8787\/cosigner\/#sign=[A-Za-z0-9_-]+$/);
      expect(link!.expires).toBeGreaterThan(Date.now() - 5000);
      expect(parseSignLinkFragment(link!.url)).toMatchObject({ vault: address, requestId, relayUrl: 'http://127.0.0.1:8787' });
      expect((await t.s.state()).signing).toBeNull();
    } finally {
      server.stop();
    }
  });

  it('a co-signer refusal gives the dApp 4001, silence gives -32603; the user rejecting gives 4001; nothing is broadcast', async () => {
    const t = await pairedVault();
    const address = t.cosigner.address;
    const tx = [{ from: address, to: '0x' + '22'.repeat(20), value: '0x1' }];

    const server = serve(t, () => 'over the daily limit');
    const refused = t.rpc('eth_sendTransaction', tx);
    await approveNext(t.s);
    await expect(refused).rejects.toMatchObject({ code: 4001, message: expect.stringContaining('over the daily limit') });
    server.stop();

    const silent = t.rpc('eth_sendTransaction', tx);
    await approveNext(t.s);
    await expect(silent).rejects.toMatchObject({ code: -32603, message: expect.stringContaining('no answer from cli-test') });

    const rejected = t.rpc('personal_sign', ['0x68690a', address]);
    await approveNext(t.s, false);
    await expect(rejected).rejects.toMatchObject({ code: 4001 });

    expect(t.broadcast).toHaveLength(0);
    expect(await t.s.approvals.list()).toHaveLength(0);
  }, 60_000);

  it('exports an encrypted backup (readable by tandem-cosigner), deletes the vault, refuses a wrong backup password, restores and signs again', async () => {
    const t = await pairedVault();
    const address = t.cosigner.address;
    await expect(t.s.command({ type: 'exportBackup', password: 'short' })).rejects.toMatchObject({ code: 'backup.passwordTooShort' });
    const { result } = await t.s.run({ type: 'exportBackup', password: 'backup password 1' });
    const backup = result as BackupExport;
    expect(backup.filename).toMatch(/^tandem-paired-[0-9a-f]{6}\.backup\.json$/);
    expect(backup.text).not.toContain(address.slice(2).toLowerCase());
    expect(backup.text).not.toContain(address.slice(2));
    // The command-line co-signer imports it too (same file format; `tandem-cosigner import`).
    const home = mkdtempSync(join(tmpdir(), 'tandem-backup-'));
    try {
      writeFileSync(join(home, 'b.json'), backup.text);
      const imported = await new VaultStore(home).importBackup(join(home, 'b.json'), 'backup password 1', 'cli password', 100_000);
      expect(imported.address).toBe(address);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    // Nothing in the clear names the vault (format version 2).
    expect(Object.keys(JSON.parse(backup.text)).sort()).toEqual(['alg', 'ciphertext', 'format', 'iv', 'kdf', 'version']);

    // A wrong backup password changes nothing.
    const before = await t.s.wallet.vaults();
    await expect(t.s.command({ type: 'importBackup', text: backup.text, password: 'wrong password!' })).rejects.toMatchObject({
      code: 'backup.wrongPassword',
    });
    expect(await t.s.wallet.vaults()).toEqual(before);
    // The same vault twice is refused.
    await expect(t.s.command({ type: 'importBackup', text: backup.text, password: 'backup password 1' })).rejects.toMatchObject({
      code: 'backup.alreadyHere',
      details: { address },
    });
    // A restore that unlocks the wallet and then fails still arms the auto-lock (the wallet stays unlocked).
    await t.s.command({ type: 'lock' });
    t.armAutoLock.mockClear();
    await expect(
      t.s.command({ type: 'importBackup', text: backup.text, password: 'backup password 1', walletPassword: PASSWORD }),
    ).rejects.toMatchObject({ code: 'backup.alreadyHere' });
    expect((await t.s.state()).locked).toBe(false);
    expect(t.armAutoLock).toHaveBeenCalledWith(15);

    const id = (await t.s.wallet.vault())!.id;
    expect((await t.s.command({ type: 'deleteVault', id })).vault).toBeNull();
    const restored = await t.s.command({ type: 'importBackup', text: backup.text, password: 'backup password 1' });
    expect(restored.vault).toMatchObject({ kind: 'tss', address, t: 2, n: 2 });

    const server = serve(t, () => true);
    try {
      const msg = t.rpc('personal_sign', ['0x6869', address]);
      await approveNext(t.s);
      expect(verifyMessage('hi', (await msg) as string)).toBe(address);
    } finally {
      server.stop();
    }
  }, 60_000);

  it('re-shares 2-of-2 to 2-of-3 from the popup: same address, the old share replaced, the new device co-signs', async () => {
    const t = await pairedVault();
    const address = t.cosigner.address;
    const oldId = (await t.s.wallet.vault())!.id;
    const state = await t.s.command({ type: 'startReshare', newT: 2, newN: 3 });
    expect(state.ceremony).toMatchObject({ kind: 'reshare', status: 'waiting', t: 2, n: 3, joiners: 2 });
    const pairing = decodePairing(state.ceremony!.pairing);
    expect(pairing).toMatchObject({ kind: 'reshare', params: { newT: 2, name: 'Paired' } });
    const timing = { joinTimeoutMs: 30_000, roundTimeoutMs: 30_000 };
    const phone = newIdentity('new-phone');
    const [old, fresh] = await Promise.all([
      joinReshare({
        ...timing,
        mailbox: new Mailbox(t.room(pairing.sessionId).join(t.cosigner.identity.deviceId)),
        me: t.cosigner.identity,
        sessionId: pairing.sessionId,
        initiatorSignPub: pairing.params.init as string,
        oldVault: t.cosigner,
      }),
      joinReshare({
        ...timing,
        mailbox: new Mailbox(t.room(pairing.sessionId).join(phone.deviceId)),
        me: phone,
        sessionId: pairing.sessionId,
        initiatorSignPub: pairing.params.init as string,
      }),
    ]);
    await t.s.ceremonies.idle();
    expect(old.kind).toBe('member');
    if (fresh.kind !== 'member') throw new Error('new device got no share');
    const after = await t.s.state();
    expect(after.ceremony).toMatchObject({ status: 'done', address });
    expect(after.vault).toMatchObject({ kind: 'tss', address, t: 2, n: 3 });
    expect((await t.s.wallet.vaults()).map((v) => v.id)).not.toContain(oldId);

    // The new device alone answers on the new paired channel.
    const mailbox = new Mailbox(t.room(channelOf(fresh.vault).sessionId).join(phone.deviceId));
    const server = serveSigning({ mailbox, vault: fresh.vault, decide: async () => true, roundTimeoutMs: 30_000 });
    try {
      const msg = t.rpc('personal_sign', ['0x6869', address]);
      await approveNext(t.s);
      expect(verifyMessage('hi', (await msg) as string)).toBe(address);
    } finally {
      server.stop();
    }
  }, 60_000);

  it('joins key generation started by another device from its pairing link', async () => {
    const t = await setup();
    const phone = newIdentity('phone');
    const pairing = createPairing('http://127.0.0.1:8787', 'keygen', { init: publicOf(phone).signPub, t: 2, n: 2, name: 'From phone' });
    const started = createVault({
      joinTimeoutMs: 30_000,
      roundTimeoutMs: 30_000,
      mailbox: new Mailbox(t.room(pairing.sessionId).join('phone')),
      me: phone,
      sessionId: pairing.sessionId,
      plan: { t: 2, n: 2, name: 'From phone', relayUrl: 'http://127.0.0.1:8787' },
    });
    await expect(t.s.command({ type: 'joinCeremony', pairing: 'not a pairing', password: PASSWORD })).rejects.toMatchObject({
      code: 'pairing.invalid',
    });
    const state = await t.s.command({
      type: 'joinCeremony',
      pairing: pairingLink('http://127.0.0.1:8787/cosigner/', pairing),
      password: PASSWORD,
    });
    expect(state.ceremony).toMatchObject({ kind: 'keygen', status: 'waiting', joining: true, pairing: '' });
    const phoneVault = await started;
    await t.s.ceremonies.idle();
    expect((await t.s.state()).ceremony).toMatchObject({ status: 'done', address: phoneVault.address, joined: ['phone'] });
    expect((await t.s.state()).vault).toMatchObject({ kind: 'tss', name: 'From phone', address: phoneVault.address });
  }, 60_000);

  it('joins a re-share another device started, as a new device, and then holds a share of the same address', async () => {
    const t = await setup();
    const timing = { joinTimeoutMs: 30_000, roundTimeoutMs: 30_000 };
    const [p1, p2] = [newIdentity('p1'), newIdentity('p2')];
    const kg = 'keygen-room';
    const [v1, v2] = await Promise.all([
      createVault({
        ...timing,
        mailbox: new Mailbox(t.room(kg).join('p1')),
        me: p1,
        sessionId: kg,
        plan: { t: 2, n: 2, name: 'Elsewhere', relayUrl: 'http://127.0.0.1:8787' },
      }),
      joinVault({ ...timing, mailbox: new Mailbox(t.room(kg).join('p2')), me: p2, sessionId: kg, initiatorSignPub: publicOf(p1).signPub }),
    ]);
    const pairing = createPairing('http://127.0.0.1:8787', 'reshare', {
      init: publicOf(p1).signPub,
      pk: Buffer.from(v1.ecdsa.publicKey).toString('hex'),
      newT: 2,
      name: 'Elsewhere',
    });
    const started = startReshare({
      ...timing,
      mailbox: new Mailbox(t.room(pairing.sessionId).join('p1')),
      vault: v1,
      sessionId: pairing.sessionId,
      plan: { newT: 2, expectedJoiners: 2, relayUrl: 'http://127.0.0.1:8787' },
    });
    const other = joinReshare({
      ...timing,
      mailbox: new Mailbox(t.room(pairing.sessionId).join('p2')),
      me: p2,
      sessionId: pairing.sessionId,
      initiatorSignPub: publicOf(p1).signPub,
      oldVault: v2,
    });
    const state = await t.s.command({ type: 'joinCeremony', pairing: pairingText(pairing), password: PASSWORD });
    expect(state.ceremony).toMatchObject({ kind: 'reshare', joining: true });
    await Promise.all([started, other]);
    await t.s.ceremonies.idle();
    const after = await t.s.state();
    expect(after.ceremony).toMatchObject({ status: 'done', address: v1.address, n: 3, joined: ['p1', 'p2'] });
    expect(after.vault).toMatchObject({ kind: 'tss', address: v1.address, t: 2, n: 3 });
  }, 60_000);

  it('a co-signed vault replaces a watch-only address as the active account', async () => {
    const t = await setup();
    await t.s.command({ type: 'addWatchOnly', name: 'Watched', address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', password: PASSWORD });
    const dev = (await t.s.wallet.vault())!;
    const state = await t.s.command({ type: 'startKeygen', name: 'Real', t: 2, n: 2 });
    const cosigner = await joinAs(t, decodePairing(state.ceremony!.pairing), 'phone');
    expect(await t.s.wallet.activeAccount()).toBe(cosigner.address);
    expect((await t.s.wallet.vaults()).map((v) => v.kind).sort()).toEqual(['tss', 'watch']);
    expect(dev.address).not.toBe(cosigner.address);

    // Switch back to the watch-only address, rename it; a new vault becomes active again.
    const ids = Object.fromEntries((await t.s.wallet.vaults()).map((v) => [v.kind, v.id]));
    await t.s.permissions.grant(A, [cosigner.address]);
    expect(await t.s.handleRpc({ origin: A }, { method: 'eth_accounts' })).toEqual([cosigner.address.toLowerCase()]);
    const switched = await t.s.command({ type: 'selectVault', id: ids.watch! });
    expect(switched.vault).toMatchObject({ kind: 'watch', address: dev.address });
    expect(switched.vaults).toHaveLength(2);
    expect(await t.s.handleRpc({ origin: A }, { method: 'eth_accounts' })).toEqual([]);
    expect((await t.s.command({ type: 'renameVault', id: ids.watch!, name: '  Old watch  ' })).vault!.name).toBe('Old watch');
    await expect(t.s.command({ type: 'renameVault', id: ids.watch!, name: ' ' })).rejects.toMatchObject({ code: 'vault.nameEmpty' });
    expect((await t.s.command({ type: 'selectVault', id: ids.tss! })).vault!.address).toBe(cosigner.address);
  }, 60_000);

  it('refuses a threshold above the device count, and starts nothing', async () => {
    const t = await setup();
    await expect(t.s.command({ type: 'startKeygen', name: 'Bad', t: 3, n: 2, password: PASSWORD })).rejects.toMatchObject({
      code: 'ceremony.badQuorum',
      details: { t: 3, n: 2 },
    });
    expect((await t.s.state()).ceremony).toBeNull();
  });

  it('refuses a relay URL that is not http(s) and keeps the default', async () => {
    const t = await setup();
    await expect(t.s.command({ type: 'setRelayUrl', url: 'ftp://relay.example' })).rejects.toMatchObject({ code: 'relayUrl.scheme' });
    expect((await t.s.state()).relayUrl).toBe('http://127.0.0.1:8787');
    expect((await t.s.command({ type: 'setRelayUrl', url: 'https://relay.example/' })).relayUrl).toBe('https://relay.example');
  });
});

describe('Solana through the Wallet Standard methods (solana_*)', () => {
  it('a connected site gets the vault Solana account; solana_signMessage and solana_signTransaction are co-signed with FROST (noble verifies, litesvm executes)', async () => {
    const t = await pairedVault();
    const sol = vaultSolanaAddress(t.cosigner);
    const seen: string[] = [];
    const server = serve(t, (r) => (seen.push(r.kind), true));
    const call = (method: string, params?: Record<string, unknown>) =>
      t.s.handleRpc({ origin: A }, { method, ...(params ? { params } : {}) });
    try {
      expect(await call('solana_accounts')).toEqual([sol]);
      expect(await call('solana_connect', { onlyIfTrusted: true })).toEqual([sol]);
      // Another site is not connected: a silent connect is refused, signing is 4100.
      await expect(
        t.s.handleRpc({ origin: 'https://other.example' }, { method: 'solana_connect', params: { onlyIfTrusted: true } }),
      ).rejects.toMatchObject({ code: 4001 });
      await expect(
        t.s.handleRpc({ origin: 'https://other.example' }, { method: 'solana_signMessage', params: { message: '6869' } }),
      ).rejects.toMatchObject({ code: 4100 });

      const text = 'Sign in to dapp.example with Solana';
      const signed = call('solana_signMessage', { message: Buffer.from(text).toString('hex') });
      const a1 = await approveNext(t.s);
      expect(a1.sign?.solana).toEqual({ kind: 'message', warnings: [], instructions: [], message: { text, isHex: false } });
      const { signature } = (await signed) as { signature: string };
      expect(ed25519.verify(hexToBytes(signature), new TextEncoder().encode(text), t.cosigner.eddsa.groupPublicKey)).toBe(true);

      const svm = new LiteSVM();
      svm.airdrop(address(sol), lamports(5_000_000_000n));
      const to = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
      const wire = solanaTransactionBase64({
        version: 'legacy',
        feePayer: sol,
        blockhash: svm.latestBlockhash(),
        instructions: [solTransfer(sol, to, 700_000_000n)],
      });
      // A transaction the vault does not sign is refused before the user is asked.
      await expect(call('solana_signTransaction', { transaction: 'AAAA' })).rejects.toMatchObject({ code: -32602 });
      const tx = call('solana_signTransaction', { transaction: wire });
      const a2 = await approveNext(t.s);
      expect(a2.sign?.solana).toMatchObject({ kind: 'transaction', sendsSol: '0.7', warnings: [] });
      const { signedTransaction } = (await tx) as { signedTransaction: string };
      const result = svm.sendTransaction(getTransactionDecoder().decode(Buffer.from(signedTransaction, 'base64')));
      expect(result instanceof FailedTransactionMetadata ? result.toString() : 'ok').toBe('ok');
      expect(svm.getBalance(to)).toBe(700_000_000n);
      expect(seen).toEqual(['solana_message', 'solana_transaction']);
    } finally {
      server.stop();
    }
  });

  it('solana_signIn builds the Sign-In With Solana text for the page host, co-signs it as a message (noble verifies) and refuses another domain', async () => {
    const t = await pairedVault();
    const sol = vaultSolanaAddress(t.cosigner);
    const seen: string[] = [];
    const server = serve(t, (r) => (seen.push(r.kind), true));
    const call = (params: Record<string, unknown>) => t.s.handleRpc({ origin: A }, { method: 'solana_signIn', params });
    try {
      await expect(call({ input: { domain: 'evil.example' } })).rejects.toMatchObject({ code: -32602 });
      const signing = call({ input: { statement: 'Welcome', nonce: 'n0nce123' } });
      const approval = await approveNext(t.s);
      const text = `dapp.example wants you to sign in with your Solana account:\n${sol}\n\nWelcome\n\nNonce: n0nce123`;
      expect(approval.sign?.solana).toEqual({ kind: 'message', warnings: [], instructions: [], message: { text, isHex: false } });
      const r = (await signing) as { address: string; message: string; signature: string };
      expect(r.address).toBe(sol);
      expect(new TextDecoder().decode(hexToBytes(r.message))).toBe(text);
      expect(ed25519.verify(hexToBytes(r.signature), hexToBytes(r.message), t.cosigner.eddsa.groupPublicKey)).toBe(true);
      expect(seen).toEqual(['solana_message']);
    } finally {
      server.stop();
    }
  });
});

describe('solana_signAndSendTransaction: checked before approval, co-signed, then sent through the Solana RPC set in Settings', () => {
  const RECIPIENT = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
  /** A paired vault, litesvm funded for its Solana address behind the test HTTP RPC, and the page's call. */
  async function sending(whileDeciding?: (svm: LiteSVM) => void) {
    const t = await pairedVault();
    const sol = vaultSolanaAddress(t.cosigner);
    const svm = new LiteSVM();
    svm.airdrop(address(sol), lamports(3_000_000_000n));
    const rpc = await startSolanaRpc(svm);
    const seen: string[] = [];
    const server = serve(t, (r) => (seen.push(r.kind), whileDeciding?.(svm), true));
    const transfer = (amount: bigint, feePayer = sol) =>
      solanaTransactionBase64({ feePayer, blockhash: svm.latestBlockhash(), instructions: [solTransfer(sol, RECIPIENT, amount)] });
    const call = (params: Record<string, unknown>) => t.s.handleRpc({ origin: A }, { method: 'solana_signAndSendTransaction', params });
    const stop = async () => (server.stop(), await rpc.close());
    return { ...t, sol, svm, rpc, seen, transfer, call, stop };
  }
  /** The page's error: its EIP-1193 code, its stable code, and whether it names the RPC URL. */
  const refusal = (p: Promise<unknown>, url: string) =>
    p.then(
      () => 'resolved',
      (e: { code: number; message: string; data?: { code?: string } }) => ({
        code: e.code,
        solana: e.data?.code,
        showsUrl: e.message.includes(url) || JSON.stringify(e.data ?? {}).includes(url),
      }),
    );

  it('sends the co-signed System transfer (the approval says where; the recipient is paid) and answers its signature', async () => {
    const t = await sending();
    try {
      await t.s.command({ type: 'setSolanaRpcUrl', url: t.rpc.url });
      const wire = t.transfer(1_200_000_000n);
      const sent = t.call({ transaction: wire, chain: 'solana:localnet', options: { commitment: 'confirmed' } });
      const approval = await approveNext(t.s);
      expect(approval.method).toBe('solana_signAndSendTransaction');
      expect(approval.sign?.networkName).toBe('Solana (localnet)');
      expect(approval.sign?.solana).toMatchObject({
        kind: 'transaction',
        sendsSol: '1.2',
        send: { chain: 'solana:localnet', rpcUrl: t.rpc.url, options: { commitment: 'confirmed' } },
      });
      const { transactionSignature } = (await sent) as { transactionSignature: string };
      expect(t.svm.getTransaction(transactionSignature as never)).not.toBeNull();
      expect(t.svm.getBalance(RECIPIENT)).toBe(1_200_000_000n);
      expect(t.seen).toEqual(['solana_transaction']);
      // The answer is the transaction's id: the vault's signature (the fee payer's, first) over the message it was shown.
      const { messageBytes } = getTransactionDecoder().decode(Buffer.from(wire, 'base64'));
      const sigBytes = new Uint8Array(getBase58Encoder().encode(transactionSignature));
      expect(ed25519.verify(sigBytes, new Uint8Array(messageBytes), t.cosigner.eddsa.groupPublicKey)).toBe(true);
      // Home's Recent activity lists it under the vault, with its signature, cluster and origin.
      const state = await t.s.state();
      expect(state.activity[0]).toMatchObject({
        hash: transactionSignature,
        account: state.vault!.address,
        chainId: 'solana:localnet',
        to: RECIPIENT,
        value: '1.2',
        symbol: 'SOL',
        what: 'Send',
        origin: A,
      });
    } finally {
      await t.stop();
    }
  });

  it("the popup's Solana balance: none without an RPC URL, then the balance and the RPC's cluster; an RPC that fails says solana.rpcFailed", async () => {
    const t = await sending();
    try {
      expect((await t.s.run({ type: 'getSolanaBalance' })).result).toBeNull();
      await t.s.command({ type: 'setSolanaRpcUrl', url: t.rpc.url });
      expect((await t.s.run({ type: 'getSolanaBalance' })).result).toEqual({
        address: t.sol,
        lamports: '3000000000',
        sol: '3',
        chain: 'solana:localnet',
      });
      await t.s.command({ type: 'setSolanaRpcUrl', url: 'http://127.0.0.1:1' });
      expect(await t.s.answer({ type: 'getSolanaBalance' })).toMatchObject({ ok: false, code: 'solana.rpcFailed' });
      await t.s.command({ type: 'lock' });
      expect((await t.s.run({ type: 'getSolanaBalance' })).result).toBeNull();
    } finally {
      await t.stop();
    }
  });

  it('refuses before asking the user: no RPC URL, another cluster, an unreachable RPC, bad options or chain, another signer missing', async () => {
    const t = await sending();
    try {
      const wire = t.transfer(1_000_000n);
      expect(await refusal(t.call({ transaction: wire, chain: 'solana:localnet' }), t.rpc.url)).toEqual({
        code: -32603,
        solana: 'solana.noRpcUrl',
        showsUrl: false,
      });
      const url = `${t.rpc.url}/?api-key=secret`;
      await t.s.command({ type: 'setSolanaRpcUrl', url });
      expect(await refusal(t.call({ transaction: wire, chain: 'solana:devnet' }), url)).toEqual({
        code: 4901,
        solana: 'solana.wrongCluster',
        showsUrl: false,
      });
      expect(await refusal(t.call({ transaction: wire, chain: 'solana:localnet', options: { commitment: 'final' } }), url)).toEqual({
        code: -32602,
        solana: 'solana.badOptions',
        showsUrl: false,
      });
      expect(await refusal(t.call({ transaction: wire, chain: 'ethereum:1' }), url)).toMatchObject({ code: -32602 });
      expect(await refusal(t.call({ transaction: wire }), url)).toMatchObject({ code: -32602 });
      // The fee payer is another account, whose slot is empty: Tandem cannot complete it.
      const other = (await generateKeyPairSigner()).address;
      expect(await refusal(t.call({ transaction: t.transfer(1_000n, other), chain: 'solana:localnet' }), url)).toEqual({
        code: -32602,
        solana: 'solana.unsignedSlots',
        showsUrl: false,
      });
      const down = 'http://127.0.0.1:1/?api-key=secret';
      await t.s.command({ type: 'setSolanaRpcUrl', url: down });
      expect(await refusal(t.call({ transaction: wire, chain: 'solana:localnet' }), down)).toEqual({
        code: -32603,
        solana: 'solana.rpcFailed',
        showsUrl: false,
      });
      expect(await t.s.approvals.list()).toEqual([]);
      expect(t.seen).toEqual([]);
    } finally {
      await t.stop();
    }
  });

  it("Send SOL from the popup: a System transfer with the RPC's blockhash, the same approval and co-signing, sent; refusals have codes", async () => {
    const t = await sending();
    const code = (p: Promise<unknown>) => p.then(() => 'ok', errorCode);
    try {
      expect(await code(t.s.command({ type: 'sendSol', to: RECIPIENT, amount: '0.25' }))).toBe('solanaSend.noRpcUrl');
      await t.s.command({ type: 'setSolanaRpcUrl', url: t.rpc.url });
      expect(await code(t.s.command({ type: 'sendSol', to: '0x' + '22'.repeat(20), amount: '0.25' }))).toBe('solanaSend.badRecipient');
      expect(await code(t.s.command({ type: 'sendSol', to: RECIPIENT, amount: '0.1234567891' }))).toBe('send.badAmount');
      expect(await code(t.s.command({ type: 'sendSol', to: RECIPIENT, amount: '0' }))).toBe('send.amountNotPositive');
      expect(await t.s.approvals.list()).toEqual([]);
      const state = await t.s.command({ type: 'sendSol', to: RECIPIENT, amount: '0.25' });
      const [queued] = state.approvals;
      expect(queued).toMatchObject({ origin: WALLET_ORIGIN, method: 'solana_signAndSendTransaction', kind: 'sign' });
      expect(queued!.sign).toMatchObject({
        networkName: 'Solana (localnet)',
        solana: { sendsSol: '0.25', send: { chain: 'solana:localnet', rpcUrl: t.rpc.url, options: { commitment: 'confirmed' } } },
      });
      expect(queued!.sign!.solana!.instructions).toEqual(['Network fee paid by this vault', `Send 0.25 SOL from ${t.sol} to ${RECIPIENT}`]);
      await t.s.command({ type: 'decideApproval', id: queued!.id, approve: true });
      expect(t.svm.getBalance(RECIPIENT)).toBe(250_000_000n);
      expect(t.seen).toEqual(['solana_transaction']);
      expect((await t.s.state()).sendError).toBeNull();
      expect((await t.s.state()).activity).toMatchObject([{ chainId: 'solana:localnet', value: '0.25', origin: WALLET_ORIGIN }]);
      // More than the vault has: co-signed, refused by the cluster; Home shows why.
      const again = await t.s.command({ type: 'sendSol', to: RECIPIENT, amount: '10' });
      await t.s.command({ type: 'decideApproval', id: again.approvals[0]!.id, approve: true });
      expect((await t.s.state()).sendError).toMatch(/refused the transaction/);
      expect(t.svm.getBalance(RECIPIENT)).toBe(250_000_000n);
      // Not sent: not in Recent activity.
      expect((await t.s.state()).activity).toHaveLength(1);
    } finally {
      await t.stop();
    }
  });

  it('Send SOL whose blockhash expires while the co-signer decides: solana.blockhashExpired, said plainly on Home; nothing rebuilt or signed again', async () => {
    const t = await sending((svm) => svm.expireBlockhash());
    try {
      await t.s.command({ type: 'setSolanaRpcUrl', url: t.rpc.url });
      const state = await t.s.command({ type: 'sendSol', to: RECIPIENT, amount: '0.25' });
      await t.s.command({ type: 'decideApproval', id: state.approvals[0]!.id, approve: true });
      const after = await t.s.state();
      expect(after.sendError).toMatch(/expired while waiting for the co-signer.*Send again/);
      expect(after.approvals).toEqual([]);
      expect(after.activity).toEqual([]);
      expect(t.svm.getBalance(RECIPIENT)).toBeNull();
      // One request, one signature: Tandem did not build and sign another transaction by itself.
      expect(t.seen).toEqual(['solana_transaction']);
      // A page's signAndSendTransaction gets the stable code.
      const sent = t.call({ transaction: t.transfer(1_000n), chain: 'solana:localnet' });
      await approveNext(t.s);
      expect(await refusal(sent, t.rpc.url)).toEqual({ code: -32603, solana: 'solana.blockhashExpired', showsUrl: false });
      expect(t.seen).toEqual(['solana_transaction', 'solana_transaction']);
    } finally {
      await t.stop();
    }
  });

  it('a transaction the cluster refuses after co-signing ends the request with solana.sendFailed (the approval does not stay pending)', async () => {
    const t = await sending();
    try {
      await t.s.command({ type: 'setSolanaRpcUrl', url: t.rpc.url });
      const sent = t.call({ transaction: t.transfer(5_000_000_000n), chain: 'solana:localnet' });
      await approveNext(t.s);
      expect(await refusal(sent, t.rpc.url)).toEqual({ code: -32603, solana: 'solana.sendFailed', showsUrl: false });
      expect(await t.s.approvals.list()).toEqual([]);
      expect(t.svm.getBalance(RECIPIENT)).toBeNull();
      expect(t.seen).toEqual(['solana_transaction']);
    } finally {
      await t.stop();
    }
  });
});
