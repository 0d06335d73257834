// Hostile input to SBOM generation in the registry (issue 13): an index that names one image many
// times is scanned once per image, and a scan stopped by a bound ends the job with status Error
// and the reason kept with the status. (The bomb's memory is measured in sbom-memory.test.ts.)
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api } from '../helpers/api.js';
import { tarBuffer } from '../helpers/images.js';
import { MT, digestOf, pushBlob, pushManifest } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pushDpkgImage } from '../helpers/sbom.js';

let srv: TestServer;
const MIB = 1024 * 1024;

beforeAll(async () => {
  srv = await startTestServer({ sbomScanLimits: { maxUnpackedBytes: 4 * MIB } });
});
afterAll(async () => { await srv.close(); });

async function scan(repo: string, ref: string): Promise<void> {
  const r = await api(srv.url, 'POST', `/projects/library/repositories/${repo}/artifacts/${ref}/scan`, { body: { scan_type: 'sbom' } });
  expect(r.status, r.text).toBe(202);
  await srv.app.sbom.idle();
}

describe('SBOM generation under hostile input', () => {
  test('an index naming one image 50 times scans it once', async () => {
    const child = await pushDpkgImage(srv.url, 'library/dup', 'child');
    const entry = { mediaType: child.mediaType, digest: child.digest, size: child.size, platform: { os: 'linux', architecture: 'amd64' } };
    await pushManifest(srv.url, 'library/dup', 'index', { schemaVersion: 2, mediaType: MT.ociIndex, manifests: Array.from({ length: 50 }, () => entry) }, MT.ociIndex);
    await scan('dup', 'index');
    expect((await srv.app.sbom.status('library/dup', child.digest))?.status).toBe('Success');
    const generated = srv.logs.filter((l) => l.includes('generated SBOM') && l.includes(child.digest));
    expect(generated).toHaveLength(1);
  });

  test('an image past the unpacked-size limit ends Error, with the reason kept', async () => {
    const tar = await tarBuffer([{ path: 'app/lib/zeros.jar', data: Buffer.alloc(5 * MIB) }]);
    const layer = await pushBlob(srv.url, 'library/big', gzipSync(tar), MT.ociLayer);
    const config = await pushBlob(srv.url, 'library/big', Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(tar)] } })), MT.ociConfig);
    const m = await pushManifest(srv.url, 'library/big', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
    await scan('big', 'v1');
    const s = await srv.app.sbom.status('library/big', m.digest);
    expect(s).toMatchObject({ status: 'Error', error: `layer ${layer.digest}: the image unpacks to more than 4.0 MiB, the scan's limit: no SBOM was made` });
    const a = await api(srv.url, 'GET', `/projects/library/repositories/big/artifacts/v1?with_sbom_overview=true`);
    expect(a.body.sbom_overview).toMatchObject({ scan_status: 'Error' });
  });
});
