// The bench's floors (bench/floor.ts): the manifest floor (node run with bin/harborctl's node flags
// and malloc settings, answering every request with the bytes and content headers it was given), the
// blob floor (the same node, taking uploads and serving blobs as the bench's client drives them) and
// the sendfile floor (C, built with the machine's cc); each stopped by its own PID.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { harborctlEnv, harborctlNodeFlags, startBlobFloor, startFloor, startSendfileFloor } from '../../bench/floor.js';

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
    // bin/harborctl's malloc settings, as the server gets them.
    const env = harborctlEnv(ROOT);
    expect(env).toEqual({ MALLOC_MMAP_THRESHOLD_: expect.stringMatching(/^\d+$/), MALLOC_ARENA_MAX: expect.stringMatching(/^\d+$/) });
    const environ = readFileSync(`/proc/${floor.pid}/environ`, 'latin1').split('\0');
    for (const [k, v] of Object.entries(env)) expect(environ).toContain(`${k}=${v}`);
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

const send = (method: string, url: string, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> => new Promise((resolve, reject) => {
  const req = http.request(url, { method, agent: false, headers: { 'Content-Length': String(body?.length ?? 0) } }, (res) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
  });
  req.on('error', reject);
  req.end(body);
});

test('the blob floor takes a monolithic and a chunked upload, checks the digest, and serves the blob back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-blob-floor-'));
  const floor = await startBlobFloor(ROOT, dir);
  try {
    const blob = randomBytes(3 * 1024 * 1024 + 17);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    // Monolithic: POST, then PUT ?digest= with every byte.
    const mono = await send('POST', `${floor.url}/v2/library/a/blobs/uploads/`);
    expect(mono.status).toBe(202);
    const put = await send('PUT', `${floor.url}${mono.headers.location}?digest=${digest}`, blob);
    expect(put.status).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(digest);
    const got = await send('GET', `${floor.url}/v2/library/a/blobs/${digest}`);
    expect(got.status).toBe(200);
    expect(got.body.equals(blob)).toBe(true);
    // Chunked: POST, two PATCHes following Location, an empty PUT.
    let at = (await send('POST', `${floor.url}/v2/library/b/blobs/uploads/`)).headers.location!;
    for (const part of [blob.subarray(0, 1_000_000), blob.subarray(1_000_000)]) {
      const r = await send('PATCH', `${floor.url}${at}`, part);
      expect(r.status).toBe(202);
      at = r.headers.location!;
    }
    expect((await send('PUT', `${floor.url}${at}?digest=${digest}`)).status).toBe(201);
    expect((await send('GET', `${floor.url}/v2/library/b/blobs/${digest}`)).body.equals(blob)).toBe(true);
    // A wrong digest stores nothing; an unknown blob is a 404.
    const bad = await send('POST', `${floor.url}/v2/library/c/blobs/uploads/`);
    const other = `sha256:${'0'.repeat(64)}`;
    expect((await send('PUT', `${floor.url}${bad.headers.location}?digest=${other}`, Buffer.from('x'))).status).toBe(400);
    expect((await send('GET', `${floor.url}/v2/library/c/blobs/${other}`)).status).toBe(404);
    expect(await readdir(dir)).toEqual([digest.slice('sha256:'.length)]); // the blob, and no upload left behind
  } finally {
    await floor.stop();
    await rm(dir, { recursive: true, force: true });
  }
  expect(() => process.kill(floor.pid, 0)).toThrow();
});

const hasCc = spawnSync('cc', ['--version']).status === 0;

test.skipIf(!hasCc)('the sendfile floor is built with cc and answers a GET with the whole file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-sendfile-floor-'));
  try {
    const blob = randomBytes(5 * 1024 * 1024 + 3);
    await writeFile(join(dir, 'blob.bin'), blob);
    const floor = await startSendfileFloor(ROOT, dir, join(dir, 'blob.bin'));
    if (typeof floor === 'string') throw new Error(floor);
    try {
      const r = await send('GET', `${floor.url}/v2/library/a/blobs/sha256:x`);
      expect(r.status).toBe(200);
      expect(r.headers['content-length']).toBe(String(blob.length));
      expect(r.body.equals(blob)).toBe(true);
    } finally {
      await floor.stop();
    }
    expect(() => process.kill(floor.pid, 0)).toThrow();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a sendfile floor that cannot be built says why instead of starting', async () => {
  const root = await mkdtemp(join(tmpdir(), 'harborctl-floor-'));
  try {
    await mkdir(join(root, 'bench'));
    await writeFile(join(root, 'bench', 'floor-sendfile.c'), 'this is not C\n');
    const why = await startSendfileFloor(root, root, join(root, 'blob.bin'));
    expect(why).toMatch(/^no sendfile floor: cc (failed|could not run)/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
