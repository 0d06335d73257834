// Unit tests for the pure parts of robot accounts and quotas: secrets and their hashes, what a
// robot's permission list allows, the quota message and limits.
import { describe, expect, test } from 'vitest';
import { checkStorageLimit, humanBytes, quotaExceeded } from '../../src/services/quotas.js';
import { robotAllows, principalName } from '../../src/services/rbac.js';
import { PROJECT_PERMISSIONS, SYSTEM_PERMISSIONS, generateSecret, hashSecret, isValidSecret, verifySecret } from '../../src/services/robots.js';
import type { Robot } from '../../src/storage/meta/index.js';

function robot(over: Partial<Robot>): Robot {
  return {
    id: 1, name: 'p+bot', description: '', level: 'project', projectId: 1, secretHash: '', disabled: false, duration: -1, expiresAt: -1,
    permissions: [], creatorType: 'local', creatorRef: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...over,
  };
}

describe('robot secrets', () => {
  test('generated secrets are 32 characters with upper, lower and digit, and differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const s = generateSecret();
      expect(s).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(isValidSecret(s)).toBe(true);
      seen.add(s);
    }
    expect(seen.size).toBe(50);
  });

  test('Harbor\'s secret rules', () => {
    for (const ok of ['Abcdefg1', `A1${'b'.repeat(126)}`]) expect(isValidSecret(ok)).toBe(true);
    for (const bad of ['Abcdef1', 'abcdefg1', 'ABCDEFG1', 'Abcdefgh', `A1${'b'.repeat(127)}`, '']) expect(isValidSecret(bad)).toBe(false);
  });

  test('a salted hash verifies its secret only; two hashes of one secret differ; it never contains the secret', () => {
    const h = hashSecret('S3cretSecret');
    expect(h).toMatch(/^sha256\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(h).not.toContain('S3cretSecret');
    expect(verifySecret('S3cretSecret', h)).toBe(true);
    expect(verifySecret('S3cretSecreT', h)).toBe(false);
    expect(hashSecret('S3cretSecret')).not.toBe(h);
    for (const bad of ['', 'plain', 'sha256$only', 'scrypt$a$b']) expect(verifySecret('S3cretSecret', bad)).toBe(false);
  });
});

describe('robot permissions', () => {
  const r = robot({
    permissions: [
      { kind: 'project', namespace: 'p', access: [{ resource: 'repository', action: 'pull' }, { resource: 'artifact', action: '*' }] },
    ],
  });

  test('a grant holds in its namespace only, for its resources and actions', () => {
    expect(robotAllows(r, 'project', 'p', 'repository', 'pull')).toBe(true);
    expect(robotAllows(r, 'project', 'p', 'repository', 'push')).toBe(false);
    expect(robotAllows(r, 'project', 'q', 'repository', 'pull')).toBe(false);
    expect(robotAllows(r, 'project', 'p', 'artifact', 'delete')).toBe(true);
    expect(robotAllows(r, 'system', '/', 'repository', 'pull')).toBe(false);
  });

  test('`*` covers every project, system grants need the system kind', () => {
    const sys = robot({
      level: 'system', projectId: null, name: 'ci',
      permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }, { kind: 'system', namespace: '/', access: [{ resource: 'quota', action: 'read' }] }],
    });
    expect(robotAllows(sys, 'project', 'anything', 'repository', 'pull')).toBe(true);
    expect(robotAllows(sys, 'system', '/', 'quota', 'read')).toBe(true);
    expect(robotAllows(sys, 'system', '/', 'quota', 'update')).toBe(false);
    expect(principalName({ kind: 'robot', robot: sys, name: 'robot$ci' })).toBe('robot$ci');
    expect(principalName({ kind: 'robot', robot: r, name: 'bot_p+bot' })).toBe('bot_p+bot');
  });

  test('the assignable lists are Harbor\'s (spot checks)', () => {
    expect(PROJECT_PERMISSIONS.repository).toEqual(['read', 'update', 'delete', 'list', 'pull', 'push']);
    expect(PROJECT_PERMISSIONS.robot).not.toContain('update');
    expect(PROJECT_PERMISSIONS.user).toBeUndefined();
    expect(SYSTEM_PERMISSIONS.quota).toEqual(['read', 'list', 'update']);
    expect(SYSTEM_PERMISSIONS.repository).toBeUndefined();
  });
});

describe('quotas', () => {
  test('sizes as Harbor writes them', () => {
    expect(humanBytes(0)).toBe('0 B');
    expect(humanBytes(1023)).toBe('1023 B');
    expect(humanBytes(1024)).toBe('1.0 KiB');
    expect(humanBytes(1.2 * 1024 * 1024)).toBe('1.2 MiB');
    expect(humanBytes(10 * 2 ** 30)).toBe('10.0 GiB');
  });

  test('the exceeded error is 403 DENIED and names the size asked for, the usage and the limit', () => {
    const e = quotaExceeded({ projectId: 1, limit: 10 * 2 ** 20, used: 9 * 2 ** 20, requested: 1258291 }, 'team');
    expect(e.code).toBe('DENIED');
    expect(e.status).toBe(403);
    expect(e.message).toBe('Quota exceeded when processing the request of adding 1.2 MiB (1258291 bytes) of storage resource, which when updated to '
      + 'current usage of 9.0 MiB (9437184 bytes) will exceed the configured upper limit of 10.0 MiB (10485760 bytes) of project team.');
  });

  test('limits: -1 or a positive number of bytes', () => {
    expect(checkStorageLimit(-1, 'x')).toBe(-1);
    expect(checkStorageLimit(1, 'x')).toBe(1);
    for (const bad of [0, -2, 1.5, '10', null, Number.MAX_SAFE_INTEGER + 1]) expect(() => checkStorageLimit(bad, 'x')).toThrow(/-1 \(unlimited\)/);
  });
});
