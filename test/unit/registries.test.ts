// The pieces of registry endpoints that need no server: the sealed-secret format (AES-256-GCM, a
// fresh IV each time, tampering detected) and the upstream URL and type rules.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { checkRegistryType, normalizeRegistryUrl, REGISTRY_TYPES } from '../../src/core/upstream.js';
import { SecretBox } from '../../src/services/registries.js';
import { catchHarborError } from './helpers.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  test('seals to v1:base64 that opens to the plaintext, with a new IV each time', () => {
    const a = box.seal('p@ss wörd');
    const b = box.seal('p@ss wörd');
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('p@ss');
    expect(box.open(a)).toBe('p@ss wörd');
    expect(box.open(box.seal(''))).toBe('');
  });

  test('a changed byte, another key or an unknown format does not open', () => {
    const sealed = box.seal('secret');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`)).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
    expect(() => box.open('v0:abc')).toThrow();
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('upstream rules', () => {
  test('a base URL is scheme://host[:port], a trailing slash dropped', () => {
    expect(normalizeRegistryUrl('https://registry-1.docker.io/')).toBe('https://registry-1.docker.io');
    expect(normalizeRegistryUrl(' http://127.0.0.1:5000 ')).toBe('http://127.0.0.1:5000');
    expect(normalizeRegistryUrl('https://[::1]:443')).toBe('https://[::1]');
    expect(normalizeRegistryUrl('HTTPS://Quay.IO')).toBe('https://quay.io');
  });

  test('paths, queries, fragments, user info and other schemes are refused', () => {
    for (const u of ['https://h/v2', 'https://h/..', 'https://h/%2e%2e/x', 'https://h//', 'https://h?', 'https://h#', 'https://u@h', 'https://u:p@h',
      'ftp://h', 'file:///etc/passwd', 'javascript:alert(1)', 'h:5000', '', 'https://']) {
      catchHarborError(() => normalizeRegistryUrl(u), 'BAD_REQUEST');
    }
  });

  test('types are Harbor\'s distribution adapters; helm-hub and artifact-hub are not', () => {
    for (const t of ['docker-registry', 'docker-hub', 'harbor', 'github-ghcr', 'quay']) expect(checkRegistryType(t)).toBe(t);
    expect(REGISTRY_TYPES).toHaveLength(15);
    for (const t of ['helm-hub', 'artifact-hub', 'Docker-Hub', '']) catchHarborError(() => checkRegistryType(t), 'BAD_REQUEST');
  });
});
