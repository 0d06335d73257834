// doctor --pull's pure half: image references as containerd names them, the route a pull takes
// according to certs.d (which mirror, under which repository name), and which audit records count.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseImageRef, pullRecords, pullRoute } from '../../src/mirror/pull-proof.js';

const root = mkdtempSync(join(tmpdir(), 'harborctl-pull-proof-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function certsWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'certs-'));
  for (const [registry, text] of Object.entries(files)) {
    mkdirSync(join(dir, registry), { recursive: true });
    writeFileSync(join(dir, registry, 'hosts.toml'), text);
  }
  return dir;
}

describe('parseImageRef', () => {
  test.each([
    ['nginx', 'docker.io', 'library/nginx', 'latest', undefined, 'docker.io/library/nginx:latest'],
    ['bitnami/redis:7', 'docker.io', 'bitnami/redis', '7', undefined, 'docker.io/bitnami/redis:7'],
    ['index.docker.io/library/alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined, 'docker.io/library/alpine:3.20'],
    ['127.0.0.1:5001/library/tiny:1', '127.0.0.1:5001', 'library/tiny', '1', undefined, '127.0.0.1:5001/library/tiny:1'],
    ['localhost/app', 'localhost', 'app', 'latest', undefined, 'localhost/app:latest'],
    [`ghcr.io/o/r@sha256:${'b'.repeat(64)}`, 'ghcr.io', 'o/r', undefined, `sha256:${'b'.repeat(64)}`, `ghcr.io/o/r@sha256:${'b'.repeat(64)}`],
  ])('%s', (image, registry, repository, tag, digest, full) => {
    expect(parseImageRef(image)).toEqual({ registry, repository, tag, digest, full });
  });
  test.each(['', 'Upper/case', 'a//b', 'http://x/y'])('rejects %j', (image) => {
    expect(() => parseImageRef(image)).toThrow(/invalid --pull/);
  });
});

describe('pullRoute', () => {
  const tiny = parseImageRef('127.0.0.1:5001/library/tiny:1');
  test('a proxy-cache project host: the project prefixes the repository', () => {
    const dir = certsWith({ '127.0.0.1:5001': 'server = "http://127.0.0.1:5001"\n[host."https://h.example:8443/v2/cache"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n' });
    expect(pullRoute(dir, tiny)).toMatchObject({ server: 'https://h.example:8443', repository: 'cache/library/tiny', project: 'cache', hostsFile: join(dir, '127.0.0.1:5001', 'hosts.toml') });
  });
  test('a plain mirror host keeps the name; the upstream listed as a host is skipped; _default applies', () => {
    const dir = certsWith({ _default: '[host."https://127.0.0.1:5001"]\n[host."http://m:5280"]\n  capabilities = ["pull", "resolve"]\n' });
    expect(pullRoute(dir, tiny)).toMatchObject({ server: 'http://m:5280', repository: 'library/tiny', project: 'library' });
  });
  test('no file, no mirror, a file containerd ignores, a path containerd cannot use', () => {
    expect(() => pullRoute(certsWith({}), tiny)).toThrow(/no hosts.toml for 127.0.0.1:5001/);
    expect(() => pullRoute(certsWith({ '127.0.0.1:5001': 'server = "http://127.0.0.1:5001"\n[host."http://127.0.0.1:5001"]\n' }), tiny)).toThrow(/has no \[host\] mirror/);
    expect(() => pullRoute(certsWith({ '127.0.0.1:5001': 'server = [' }), tiny)).toThrow(/does not parse/);
    expect(() => pullRoute(certsWith({ '127.0.0.1:5001': '[host."http://m/x"]\n  override_path = true\n' }), tiny)).toThrow(/does not end in a \/v2 API path/);
  });
});

test('pullRecords: pulls of that repository (tag or digest) after the mark, nothing else', () => {
  const r = (id: number, resource: string, operation = 'pull') => ({ id, username: 'u', resource, operation, op_time: '' });
  const logs = [r(1, 'cache/library/tiny:1'), r(2, 'cache/library/tiny@sha256:ab'), r(3, 'cache/library/tiny-other:1'), r(4, 'cache/library/tiny:1', 'create'), r(5, 'cache/library/tiny:2')];
  expect(pullRecords(logs, 'cache/library/tiny', 1).map((l) => l.id)).toEqual([2, 5]);
});
