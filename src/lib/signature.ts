import { createHmac, timingSafeEqual } from 'node:crypto';

/** Digest algorithms a `X-Sequr-Signature` header may name. Genea sends `sha1`. */
export type SignatureAlgorithm = 'sha1' | 'sha256';

const HEX_LENGTH: Record<SignatureAlgorithm, number> = { sha1: 40, sha256: 64 };
const HEADER_PATTERN = /^\s*(sha1|sha256)=([0-9a-f]+)\s*$/i;

/** The header value Genea would send for `body`: `sha1=<lowercase hex HMAC>`. */
export function signBody(body: Buffer | string, secret: string, algorithm: SignatureAlgorithm = 'sha1'): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
}

export type SignatureCheck =
  | { readonly valid: true; /** 0 for `secret`, 1 for `previousSecret`, ... */ readonly secretIndex: number }
  | { readonly valid: false; readonly problem: 'missing' | 'malformed' | 'mismatch' };

/**
 * Checks a signature header against the exact bytes received, trying each
 * secret in turn. Never throws: any header value (absent, repeated, garbage)
 * yields a verdict.
 */
export function verifySignature(body: Buffer, header: unknown, secrets: readonly string[]): SignatureCheck {
  if (header === undefined || header === null || header === '') {
    return { valid: false, problem: 'missing' };
  }
  if (typeof header !== 'string') return { valid: false, problem: 'malformed' };
  const match = HEADER_PATTERN.exec(header);
  if (!match) return { valid: false, problem: 'malformed' };
  const algorithm = match[1].toLowerCase() as SignatureAlgorithm;
  const hex = match[2];
  if (hex.length !== HEX_LENGTH[algorithm]) return { valid: false, problem: 'malformed' };
  const received = Buffer.from(hex, 'hex');
  for (let i = 0; i < secrets.length; i++) {
    const expected = createHmac(algorithm, secrets[i]).update(body).digest();
    // Constant-time: the lengths are equal (checked above), so only the bytes decide.
    if (timingSafeEqual(expected, received)) return { valid: true, secretIndex: i };
  }
  return { valid: false, problem: 'mismatch' };
}
