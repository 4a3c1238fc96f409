/**
 * The relay serving https and wss itself (no proxy in front): a PEM
 * certificate chain and its private key, from `--tls-cert` / `--tls-key`
 * (RELAY_TLS_CERT / RELAY_TLS_KEY). Node's `tls` does the work; this module
 * only loads and checks the files, so a wrong path or a key that does not
 * match the certificate stops the relay at start with a clear message, and
 * `reload()` swaps in renewed files without dropping connections.
 */
import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { RelayConfigError } from './errors.js';

export interface TlsFiles {
  /** PEM certificate chain (leaf first). */
  cert: string;
  /** PEM private key of the leaf certificate. */
  key: string;
}

/** A TLS file that cannot be used: code `relayConfig.tls`, `details.check` `read`, `pem` or `keyMismatch`. */
export class TlsConfigError extends RelayConfigError {
  override name = 'TlsConfigError';
  constructor(check: 'read' | 'pem' | 'keyMismatch', message: string, cause?: unknown) {
    super('relayConfig.tls', check, message, cause);
  }
}

/** Reads and checks the files; throws TlsConfigError saying which file is wrong. */
export function loadTls(files: TlsFiles): SecureContextOptions {
  const read = (path: string, what: string, marker: RegExp): Buffer => {
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (e) {
      throw new TlsConfigError('read', `cannot read the TLS ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, e);
    }
    if (!marker.test(pem.toString('latin1'))) throw new TlsConfigError('pem', `${path} is not a PEM ${what}`);
    return pem;
  };
  const options: SecureContextOptions = {
    cert: read(files.cert, 'certificate', /-----BEGIN CERTIFICATE-----/),
    key: read(files.key, 'private key', /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/),
    minVersion: 'TLSv1.2',
  };
  try {
    createSecureContext(options);
  } catch (e) {
    throw new TlsConfigError(
      'keyMismatch',
      `the TLS key ${files.key} does not fit the certificate ${files.cert}: ${(e as Error).message}`,
      e,
    );
  }
  return options;
}

/** Re-reads the files (after a renewal) and uses them for new connections. */
export function reloadTls(server: HttpsServer, files: TlsFiles): void {
  server.setSecureContext(loadTls(files));
}
