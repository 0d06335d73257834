// Blob uploads (distribution-spec v1.1 §Pushing blobs): monolithic, POST-then-PUT, chunked with and
// without Content-Range, out-of-order chunks, status, cancel, cross-repository mount, sha512.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, digestOf, expectError, pushBlob, startUpload, uploadSize } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
  await srv.app.stores.projects.createProject({ name: 'other', public: true });
});
afterAll(async () => { await srv.close(); });

async function expectBlob(repo: string, data: Buffer, digest = digestOf(data)): Promise<void> {
  const r = await call(srv.url, `/v2/${repo}/blobs/${digest}`);
  expect(r.status).toBe(200);
  expect(r.body.equals(data)).toBe(true);
}

describe('monolithic', () => {
  test('POST ?digest= with the body → 201 with Location and Docker-Content-Digest', async () => {
    const data = randomBytes(4096);
    const digest = digestOf(data);
    const r = await call(srv.url, `/v2/library/up-mono/blobs/uploads/?digest=${digest}`, {
      method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' },
    });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`/v2/library/up-mono/blobs/${digest}`);
    expect(r.headers['docker-content-digest']).toBe(digest);
    expect(r.headers['content-length']).toBe('0');
    await expectBlob('library/up-mono', data);
  });

  test('POST ?digest= whose body does not match → 400 DIGEST_INVALID, no blob, no session left', async () => {
    const data = randomBytes(100);
    const wrong = digestOf('something else');
    const before = await readdir(join(srv.dataDir, 'blobs', '_uploads'));
    expectError(await call(srv.url, `/v2/library/up-mono-bad/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: data }), 400, 'DIGEST_INVALID');
    expectError(await call(srv.url, `/v2/library/up-mono-bad/blobs/${wrong}`), 404, 'BLOB_UNKNOWN');
    expectError(await call(srv.url, `/v2/library/up-mono-bad/blobs/${digestOf(data)}`), 404, 'BLOB_UNKNOWN');
    expect(await readdir(join(srv.dataDir, 'blobs', '_uploads'))).toEqual(before);
  });

  test('POST, then PUT ?digest= with the whole body', async () => {
    const data = randomBytes(5000);
    const loc = await startUpload(srv.url, 'library/up-postput');
    const r = await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT', body: data });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`/v2/library/up-postput/blobs/${digestOf(data)}`);
    expect(r.headers['docker-content-digest']).toBe(digestOf(data));
    await expectBlob('library/up-postput', data);
    // The session is finished.
    expectError(await call(srv.url, loc), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('POST answers 202 with Location, Docker-Upload-UUID and Range 0-0', async () => {
    const r = await call(srv.url, '/v2/library/up-start/blobs/uploads/', { method: 'POST' });
    expect(r.status).toBe(202);
    const id = r.headers['docker-upload-uuid'];
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(r.headers.location).toBe(`/v2/library/up-start/blobs/uploads/${id}`);
    expect(r.headers.range).toBe('0-0');
  });
});

describe('chunked', () => {
  test('PATCH with Content-Range, in order, then PUT ?digest= with no body', async () => {
    const data = randomBytes(30_000);
    const loc = await startUpload(srv.url, 'library/up-chunks');
    for (const [start, end] of [[0, 9999], [10000, 19999], [20000, 29999]]) {
      const r = await call(srv.url, loc, {
        method: 'PATCH', body: data.subarray(start, end + 1),
        headers: { 'content-range': `${start}-${end}`, 'content-type': 'application/octet-stream' },
      });
      expect(r.status).toBe(202);
      expect(r.headers.range).toBe(`0-${end}`);
      expect(r.headers.location).toBe(loc);
      expect(r.headers['docker-upload-uuid']).toBe(loc.split('/').pop());
    }
    const done = await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT' });
    expect(done.status).toBe(201);
    expect(done.headers['docker-content-digest']).toBe(digestOf(data));
    await expectBlob('library/up-chunks', data);
  });

  test('PATCH without Content-Range appends (streamed, chunked transfer encoding), PUT carries the last chunk', async () => {
    const parts = [randomBytes(7000), randomBytes(3), randomBytes(12_345)];
    const loc = await startUpload(srv.url, 'library/up-stream');
    const r1 = await call(srv.url, loc, { method: 'PATCH', body: Readable.from([parts[0].subarray(0, 1000), parts[0].subarray(1000)]) });
    expect(r1.status).toBe(202);
    expect(r1.headers.range).toBe('0-6999');
    const r2 = await call(srv.url, loc, { method: 'PATCH', body: parts[1] });
    expect(r2.status).toBe(202);
    expect(r2.headers.range).toBe('0-7002');
    const all = Buffer.concat(parts);
    const done = await call(srv.url, `${loc}?digest=${digestOf(all)}`, { method: 'PUT', body: parts[2], headers: { 'content-range': '7003-19347' } });
    expect(done.status).toBe(201);
    await expectBlob('library/up-stream', all);
  });

  test('out-of-order and overlapping chunks → 416 with the current Range; the upload is unchanged', async () => {
    const data = randomBytes(3000);
    const loc = await startUpload(srv.url, 'library/up-order');
    const first = await call(srv.url, loc, { method: 'PATCH', body: data.subarray(0, 1000), headers: { 'content-range': '0-999' } });
    expect(first.status).toBe(202);
    for (const [start, end] of [[2000, 2999], [500, 1499], [0, 999], [999, 1998]]) {
      const r = await call(srv.url, loc, { method: 'PATCH', body: data.subarray(start, end + 1), headers: { 'content-range': `${start}-${end}` } });
      expectError(r, 416, 'RANGE_INVALID');
      expect(r.headers.range).toBe('0-999');
    }
    // The same on the PUT that carries a chunk.
    const put = await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT', body: data.subarray(2000), headers: { 'content-range': '2000-2999' } });
    expectError(put, 416, 'RANGE_INVALID');
    expect(put.headers.range).toBe('0-999');
    expect(await uploadSize(srv.url, loc)).toBe(1000);
    const rest = await call(srv.url, loc, { method: 'PATCH', body: data.subarray(1000), headers: { 'content-range': '1000-2999' } });
    expect(rest.status).toBe(202);
    const done = await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT' });
    expect(done.status).toBe(201);
    await expectBlob('library/up-order', data);
  });

  test('PUT ?digest= that does not match the uploaded bytes → 400 DIGEST_INVALID, no blob', async () => {
    const data = randomBytes(2000);
    const loc = await startUpload(srv.url, 'library/up-wrong');
    await call(srv.url, loc, { method: 'PATCH', body: data });
    const wrong = digestOf('other');
    expectError(await call(srv.url, `${loc}?digest=${wrong}`, { method: 'PUT' }), 400, 'DIGEST_INVALID');
    expectError(await call(srv.url, `/v2/library/up-wrong/blobs/${wrong}`), 404, 'BLOB_UNKNOWN');
    // The bytes are still there: completing with the right digest works.
    expect(await uploadSize(srv.url, loc)).toBe(2000);
    expect((await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT' })).status).toBe(201);
  });

  test('PUT without ?digest= → 400 DIGEST_INVALID and the session survives', async () => {
    const data = randomBytes(1000);
    const loc = await startUpload(srv.url, 'library/up-nodigest');
    await call(srv.url, loc, { method: 'PATCH', body: data });
    expectError(await call(srv.url, loc, { method: 'PUT' }), 400, 'DIGEST_INVALID');
    expect(await uploadSize(srv.url, loc)).toBe(1000);
    expect((await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT' })).status).toBe(201);
  });
});

describe('status and cancel', () => {
  test('GET on a session → 204 with Range, Location and Docker-Upload-UUID', async () => {
    const loc = await startUpload(srv.url, 'library/up-status');
    const id = loc.split('/').pop()!;
    const empty = await call(srv.url, loc);
    expect(empty.status).toBe(204);
    expect(empty.headers.range).toBe('0-0');
    await call(srv.url, loc, { method: 'PATCH', body: randomBytes(1234) });
    const r = await call(srv.url, loc);
    expect(r.status).toBe(204);
    expect(r.body.length).toBe(0);
    expect(r.headers.range).toBe('0-1233');
    expect(r.headers.location).toBe(loc);
    expect(r.headers['docker-upload-uuid']).toBe(id);
  });

  test('DELETE cancels: 204, then 404 BLOB_UPLOAD_UNKNOWN for status, PATCH, PUT and DELETE; its bytes are gone', async () => {
    const loc = await startUpload(srv.url, 'library/up-cancel');
    const id = loc.split('/').pop()!;
    await call(srv.url, loc, { method: 'PATCH', body: randomBytes(100) });
    expect(await readdir(join(srv.dataDir, 'blobs', '_uploads'))).toContain(id);
    const del = await call(srv.url, loc, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await readdir(join(srv.dataDir, 'blobs', '_uploads'))).not.toContain(id);
    expectError(await call(srv.url, loc), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await call(srv.url, loc, { method: 'PATCH', body: Buffer.from('x') }), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await call(srv.url, `${loc}?digest=${digestOf('')}`, { method: 'PUT' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await call(srv.url, loc, { method: 'DELETE' }), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  test('a session belongs to its repository: another repository does not see it', async () => {
    const loc = await startUpload(srv.url, 'library/up-own');
    const id = loc.split('/').pop()!;
    expectError(await call(srv.url, `/v2/library/up-thief/blobs/uploads/${id}`), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await call(srv.url, `/v2/library/up-thief/blobs/uploads/${id}`, { method: 'DELETE' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    expect(await uploadSize(srv.url, loc)).toBe(0);
  });
});

describe('cross-repository mount', () => {
  const data = randomBytes(2048);
  const digest = digestOf(data);
  beforeAll(async () => { await pushBlob(srv.url, 'library/mount-src', data); });

  test('?mount=&from= a repository that has the blob → 201, and the blob is readable in the target', async () => {
    expectError(await call(srv.url, `/v2/other/mount-dst/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    const r = await call(srv.url, `/v2/other/mount-dst/blobs/uploads/?mount=${digest}&from=library/mount-src`, { method: 'POST' });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`/v2/other/mount-dst/blobs/${digest}`);
    expect(r.headers['docker-content-digest']).toBe(digest);
    await expectBlob('other/mount-dst', data);
  });

  test.each([
    ['the source lacks the blob', 'library/mount-empty'],
    ['the source name is invalid', 'Library/../x'],
    ['the source project does not exist', 'nosuchproject/x'],
    ['no from= at all', null],
  ])('falls back to a 202 upload session when %s', async (_why, from) => {
    const q = from === null ? `mount=${digest}` : `mount=${digest}&from=${encodeURIComponent(from)}`;
    const r = await call(srv.url, `/v2/library/mount-fallback/blobs/uploads/?${q}`, { method: 'POST' });
    expect(r.status).toBe(202);
    expect(r.headers.location).toMatch(/^\/v2\/library\/mount-fallback\/blobs\/uploads\/[A-Za-z0-9_-]+$/);
    expectError(await call(srv.url, `/v2/library/mount-fallback/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    // The session is usable for the upload the client now has to do.
    const done = await call(srv.url, `${r.headers.location}?digest=${digest}`, { method: 'PUT', body: data });
    expect(done.status).toBe(201);
    const del = await call(srv.url, `/v2/library/mount-fallback/blobs/${digest}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
  });

  test('?mount= with a malformed digest → 400 DIGEST_INVALID', async () => {
    expectError(await call(srv.url, '/v2/library/mount-bad/blobs/uploads/?mount=sha256:xyz&from=library/mount-src', { method: 'POST' }), 400, 'DIGEST_INVALID');
  });
});

test('a 3 MiB blob in streamed chunks of uneven size, read back whole and by range', async () => {
  const data = randomBytes(3 * 1024 * 1024);
  const loc = await startUpload(srv.url, 'library/up-big');
  let at = 0;
  for (const len of [1, 1024 * 1024 - 1, 1536 * 1024, 512 * 1024 - 7]) {
    const part = data.subarray(at, at + len);
    const r = await call(srv.url, loc, { method: 'PATCH', body: Readable.from([part.subarray(0, len >> 1), part.subarray(len >> 1)]), headers: { 'content-range': `${at}-${at + len - 1}` } });
    expect(r.status).toBe(202);
    at += len;
    expect(r.headers.range).toBe(`0-${at - 1}`);
  }
  const done = await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT', body: data.subarray(at) });
  expect(done.status).toBe(201);
  await expectBlob('library/up-big', data);
  const mid = await call(srv.url, `/v2/library/up-big/blobs/${digestOf(data)}`, { headers: { range: 'bytes=1048000-2097999' } });
  expect(mid.status).toBe(206);
  expect(mid.body.equals(data.subarray(1048000, 2098000))).toBe(true);
});

test('a sha512 blob through a chunked upload', async () => {
  const data = randomBytes(20_000);
  const d = digestOf(data, 'sha512');
  const loc = await startUpload(srv.url, 'library/up-512');
  await call(srv.url, loc, { method: 'PATCH', body: data.subarray(0, 8000), headers: { 'content-range': '0-7999' } });
  const wrong256 = await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT' });
  expectError(wrong256, 400, 'DIGEST_INVALID'); // only 8000 bytes are in yet
  const done = await call(srv.url, `${loc}?digest=${d}`, { method: 'PUT', body: data.subarray(8000), headers: { 'content-range': '8000-19999' } });
  expect(done.status).toBe(201);
  expect(done.headers['docker-content-digest']).toBe(d);
  await expectBlob('library/up-512', data, d);
});
