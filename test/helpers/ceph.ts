// A real S3-compatible server for the S3 blob store's tests: Ceph radosgw over 1 monitor and 1
// memstore OSD, started by test/helpers/ceph-start.sh as plain processes on loopback in a temp dir
// (Debian's ceph-mon, ceph-osd, radosgw and ceph-common must be installed: without them start()
// throws, so the suites that need it fail rather than skip). stop() signals exactly the PIDs the
// daemons wrote into that dir, and removes it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { freePort, track, untrack } from './registry-process.js';

const HERE = dirname(fileURLToPath(import.meta.url));
// Beside this file under vitest; from dist/test/helpers/ (bench/s3.ts) the script stays in the source tree.
const START = [join(HERE, 'ceph-start.sh'), join(HERE, '..', '..', '..', 'test', 'helpers', 'ceph-start.sh')].find((p) => existsSync(p))!;
const run = promisify(execFile);

export interface Ceph {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  /** Creates a bucket; returns its name. */
  bucket(name?: string): Promise<string>;
  /** Every key in a bucket under `prefix`, in key order. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** The `--storage` URL of a bucket (path-style, region us-east-1). */
  storageUrl(bucket: string, prefix?: string): string;
  stop(): Promise<void>;
}

let buckets = 0;

export async function startCeph(): Promise<Ceph> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-ceph-'));
  const stop = async (): Promise<void> => {
    const pids: number[] = [];
    for (const f of await readdir(join(dir, 'run')).catch(() => [] as string[])) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number((await readFile(join(dir, 'run', f), 'utf8')).trim());
      if (Number.isInteger(pid) && pid > 1) pids.push(pid);
    }
    for (const pid of pids) signal(pid, 'SIGTERM');
    // Daemons exit within a second or two of SIGTERM; whatever is left after 10 s is killed.
    for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
    for (const pid of pids) untrack(pid);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [rgwPort, monPort] = [await freePort(), await freePort()];
    const { stdout } = await run('bash', [START, dir, String(rgwPort), String(monPort)], { timeout: 120_000 }).catch((e: Error & { stderr?: string }) => {
      throw new Error(`could not start Ceph (Debian packages ceph-mon ceph-osd radosgw ceph-common needed): ${e.message}\n${e.stderr ?? ''}`);
    });
    for (const f of await readdir(join(dir, 'run'))) {
      if (f.endsWith('.pid')) track(Number((await readFile(join(dir, 'run', f), 'utf8')).trim()));
    }
    const m = /RGW=(\S+) AK=(\S+) SK=(\S+)/.exec(stdout);
    if (!m) throw new Error(`ceph-start.sh printed no endpoint:\n${stdout}`);
    const [, endpoint, accessKeyId, secretAccessKey] = m;
    const client = new S3Client({
      endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return {
      endpoint, accessKeyId, secretAccessKey, dir,
      async bucket(name = `b${process.pid}-${++buckets}`) {
        await client.send(new CreateBucketCommand({ Bucket: name }));
        return name;
      },
      async keys(bucket, prefix) {
        const keys: string[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
          keys.push(...(page.Contents ?? []).map((o) => o.Key!));
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return keys;
      },
      storageUrl: (bucket, prefix) => `s3://${bucket}${prefix ? `/${prefix}` : ''}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&path_style=true`,
      async stop() {
        client.destroy();
        await stop();
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* already gone */ }
}
