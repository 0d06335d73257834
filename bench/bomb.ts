// The SBOM memory bomb of issue 13.1, for the bench and the integration test: a gzip layer of about
// 520 KB holding two 255 MiB zero-filled `app/lib/*.jar` files, written as it is generated (never in
// memory), and the calls that push it as an image and run Harbor's SBOM scan on it.
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { tarStream } from './tar.js';

const MIB = 1 << 20;

/** Writes the bomb layer to `file`; returns its digest and size. */
export async function writeBombLayer(file: string, opts: { entries?: number; entryMiB?: number } = {}): Promise<{ digest: string; size: number }> {
  const zeros = Buffer.alloc(MIB);
  const entryMiB = opts.entryMiB ?? 255;
  const entries = Array.from({ length: opts.entries ?? 2 }, (_, i) => ({
    name: `app/lib/bomb-${i}.jar`, size: entryMiB * MIB,
    body: function* () { for (let n = 0; n < entryMiB; n++) yield zeros; },
  }));
  const hash = createHash('sha256');
  let size = 0;
  const count = async function* (src: AsyncIterable<Buffer>) { for await (const c of src) { hash.update(c); size += c.length; yield c; } };
  await pipeline(tarStream(entries), createGzip({ level: 9 }), count, createWriteStream(file));
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

async function ok(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

/** Pushes an image of that one layer as `<repo>:bomb`; returns the manifest digest. */
export async function pushBombImage(base: string, authorization: string, repo: string, layer: { file: string; digest: string; size: number }): Promise<string> {
  const headers = { authorization };
  const blob = async (data: Buffer, digest: string): Promise<void> => {
    await ok(await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      method: 'POST', body: new Uint8Array(data), headers: { ...headers, 'content-type': 'application/octet-stream' },
    }), `push blob ${digest}`);
  };
  const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  await blob(readFileSync(layer.file), layer.digest);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  await blob(config, sha(config));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
  }));
  await ok(await fetch(`${base}/v2/${repo}/manifests/bomb`, {
    method: 'PUT', body: new Uint8Array(manifest), headers: { ...headers, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  }), 'push manifest');
  return sha(manifest);
}

/** The sbom_overview's scan_status of an artifact (undefined before any scan). */
export async function sbomStatus(base: string, authorization: string, repo: string, digest: string): Promise<string | undefined> {
  const [project, ...rest] = repo.split('/');
  const path = `/api/v2.0/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(rest.join('/')))}/artifacts/${digest}?with_sbom_overview=true`;
  const res = await ok(await fetch(`${base}${path}`, { headers: { authorization } }), 'get artifact');
  return ((await res.json()) as { sbom_overview?: { scan_status?: string } }).sbom_overview?.scan_status;
}

/** POST …/scan {"scan_type":"sbom"}, then polls until the status is neither Pending nor Running; returns it. */
export async function scanBomb(base: string, authorization: string, repo: string, digest: string, pollMs = 100): Promise<string> {
  const [project, ...rest] = repo.split('/');
  await ok(await fetch(`${base}/api/v2.0/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(rest.join('/')))}/artifacts/${digest}/scan`, {
    method: 'POST', body: JSON.stringify({ scan_type: 'sbom' }), headers: { authorization, 'content-type': 'application/json' },
  }), 'scan');
  for (;;) {
    const s = await sbomStatus(base, authorization, repo, digest);
    if (s !== undefined && s !== 'Pending' && s !== 'Running') return s;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
