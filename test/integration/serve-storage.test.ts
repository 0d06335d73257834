// `serve --storage` (env HARBORCTL_STORAGE): a bad URL stops serve with exit 2 before anything is
// opened, without repeating the URL; `file:DIR` puts the blobs in DIR. The S3 form runs against a
// real radosgw in test/interop/s3-serve.test.ts.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cliEnv, serveRefusal, spawnCli } from '../helpers/cli.js';
import { pushBlob } from '../helpers/oci.js';
import { startTestServer } from '../helpers/server.js';

const FORMS = 'expected file:DIR or s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path_style=true[&credentials_file=PATH]';

describe('harborctl serve --storage', () => {
  test.each([
    [['--storage', 'bucket'], `--storage: unknown scheme (${FORMS})`],
    [['--storage', 's3://AKID:topsecret@bucket'], `--storage: credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${FORMS})`],
    [['--storage', 's3://bucket?endpoint=http://127.0.0.1:1'], `--storage: S3 storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or credentials_file=PATH (${FORMS})`],
  ])('serve %j → exit 2', async (args, line) => {
    const { result, left } = await serveRefusal(args);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `harborctl: ${line}\n` });
    // Checked before anything is opened: not even the data dir was made.
    expect(left).toEqual([]);
  });

  test('HARBORCTL_STORAGE is read when --storage is not given (the built binary, with its own environment)', async () => {
    const { env, dir, cleanup } = await cliEnv({ HARBORCTL_STORAGE: 's3://bucket?redirect=yes' });
    try {
      const r = await spawnCli(env, ['serve', '--listen', '127.0.0.1:0']);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr: `harborctl: --storage: redirect is true or false (${FORMS})\n` });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  test('file:DIR keeps the blobs in DIR, not in the data dir', async () => {
    const blobs = await mkdtemp(join(tmpdir(), 'harborctl-blobs-elsewhere-'));
    const srv = await startTestServer({ storage: { kind: 'file', dir: blobs } });
    try {
      const layer = await pushBlob(srv.url, 'library/elsewhere', Buffer.from('a layer kept elsewhere'));
      const hex = layer.digest.slice('sha256:'.length);
      expect(await readdir(join(blobs, 'sha256', hex.slice(0, 2)))).toContain(hex);
      expect(await readdir(srv.dataDir)).not.toContain('blobs');
    } finally {
      await srv.close();
      await rm(blobs, { recursive: true, force: true });
    }
  });
});
