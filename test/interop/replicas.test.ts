// Scale-out end to end (issue 16): N `harborctl serve` processes given the same database and the
// same blob storage, behind a real load balancer (Debian's HAProxy, round-robin per request), with
// skopeo, podman and containerd (ctr, one plain containerd process for the whole file) pushing and
// pulling through it. Run on four setups: one shared data dir (its SQLite file in WAL mode) with
// the filesystem blob store or a real radosgw bucket (test/helpers/ceph.ts); and a real PostgreSQL
// 15 (test/helpers/postgres.ts) with a shared blob directory or radosgw, where each replica has a
// data dir of its own, as pods do. The PostgreSQL + radosgw setup, the real scale-out target, runs
// three replicas; the others two.
// Without haproxy, containerd, Ceph or PostgreSQL installed this fails, never skips.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION, TEST_ADMIN_PASSWORD } from '../helpers/admin-auth.js';
import { startCeph, type Ceph } from '../helpers/ceph.js';
import { ContainerClients } from '../helpers/clients.js';
import { startContainerd, type PlainContainerd } from '../helpers/containerd.js';
import { startHaproxy, type Haproxy } from '../helpers/haproxy.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { call, digestOf, expectError, MT, pushImage, startUpload, type Descriptor, type Reply } from '../helpers/oci.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';

const copyFlags = ['--src-tls-verify=false', '--dest-tls-verify=false'];

/** What both replicas are given; `sharedDataDir`: the SQLite setups share one data dir (the database is in it). */
interface Setup { args: string[]; env: NodeJS.ProcessEnv; sharedDataDir: boolean }
/** `replicas`: how many `harborctl serve` processes the setup runs behind the balancer. */
interface Backend { name: string; replicas: number; start(): Promise<Setup>; stop(): Promise<void> }

let ceph: Ceph | undefined;
let postgres: Postgres | undefined;
let blobDir: string | undefined;

/** A radosgw bucket; its keys in the environment, or (`credentialsFile`) in a 0600 AWS credentials file named by the URL. */
async function s3(credentialsFile = false): Promise<Pick<Setup, 'args' | 'env'>> {
  ceph = await startCeph();
  const bucket = await ceph.bucket();
  if (!credentialsFile) {
    return { args: ['--storage', ceph.storageUrl(bucket, 'replicas')], env: { AWS_ACCESS_KEY_ID: ceph.accessKeyId, AWS_SECRET_ACCESS_KEY: ceph.secretAccessKey } };
  }
  const file = join(ceph.dir, 'registry-credentials');
  await writeFile(file, `[registry]\naws_access_key_id = ${ceph.accessKeyId}\naws_secret_access_key = ${ceph.secretAccessKey}\n`, { mode: 0o600 });
  return { args: ['--storage', `${ceph.storageUrl(bucket, 'replicas')}&credentials_file=${encodeURIComponent(file)}&profile=registry`], env: {} };
}

async function pgArgs(): Promise<string[]> {
  postgres = await startPostgres();
  return ['--db', await postgres.database()];
}

const stopAll = async (): Promise<void> => {
  await ceph?.stop();
  await postgres?.stop();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
  ceph = undefined;
  postgres = undefined;
  blobDir = undefined;
};

const backends: Backend[] = [
  { name: 'SQLite (WAL) + filesystem, one data dir', replicas: 2, start: async () => ({ args: [], env: {}, sharedDataDir: true }), stop: stopAll },
  { name: 'SQLite (WAL) + radosgw, one data dir', replicas: 2, start: async () => ({ ...(await s3()), sharedDataDir: true }), stop: stopAll },
  {
    name: 'PostgreSQL + one blob directory, a data dir each',
    replicas: 2,
    start: async () => {
      blobDir = await mkdtemp(join(tmpdir(), 'harborctl-replica-blobs-'));
      return { args: [...(await pgArgs()), '--storage', `file:${blobDir}`], env: {}, sharedDataDir: false };
    },
    stop: stopAll,
  },
  {
    name: 'PostgreSQL + radosgw (keys in a credentials file), a data dir each',
    replicas: 3,
    start: async () => {
      const { args, env } = await s3(true);
      return { args: [...(await pgArgs()), ...args], env, sharedDataDir: false };
    },
    stop: stopAll,
  },
];

/** An image's manifest and every blob, read back through `base` and checked against their digests. */
async function pullBack(base: string, repo: string, ref: string): Promise<string> {
  const m = await call(base, `/v2/${repo}/manifests/${ref}`, { headers: { accept: MT.ociManifest } });
  expect(m.status, m.body.toString()).toBe(200);
  const doc = m.json<{ config: Descriptor; layers: Descriptor[] }>();
  for (const d of [doc.config, ...doc.layers]) {
    const b = await call(base, `/v2/${repo}/blobs/${d.digest}`);
    expect(b.status).toBe(200);
    expect(digestOf(b.body)).toBe(d.digest);
  }
  return digestOf(m.body);
}

/** One PATCH of `data` at `start` of the upload at `location` (a path), sent to `base`. */
function patch(base: string, location: string, data: Buffer, start: number): Promise<Reply> {
  return call(base, location, {
    method: 'PATCH', body: data,
    headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + data.length - 1}` },
  });
}

const withDigest = (location: string, digest: string): string => `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`;

let containerd: PlainContainerd;
beforeAll(async () => {
  containerd = await startContainerd();
}, 60_000);
afterAll(async () => {
  await containerd?.stop();
});

describe.each(backends)('$replicas replicas behind HAProxy: $name', (backend) => {
  let rs: RegistryProcess[];
  let lb: Haproxy;
  let clients: ContainerClients;
  let images: TestImages;
  let shared: boolean;

  beforeAll(async () => {
    const { args, env, sharedDataDir } = await backend.start();
    shared = sharedDataDir;
    images = await buildTestImages();
    // All start at once: they must agree on the schema, the admin, the library and the keys.
    const other = shared ? await mkdtemp(join(tmpdir(), 'harborctl-interop-data-')) : undefined;
    rs = await Promise.all(Array.from({ length: backend.replicas }, () => startHarborctl({ args, env, dataDir: other })));
    lb = await startHaproxy(rs.map((r) => r.host));
    clients = await ContainerClients.create([lb.host, ...rs.map((r) => r.host)]);
  }, 120_000);
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      for (const r of rs ?? []) console.error(`replica ${r.host} log (last 30 lines):\n${r.logs.slice(-30).join('\n')}`);
      console.error(`haproxy log:\n${lb?.logs.slice(-20).join('\n')}`);
    }
  });
  afterAll(async () => {
    await lb?.stop();
    for (const r of (rs ?? []).slice(1)) await r.stop({ keepData: shared });
    await rs?.[0].stop();
    await clients?.dispose();
    await images?.dispose();
    await backend.stop();
  });

  /** Requests of `method` on `path` (a prefix) in a replica's access log. */
  const served = (r: RegistryProcess, method: string, path: string): number => r.accessLog().filter((l) => l.includes(`"${method} ${path}`)).length;

  test('skopeo pushes an image and an index through the balancer; every replica took part, and each serves all of it', async () => {
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${lb.host}/library/tiny:1`]);
    await clients.skopeo(['copy', '--all', ...copyFlags, `oci:${images.layout}:multi`, `docker://${lb.host}/library/multi:1`]);
    for (const r of rs) expect(served(r, 'PUT', '/v2/library/') + served(r, 'PATCH', '/v2/library/') + served(r, 'POST', '/v2/library/'), r.host).toBeGreaterThan(0);
    for (const r of rs) {
      const info = JSON.parse((await clients.skopeo(['inspect', '--tls-verify=false', `docker://${r.host}/library/tiny:1`])).stdout) as { Digest: string };
      expect(info.Digest).toBe(images.tiny.digest);
      expect(await pullBack(r.url, 'library/tiny', '1')).toBe(images.tiny.digest);
      const raw = await clients.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${r.host}/library/multi:1`]);
      expect(Buffer.from(raw.stdout).equals(images.multi.index)).toBe(true);
    }
  });

  test('podman pulls through the balancer what skopeo pushed, and pushes an image of its own that skopeo reads back', async () => {
    await clients.podman(['pull', `${lb.host}/library/tiny:1`]);
    const [img] = JSON.parse((await clients.podman(['image', 'inspect', `${lb.host}/library/tiny:1`])).stdout) as { Digest: string }[];
    expect(img.Digest).toBe(images.tiny.digest);
    await clients.podman(['tag', `${lb.host}/library/tiny:1`, `${lb.host}/library/podman:copy`]);
    await clients.podman(['push', '--tls-verify=false', `${lb.host}/library/podman:copy`]);
    const back = JSON.parse((await clients.skopeo(['inspect', '--tls-verify=false', `docker://${lb.host}/library/podman:copy`])).stdout) as { Layers: string[] };
    expect(back.Layers).toHaveLength(images.tiny.layers.length);
  });

  test('containerd (ctr) pulls through the balancer what skopeo pushed, and pushes it under a new name that every replica serves with the same digests', async () => {
    const ns = `replicas-${backend.replicas}-${backends.indexOf(backend)}`;
    const ref = `${lb.host}/library/tiny:1`;
    const marks = rs.map((r) => r.accessLog().length);
    await containerd.ctr(['--namespace', ns, 'images', 'pull', '--plain-http', '--snapshotter', 'native', ref]);
    const listed = (await containerd.ctr(['--namespace', ns, 'images', 'ls'])).stdout.split('\n').map((l) => l.split(/\s+/));
    expect(listed.find((cols) => cols[0] === ref)?.[2]).toBe(images.tiny.digest);
    const pushed = `${lb.host}/library/from-containerd:1`;
    await containerd.ctr(['--namespace', ns, 'images', 'tag', ref, pushed]);
    await containerd.ctr(['--namespace', ns, 'images', 'push', '--plain-http', '--user', `admin:${TEST_ADMIN_PASSWORD}`, pushed]);
    for (const r of rs) expect(await pullBack(r.url, 'library/from-containerd', '1')).toBe(images.tiny.digest);
    // containerd's own requests (its user agent) reached the replicas through the balancer: the
    // manifest pulled and pushed, and more than one replica answered them.
    const byContainerd = rs.map((r, i) => r.accessLog().slice(marks[i]).filter((l) => l.includes('"containerd/')));
    const all = byContainerd.flat();
    expect(all.some((l) => l.includes('"GET /v2/library/tiny/manifests/') && l.includes('" 200 '))).toBe(true);
    expect(all.some((l) => l.includes('"PUT /v2/library/from-containerd/manifests/1 ') && l.includes('" 201 '))).toBe(true);
    expect(byContainerd.filter((lines) => lines.length > 0).length).toBeGreaterThan(1);
  });

  test('one chunked upload whose PATCHes go through the balancer lands on several replicas and completes', async () => {
    const data = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `line ${i} of a chunked upload\n`).join(''));
    let location = await startUpload(lb.url, 'library/chunked');
    const id = /uploads\/([^/?]+)/.exec(location)![1];
    const size = Math.ceil(data.length / 6);
    for (let offset = 0; offset < data.length; offset += size) {
      const r = await patch(lb.url, location, data.subarray(offset, offset + size), offset);
      expect(r.status, r.body.toString()).toBe(202);
      location = r.headers.location;
    }
    const put = await call(lb.url, withDigest(location, digestOf(data)), { method: 'PUT' });
    expect(put.status, put.body.toString()).toBe(201);
    expect(rs.filter((r) => served(r, 'PATCH', `/v2/library/chunked/blobs/uploads/${id}`) > 0).length).toBeGreaterThan(1);
    for (const r of rs) expect(digestOf((await call(r.url, `/v2/library/chunked/blobs/${digestOf(data)}`)).body)).toBe(digestOf(data));
  });

  test('one upload whose chunks are sent to each replica in turn, directly, completes; every replica serves the blob', async () => {
    const data = Buffer.from(Array.from({ length: 30_000 }, (_, i) => `chunk line ${i}\n`).join(''));
    let location = await startUpload(rs[0].url, 'library/direct');
    const id = /uploads\/([^/?]+)/.exec(location)![1];
    const parts = 2 * rs.length;
    const size = Math.ceil(data.length / parts);
    for (let i = 0, offset = 0; offset < data.length; i++, offset += size) {
      const r = await patch(rs[i % rs.length].url, location, data.subarray(offset, offset + size), offset);
      expect(r.status, r.body.toString()).toBe(202);
      location = r.headers.location;
    }
    const put = await call(rs[1].url, withDigest(location, digestOf(data)), { method: 'PUT' });
    expect(put.status, put.body.toString()).toBe(201);
    for (const r of rs) {
      expect(served(r, 'PATCH', `/v2/library/direct/blobs/uploads/${id}`), r.host).toBe(2);
      expect((await call(r.url, `/v2/library/direct/blobs/${digestOf(data)}`)).body.equals(data)).toBe(true);
    }
  });

  test('two PATCHes of one upload at the same offset, sent at once to two replicas: one is accepted, the other is refused as a stale chunk, and the blob is the accepted bytes (20 rounds)', async () => {
    const [ra, rb] = [rs[0], rs[1]];
    for (let round = 0; round < 20; round++) {
      const location = await startUpload(ra.url, 'library/race');
      const a = Buffer.alloc(256 * 1024, `a${round}-`);
      const b = Buffer.alloc(256 * 1024, `b${round}-`);
      // Both requests are under way before either answer is awaited.
      const sent = [patch(ra.url, location, a, 0), patch(rb.url, location, b, 0)];
      const replies = await Promise.all(sent);
      const accepted = replies.flatMap((r, i) => (r.status === 202 ? [i] : []));
      expect(accepted, `round ${round}: ${replies.map((r) => `${r.status} ${r.body.toString().slice(0, 200)}`).join(' | ')}`).toHaveLength(1);
      const loser = replies[1 - accepted[0]];
      expectError(loser, 416, 'RANGE_INVALID');
      const winner = accepted[0] === 0 ? a : b;
      const status = await call(rs[rs.length - 1].url, location);
      expect(status.status).toBe(204);
      expect(status.headers.range).toBe(`0-${winner.length - 1}`);
      const put = await call(rs[rs.length - 1].url, withDigest(location, digestOf(winner)), { method: 'PUT' });
      expect(put.status, put.body.toString()).toBe(201);
      for (const r of rs) expect(digestOf((await call(r.url, `/v2/library/race/blobs/${digestOf(winner)}`)).body)).toBe(digestOf(winner));
    }
  });

  test('a token the first replica issued is accepted by every other', async () => {
    const res = await fetch(`${rs[0].url}/service/token?service=harbor-registry&scope=repository:library/tiny:pull`, { headers: { authorization: ADMIN_AUTHORIZATION } });
    expect(res.status).toBe(200);
    const { token } = await res.json() as { token: string };
    for (const r of rs.slice(1)) {
      const m = await fetch(`${r.url}/v2/library/tiny/manifests/1`, { headers: { authorization: `Bearer ${token}`, accept: MT.ociManifest } });
      expect(m.status, r.host).toBe(200);
      expect(m.headers.get('docker-content-digest')).toBe(images.tiny.digest);
    }
  });

  test('quota usage is exact after concurrent pushes spread over the replicas', async () => {
    const p = await call(lb.url, '/api/v2.0/projects', {
      method: 'POST', body: JSON.stringify({ project_name: 'quota', storage_limit: 100_000_000 }), headers: { 'content-type': 'application/json' },
    });
    expect(p.status, p.body.toString()).toBe(201);
    const pushed = await Promise.all(Array.from({ length: 12 }, (_, i) => pushImage(lb.url, `quota/img${i % 3}`, `v${i}`, `quota-${i}`)));
    let expected = 0;
    for (const m of pushed) {
      const doc = JSON.parse(m.bytes.toString()) as { config: Descriptor; layers: Descriptor[] };
      expected += m.size + doc.config.size + doc.layers.reduce((n, l) => n + l.size, 0);
    }
    for (const r of rs) {
      const s = await call(r.url, '/api/v2.0/projects/quota/summary');
      expect(s.json<{ quota: { used: { storage: number } } }>().quota.used.storage).toBe(expected);
    }
  });

  test('kill -9 of one replica during a run of pushes loses nothing committed; pushes that failed succeed when pushed again', async () => {
    const done: { tag: string; digest: string }[] = [];
    const failed: string[] = [];
    for (let i = 0; i < 24; i++) {
      const tag = `t${i}`;
      // Mid-run, while a push is under way: the replica dies without any chance to clean up.
      if (i === 6) setTimeout(() => process.kill(rs[1].pid, 'SIGKILL'), 5);
      try {
        done.push({ tag, digest: (await pushImage(lb.url, 'library/crash', tag, `crash-${i}`)).digest });
      } catch {
        failed.push(tag);
      }
    }
    expect(done.length).toBeGreaterThan(6);
    for (const d of done) expect(await pullBack(lb.url, 'library/crash', d.tag)).toBe(d.digest);
    for (const tag of failed) {
      const again = await pushImage(lb.url, 'library/crash', tag, `crash-${tag.slice(1)}`);
      expect(await pullBack(lb.url, 'library/crash', tag)).toBe(again.digest);
    }
    // A real client pushes again through the balancer, to the replicas that are left.
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${lb.host}/library/after-crash:1`]);
    expect(JSON.parse((await clients.skopeo(['inspect', '--tls-verify=false', `docker://${lb.host}/library/after-crash:1`])).stdout).Digest).toBe(images.tiny.digest);
  });
});
