// A full disk, for real: the blob store lives on a 4 MiB tmpfs (the tests run as root). A push that
// does not fit answers 507 with the error envelope, which reaches the client while it is still
// sending; the condition is logged once, not per request; reads go on, and so do pushes that fit.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { call, digestOf, pushBlob, startUpload } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Mounting a tmpfs needs root (CI and this project's machines run the tests as root).
const AS_ROOT = process.getuid?.() === 0;
if (!AS_ROOT) console.warn('note: test/integration/full-disk.test.ts mounts a tmpfs and needs root: skipped (.ci/run runs it as root)');

describe.skipIf(!AS_ROOT)('a full disk', () => {
  let srv: TestServer;
  let blobsDir: string;
  const REPO = 'library/full';
  const kept = randomBytes(100_000);

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'harborctl-full-'));
    blobsDir = join(dataDir, 'blobs');
    await mkdir(blobsDir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', blobsDir]);
    srv = await startTestServer({ dataDir });
    await pushBlob(srv.url, REPO, kept);
  });

  afterAll(async () => {
    await srv?.close({ keepData: true });
    if (blobsDir) execFileSync('umount', [blobsDir]);
    await srv?.close();
  });

  function fullDiskLogLines(): string[] {
    return srv.logs.filter((l) => /out of storage space/.test(l) && !/ HTTP\/1\.1" /.test(l));
  }

  test('a push that does not fit: 507 INSUFFICIENT_STORAGE read by fetch mid-body, logged once; reads and pushes that fit go on', async () => {
    const big = randomBytes(8 << 20);
    const headers = { authorization: ADMIN_AUTHORIZATION, 'content-type': 'application/octet-stream' };
    const monolithic = await fetch(`${srv.url}/v2/${REPO}/blobs/uploads/?digest=${digestOf(big)}`, { method: 'POST', headers, body: big });
    expect(monolithic.status).toBe(507);
    expect(await monolithic.json()).toMatchObject({ errors: [{ code: 'INSUFFICIENT_STORAGE' }] });

    const loc = await startUpload(srv.url, REPO);
    const chunk = await fetch(`${srv.url}${loc}`, { method: 'PATCH', headers, body: big });
    expect(chunk.status).toBe(507);
    expect(await chunk.json()).toMatchObject({ errors: [{ code: 'INSUFFICIENT_STORAGE', message: expect.stringMatching(/out of storage space/) }] });
    expect(fullDiskLogLines()).toHaveLength(1);

    const read = await call(srv.url, `/v2/${REPO}/blobs/${digestOf(kept)}`);
    expect(read.status).toBe(200);
    expect(read.body.equals(kept)).toBe(true);
    // The failed chunk was taken back: the session is as it was, and small pushes still fit.
    expect((await call(srv.url, loc)).headers.range).toBe('0-0');
    await pushBlob(srv.url, REPO, randomBytes(10_000));
  });
});
