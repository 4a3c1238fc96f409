/** Test-only: ceremony transports that misbehave on send, for the tests of what a co-signer refuses. */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { encodeTranscript } from '../tss/transcript.js';
import type { DeviceVault } from './device-vault.js';
import type { CeremonyTransport } from './mailbox.js';

/** `inner` with its `send` replaced; every other method goes to `inner`. */
export function withSend(inner: CeremonyTransport, send: CeremonyTransport['send']): CeremonyTransport {
  return {
    ...inner,
    deviceId: inner.deviceId,
    onMessage: (h) => inner.onMessage(h),
    participants: () => inner.participants(),
    close: () => inner.close(),
    send,
  };
}

/** A lying requester: its outgoing sign-request is edited by `edit`, then signed again with its own identity key. */
export function rewritingSignRequest(
  inner: CeremonyTransport,
  vault: DeviceVault,
  edit: (body: Record<string, unknown>) => void,
): CeremonyTransport {
  return withSend(inner, (to, payload) => {
    const p = payload as Record<string, unknown>;
    if (p.t !== 'sign-request') return inner.send(to, payload);
    const { sig: _sig, ...body } = p;
    edit(body);
    const sig = bytesToHex(ed25519.sign(encodeTranscript('control', JSON.stringify(body)), vault.identity.signSecret));
    return inner.send(to, { ...body, sig });
  });
}
