/**
 * Integration: `tandem-cosigner` as separate OS processes (each with its own
 * TANDEM_HOME), a real relay process and a real Hardhat 2 node, all on
 * 127.0.0.1.
 *
 *  1. key generation 2-of-3 (three processes);
 *  2. the vault's address is funded; an EIP-1559 transaction is signed by
 *     the initiator with a co-signer serving under a policy, broadcast and
 *     mined from the vault's address; personal_sign and EIP-712 signatures
 *     verify with ethers;
 *  3. a request over the policy is refused with the reason; a request whose
 *     digest does not match its payload is refused;
 *  4. a device killed during key generation, or during a re-share, makes the
 *     others abort naming it within the round timeout, and every stored file
 *     stays byte-identical;
 *  5. re-share 2-of-3 -> 3-of-4 with a fourth process; signing with the new
 *     quorum of three; the transaction is mined from the same address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Transaction, getAddress, hexlify, toUtf8Bytes, verifyMessage, verifyTypedData } from 'ethers';
import { spawnRelayProcess, type RelayProcess } from '../src/relay/testing.js';
import { startHardhatNode, type HardhatNode } from '../e2e/support/hardhat.js';
import { VaultStore } from '../src/cosigner/store.js';
import { channelOf, type DeviceVault } from '../src/session/device-vault.js';
import { rewritingSignRequest } from '../src/session/lying-transport.test-util.js';
import { Mailbox, type CeremonyTransport } from '../src/session/mailbox.js';
import { openMailbox } from '../src/session/relay-transport.js';
import { requestSignature, SigningRefused } from '../src/session/ceremonies.js';
import { parseSigningRequest } from '../src/session/signing-request.js';
import { Cosigner, killAll, snapshot } from './support/cosigner-process.js';

const PASSWORD = 'integration-password';
const CHAIN_ID = 31337;
/** Generous bounds: the machine is shared and DKLs23 runs in each process. */
const CEREMONY_MS = 120_000;
const SIGN_MS = 90_000;
/** Short enough to keep the test quick, long enough for a live device's slowest round on a loaded machine. */
const SILENT_ROUND_TIMEOUT_S = 12;
/** Per test: several ceremonies each, when the whole unit suite shares the CPUs. */
const TEST_MS = 300_000;

let relay: RelayProcess;
let chain: HardhatNode;
const tmp: string[] = [];
const homes: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' };
let policyFile = '';
/** Policy and request files (not a co-signer home). */
let files = '';
let vaultId = '';
let address = '';

function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'tandem-cosigner-it-'));
  tmp.push(d);
  return d;
}

function cli(label: string, dir: string, args: string[]): Cosigner {
  return new Cosigner(label, args, { TANDEM_HOME: dir, TANDEM_PASSWORD: PASSWORD });
}

function requestFile(name: string, request: unknown): string {
  const path = join(files, name);
  writeFileSync(path, JSON.stringify(request));
  return path;
}

/** An unsigned EIP-1559 transfer from the vault with nonce and fees from the node. */
async function transferRequest(to: string, valueWei: bigint): Promise<unknown> {
  const nonce = Number(await chain.rpc<string>('eth_getTransactionCount', [address, 'pending']));
  const block = await chain.rpc<{ baseFeePerGas: string }>('eth_getBlockByNumber', ['latest', false]);
  const priority = 10n ** 9n;
  const tx = Transaction.from({
    type: 2,
    chainId: CHAIN_ID,
    nonce,
    to,
    value: valueWei,
    gasLimit: 21_000n,
    maxPriorityFeePerGas: priority,
    maxFeePerGas: BigInt(block.baseFeePerGas) * 2n + priority,
  });
  return { v: 1, kind: 'transaction', chainId: CHAIN_ID, path: [], tx: tx.unsignedSerialized };
}

async function receiptOf(hash: string): Promise<{ status: string; from: string; blockNumber: string }> {
  for (let i = 0; i < 100; i++) {
    const r = await chain.rpc<{ status: string; from: string; blockNumber: string } | null>('eth_getTransactionReceipt', [hash]);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no receipt for ${hash}`);
}

/** The pairing text an initiator printed (once its link line is out too). */
async function pairingOf(initiator: Cosigner): Promise<string> {
  await initiator.waitFor(/^link: /m, 30_000);
  return /^pairing: (\S+)$/m.exec(initiator.stdout)![1]!;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((res) => setTimeout(res, 50));
  }
}

function signatureOf(out: string): { serialized: string } {
  const m = /^signature: (\{.*\})$/m.exec(out);
  if (!m) throw new Error(`no signature in:\n${out}`);
  return JSON.parse(m[1]!) as { serialized: string };
}

/** A mailbox transport that swaps the digest of outgoing sign requests and re-signs them: a lying initiator. */
const lyingTransport = (inner: CeremonyTransport, vault: DeviceVault): CeremonyTransport =>
  rewritingSignRequest(inner, vault, (body) => {
    body.digest = 'ab'.repeat(32);
  });

describe('tandem-cosigner: three processes, a relay and a Hardhat node', () => {
  beforeAll(async () => {
    files = home();
    for (const k of Object.keys(homes) as Array<keyof typeof homes>) homes[k] = home();
    policyFile = join(files, 'policy.json');
    writeFileSync(
      policyFile,
      JSON.stringify({
        v: 1,
        chains: [CHAIN_ID],
        maxValueWei: String(10n ** 18n),
        dailyLimitWei: String(5n * 10n ** 18n),
        allowMessages: true,
        allowTypedData: true,
      }),
    );
    // Both started before either is awaited; each is assigned as soon as it runs, so afterAll stops it even if the other failed.
    const started = await Promise.allSettled([
      spawnRelayProcess(['--port', '0'], {
        RELAY_LIMITS: JSON.stringify({ requestsPerSecond: 100_000, requestBurst: 100_000, maxConnectionsPerAddress: 1000 }),
      }).then((r) => (relay = r)),
      startHardhatNode(CHAIN_ID).then((c) => (chain = c)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
  }, 180_000);

  afterAll(async () => {
    killAll();
    await Promise.allSettled([relay?.stop(), chain?.stop()]);
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it(
    'generates a 2-of-3 vault between three processes',
    async () => {
      const a = cli('create', homes.a, [
        'create',
        '--relay',
        relay.url,
        '--t',
        '2',
        '--n',
        '3',
        '--name',
        'Integration',
        '--device-id',
        'dev-a',
      ]);
      const pairing = await pairingOf(a);
      expect(a.stdout).toContain(`link: ${relay.url}/cosigner/#p=${pairing}`);
      const b = cli('join-b', homes.b, ['join', pairing, '--device-id', 'dev-b']);
      const c = cli('join-c', homes.c, ['join', pairing, '--device-id', 'dev-c']);
      const outs = await Promise.all([a.ok(CEREMONY_MS), b.ok(CEREMONY_MS), c.ok(CEREMONY_MS)]);
      const vaults = outs.map((o) => /^vault ([0-9a-f]{16}) address (0x[0-9a-fA-F]{40}) \(2-of-3/m.exec(o));
      expect(vaults.every((v) => v !== null)).toBe(true);
      vaultId = vaults[0]![1]!;
      address = vaults[0]![2]!;
      expect(vaults.map((v) => `${v![1]} ${v![2]}`)).toEqual(Array(3).fill(`${vaultId} ${address}`));
      // Progress was printed: who joined, the rounds, the confirmation.
      expect(outs[0]).toMatch(/^joined: dev-[bc] \(2\/3 devices\)$/m);
      expect(outs[0]).toMatch(/^round: dkls23\/keygen round \d+ received from every device$/m);
      for (const o of outs) expect(o).toMatch(/^confirmed: /m);
      // Nothing secret on the terminal: no share, no channel or identity secret, no password.
      const vaultA = await new VaultStore(homes.a).load(vaultId, PASSWORD);
      for (const o of [a, b, c].map((p) => p.stdout + p.stderr)) {
        expect(o).not.toContain(bytesToHex(vaultA.channel.secret));
        expect(o).not.toContain(bytesToHex(vaultA.identity.signSecret));
        expect(o).not.toContain(vaultA.ecdsa.secretShare.toString(16).padStart(64, '0'));
        expect(o).not.toContain(PASSWORD);
      }
      // list, export and import from the command line.
      expect(await cli('list', homes.a, ['list']).ok(30_000)).toMatch(
        new RegExp(`^${vaultId}  ${address}  2-of-3  party 1  device dev-a  generation 0  "Integration"$`, 'm'),
      );
      const backup = join(files, 'backup-a.json');
      const exported = await new Cosigner('export', ['export', '--vault', vaultId, '--out', backup], {
        TANDEM_HOME: homes.a,
        TANDEM_PASSWORD: PASSWORD,
        TANDEM_BACKUP_PASSWORD: 'backup-secret',
      }).ok(30_000);
      expect(exported).toMatch(/two shares in one place can be combined/);
      const elsewhere = home();
      const imported = await new Cosigner('import', ['import', '--in', backup], {
        TANDEM_HOME: elsewhere,
        TANDEM_PASSWORD: 'other',
        TANDEM_BACKUP_PASSWORD: 'backup-secret',
      }).ok(30_000);
      expect(imported).toContain(`imported vault ${vaultId} address ${address}`);
      const wrong = await new Cosigner('list-wrong', ['list'], { TANDEM_HOME: elsewhere, TANDEM_PASSWORD: 'not-it' }).ok(30_000);
      expect(wrong).toMatch(/cannot open: wrong password/);
      for (const o of [exported, imported, wrong]) for (const pw of [PASSWORD, 'backup-secret', 'not-it']) expect(o).not.toContain(pw);
      rmSync(elsewhere, { recursive: true, force: true });

      // One file per device, encrypted: neither the address nor the name is in it.
      for (const h of [homes.a, homes.b, homes.c]) {
        expect(Object.keys(snapshot(h))).toEqual([`vaults/${vaultId}.vault.json`]);
        const text = readFileSync(join(h, 'vaults', `${vaultId}.vault.json`), 'utf8');
        expect(text.toLowerCase()).not.toContain(address.slice(2).toLowerCase());
        expect(text).not.toContain('Integration');
        expect(statSync(join(h, 'vaults', `${vaultId}.vault.json`)).mode & 0o777).toBe(0o600);
      }
    },
    TEST_MS,
  );

  it(
    'signs an EIP-1559 transaction the node mines from the vault, and personal_sign / EIP-712 signatures ethers verifies',
    async () => {
      const [funder] = await chain.rpc<string[]>('eth_accounts');
      await receiptOf(
        await chain.rpc<string>('eth_sendTransaction', [{ from: funder, to: address, value: '0x' + (10n ** 19n).toString(16) }]),
      );

      const b = cli('serve-b', homes.b, ['serve', '--policy', policyFile]);
      const c = cli('serve-c', homes.c, ['serve', '--policy', policyFile]);
      await Promise.all([b.waitFor(/^listening for signing requests$/m, 30_000), c.waitFor(/^listening for signing requests$/m, 30_000)]);
      try {
        const recipient = getAddress('0x' + '42'.repeat(20));
        const txFile = requestFile('tx1.json', await transferRequest(recipient, 5n * 10n ** 17n));
        const sent = await cli('sign-tx', homes.a, ['sign', '--request', txFile, '--broadcast', chain.url]).ok(SIGN_MS);
        const hash = /^tx (0x[0-9a-f]{64})$/m.exec(sent)![1]!;
        const receipt = await receiptOf(hash);
        expect(receipt.status).toBe('0x1');
        expect(getAddress(receipt.from)).toBe(address);
        expect(BigInt(await chain.rpc<string>('eth_getBalance', [recipient, 'latest']))).toBe(5n * 10n ** 17n);
        // The co-signer showed what it signed, decoded from the transaction itself.
        await until(() => /^done: request/m.test(b.stdout) || /^done: request/m.test(c.stdout), 10_000);
        expect(b.stdout + c.stdout).toContain(`send 0.5 ETH to ${recipient}`);

        const message = 'Sign in to Tandem integration test';
        const msgOut = await cli('sign-msg', homes.a, [
          'sign',
          '--request',
          requestFile('msg.json', { v: 1, kind: 'personal_sign', chainId: CHAIN_ID, path: [], message: hexlify(toUtf8Bytes(message)) }),
        ]).ok(SIGN_MS);
        expect(verifyMessage(message, signatureOf(msgOut).serialized)).toBe(address);

        const domain = { name: 'Tandem Mail', version: '1', chainId: CHAIN_ID, verifyingContract: getAddress('0x' + 'cc'.repeat(20)) };
        const types = {
          EIP712Domain: [
            { name: 'name', type: 'string' },
            { name: 'version', type: 'string' },
            { name: 'chainId', type: 'uint256' },
            { name: 'verifyingContract', type: 'address' },
          ],
          Mail: [
            { name: 'to', type: 'address' },
            { name: 'contents', type: 'string' },
            { name: 'amount', type: 'uint256' },
          ],
        };
        const mail = { to: recipient, contents: 'hello from three processes', amount: '1000' };
        const typedOut = await cli('sign-typed', homes.a, [
          'sign',
          '--request',
          requestFile('typed.json', {
            v: 1,
            kind: 'typed_data',
            chainId: CHAIN_ID,
            path: [],
            typedData: { types, primaryType: 'Mail', domain, message: mail },
          }),
        ]).ok(SIGN_MS);
        const { EIP712Domain: _d, ...mailTypes } = types;
        expect(verifyTypedData(domain, mailTypes, mail, signatureOf(typedOut).serialized)).toBe(address);

        // Over the policy: both co-signers refuse, saying why; the initiator reports it and exits 3.
        const tooMuch = await cli('sign-over', homes.a, [
          'sign',
          '--request',
          requestFile('tx-over.json', await transferRequest(recipient, 2n * 10n ** 18n)),
        ]).exit(SIGN_MS);
        expect(tooMuch.code).toBe(3);
        expect(tooMuch.stderr).toMatch(/signing refused: .*policy: value 2000000000000000000 wei is over the per-transaction limit/);
        expect(tooMuch.stdout).toMatch(/^answer: dev-[bc] refused: policy: value/m);
        await b.waitFor(/^refused: request \w+: policy: value 2000000000000000000 wei is over the per-transaction limit/m, 10_000);

        // A lying initiator: the digest it asks for is not the request's. The co-signers refuse.
        const vaultA = await new VaultStore(homes.a).load(vaultId, PASSWORD);
        const opened = await openMailbox({ ...channelOf(vaultA), deviceId: vaultA.identity.deviceId });
        try {
          const lying = new Mailbox(lyingTransport(opened.mailbox.transport, vaultA));
          const request = parseSigningRequest({
            v: 1,
            kind: 'personal_sign',
            chainId: CHAIN_ID,
            path: [],
            message: hexlify(toUtf8Bytes('innocent')),
          });
          const refused = await requestSignature({
            joinTimeoutMs: 30_000,
            roundTimeoutMs: 30_000,
            mailbox: lying,
            vault: vaultA,
            request,
          }).catch((e: unknown) => e);
          expect(refused).toBeInstanceOf(SigningRefused);
          expect((refused as SigningRefused).reasons.map((r) => r.reason).join('\n')).toMatch(/does not match the request/);
        } finally {
          await opened.close();
        }
        await b.waitFor(/^refused: request \w+: the digest to sign \(abab.*\) does not match the request/m, 10_000);
      } finally {
        b.kill('SIGTERM');
        c.kill('SIGTERM');
        await Promise.all([b.exit(10_000), c.exit(10_000)]);
      }

      // Nobody serving: the initiator gives up within its timeout, naming the silent co-signers.
      const t0 = Date.now();
      const alone = await cli('sign-alone', homes.a, ['sign', '--request', join(files, 'msg.json'), '--join-timeout', '3']).exit(SIGN_MS);
      expect(alone.code).toBe(1);
      expect(alone.stderr).toMatch(/no answer from (dev-b, dev-c|dev-c, dev-b) within 3 s: the co-signer may be offline/);
      expect(Date.now() - t0).toBeLessThan(30_000);
    },
    TEST_MS,
  );

  it(
    'aborts key generation naming a device killed mid-ceremony, leaving every stored file as it was',
    async () => {
      const before = [homes.a, homes.b, homes.c].map(snapshot);
      const timeout = ['--round-timeout', String(SILENT_ROUND_TIMEOUT_S)];
      const a = cli('create-2', homes.a, ['create', '--relay', relay.url, '--t', '2', '--n', '3', '--device-id', 'keep-a', ...timeout]);
      const pairing = await pairingOf(a);
      const b = cli('join-2b', homes.b, ['join', pairing, '--device-id', 'keep-b', ...timeout]);
      const c = cli('join-2c', homes.c, ['join', pairing, '--device-id', 'gone-c', ...timeout]);
      await c.waitFor(/^roster: /m, 60_000);
      c.kill('SIGKILL');
      const killedAt = Date.now();
      const [ea, eb] = await Promise.all([a.exit(CEREMONY_MS), b.exit(CEREMONY_MS)]);
      const took = Date.now() - killedAt;
      for (const e of [ea, eb]) {
        expect(e.code).toBe(1);
        expect(e.stderr).toMatch(/gone-c/);
        expect(e.stderr).toMatch(/nothing was stored/);
      }
      // Within the round timeout (and the confirmation's), plus slack for a loaded machine.
      expect(took).toBeLessThan(2 * SILENT_ROUND_TIMEOUT_S * 1000 + 20_000);
      expect([homes.a, homes.b, homes.c].map(snapshot)).toEqual(before);
    },
    TEST_MS,
  );

  it(
    'aborts a re-share naming an old device killed mid-ceremony; no share changes, the new device stores nothing',
    async () => {
      const before = [homes.a, homes.b, homes.c, homes.d].map(snapshot);
      const timeout = ['--round-timeout', String(SILENT_ROUND_TIMEOUT_S)];
      const a = cli('reshare-x', homes.a, ['reshare', '--vault', vaultId, '--new-t', '3', '--joiners', '3', ...timeout]);
      const pairing = await pairingOf(a);
      const b = cli('reshare-xb', homes.b, ['join', pairing, ...timeout]);
      const c = cli('reshare-xc', homes.c, ['join', pairing, ...timeout]);
      const d = cli('reshare-xd', homes.d, ['join', pairing, '--device-id', 'new-d', ...timeout]);
      await b.waitFor(/^roster: /m, 60_000);
      b.kill('SIGKILL');
      const killedAt = Date.now();
      const exits = await Promise.all([a.exit(CEREMONY_MS), c.exit(CEREMONY_MS), d.exit(CEREMONY_MS)]);
      const took = Date.now() - killedAt;
      for (const e of exits) {
        expect(e.code).toBe(1);
        // The dead dealer is named, not the new device that had nothing to send yet.
        expect(e.stderr).toMatch(/dev-b/);
        expect(e.stderr).not.toMatch(/no message from [^;]*new-d/);
      }
      expect(took).toBeLessThan(2 * SILENT_ROUND_TIMEOUT_S * 1000 + 20_000);
      expect([homes.a, homes.b, homes.c, homes.d].map(snapshot)).toEqual(before);
    },
    TEST_MS,
  );

  it(
    're-shares 2-of-3 to 3-of-4 with a fourth process and signs with the new quorum of three',
    async () => {
      const before = snapshot(homes.a);
      const a = cli('reshare', homes.a, ['reshare', '--vault', vaultId, '--new-t', '3', '--joiners', '3']);
      const pairing = await pairingOf(a);
      const b = cli('reshare-b', homes.b, ['join', pairing]);
      const c = cli('reshare-c', homes.c, ['join', pairing]);
      const d = cli('reshare-d', homes.d, ['join', pairing, '--device-id', 'dev-d']);
      const outs = await Promise.all([a.ok(CEREMONY_MS), b.ok(CEREMONY_MS), c.ok(CEREMONY_MS), d.ok(CEREMONY_MS)]);
      for (const o of outs) expect(o).toMatch(new RegExp(`^vault ${vaultId} address ${address} \\(3-of-4, .* generation 1\\)$`, 'm'));
      expect(outs[1]).toMatch(/as old device dev-b/);
      expect(outs[3]).toMatch(/as new device dev-d/);
      expect(snapshot(homes.a)).not.toEqual(before);
      expect(Object.keys(snapshot(homes.d))).toEqual([`vaults/${vaultId}.vault.json`]);

      // B under its policy, D asking its user on the terminal (the test answers y).
      const b2 = cli('serve-b2', homes.b, ['serve', '--policy', policyFile, '--once']);
      const d2 = cli('serve-d2', homes.d, ['serve', '--once']);
      await Promise.all([b2.waitFor(/^listening for signing requests$/m, 30_000), d2.waitFor(/^listening for signing requests$/m, 30_000)]);
      const recipient = getAddress('0x' + '43'.repeat(20));
      const signing = cli('sign-tx-2', homes.a, [
        'sign',
        '--request',
        requestFile('tx2.json', await transferRequest(recipient, 10n ** 17n)),
        '--broadcast',
        chain.url,
      ]);
      await d2.waitFor(/^Approve\? \[y\/N\] /m, SIGN_MS);
      expect(d2.stdout).toContain(`send 0.1 ETH to ${recipient}`);
      d2.child.stdin!.write('y\n');
      const sent = await signing.ok(SIGN_MS);
      expect(sent).toMatch(/^signing: parties \d+, \d+, \d+$/m);
      const receipt = await receiptOf(/^tx (0x[0-9a-f]{64})$/m.exec(sent)![1]!);
      expect(receipt.status).toBe('0x1');
      expect(getAddress(receipt.from)).toBe(address);
      await Promise.all([b2.ok(SIGN_MS), d2.ok(SIGN_MS)]);
    },
    TEST_MS,
  );
});
