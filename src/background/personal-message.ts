/**
 * personal_sign / personal_ecRecover messages (EIP-191 version 0x45), read
 * the way MetaMask reads them: 0x-prefixed hex of an even length is bytes,
 * anything else is UTF-8 text.
 */
import { Signature, hashMessage, hexlify, isHexString, recoverAddress, toUtf8Bytes } from 'ethers';

/** The message bytes as lower-case 0x hex. */
export function decodeMessageParam(message: string): string {
  return isHexString(message) && message.length % 2 === 0 ? message.toLowerCase() : hexlify(toUtf8Bytes(message));
}

/** The address whose key made `signature` over the EIP-191 message `hex`, or null when the signature is malformed. */
export function recoverPersonal(hex: string, signature: string): string | null {
  try {
    if (!isHexString(signature, 65)) return null;
    return recoverAddress(hashMessage(hexToBytesStrict(hex)), Signature.from(signature));
  } catch {
    return null;
  }
}

function hexToBytesStrict(hex: string): Uint8Array {
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}
