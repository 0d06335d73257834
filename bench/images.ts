// Many tiny images (config blob + one small layer + manifest, one repository each) and catalog
// paging. Requests are small, so a keep-alive node:http client drives them; it is the same client,
// with the same concurrency, for both registries.
import { createHash } from 'node:crypto';
import http from 'node:http';

export interface HttpResponse { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

export class HttpClient {
  private readonly agent: http.Agent;

  constructor(readonly base: string, maxSockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, pathOrUrl: string, headers: Record<string, string | number> = {}, body?: Buffer): Promise<HttpResponse> {
    const url = new URL(pathOrUrl, this.base);
    if (url.hostname !== '127.0.0.1') throw new Error(`refusing a non-loopback URL: ${url.href}`);
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, agent: this.agent, headers: { ...headers, 'Content-Length': body?.length ?? 0 }, timeout: 30_000 }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function expect(r: HttpResponse, status: number, what: string): void {
  if (r.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** The n-th tiny image: a unique 1 KiB layer, its config, and an OCI manifest. Deterministic. */
export function tinyImage(n: number): { layer: Buffer; config: Buffer; manifest: Buffer } {
  const seed = createHash('sha256').update(`harborctl-bench layer ${n}`).digest();
  const layer = Buffer.alloc(1024);
  for (let i = 0; i < layer.length; i += seed.length) seed.copy(layer, i);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: { 'bench.image': String(n) } },
    rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
  }));
  return { layer, config, manifest };
}

/** POST /blobs/uploads/ then PUT ?digest= with the bytes: the method distribution 2.8 and harborctl share. */
async function pushBlob(c: HttpClient, repo: string, data: Buffer): Promise<void> {
  const start = await c.request('POST', `/v2/${repo}/blobs/uploads/`);
  expect(start, 202, `POST ${repo}/blobs/uploads/`);
  const location = String(start.headers.location ?? '');
  const digest = sha256(data);
  const put = await c.request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`,
    { 'Content-Type': 'application/octet-stream' }, data);
  expect(put, 201, `PUT ${repo} blob`);
}

export async function pushImage(c: HttpClient, repo: string, tag: string, n: number): Promise<void> {
  const img = tinyImage(n);
  await pushBlob(c, repo, img.config);
  await pushBlob(c, repo, img.layer);
  const r = await c.request('PUT', `/v2/${repo}/manifests/${tag}`, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, img.manifest);
  expect(r, 201, `PUT ${repo}:${tag} manifest`);
}

export function tinyRepo(i: number): string {
  return `library/bench-tiny-${String(i).padStart(4, '0')}`;
}

/** Pushes `count` images into `count` repositories with `concurrency` workers; returns seconds. */
export async function pushTinyImages(base: string, count: number, concurrency: number): Promise<number> {
  const c = new HttpClient(base, concurrency);
  let next = 0;
  const t0 = process.hrtime.bigint();
  try {
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        await pushImage(c, tinyRepo(i), 'v1', i);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } finally {
    c.close();
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Follows /v2/_catalog?n= through its Link headers to the end. */
export async function pageCatalog(base: string, pageSize: number, maxPages: number): Promise<{ seconds: number; pages: number; repositories: string[] }> {
  const c = new HttpClient(base, 1);
  const repositories: string[] = [];
  let url: string | null = `/v2/_catalog?n=${pageSize}`;
  let pages = 0;
  const t0 = process.hrtime.bigint();
  try {
    while (url !== null) {
      if (++pages > maxPages) throw new Error(`catalog still has a next page after ${maxPages} pages`);
      const r = await c.request('GET', url);
      expect(r, 200, `GET ${url}`);
      repositories.push(...(JSON.parse(r.body.toString('utf8')) as { repositories: string[] }).repositories);
      const link = r.headers.link;
      url = typeof link === 'string' ? (/<([^>]+)>;\s*rel="?next"?/.exec(link)?.[1] ?? null) : null;
    }
  } finally {
    c.close();
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, pages, repositories };
}

/** Checks a manifest GET answers 200 with the expected digest before load is put on it. */
export async function checkManifest(base: string, repo: string, tag: string): Promise<string> {
  const c = new HttpClient(base, 1);
  try {
    const r = await c.request('GET', `/v2/${repo}/manifests/${tag}`, { Accept: MANIFEST_ACCEPT });
    expect(r, 200, `GET ${repo}:${tag}`);
    return String(r.headers['docker-content-digest'] ?? '');
  } finally {
    c.close();
  }
}
