// Password hashing with scrypt (memory-hard, from node:crypto) and constant-time comparison, and
// Harbor's password policy. Stored form: `scrypt$N$r$p$salt$hash` (base64url), so parameters can be
// raised later.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HarborError } from './errors.js';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, KEYLEN, opts, (e, k) => (e ? reject(e) : resolve(k))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  const key = await scrypt(password, salt, { N: n, r, p, maxmem: 64 * 1024 * 1024 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Harbor's password policy: 8–128 characters with an upper-case letter, a lower-case letter and a digit. */
export function checkPasswordPolicy(pw: string): void {
  if (pw.length < 8 || pw.length > 128 || !/[A-Z]/.test(pw) || !/[a-z]/.test(pw) || !/[0-9]/.test(pw)) {
    throw new HarborError('BAD_REQUEST', 'the password must be 8 to 128 characters long with at least one upper-case letter, one lower-case letter and one digit');
  }
}

/** A random password that satisfies the policy (the first-start admin's, an OIDC user's CLI secret). */
export function generatePassword(): string {
  return `Hc${randomBytes(18).toString('base64url')}9`;
}
