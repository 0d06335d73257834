// harborctl sbom generate/get/list and project update --auto-sbom, in-process against the real
// server (the local server found through the data dir): -o json data, the document byte for byte
// as the registry stores it, and each error's one line and exit code.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SBOM_ARTIFACT_TYPE } from '../../src/services/sbom.js';
import { api, createProject } from '../helpers/api.js';
import { cli, cliEnv, json, type CliEnv, type CliResult, cliChecks } from '../helpers/cli.js';
import { call, pushImage } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dpkgQueryPackages, pushDpkgImage, pushDpkgIndex, spdxDebPackages } from '../helpers/sbom.js';

let srv: TestServer;
let sandbox: CliEnv;
const h = (args: string[]): Promise<CliResult> => cli(sandbox.env, args);
const { ok } = cliChecks(h);
const fails = async (args: string[], code: number, line: RegExp): Promise<void> => {
  const r = await h(args);
  expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: '' });
  expect(r.stderr).toMatch(line);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
};

/** The layer of the accessory: what the registry stores, to compare `sbom get` with. */
async function storedDocument(repo: string, image: string, description: string): Promise<string> {
  const refs = (await call(srv.url, `/v2/${repo}/referrers/${image}?artifactType=${encodeURIComponent(SBOM_ARTIFACT_TYPE)}`))
    .json<{ manifests: { digest: string; annotations: Record<string, string> }[] }>().manifests;
  const acc = refs.find((r) => r.annotations['org.opencontainers.artifact.description'] === description)!;
  const m = (await call(srv.url, `/v2/${repo}/manifests/${acc.digest}`)).json<{ layers: { digest: string }[] }>();
  return (await call(srv.url, `/v2/${repo}/blobs/${m.layers[0].digest}`)).body.toString('utf8');
}

beforeAll(async () => {
  srv = await startTestServer({ logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: srv.dataDir });
  await createProject(srv.url, 'cs');
});
afterAll(async () => {
  await srv?.close();
  await sandbox?.cleanup();
});

describe('harborctl sbom', () => {
  let digest: string;

  test('generate --wait: Success with the overview; get prints the stored SPDX document byte for byte', async () => {
    digest = (await pushDpkgImage(srv.url, 'cs/deb', 'v1')).digest;
    const g = json(await ok(['sbom', 'generate', 'cs/deb:v1', '--wait', '--timeout', '5m', '-o', 'json']));
    expect(g).toMatchObject({ artifact: 'cs/deb:v1', digest, sbom_overview: { scan_status: 'Success', sbom_digest: expect.stringMatching(/^sha256:/) } });
    const spdx = await ok(['sbom', 'get', 'cs/deb:v1']);
    expect(spdx.stdout).toBe(await storedDocument('cs/deb', digest, 'SPDX JSON SBOM'));
    expect(spdxDebPackages(JSON.parse(spdx.stdout))).toEqual(dpkgQueryPackages());
    const byDigest = await ok(['sbom', 'get', `cs/deb@${digest}`, '--format', 'spdx']);
    expect(byDigest.stdout).toBe(spdx.stdout);
  });

  test('get --format cyclonedx --file writes the CycloneDX document', async () => {
    const file = join(sandbox.dir, 'deb.cdx.json');
    const r = await ok(['sbom', 'get', 'cs/deb:v1', '--format', 'cyclonedx', '--file', file, '-o', 'json']);
    expect(r.stdout).toBe('');
    const text = await readFile(file, 'utf8');
    expect(text).toBe(await storedDocument('cs/deb', digest, 'CycloneDX JSON SBOM'));
    expect(JSON.parse(text)).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
  });

  test('generate without --wait queues it and prints the current overview (table)', async () => {
    await pushDpkgImage(srv.url, 'cs/other', 'v1');
    const hold = srv.app.sbom.hold();
    try {
      const r = await ok(['sbom', 'generate', 'cs/other:v1']);
      expect(r.stdout).toMatch(/^STATUS\s+Pending$/m);
    } finally {
      hold.release();
    }
    await srv.app.sbom.idle();
  });

  test('list: every image with its SBOM status, not the SBOMs themselves', async () => {
    await pushImage(srv.url, 'cs/none', 'v1');
    const rows = json(await ok(['sbom', 'list', 'cs', '-o', 'json']));
    expect(rows.map((r: { repository: string; tags: string[]; sbom_overview: { scan_status?: string } | null }) => [r.repository, r.tags, r.sbom_overview?.scan_status ?? null]).sort())
      .toEqual([['cs/deb', ['v1'], 'Success'], ['cs/none', ['v1'], null], ['cs/other', ['v1'], 'Success']]);
    const table = await ok(['sbom', 'list', 'cs']);
    expect(table.stdout).toMatch(/^REPOSITORY\s+DIGEST\s+TAGS\s+SBOM\s+SBOM DIGEST\s+GENERATED$/m);
    expect(table.stdout).toMatch(/^cs\/none\s+sha256:[0-9a-f]{12}\s+v1\s+none\s/m);
  });

  test('project update --auto-sbom turns generation on push on and off', async () => {
    const on = json(await ok(['project', 'update', 'cs', '--auto-sbom', '-o', 'json']));
    expect(on.metadata.auto_sbom_generation).toBe('true');
    const img = await pushDpkgImage(srv.url, 'cs/auto', 'v1');
    await srv.app.sbom.idle();
    expect((await srv.app.sbom.status('cs/auto', img.digest))?.status).toBe('Success');
    const off = json(await ok(['project', 'update', 'cs', '--auto-sbom=false', '-o', 'json']));
    expect(off.metadata.auto_sbom_generation).toBe('false');
    const later = await pushDpkgImage(srv.url, 'cs/auto', 'v2', 'arm64');
    await srv.app.sbom.idle();
    expect(await srv.app.sbom.status('cs/auto', later.digest)).toBeNull();
    expect((await ok(['project', 'get', 'cs'])).stdout).toMatch(/^AUTO SBOM\s+false$/m);
  });

  test('an index: generate --wait covers every platform; get on the index names the platforms', async () => {
    const { children } = await pushDpkgIndex(srv.url, 'cs/multi', 'v1');
    await ok(['sbom', 'generate', 'cs/multi:v1', '--wait', '-o', 'json']);
    await fails(['sbom', 'get', 'cs/multi:v1'], 2, /is an index: each platform has its own SBOM; name one: linux\/amd64 cs\/multi@sha256:/);
    for (const c of children) expect(JSON.parse((await ok(['sbom', 'get', `cs/multi@${c.digest}`])).stdout).packages[0].versionInfo).toBe(c.digest);
  });

  test('errors: one line and the documented exit code', async () => {
    await fails(['sbom', 'get', 'cs/deb'], 2, /names no artifact: add :TAG or @DIGEST/);
    await fails(['sbom', 'get', 'cs/deb:v1', '--format', 'xml'], 2, /harborctl: .*xml/);
    await fails(['sbom', 'get', 'cs/deb:nope'], 3, /^harborctl: artifact cs\/deb:nope not found\n$/);
    await fails(['sbom', 'generate', 'cs/deb:nope'], 3, /^harborctl: artifact cs\/deb:nope not found\n$/);
    await fails(['sbom', 'get', 'cs/none:v1'], 3, /cs\/none:v1 has no SPDX SBOM: run harborctl sbom generate cs\/none:v1 --wait/);
    await fails(['sbom', 'generate', 'cs/none:v1', '--timeout', '1m'], 2, /--timeout goes with --wait/);
    await fails(['sbom', 'generate', 'cs/deb:v1', '--wait', '--timeout', 'soon'], 2, /invalid duration/);
    await fails(['sbom', 'list', 'nosuch'], 3, /project nosuch not found/);
    await fails(['project', 'update', 'cs', '--auto-sbom=maybe'], 2, /invalid --auto-sbom "maybe": true or false/);
    // A layer that is no tar: generation fails, --wait says so with exit 1 (after printing the overview).
    const r = await h(['sbom', 'generate', 'cs/none:v1', '--wait', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(json(r).sbom_overview.scan_status).toBe('Error');
    expect(r.stderr).toBe('harborctl: SBOM generation for cs/none:v1 ended with status Error\n');
    // A developer may read but not generate: exit 5 (FORBIDDEN).
    await api(srv.url, 'POST', '/users', { body: { username: 'csdev', password: 'Passw0rdX', email: 'csdev@example.com', realname: 'csdev' } });
    await api(srv.url, 'POST', '/projects/cs/members', { body: { role_id: 2, member_user: { username: 'csdev' } } });
    const dev = await cliEnv();
    try {
      expect((await cli(dev.env, ['login', srv.url, '-u', 'csdev', '--password-stdin'], { stdin: 'Passw0rdX' })).code).toBe(0);
      const denied = await cli(dev.env, ['sbom', 'generate', 'cs/deb:v1']);
      expect({ code: denied.code, stderr: denied.stderr }).toEqual({ code: 5, stderr: expect.stringMatching(/^harborctl: .*not allowed\n$/) });
      expect((await cli(dev.env, ['sbom', 'get', 'cs/deb:v1'])).code).toBe(0);
    } finally {
      await dev.cleanup();
    }
  });
});
