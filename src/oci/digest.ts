// Digests as the OCI image spec defines them (descriptor.md §Digests): `algorithm:encoded`.
// We accept the two registered algorithms, sha256 and sha512, with their exact hex lengths.
import { createHash, type Hash } from 'node:crypto';
import { HarborError } from '../core/errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export interface ParsedDigest { algorithm: DigestAlgorithm; hex: string; digest: string }

const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Parses and validates a digest; returns null when it is not one. */
export function tryParseDigest(s: string): ParsedDigest | null {
  if (!GRAMMAR.test(s)) return null;
  const i = s.indexOf(':');
  const algorithm = s.slice(0, i);
  const hex = s.slice(i + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return null;
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) return null;
  return { algorithm, hex, digest: s };
}

export function parseDigest(s: string | null | undefined, what = 'digest'): ParsedDigest {
  const d = s ? tryParseDigest(s) : null;
  if (!d) throw new HarborError('DIGEST_INVALID', `invalid ${what}`, { detail: { digest: s ?? '' } });
  return d;
}

export function isDigest(s: string): boolean {
  return tryParseDigest(s) !== null;
}

export function newHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}
