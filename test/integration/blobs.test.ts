// Blob endpoints (distribution-spec v1.1 §Pulling blobs, §Deleting blobs): GET/HEAD with their
// headers, byte ranges, the per-repository access check, DELETE, and concurrent identical pushes.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTH_LINE } from '../helpers/admin-auth.js';
import { call, digestOf, expectError, pushBlob } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer(); });
afterAll(async () => { await srv.close(); });

test('/v2/ answers 200 with the API version header, on GET and HEAD', async () => {
  for (const method of ['GET', 'HEAD']) {
    const r = await call(srv.url, '/v2/', { method });
    expect(r.status).toBe(200);
    expect(r.headers['docker-distribution-api-version']).toBe('registry/2.0');
    if (method === 'GET') expect(r.json()).toEqual({});
  }
  const noSlash = await call(srv.url, '/v2');
  expect(noSlash.status).toBe(200);
});

describe('GET and HEAD', () => {
  const repo = 'library/blob-get';
  const data = randomBytes(10_000);
  const digest = digestOf(data);
  beforeAll(async () => { await pushBlob(srv.url, repo, data); });

  test('GET serves the exact bytes with Content-Length and Docker-Content-Digest', async () => {
    const r = await call(srv.url, `/v2/${repo}/blobs/${digest}`);
    expect(r.status).toBe(200);
    expect(r.body.equals(data)).toBe(true);
    expect(r.headers['content-length']).toBe(String(data.length));
    expect(r.headers['docker-content-digest']).toBe(digest);
    expect(r.headers['docker-distribution-api-version']).toBe('registry/2.0');
  });

  test('HEAD answers the same headers and no body', async () => {
    const r = await call(srv.url, `/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(r.headers['content-length']).toBe(String(data.length));
    expect(r.headers['docker-content-digest']).toBe(digest);
  });

  test('an unknown blob is 404 BLOB_UNKNOWN on GET, and 404 with no body on HEAD', async () => {
    const missing = digestOf('not pushed');
    expectError(await call(srv.url, `/v2/${repo}/blobs/${missing}`), 404, 'BLOB_UNKNOWN');
    const head = await call(srv.url, `/v2/${repo}/blobs/${missing}`, { method: 'HEAD' });
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
  });

  test('a blob is visible only in the repositories that link it', async () => {
    expectError(await call(srv.url, `/v2/library/blob-other/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
  });

  test.each([
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, 9999],
    ['bytes=-10', 9990, 9999],
    ['bytes=9000-20000', 9000, 9999], // an end past the blob is clamped (RFC 9110 §14.1.2)
    ['bytes=-20000', 0, 9999],
  ])('Range %s → 206 with Content-Range', async (range, start, end) => {
    const r = await call(srv.url, `/v2/${repo}/blobs/${digest}`, { headers: { range } });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/${data.length}`);
    expect(r.headers['content-length']).toBe(String(end - start + 1));
    expect(r.body.equals(data.subarray(start, end + 1))).toBe(true);
  });

  test.each(['bytes=10000-', 'bytes=20000-20010', 'bytes=50-10', 'bytes=-0'])('unsatisfiable Range %s → 416 with Content-Range */size', async (range) => {
    const r = await call(srv.url, `/v2/${repo}/blobs/${digest}`, { headers: { range } });
    expectError(r, 416, 'RANGE_INVALID');
    expect(r.headers['content-range']).toBe(`bytes */${data.length}`);
  });

  test('a Range header that is not a single bytes range is ignored (200, whole blob)', async () => {
    for (const range of ['items=0-5', 'bytes=0-1,5-6', 'bytes=x-y']) {
      const r = await call(srv.url, `/v2/${repo}/blobs/${digest}`, { headers: { range } });
      expect(r.status).toBe(200);
      expect(r.body.equals(data)).toBe(true);
    }
  });
});

/**
 * GET of `path` on a raw connection that is dropped the moment the last body byte arrives, as curl
 * does when it exits: the bytes received, then the access-log line of that request.
 */
async function getAndDrop(path: string): Promise<{ received: number; line: string }> {
  const { port } = new URL(srv.url);
  const sock = connect(Number(port), '127.0.0.1');
  const id = `drop-${Math.random().toString(16).slice(2)}`;
  sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}X-Request-Id: ${id}\r\n\r\n`);
  const received = await new Promise<number>((resolve, reject) => {
    let head = Buffer.alloc(0);
    let length = -1;
    let body = 0;
    sock.on('error', reject);
    sock.on('data', (chunk: Buffer) => {
      if (length < 0) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        length = Number(/content-length: (\d+)/i.exec(head.subarray(0, end).toString())![1]);
        body = head.length - end - 4;
      } else {
        body += chunk.length;
      }
      if (body >= length) { sock.destroy(); resolve(body); }
    });
  });
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = srv.logs.find((l) => l.includes(id));
    if (line) return { received, line };
    if (Date.now() > deadline) throw new Error(`no access-log line for ${id}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a download the client closes as soon as it has every byte is logged as complete, not aborted', async () => {
  const repo = 'library/blob-drop';
  const data = randomBytes(3 * 1024 * 1024 + 5);
  const digest = digestOf(data);
  await pushBlob(srv.url, repo, data);
  // Each try is a separate race between the server ending the response and the client's close;
  // before the fix most of them lost it.
  for (let i = 0; i < 8; i++) {
    const { received, line } = await getAndDrop(`/v2/${repo}/blobs/${digest}`);
    expect(received).toBe(data.length);
    expect(line).toContain(`" 200 ${data.length} `);
    expect(line).not.toMatch(/ aborted$/);
  }
});

test('an empty blob is served with Content-Length 0', async () => {
  const d = await pushBlob(srv.url, 'library/blob-empty', Buffer.alloc(0));
  expect(d.digest).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const r = await call(srv.url, `/v2/library/blob-empty/blobs/${d.digest}`);
  expect(r.status).toBe(200);
  expect(r.headers['content-length']).toBe('0');
  expect(r.body.length).toBe(0);
});

test('a sha512 blob is stored under blobs/sha512 and served by its sha512 digest', async () => {
  const data = randomBytes(3000);
  const d = digestOf(data, 'sha512');
  const put = await call(srv.url, `/v2/library/blob-512/blobs/uploads/?digest=${d}`, { method: 'POST', body: data });
  expect(put.status).toBe(201);
  expect(put.headers['docker-content-digest']).toBe(d);
  expect(put.headers.location).toBe(`/v2/library/blob-512/blobs/${d}`);
  const hex = d.slice('sha512:'.length);
  expect(await readdir(join(srv.dataDir, 'blobs', 'sha512', hex.slice(0, 2)))).toEqual([hex]);
  const r = await call(srv.url, `/v2/library/blob-512/blobs/${d}`);
  expect(r.status).toBe(200);
  expect(r.headers['docker-content-digest']).toBe(d);
  expect(r.body.equals(data)).toBe(true);
});

test('DELETE unlinks the blob: 202, then 404 BLOB_UNKNOWN; another repository keeps it', async () => {
  const data = randomBytes(500);
  const { digest } = await pushBlob(srv.url, 'library/blob-del', data);
  await pushBlob(srv.url, 'library/blob-keep', data);
  const del = await call(srv.url, `/v2/library/blob-del/blobs/${digest}`, { method: 'DELETE' });
  expect(del.status).toBe(202);
  expect(del.headers['docker-content-digest']).toBe(digest);
  expectError(await call(srv.url, `/v2/library/blob-del/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
  expectError(await call(srv.url, `/v2/library/blob-del/blobs/${digest}`, { method: 'DELETE' }), 404, 'BLOB_UNKNOWN');
  const kept = await call(srv.url, `/v2/library/blob-keep/blobs/${digest}`);
  expect(kept.status).toBe(200);
  expect(kept.body.equals(data)).toBe(true);
  // Pushing it again links it again.
  await pushBlob(srv.url, 'library/blob-del', data);
  expect((await call(srv.url, `/v2/library/blob-del/blobs/${digest}`)).body.equals(data)).toBe(true);
});

test('8 concurrent monolithic uploads of one blob all succeed and leave one file', async () => {
  const data = randomBytes(256 * 1024);
  const digest = digestOf(data);
  const replies = await Promise.all(Array.from({ length: 8 }, () =>
    call(srv.url, `/v2/library/blob-race/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data })));
  for (const r of replies) {
    expect(r.status, r.body.toString()).toBe(201);
    expect(r.headers['docker-content-digest']).toBe(digest);
  }
  const hex = digest.slice('sha256:'.length);
  const dir = join(srv.dataDir, 'blobs', 'sha256', hex.slice(0, 2));
  expect((await readdir(dir)).filter((f) => f.startsWith(hex))).toEqual([hex]);
  // No upload leftovers: every session was committed or cleaned up.
  expect(await readdir(join(srv.dataDir, 'blobs', '_uploads'))).toEqual([]);
  const r = await call(srv.url, `/v2/library/blob-race/blobs/${digest}`);
  expect(r.body.equals(data)).toBe(true);
});
