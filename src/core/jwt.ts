// RS256 JSON Web Tokens for the Docker token service (distribution's token auth, as Harbor issues
// them): sign with the registry's key, verify signature, expiry, not-before, issuer and audience.
import { createHash, createPublicKey, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto';

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/**
 * The key id Docker's libtrust derives from a public key: SHA-256 of the DER SubjectPublicKeyInfo,
 * first 240 bits, base32, in twelve groups of four joined by ':'. Registries match tokens by it.
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const hash = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

export interface JwtClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  [k: string]: unknown;
}

export function signJwt(claims: JwtClaims, privateKey: KeyObject, kid: string): string {
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = rsaSign('sha256', Buffer.from(`${head}.${body}`), privateKey);
  return `${head}.${body}.${b64url(sig)}`;
}

export type JwtCheck = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

/** Verifies an RS256 token against one key; `now` in seconds. Never throws on bad input. */
export function verifyJwt(token: string, publicKey: KeyObject, expect: { iss: string; aud: string; now: number; leewaySec?: number }): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if (header.alg !== 'RS256') return { ok: false, reason: 'unsupported algorithm' };
  if (!rsaVerify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], 'base64url'))) {
    return { ok: false, reason: 'bad signature' };
  }
  const leeway = expect.leewaySec ?? 30;
  if (typeof claims.exp !== 'number' || claims.exp + leeway <= expect.now) return { ok: false, reason: 'token expired' };
  if (typeof claims.nbf === 'number' && claims.nbf - leeway > expect.now) return { ok: false, reason: 'token not yet valid' };
  if (claims.iss !== expect.iss) return { ok: false, reason: 'wrong issuer' };
  const aud = claims.aud as unknown;
  if (!(aud === expect.aud || (Array.isArray(aud) && aud.includes(expect.aud)))) return { ok: false, reason: 'wrong audience' };
  return { ok: true, claims };
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
