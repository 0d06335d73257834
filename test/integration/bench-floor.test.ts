// The bench's floor server (bench/floor.ts): node run with bin/harborctl's node flags, answering every
// request with the bytes and content headers it was given, and stopped by its own PID.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { harborctlNodeFlags, startFloor } from '../../bench/floor.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const get = (url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> => new Promise((resolve, reject) => {
  http.get(url, { agent: false }, (res) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
  }).on('error', reject);
});

test("the floor answers every request with the given bytes and content headers, under bin/harborctl's node flags", async () => {
  const flags = harborctlNodeFlags(ROOT);
  expect(flags.length).toBeGreaterThan(0);
  for (const f of flags) expect(f).toMatch(/^--[\w-]+(=\S+)?$/);
  const body = Buffer.from('{"schemaVersion":2}');
  const floor = await startFloor(ROOT, body, {
    'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String(body.length), 'docker-content-digest': 'sha256:abc',
    connection: 'close', 'x-request-id': 'not-kept',
  });
  try {
    for (const path of ['/v2/library/a/manifests/v1', '/anything']) {
      const r = await get(`${floor.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.body.equals(body)).toBe(true);
      expect(r.headers['content-type']).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(r.headers['docker-content-digest']).toBe('sha256:abc');
      expect(r.headers['x-request-id']).toBeUndefined();
    }
  } finally {
    await floor.stop();
  }
  expect(() => process.kill(floor.pid, 0)).toThrow(); // its own PID, gone
});

test('a bin/harborctl without an `exec node --flags` line is a clear error, not a floor without the flags', async () => {
  const root = await mkdtemp(join(tmpdir(), 'harborctl-floor-'));
  try {
    await mkdir(join(root, 'bin'));
    await writeFile(join(root, 'bin', 'harborctl'), '#!/bin/sh\nexec /usr/bin/env node "$@"\n');
    expect(() => harborctlNodeFlags(root)).toThrow(/no `exec node --flags/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
