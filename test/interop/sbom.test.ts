// skopeo finds an image's SBOM in a real `harborctl serve` process: the referrers list names it by
// its artifactType, `skopeo inspect --raw` reads the accessory manifest by digest (subject = the
// image), `skopeo copy` copies the accessory out to an OCI layout, and the document in that copy is
// byte for byte what `harborctl sbom get` prints.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminFetch as fetch } from '../helpers/admin-auth.js';
import { cli, cliEnv, json, type CliEnv } from '../helpers/cli.js';
import { useHarborctl } from '../helpers/interop.js';
import { dpkgQueryPackages, pushDpkgImage, spdxDebPackages } from '../helpers/sbom.js';

const env = useHarborctl();
const SBOM_TYPE = 'application/vnd.goharbor.harbor.sbom.v1';
const noTls = ['--tls-verify=false'];

let sandbox: CliEnv;
let work: string;
beforeAll(async () => {
  sandbox = await cliEnv();
  work = await mkdtemp(join(tmpdir(), 'harborctl-sbom-interop-'));
  const login = await cli(sandbox.env, ['login', env.reg.url, '-u', 'admin', '--password-stdin'], { stdin: 'Harbor12345' });
  expect(login.code, login.stderr).toBe(0);
});
afterAll(async () => {
  await sandbox?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Referrer { digest: string; artifactType?: string; annotations?: Record<string, string> }

describe('SBOMs seen by skopeo', () => {
  test('from the image digest to the SPDX document, and `sbom get` round-trips it', async () => {
    const image = await pushDpkgImage(env.reg.url, 'library/deb', 'v1');
    const gen = await cli(sandbox.env, ['sbom', 'generate', 'library/deb:v1', '--wait', '-o', 'json']);
    expect(gen.code, gen.stderr).toBe(0);
    expect(json(gen).sbom_overview.scan_status).toBe('Success');

    const res = await fetch(`${env.reg.url}/v2/library/deb/referrers/${image.digest}?artifactType=${encodeURIComponent(SBOM_TYPE)}`);
    expect(res.status).toBe(200);
    const refs = ((await res.json()) as { manifests: Referrer[] }).manifests;
    expect(refs).toHaveLength(2);
    const spdx = refs.find((r) => r.annotations?.['org.opencontainers.artifact.description'] === 'SPDX JSON SBOM')!;
    expect(spdx.artifactType).toBe(SBOM_TYPE);

    const raw = JSON.parse((await env.clients.skopeo(['inspect', '--raw', ...noTls, `docker://${env.reg.host}/library/deb@${spdx.digest}`])).stdout);
    expect(raw).toMatchObject({ artifactType: SBOM_TYPE, config: { mediaType: SBOM_TYPE }, subject: { digest: image.digest }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar' }] });

    const layout = join(work, 'sbom-layout');
    await env.clients.skopeo(['copy', '--src-tls-verify=false', `docker://${env.reg.host}/library/deb@${spdx.digest}`, `oci:${layout}:sbom`]);
    const copied = await readFile(join(layout, 'blobs', 'sha256', raw.layers[0].digest.slice('sha256:'.length)));

    const got = await cli(sandbox.env, ['sbom', 'get', 'library/deb:v1']);
    expect(got.code, got.stderr).toBe(0);
    expect(Buffer.from(got.stdout, 'utf8').equals(copied)).toBe(true);
    expect(spdxDebPackages(JSON.parse(got.stdout))).toEqual(dpkgQueryPackages());
  });
});
