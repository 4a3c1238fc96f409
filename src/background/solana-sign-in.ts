/**
 * Sign-In With Solana (`solana:signIn`, docs/solana.md): the message text
 * the vault signs, built here from the page's input in the format of
 * EIP-4361 / CAIP-122 as Solana wallets write it:
 *
 *     ${domain} wants you to sign in with your Solana account:
 *     ${address}
 *
 *     ${statement}
 *
 *     URI: ${uri}
 *     Version: ${version}
 *     Chain ID: ${chainId}
 *     Nonce: ${nonce}
 *     Issued At: ${issuedAt}
 *     Expiration Time: ${expirationTime}
 *     Not Before: ${notBefore}
 *     Request ID: ${requestId}
 *     Resources:
 *     - ${resource}
 *
 * (absent fields are left out). The domain is the requesting page's host:
 * a different one is refused (a page must not get a sign-in for another
 * site). No field may contain a line break, so no field can forge another.
 * The text is co-signed as an ordinary `solana_message`: every co-signer
 * shows it as text.
 */
import { rpcErrors } from '../shared/rpc-errors';

/** The input fields of `SolanaSignInInput` this wallet accepts (not `useOffchainMessage`). */
const FIELDS = [
  'domain',
  'address',
  'statement',
  'uri',
  'version',
  'chainId',
  'nonce',
  'issuedAt',
  'expirationTime',
  'notBefore',
  'requestId',
  'resources',
] as const;

type Field = (typeof FIELDS)[number];
export type SignInInput = Partial<Record<Exclude<Field, 'resources'>, string>> & { resources?: string[] };

const LABELS: [Exclude<Field, 'domain' | 'address' | 'statement' | 'resources'>, string][] = [
  ['uri', 'URI'],
  ['version', 'Version'],
  ['chainId', 'Chain ID'],
  ['nonce', 'Nonce'],
  ['issuedAt', 'Issued At'],
  ['expirationTime', 'Expiration Time'],
  ['notBefore', 'Not Before'],
  ['requestId', 'Request ID'],
];

const MAX_FIELD = 1024;
const MAX_RESOURCES = 32;

function line(method: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_FIELD || /[\r\n\u2028\u2029]/.test(v))
    throw rpcErrors.invalidParams(method, `${name} must be a single line of at most ${MAX_FIELD} characters`);
  return v;
}

/** Strictly parses the page's input: only known fields, each a single-line string (resources: a list of them). */
export function parseSignInInput(method: string, x: unknown): SignInInput {
  if (x === undefined || x === null) return {};
  if (typeof x !== 'object' || Array.isArray(x)) throw rpcErrors.invalidParams(method, 'the sign-in input must be an object');
  const out: SignInInput = {};
  for (const [k, v] of Object.entries(x)) {
    if (v === undefined || v === '') continue; // absent, as the reference wallets read an empty field
    if (k === 'useOffchainMessage') throw rpcErrors.invalidParams(method, 'Tandem signs in with a plain message, not an off-chain message');
    if (!(FIELDS as readonly string[]).includes(k)) throw rpcErrors.invalidParams(method, `unknown sign-in field ${k}`);
    if (k === 'resources') {
      if (!Array.isArray(v) || v.length > MAX_RESOURCES) throw rpcErrors.invalidParams(method, 'resources must be a list of URIs');
      out.resources = v.map((r, i) => line(method, `resources[${i}]`, r));
    } else out[k as Exclude<Field, 'resources'>] = line(method, k, v);
  }
  return out;
}

/** The host (with port when not the default) of the requesting page's origin. */
export function originHost(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return '';
  }
}

/**
 * The sign-in message text for `input` from `origin`, signed by `address`
 * (the vault's): the domain defaults to the page's host and must equal it;
 * a given address must be the vault's.
 */
export function signInMessageText(method: string, input: SignInInput, origin: string, address: string): string {
  const host = originHost(origin);
  if (!host) throw rpcErrors.invalidParams(method, 'this page has no host to sign in to');
  const domain = input.domain ?? host;
  if (domain !== host) throw rpcErrors.invalidParams(method, `the sign-in domain ${domain} is not this page's host ${host}`);
  if (input.address !== undefined && input.address !== address)
    throw rpcErrors.invalidParams(method, `the sign-in address ${input.address} is not this vault's Solana account ${address}`);
  let text = `${domain} wants you to sign in with your Solana account:\n${address}`;
  if (input.statement !== undefined) text += `\n\n${input.statement}`;
  const fields = LABELS.flatMap(([k, label]) => (input[k] === undefined ? [] : [`${label}: ${input[k]}`]));
  if (input.resources !== undefined) fields.push('Resources:', ...input.resources.map((r) => `- ${r}`));
  if (fields.length) text += `\n\n${fields.join('\n')}`;
  return text;
}
