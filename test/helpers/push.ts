// Pushes a tiny OCI image to a registry that may require the token dance (Harbor's, or a cloud stand-in's): GET /v2/, and on a
// Bearer challenge fetch a token for repository:<repo>:pull,push with Basic credentials.
import { createHash } from 'node:crypto';
import { request } from 'undici';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function token(base: string, repo: string, user: string, password: string): Promise<string | undefined> {
  const ping = await request(`${base}/v2/`);
  await ping.body.dump();
  const challenge = String(ping.headers['www-authenticate'] ?? '');
  if (ping.statusCode !== 401 || !challenge.startsWith('Bearer ')) return undefined;
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
  const service = /service="([^"]+)"/.exec(challenge)?.[1] ?? 'harbor-registry';
  if (!realm) throw new Error(`no realm in ${challenge}`);
  const u = new URL(realm);
  u.searchParams.set('service', service);
  u.searchParams.set('scope', `repository:${repo}:pull,push`);
  const r = await request(u, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  const body = await r.body.json() as { token?: string; access_token?: string };
  // The token spec names it `token`; OAuth-style services (ACR) answer `access_token` only.
  const t = body.token ?? body.access_token;
  if (r.statusCode !== 200 || !t) throw new Error(`token service answered ${r.statusCode}`);
  return t;
}

/** Pushes config + one layer + manifest under `tag`; returns the manifest digest. */
export async function pushTinyImage(base: string, repo: string, tag: string, creds: { user: string; password: string }, seed = tag): Promise<string> {
  const t = await token(base, repo, creds.user, creds.password);
  const auth: Record<string, string> = t ? { authorization: `Bearer ${t}` } : {};
  const blob = async (data: Buffer, mediaType: string): Promise<{ mediaType: string; digest: string; size: number }> => {
    const digest = sha(data);
    let r = await request(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data, headers: { ...auth, 'content-type': 'application/octet-stream' } });
    let text = await r.body.text();
    // A registry may ignore a monolithic POST and open a session instead (distribution 2.8 does): PUT it.
    const location = r.headers.location;
    if (r.statusCode === 202 && typeof location === 'string') {
      const u = new URL(location, base);
      u.searchParams.set('digest', digest);
      r = await request(u, { method: 'PUT', body: data, headers: { ...auth, 'content-type': 'application/octet-stream' } });
      text = await r.body.text();
    }
    if (r.statusCode !== 201) throw new Error(`blob push answered ${r.statusCode}: ${text}`);
    return { mediaType, digest, size: data.length };
  };
  const config = await blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed })), 'application/vnd.oci.image.config.v1+json');
  const layer = await blob(Buffer.from(`layer of ${seed}`), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] }));
  const r = await request(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  const text = await r.body.text();
  if (r.statusCode !== 201) throw new Error(`manifest push answered ${r.statusCode}: ${text}`);
  return sha(manifest);
}
