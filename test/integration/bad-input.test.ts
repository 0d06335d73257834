// Bad input never answers 500 and never damages what is stored: invalid names, unknown projects,
// malformed digests, bodies that disagree with their framing (raw sockets), lying Content-Range,
// unknown upload ids, malformed HTTP. Every case checks the status, the error code, and that the
// blob, manifest and upload session pushed beforehand are still exactly as they were.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  MT, RawConnection, call, digestOf, expectError, parseRawResponses, pushBlob, pushImage, rawExchange, startUpload, uploadSize, type Descriptor,
} from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN_AUTH_LINE } from '../helpers/admin-auth.js';

let srv: TestServer;
const REPO = 'library/keep';
const blob = randomBytes(5000);
let image: Descriptor & { bytes: Buffer };
/** An upload session with 1000 bytes in it that every test leaves alone. */
let pending: string;
const pendingBytes = randomBytes(1000);

beforeAll(async () => {
  srv = await startTestServer();
  await pushBlob(srv.url, REPO, blob);
  image = await pushImage(srv.url, REPO, 'stable');
  pending = await startUpload(srv.url, REPO);
  const r = await call(srv.url, pending, { method: 'PATCH', body: pendingBytes, headers: { 'content-range': '0-999' } });
  expect(r.status).toBe(202);
});

/** The state pushed in beforeAll is intact. */
async function expectIntact(): Promise<void> {
  const b = await call(srv.url, `/v2/${REPO}/blobs/${digestOf(blob)}`);
  expect(b.status).toBe(200);
  expect(b.body.equals(blob)).toBe(true);
  for (const ref of ['stable', image.digest]) {
    const m = await call(srv.url, `/v2/${REPO}/manifests/${ref}`);
    expect(m.status).toBe(200);
    expect(m.body.equals(image.bytes)).toBe(true);
  }
  expect(await uploadSize(srv.url, pending)).toBe(1000);
  const tags = await call(srv.url, `/v2/${REPO}/tags/list`);
  expect(tags.json()).toEqual({ name: REPO, tags: ['stable'] });
}

afterAll(async () => {
  // The whole file's traffic: not one 5xx, not one logged failure.
  const access = srv.logs.filter((l) => / HTTP\/1\.1" \d{3} /.test(l));
  expect(access.length).toBeGreaterThan(0);
  expect(access.filter((l) => / HTTP\/1\.1" 5\d\d /.test(l))).toEqual([]);
  expect(srv.logs.filter((l) => / ERROR /.test(l))).toEqual([]);
  await srv.close();
});

describe('invalid repository names → 400 NAME_INVALID on every endpoint', () => {
  const long = `library/${'a'.repeat(248)}`; // 256 characters
  const names = [
    'Library/keep', 'library/Keep', 'library/KEEP', // upper case
    'library/../keep', 'library/keep/..', '../library/keep', 'library/./keep', // dot segments
    'library//keep', 'library/keep/', // empty components
    'library%2Fkeep', 'library%2fkeep/x', 'library/x%2F..%2Fkeep', // encoded slashes
    'library/%2E%2E/keep', // encoded dot segment, decoded to `..`
    'library/ke%zzep', 'library/%', // malformed percent-encoding
    'library/ke%20ep', 'library/ke%00ep', 'library/keep-', 'library/-keep', 'library/a___b', 'library/a..b', // bad components
    'keep', 'library', // no project part
    long,
  ];
  const endpoints = (name: string): [string, string][] => [
    ['GET', `/v2/${name}/blobs/${digestOf(blob)}`],
    ['HEAD', `/v2/${name}/blobs/${digestOf(blob)}`],
    ['DELETE', `/v2/${name}/blobs/${digestOf(blob)}`],
    ['POST', `/v2/${name}/blobs/uploads/`],
    ['POST', `/v2/${name}/blobs/uploads/?digest=${digestOf(blob)}`],
    ['GET', `/v2/${name}/manifests/stable`],
    ['PUT', `/v2/${name}/manifests/stable`],
    ['DELETE', `/v2/${name}/manifests/${image.digest}`],
    ['GET', `/v2/${name}/tags/list`],
    ['GET', `/v2/${name}/referrers/${image.digest}`],
    ['PATCH', `/v2/${name}/blobs/uploads/${pending.split('/').pop()}`],
    ['DELETE', `/v2/${name}/blobs/uploads/${pending.split('/').pop()}`],
  ];

  test.each(names)('%s', async (name) => {
    for (const [method, path] of endpoints(name)) {
      const body = method === 'PUT' ? image.bytes : method === 'PATCH' || method === 'POST' ? blob : undefined;
      const r = await call(srv.url, path, { method, body, headers: method === 'PUT' ? { 'content-type': MT.ociManifest } : {} });
      if (method === 'HEAD') {
        expect(r.status, `${method} ${path}`).toBe(400);
        expect(r.body.length).toBe(0);
      } else {
        expect(r.status, `${method} ${path}`).toBe(400);
        expectError(r, 400, 'NAME_INVALID');
      }
    }
    await expectIntact();
  });

  test('255 characters is the longest name accepted', async () => {
    const name = `library/${'b'.repeat(247)}`;
    expect(name).toHaveLength(255);
    await pushBlob(srv.url, name, blob);
    expect(long).toHaveLength(256);
    expectError(await call(srv.url, `/v2/${long}/blobs/uploads/`, { method: 'POST' }), 400, 'NAME_INVALID');
  });
});

describe('a project that does not exist → 404 NAME_UNKNOWN, and nothing is created', () => {
  test('blob, upload, mount, manifest, tags and referrer requests', async () => {
    const uploadsBefore = await readdir(join(srv.dataDir, 'blobs', '_uploads'));
    const name = 'nosuchproject/app';
    const digest = digestOf(blob);
    const cases: [string, string, Buffer | undefined][] = [
      ['POST', `/v2/${name}/blobs/uploads/`, undefined],
      ['POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, blob],
      ['POST', `/v2/${name}/blobs/uploads/?mount=${digest}&from=${REPO}`, undefined],
      ['PATCH', `/v2/${name}/blobs/uploads/${pending.split('/').pop()}`, blob],
      ['PUT', `/v2/${name}/manifests/stable`, image.bytes],
      ['GET', `/v2/${name}/blobs/${digest}`, undefined],
      ['GET', `/v2/${name}/manifests/stable`, undefined],
      ['DELETE', `/v2/${name}/manifests/stable`, undefined],
      ['GET', `/v2/${name}/tags/list`, undefined],
    ];
    for (const [method, path, body] of cases) {
      const r = await call(srv.url, path, { method, body, headers: { 'content-type': MT.ociManifest } });
      expectError(r, 404, 'NAME_UNKNOWN');
    }
    expect(await srv.app.stores.content.getRepository(name)).toBeNull();
    expect(await readdir(join(srv.dataDir, 'blobs', '_uploads'))).toEqual(uploadsBefore);
    const cat = await call(srv.url, '/v2/_catalog');
    expect(cat.json<{ repositories: string[] }>().repositories).not.toContain(name);
    await expectIntact();
  });
});

describe('malformed and wrong digests → 400 DIGEST_INVALID', () => {
  const hex = digestOf(blob).slice(7);
  const bad = [
    'sha256:abc', `sha256:${hex}0`, `sha256:${hex.slice(1)}`, `sha256:${hex.toUpperCase()}`, `sha256:${hex.slice(1)}g`,
    `sha512:${hex}`, `md5:${hex.slice(0, 32)}`, `sha384:${hex}`, hex, `sha256-${hex}`, 'sha256:', ':abc', `SHA256:${hex}`,
  ];

  test.each(bad)('%s', async (d) => {
    const path = (p: string): string => `/v2/${REPO}/${p}`;
    for (const [method, p, body] of [
      ['GET', path(`blobs/${d}`), undefined],
      ['DELETE', path(`blobs/${d}`), undefined],
      ['POST', path(`blobs/uploads/?digest=${encodeURIComponent(d)}`), blob],
      ['POST', path(`blobs/uploads/?mount=${encodeURIComponent(d)}&from=${REPO}`), undefined],
      ['GET', path(`referrers/${d}`), undefined],
    ] as [string, string, Buffer | undefined][]) {
      expectError(await call(srv.url, p, { method, body }), 400, 'DIGEST_INVALID');
    }
    if (d.includes(':')) {
      // A manifest reference with a colon is a digest; without one it is a (valid or invalid) tag.
      expectError(await call(srv.url, path(`manifests/${d}`)), 400, 'DIGEST_INVALID');
      expectError(await call(srv.url, path(`manifests/${d}`), { method: 'DELETE' }), 400, 'DIGEST_INVALID');
      expectError(await call(srv.url, path(`manifests/${d}`), { method: 'PUT', body: image.bytes, headers: { 'content-type': MT.ociManifest } }), 400, 'DIGEST_INVALID');
    }
    await expectIntact();
  });

  test('PUT to finish an upload with a malformed digest leaves the session as it was', async () => {
    const loc = await startUpload(srv.url, REPO);
    await call(srv.url, loc, { method: 'PATCH', body: blob.subarray(0, 3000) });
    for (const d of ['sha256:abc', 'nonsense', '']) {
      expectError(await call(srv.url, `${loc}?digest=${d}`, { method: 'PUT', body: blob.subarray(3000), headers: { 'content-range': '3000-4999' } }), 400, 'DIGEST_INVALID');
    }
    expect(await uploadSize(srv.url, loc)).toBe(3000);
    const done = await call(srv.url, `${loc}?digest=${digestOf(blob)}`, { method: 'PUT', body: blob.subarray(3000), headers: { 'content-range': '3000-4999' } });
    expect(done.status).toBe(201);
    await expectIntact();
  });
});

describe('invalid tags → 400 TAG_INVALID on PUT and DELETE; a read finds no such manifest (404, as Distribution and conformance v1.1.1)', () => {
  test.each(['-lead', '.lead', '.INVALID_MANIFEST_NAME', 'a'.repeat(129), 'tag+plus', 'tag%20space', 'ta%C3%A9g'])('%s', async (tag) => {
    expectError(await call(srv.url, `/v2/${REPO}/manifests/${tag}`, { method: 'PUT', body: image.bytes, headers: { 'content-type': MT.ociManifest } }), 400, 'TAG_INVALID');
    expectError(await call(srv.url, `/v2/${REPO}/manifests/${tag}`), 404, 'MANIFEST_UNKNOWN');
    expect((await call(srv.url, `/v2/${REPO}/manifests/${tag}`, { method: 'HEAD' })).status).toBe(404);
    expectError(await call(srv.url, `/v2/${REPO}/manifests/${tag}`, { method: 'DELETE' }), 400, 'TAG_INVALID');
    await expectIntact();
  });

  test('128 characters is the longest tag accepted', async () => {
    const tag = `_${'a'.repeat(127)}`;
    const r = await call(srv.url, `/v2/library/longtag/manifests/${tag}`, { method: 'PUT', body: image.bytes, headers: { 'content-type': MT.ociManifest } });
    expectError(r, 400, 'MANIFEST_BLOB_UNKNOWN'); // the name was fine; the blobs live in another repository
  });
});

describe('upload bodies that disagree with their framing', () => {
  const port = (): number => Number(new URL(srv.url).port);

  async function untilClosed(conn: RawConnection): Promise<boolean> {
    await conn.responses(Number.MAX_SAFE_INTEGER);
    return conn.isClosed;
  }

  async function fileSize(loc: string): Promise<number> {
    return (await stat(join(srv.dataDir, 'blobs', '_uploads', loc.split('/').pop()!, 'data'))).size;
  }

  /** Polls `probe` until it returns one of `want` (the server notices a hang-up asynchronously). */
  async function until<T>(probe: () => Promise<T>, ...want: T[]): Promise<T> {
    let got = await probe();
    for (let i = 0; i < 1000 && !want.includes(got); i++) {
      await new Promise((r) => setTimeout(r, 10));
      got = await probe();
    }
    return got;
  }

  test('a body shorter than Content-Length, then a hang-up: the session keeps its old size and the chunk can be retried', async () => {
    const loc = await startUpload(srv.url, REPO);
    const data = randomBytes(9000);
    expect((await call(srv.url, loc, { method: 'PATCH', body: data.subarray(0, 1000), headers: { 'content-range': '0-999' } })).status).toBe(202);
    const sock = net.connect(port(), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Type: application/octet-stream\r\nContent-Range: 1000-8999\r\nContent-Length: 8000\r\n\r\n`);
    sock.write(data.subarray(1000, 4000));
    // Wait until the server has written the partial bytes, so the hang-up really interrupts a write.
    expect(await until(() => fileSize(loc), 4000)).toBe(4000);
    // Bytes of a chunk still in flight are not part of the upload yet.
    expect(await uploadSize(srv.url, loc)).toBe(1000);
    sock.destroy();
    // Right after the hang-up (whether or not the server has noticed it yet) the status is the old
    // size, and the client can resume from it without naming the offset.
    expect(await uploadSize(srv.url, loc)).toBe(1000);
    const retry = await call(srv.url, loc, { method: 'PATCH', body: data.subarray(1000) });
    expect(retry.status, retry.body.toString()).toBe(202);
    expect(retry.headers.range).toBe('0-8999');
    expect(await fileSize(loc)).toBe(9000);
    const done = await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT' });
    expect(done.status, done.body.toString()).toBe(201);
    const got = await call(srv.url, `/v2/${REPO}/blobs/${digestOf(data)}`);
    expect(got.body.equals(data)).toBe(true);
    await expectIntact();
  });

  test('a monolithic POST whose body is cut short creates no blob and leaves no session', async () => {
    const data = randomBytes(6000);
    const uploadsBefore = await readdir(join(srv.dataDir, 'blobs', '_uploads'));
    const sock = net.connect(port(), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(`POST /v2/${REPO}/blobs/uploads/?digest=${digestOf(data)} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: 6000\r\n\r\n`);
    await new Promise<void>((r) => sock.write(data.subarray(0, 2500), () => r()));
    // The session appears while the body streams; it must be gone once the server saw the hang-up.
    expect(await until(async () => (await readdir(join(srv.dataDir, 'blobs', '_uploads'))).length, uploadsBefore.length + 1)).toBe(uploadsBefore.length + 1);
    sock.destroy();
    expect(await until(async () => (await readdir(join(srv.dataDir, 'blobs', '_uploads'))).length, uploadsBefore.length)).toBe(uploadsBefore.length);
    expectError(await call(srv.url, `/v2/${REPO}/blobs/${digestOf(data)}`), 404, 'BLOB_UNKNOWN');
    await expectIntact();
  });

  test('a body longer than Content-Length: exactly the declared bytes are taken, the excess is a malformed request', async () => {
    const loc = await startUpload(srv.url, REPO);
    // 150 declared bytes, then 50 more (bytes no HTTP method can start with). The excess is sent
    // once the chunk is answered, so which bytes belong to which request is not a race.
    const data = Buffer.concat([randomBytes(150), Buffer.alloc(50, 0x01)]);
    const conn = await RawConnection.open(srv.url);
    await conn.write(Buffer.concat([Buffer.from(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: 150\r\n\r\n`), data.subarray(0, 150)]));
    const [first] = await conn.responses(1);
    expect(first.status).toBe(202);
    expect(first.headers.range).toBe('0-149');
    await conn.write(data.subarray(150));
    const [, second] = await conn.responses(2);
    expect(second.status).toBe(400);
    expect(JSON.parse(second.body)).toEqual({ errors: [{ code: 'BAD_REQUEST', message: expect.any(String), detail: {} }] });
    expect(await untilClosed(conn)).toBe(true);
    expect(await uploadSize(srv.url, loc)).toBe(150);
    expect((await call(srv.url, `${loc}?digest=${digestOf(data.subarray(0, 150))}`, { method: 'PUT' })).status).toBe(201);
    await expectIntact();
  });

  test('excess bytes that arrive before the chunk is stored: 400, and the session holds the chunk or nothing, never more', async () => {
    for (let i = 0; i < 3; i++) {
      const loc = await startUpload(srv.url, REPO);
      const data = randomBytes(300);
      const replies = parseRawResponses(await rawExchange(srv.url, [
        Buffer.concat([Buffer.from(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: 200\r\n\r\n`), data.subarray(0, 200), Buffer.alloc(100, 0x01)]),
      ]));
      expect(replies.map((r) => r.status)).toContain(400);
      expect(replies.every((r) => r.status === 400 || r.status === 202)).toBe(true);
      // The 400 may reach us before the handler stored (or dropped) the chunk: the status and the
      // file agree once it is done (a chunk in flight shows as the old size), and whatever is on
      // disk is the chunk or nothing.
      const size = await until(async () => {
        const reported = await uploadSize(srv.url, loc);
        return reported === (await fileSize(loc)) ? reported : -1;
      }, 0, 200);
      expect([0, 200]).toContain(size);
      const onDisk = await readFile(join(srv.dataDir, 'blobs', '_uploads', loc.split('/').pop()!, 'data'));
      expect([0, 200]).toContain(onDisk.length);
      expect(onDisk.equals(data.subarray(0, onDisk.length))).toBe(true);
    }
    await expectIntact();
  });

  test('a chunked body longer or shorter than its Content-Range → 400 SIZE_INVALID, session unchanged', async () => {
    const loc = await startUpload(srv.url, REPO);
    const data = randomBytes(3000);
    await call(srv.url, loc, { method: 'PATCH', body: data.subarray(0, 1000), headers: { 'content-range': '0-999' } });
    const longer = await call(srv.url, loc, { method: 'PATCH', body: Readable.from([data.subarray(1000, 2000), data.subarray(2000)]), headers: { 'content-range': '1000-1999' } });
    expectError(longer, 400, 'SIZE_INVALID');
    expect(await uploadSize(srv.url, loc)).toBe(1000);
    const shorter = await call(srv.url, loc, { method: 'PATCH', body: Readable.from([data.subarray(1000, 1500)]), headers: { 'content-range': '1000-2999' } });
    expectError(shorter, 400, 'SIZE_INVALID');
    expect(await uploadSize(srv.url, loc)).toBe(1000);
    expect(await fileSize(loc)).toBe(1000);
    const ok = await call(srv.url, loc, { method: 'PATCH', body: Readable.from([data.subarray(1000)]), headers: { 'content-range': '1000-2999' } });
    expect(ok.status).toBe(202);
    expect((await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT' })).status).toBe(201);
    await expectIntact();
  });

  test('Content-Range whose length is not Content-Length → 400 SIZE_INVALID; malformed ones are refused too', async () => {
    const loc = await startUpload(srv.url, REPO);
    const data = randomBytes(2000);
    await call(srv.url, loc, { method: 'PATCH', body: data.subarray(0, 1000), headers: { 'content-range': '0-999' } });
    const chunk = data.subarray(1000);
    expectError(await call(srv.url, loc, { method: 'PATCH', body: chunk, headers: { 'content-range': '1000-1499' } }), 400, 'SIZE_INVALID');
    expectError(await call(srv.url, loc, { method: 'PATCH', body: chunk, headers: { 'content-range': '1000-2999' } }), 400, 'SIZE_INVALID');
    expectError(await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT', body: chunk, headers: { 'content-range': '1000-1001' } }), 400, 'SIZE_INVALID');
    for (const cr of ['abc', '1000', '1000-', '-1999', 'bytes 1000-1999/*x', '1e3-1999', '0x3e8-1999']) {
      expectError(await call(srv.url, loc, { method: 'PATCH', body: chunk, headers: { 'content-range': cr } }), 400, 'BLOB_UPLOAD_INVALID');
    }
    // A range that ends before it starts cannot be satisfied.
    expectError(await call(srv.url, loc, { method: 'PATCH', body: chunk, headers: { 'content-range': '1999-1000' } }), 416, 'RANGE_INVALID');
    expect(await uploadSize(srv.url, loc)).toBe(1000);
    expect((await call(srv.url, loc, { method: 'PATCH', body: chunk, headers: { 'content-range': 'bytes 1000-1999/2000' } })).status).toBe(202);
    expect((await call(srv.url, `${loc}?digest=${digestOf(data)}`, { method: 'PUT' })).status).toBe(201);
    await expectIntact();
  });

  test('malformed HTTP framing (Content-Length with Transfer-Encoding, a non-numeric length) → 400, session unchanged', async () => {
    const id = pending;
    for (const head of [
      `PATCH ${id} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
      `PATCH ${id} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: five\r\n\r\nhello`,
      `PATCH ${id} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
      `PATCH ${id} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
    ]) {
      const replies = parseRawResponses(await rawExchange(srv.url, [head]));
      expect(replies.map((r) => r.status)).toEqual([400]);
    }
    await expectIntact();
  });
});

describe('unknown upload ids → 404 BLOB_UPLOAD_UNKNOWN on every upload method', () => {
  const ids = ['0f3e0c8c-1f5a-4a43-9e0e-2a1d6c7a0b11', 'x', '..', '%2E%2E', '_uploads', 'a'.repeat(500), '%00', 'data', 'a.b', '%C3%A9'];
  test.each(ids)('%s', async (id) => {
    const loc = `/v2/${REPO}/blobs/uploads/${id}`;
    expectError(await call(srv.url, loc), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await call(srv.url, loc, { method: 'PATCH', body: blob }), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await call(srv.url, `${loc}?digest=${digestOf(blob)}`, { method: 'PUT', body: blob }), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await call(srv.url, loc, { method: 'DELETE' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectIntact();
  });
});

describe('methods and endpoints that do not exist', () => {
  test.each([
    ['POST', `/v2/${REPO}/manifests/stable`],
    ['PATCH', `/v2/${REPO}/blobs/${'sha256:' + 'a'.repeat(64)}`],
    ['PUT', `/v2/${REPO}/blobs/${'sha256:' + 'a'.repeat(64)}`],
    ['DELETE', `/v2/${REPO}/tags/list`],
    ['PUT', '/v2/_catalog'],
    ['GET', `/v2/${REPO}/blobs/uploads/`],
    ['POST', `/v2/${REPO}/blobs/uploads/0f3e0c8c-1f5a-4a43-9e0e-2a1d6c7a0b11`],
    ['DELETE', '/v2/'],
  ])('%s %s → 405 UNSUPPORTED', async (method, path) => {
    expectError(await call(srv.url, path, { method }), 405, 'UNSUPPORTED');
    await expectIntact();
  });

  test('unknown paths under /v2/ → 404 NOT_FOUND', async () => {
    for (const p of [`/v2/${REPO}/nothing`, `/v2/${REPO}/manifests/`, `/v2/${REPO}/blobs/`, `/v2/${REPO}/tags/`, '/v2/_catalog/x']) {
      expectError(await call(srv.url, p), 404, 'NOT_FOUND');
    }
  });

  test('garbage pipelined behind a download in progress cuts the connection; no 400 lands inside the blob', async () => {
    const big = randomBytes(16 << 20);
    const d = await pushBlob(srv.url, 'library/big', big);
    const conn = await RawConnection.open(srv.url);
    await conn.write(`GET /v2/library/big/blobs/${d.digest} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}\r\n`);
    await conn.until((t) => t.includes('\r\n\r\n'));
    conn.pause(); // the rest of the body backs up: the response stays in flight
    const parseError = new Promise<void>((resolve) => srv.app.server.once('clientError', () => setImmediate(resolve)));
    await conn.write(Buffer.alloc(20, 0x01));
    await parseError;
    conn.resume();
    await conn.until(() => false);
    const head = conn.received.indexOf('\r\n\r\n');
    expect(conn.received.slice(0, head).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    const body = Buffer.from(conn.received.slice(head + 4), 'latin1');
    expect(body.length).toBeLessThan(big.length);
    expect(body.equals(big.subarray(0, body.length))).toBe(true);
  });

  test('an oversized request line → 400 from the parser, and the server keeps serving', async () => {
    const replies = parseRawResponses(await rawExchange(srv.url, [`GET /v2/${REPO}/tags/list?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}\r\n`]));
    expect(replies.map((r) => r.status)).toEqual([400]);
    await expectIntact();
  });
});
