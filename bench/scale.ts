// The "at scale" phases of issue 20, opt-in with --only (they take minutes on a quiet machine):
//   scale       many repositories and tags: the cost of a listing page at 1% of the fill and at all
//               of it (default 10,000 repositories of 10 tags: 100,000 tags), and the database size per tag
//   concurrent  N clients pushing 10 MiB images for S seconds, then pulling every one back: errors,
//               throughput, server RSS
//   huge        one layer of G GiB pushed (one PUT) and pulled, streamed from memory: throughput and
//               whether RSS grows with the size
// Every request goes through one keep-alive node:http client per registry, the same for both.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { HttpClient, MANIFEST_ACCEPT, pushImage, tinyImage } from './images.js';
import { cpuSeconds, RssSampler } from './procfs.js';
import type { RegistryProcess } from './servers.js';

const MIB = 1 << 20;

function ok(status: number, expected: number, what: string, body?: Buffer): void {
  if (status !== expected) throw new Error(`${what}: expected HTTP ${expected}, got ${status} ${body?.toString('utf8').slice(0, 200) ?? ''}`);
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

// ---- scale

export function scaleRepo(i: number): string {
  return `library/scale-${String(i).padStart(6, '0')}`;
}

/** Repositories [from, to) with `tagsPerRepo` tags each on one tiny image, `concurrency` at a time. */
export async function fillScale(base: string, from: number, to: number, tagsPerRepo: number, concurrency: number): Promise<void> {
  const c = new HttpClient(base, concurrency);
  let next = from;
  try {
    const worker = async (): Promise<void> => {
      while (next < to) {
        const i = next++;
        const repo = scaleRepo(i);
        await pushImage(c, repo, 't00', 1_000_000 + i);
        const { manifest } = tinyImage(1_000_000 + i);
        for (let t = 1; t < tagsPerRepo; t++) {
          const r = await c.request('PUT', `/v2/${repo}/manifests/t${String(t).padStart(2, '0')}`, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, manifest);
          ok(r.status, 201, `PUT ${repo} tag ${t}`, r.body);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
  } finally {
    c.close();
  }
}

export interface PageCost { name: string; wallMs: number; cpuMs: number }

/** The listings measured at each fill; Harbor's API ones only where the registry has that API. */
export function scaleListings(repos: number, harborApi: boolean): { name: string; path: string }[] {
  const mid = scaleRepo(Math.floor(repos / 2));
  const midName = mid.slice('library/'.length);
  const list = [
    { name: '/v2/_catalog?n=100, first page', path: '/v2/_catalog?n=100' },
    { name: '/v2/_catalog?n=100, a page in the middle', path: `/v2/_catalog?n=100&last=${encodeURIComponent(mid)}` },
    { name: 'tags/list?n=100 of one repository', path: `/v2/${mid}/tags/list?n=100` },
  ];
  if (harborApi) {
    list.push(
      { name: 'API repositories, page 1 of 100, default sort', path: '/api/v2.0/projects/library/repositories?page=1&page_size=100' },
      { name: 'API repositories, a middle page, sort=name', path: `/api/v2.0/projects/library/repositories?page=${Math.max(1, Math.floor(repos / 200))}&page_size=100&sort=name` },
      { name: 'API repositories, q=name=~ (fuzzy)', path: `/api/v2.0/projects/library/repositories?page_size=100&q=${encodeURIComponent(`name=~${midName.slice(0, -2)}`)}` },
      { name: 'API artifacts of one repository, with tags', path: `/api/v2.0/projects/library/repositories/${encodeURIComponent(encodeURIComponent(midName))}/artifacts?page_size=10&with_tag=true` },
    );
  }
  return list;
}

/**
 * Median wall time and mean server CPU per request over sequential GETs of each listing: at least
 * `reps`, and more until 2 s have passed (at most 20 × reps), since CPU is read in 10 ms ticks and
 * a fast listing would otherwise be measured in a few of them.
 */
export async function pageCosts(r: RegistryProcess, listings: { name: string; path: string }[], reps: number): Promise<PageCost[]> {
  const c = new HttpClient(r.url, 1);
  const out: PageCost[] = [];
  try {
    for (const l of listings) {
      const first = await c.request('GET', l.path, { Accept: 'application/json' });
      ok(first.status, 200, `GET ${l.path}`, first.body);
      const walls: number[] = [];
      const cpu0 = cpuSeconds(r.pid);
      const start = process.hrtime.bigint();
      for (let i = 0; i < reps || (i < 20 * reps && process.hrtime.bigint() - start < 2_000_000_000n); i++) {
        const t0 = process.hrtime.bigint();
        const res = await c.request('GET', l.path, { Accept: 'application/json' });
        walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
        ok(res.status, 200, `GET ${l.path}`, res.body);
      }
      const cpuMs = (cpuSeconds(r.pid) - cpu0) * 1000 / walls.length;
      walls.sort((a, b) => a - b);
      out.push({ name: l.name, wallMs: walls[walls.length >> 1], cpuMs });
    }
  } finally {
    c.close();
  }
  return out;
}

/** Bytes under a directory (the registry's metadata, or all its data). */
export function dirBytes(dir: string, filter: (path: string) => boolean = () => true): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p, filter);
    else if (e.isFile() && filter(p)) total += statSync(p).size;
  }
  return total;
}

// ---- concurrent

export interface ConcurrentResult {
  pushed: number; pushErrors: number; pushSeconds: number;
  pulled: number; pullErrors: number; pullSeconds: number;
  /** The server's peak RSS while the clients pushed, and while they pulled. */
  pushPeakRssKiB: number; pullPeakRssKiB: number; firstError?: string;
}

/**
 * `clients` workers each push images (one `mib` MiB layer, unique bytes, a tiny config, a manifest)
 * into repositories of their own until `seconds` have passed; then the same workers pull every image
 * back (manifest, then the layer, its length checked). Errors are counted, not thrown.
 */
export async function concurrentPushPull(r: RegistryProcess, clients: number, seconds: number, mib: number): Promise<ConcurrentResult> {
  const c = new HttpClient(r.url, clients);
  const layerBase = randomBytes(mib * MIB);
  const images: { repo: string; tag: string; layer: string; size: number }[] = [];
  const res: ConcurrentResult = { pushed: 0, pushErrors: 0, pushSeconds: 0, pulled: 0, pullErrors: 0, pullSeconds: 0, pushPeakRssKiB: 0, pullPeakRssKiB: 0 };
  const fail = (e: unknown): void => { res.firstError ??= e instanceof Error ? e.message : String(e); };
  let rss = new RssSampler(r.pid).start();
  try {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const until = Date.now() + seconds * 1000;
    const pusher = async (w: number): Promise<void> => {
      while (Date.now() < until) {
        const i = n++;
        const layer = Buffer.from(layerBase);
        layer.writeUInt32BE(i, 0); // every image its own layer digest
        const repo = `library/conc-${String(w).padStart(2, '0')}`;
        const tag = `i${i}`;
        try {
          const layerDigest = await pushBlobBytes(c, repo, layer);
          const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layerDigest] } }));
          const configDigest = await pushBlobBytes(c, repo, config);
          const manifest = Buffer.from(JSON.stringify({
            schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
          }));
          const m = await c.request('PUT', `/v2/${repo}/manifests/${tag}`, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, manifest);
          ok(m.status, 201, `PUT ${repo}:${tag}`, m.body);
          images.push({ repo, tag, layer: layerDigest, size: layer.length });
          res.pushed++;
        } catch (e) {
          res.pushErrors++;
          fail(e);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, w) => pusher(w)));
    res.pushSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    res.pushPeakRssKiB = rss.stop();
    rss = new RssSampler(r.pid).start();
    let k = 0;
    const t1 = process.hrtime.bigint();
    const puller = async (): Promise<void> => {
      while (k < images.length) {
        const img = images[k++];
        try {
          const m = await c.request('GET', `/v2/${img.repo}/manifests/${img.tag}`, { Accept: MANIFEST_ACCEPT });
          ok(m.status, 200, `GET ${img.repo}:${img.tag}`, m.body);
          const b = await c.request('GET', `/v2/${img.repo}/blobs/${img.layer}`);
          ok(b.status, 200, `GET ${img.repo} layer`);
          if (b.body.length !== img.size) throw new Error(`${img.repo} layer: ${b.body.length} bytes, expected ${img.size}`);
          res.pulled++;
        } catch (e) {
          res.pullErrors++;
          fail(e);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, puller));
    res.pullSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  } finally {
    const peak = rss.stop();
    if (res.pushPeakRssKiB === 0) res.pushPeakRssKiB = peak; // the pushes failed before the pulls began
    else res.pullPeakRssKiB = peak;
    c.close();
  }
  return res;
}

/** POST then PUT ?digest= with the bytes; returns the digest. */
async function pushBlobBytes(c: HttpClient, repo: string, data: Buffer): Promise<string> {
  const start = await c.request('POST', `/v2/${repo}/blobs/uploads/`);
  ok(start.status, 202, `POST ${repo}/blobs/uploads/`, start.body);
  const location = String(start.headers.location ?? '');
  const digest = sha256(data);
  const put = await c.request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`, { 'Content-Type': 'application/octet-stream' }, data);
  ok(put.status, 201, `PUT ${repo} blob`, put.body);
  return digest;
}

// ---- huge

export interface HugeResult { bytes: number; pushSeconds: number; pullSeconds: number; pushPeakRssKiB: number; pullPeakRssKiB: number; idleRssKiB: number }

/** The huge layer's bytes: 1 MiB of random bytes repeated, each MiB stamped with its index (no two alike). */
function* hugeChunks(bytes: number, unit: Buffer): Generator<Buffer> {
  for (let off = 0, i = 0; off < bytes; off += unit.length, i++) {
    const b = Buffer.from(unit.subarray(0, Math.min(unit.length, bytes - off)));
    if (b.length >= 8) b.writeBigUInt64BE(BigInt(i), 0);
    yield b;
  }
}

function hugeDigest(bytes: number, unit: Buffer): string {
  const h = createHash('sha256');
  for (const b of hugeChunks(bytes, unit)) h.update(b);
  return `sha256:${h.digest('hex')}`;
}

/** One request with a streamed body (or none), the response body counted and hashed, not kept. */
function streamRequest(url: URL, method: string, headers: Record<string, string | number>, body?: Iterable<Buffer>): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number; digest: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const h = createHash('sha256');
      let bytes = 0;
      res.on('data', (b: Buffer) => { bytes += b.length; h.update(b); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, digest: `sha256:${h.digest('hex')}` }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!body) { req.end(); return; }
    const it = body[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        const n = it.next();
        if (n.done) { req.end(); return; }
        if (!req.write(n.value)) { req.once('drain', pump); return; }
      }
    };
    pump();
  });
}

/** Pushes one `bytes`-long layer in a single PUT and pulls it back, sampling the server's RSS. */
export async function hugeLayer(r: RegistryProcess, bytes: number): Promise<HugeResult> {
  const unit = randomBytes(MIB);
  const digest = hugeDigest(bytes, unit);
  const repo = 'library/bench-huge';
  const base = new URL(r.url);
  const auth: Record<string, string> = base.username ? { Authorization: `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}` } : {};
  const origin = base.origin;
  const idleRssKiB = new RssSampler(r.pid).start().stop();
  const start = await streamRequest(new URL(`/v2/${repo}/blobs/uploads/`, origin), 'POST', { ...auth, 'Content-Length': 0 });
  ok(start.status, 202, 'POST huge upload');
  const location = String(start.headers.location ?? '');
  const put = new URL(`${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`, origin);
  let rss = new RssSampler(r.pid).start();
  let t0 = process.hrtime.bigint();
  const p = await streamRequest(put, 'PUT', { ...auth, 'Content-Type': 'application/octet-stream', 'Content-Length': bytes }, hugeChunks(bytes, unit));
  const pushSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const pushPeakRssKiB = rss.stop();
  ok(p.status, 201, 'PUT huge layer');
  rss = new RssSampler(r.pid).start();
  t0 = process.hrtime.bigint();
  const g = await streamRequest(new URL(`/v2/${repo}/blobs/${digest}`, origin), 'GET', auth);
  const pullSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const pullPeakRssKiB = rss.stop();
  ok(g.status, 200, 'GET huge layer');
  if (g.bytes !== bytes || g.digest !== digest) throw new Error(`huge layer read back: ${g.bytes} bytes ${g.digest}, expected ${bytes} ${digest}`);
  return { bytes, pushSeconds, pullSeconds, pushPeakRssKiB, pullPeakRssKiB, idleRssKiB };
}
