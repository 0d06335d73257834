// `registry` commands in-process (run() with captured streams) against our real server on port 0 and
// Debian's docker-registry as the upstream: every verb with -o json/yaml and a table, the password
// only from stdin and never printed, and each error's one line and exit code (2 usage, 3 not found,
// 4 missing input, 5 forbidden, 1 unhealthy or conflict).
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, cliEnv, json, type CliEnv, type CliResult, cliChecks } from '../helpers/cli.js';
import { call, digestOf, MT } from '../helpers/oci.js';
import { freePort, startDistribution, type RegistryProcess } from '../helpers/registry-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SECRET = 'Cli-Upstream-Secret-99';

let server: TestServer;
let upstream: RegistryProcess;
let sandbox: CliEnv;
const outputs: string[] = [];
const h = async (args: string[], stdin?: string): Promise<CliResult> => {
  const r = await cli(sandbox.env, args, { stdin });
  outputs.push(r.stdout, r.stderr);
  return r;
};
const { ok, fails } = cliChecks(h);

beforeAll(async () => {
  server = await startTestServer({ adminPassword: 'Harbor12345', logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  upstream = await startDistribution();
}, 60_000);
afterAll(async () => {
  await server?.close();
  await upstream?.stop();
  await sandbox?.cleanup();
});

describe('harborctl registry', () => {
  test('create, list, get, update, ping and delete, as JSON, YAML and tables', async () => {
    const created = json(await ok(['registry', 'create', 'up', '--type', 'docker-registry', '--url', upstream.url, '--description', 'local upstream',
      '--username', 'bob', '--password-stdin', '-o', 'json'], `${SECRET}\n`));
    expect(created).toMatchObject({ id: expect.any(Number), name: 'up', type: 'docker-registry', url: upstream.url, insecure: false,
      description: 'local upstream', status: 'unknown', credential: { type: 'basic', access_key: 'bob', access_secret: '*****' } });
    const hub = json(await ok(['registry', 'create', 'hub', '--type', 'docker-hub', '--url', 'https://hub.docker.com', '--insecure-upstream', '-o', 'json']));
    expect(hub).toMatchObject({ name: 'hub', insecure: true });

    const listed = json(await ok(['registry', 'list', '-o', 'json']));
    expect(listed.map((r: { name: string }) => r.name)).toEqual(['up', 'hub']);
    expect(YAML.parse((await ok(['registry', 'list', '-o', 'yaml'])).stdout)).toEqual(listed);
    const table = (await ok(['registry', 'list'])).stdout.split('\n');
    expect(table[0].split(/\s{2,}/)).toEqual(['ID', 'NAME', 'TYPE', 'URL', 'STATUS', 'USERNAME']);
    expect(table[1].split(/\s{2,}/)).toEqual([String(created.id), 'up', 'docker-registry', upstream.url, 'unknown', 'bob']);
    expect(table[2].split(/\s{2,}/)).toEqual([String(hub.id), 'hub', 'docker-hub', 'https://hub.docker.com', 'unknown', '-']);

    expect(json(await ok(['registry', 'get', 'up', '-o', 'json']))).toEqual(json(await ok(['registry', 'get', String(created.id), '-o', 'json'])));
    const shown = (await ok(['registry', 'get', 'hub'])).stdout;
    expect(shown).toMatch(/^INSECURE\s+yes \(certificate not verified\)$/m);
    expect(shown).toMatch(/^URL\s+https:\/\/hub\.docker\.com$/m);

    expect(json(await ok(['registry', 'ping', 'up', '-o', 'json']))).toEqual({ registry: 'up', healthy: true });
    expect((await ok(['registry', 'ping', '--url', upstream.url])).stdout).toBe(`✓ registry ${upstream.url} is healthy\n`);
    expect(json(await ok(['registry', 'get', 'up', '-o', 'json'])).status).toBe('healthy');

    const updated = json(await ok(['registry', 'update', 'up', '--name', 'upstream', '--description', 'renamed', '--insecure-upstream', '-o', 'json']));
    expect(updated).toMatchObject({ id: created.id, name: 'upstream', description: 'renamed', insecure: true, credential: { access_key: 'bob' } });
    expect(json(await ok(['registry', 'update', 'upstream', '--no-insecure-upstream', '--username', 'alice', '--password-stdin', '-o', 'json'], 'other-secret')))
      .toMatchObject({ insecure: false, credential: { type: 'basic', access_key: 'alice', access_secret: '*****' } });
    expect(json(await ok(['registry', 'update', 'upstream', '--remove-credential', '-o', 'json'])).credential).toEqual({ type: '', access_key: '', access_secret: '' });

    expect(json(await ok(['registry', 'delete', 'upstream', '--yes', '-o', 'json']))).toEqual({ kind: 'registry', name: 'upstream', id: created.id, deleted: true });
    expect((await ok(['registry', 'delete', String(hub.id), '--yes'])).stdout).toBe('✓ deleted registry hub\n');
    expect(json(await ok(['registry', 'list', '-o', 'json']))).toEqual([]);
    const empty = await h(['registry', 'list']);
    expect(empty).toEqual({ code: 0, stdout: '', stderr: 'no registry endpoints\n' });
    for (const o of outputs) expect(o).not.toContain(SECRET);
  });

  test('error paths: one line on stderr and the documented exit code', async () => {
    await fails(['registry', 'create', 'x', '--url', upstream.url], 2, 'registry create needs --type (docker-hub, docker-registry, harbor, ...)');
    await fails(['registry', 'create', 'x', '--type', 'docker-registry'], 2, 'registry create needs --url');
    await fails(['registry', 'create', 'x', '--type', 'helm-hub', '--url', upstream.url], 2, /^harborctl: invalid --type: unsupported registry type "helm-hub"/);
    await fails(['registry', 'create', 'x', '--type', 'harbor', '--url', 'https://h/sub/path'], 2, 'invalid --url: url must not have a path: give the registry\'s base URL');
    await fails(['registry', 'create', 'x', '--type', 'harbor', '--url', 'ftp://h'], 2, 'invalid --url: url must use http or https');
    await fails(['registry', 'create', 'x', '--type', 'harbor', '--url', 'https://h', '--password-stdin'], 2, '--password-stdin needs --username', 'pw');
    await fails(['registry', 'create', 'x', '--type', 'harbor', '--url', 'https://h', '--username', 'u'], 4, /^harborctl: a password is required.*--password-stdin/);
    await fails(['registry', 'create', 'x', '--type', 'harbor', '--url', 'https://h', '--username', 'u', '--password-stdin'], 2, 'the password is empty', '');

    await ok(['registry', 'create', 'dup', '--type', 'harbor', '--url', 'https://harbor.example.com', '-o', 'json']);
    await fails(['registry', 'create', 'dup', '--type', 'harbor', '--url', 'https://harbor.example.com'], 1, 'a registry named "dup" already exists');
    await fails(['registry', 'get', 'nope'], 3, 'registry nope not found');
    await fails(['registry', 'get', '99999'], 3, 'registry 99999 not found');
    await fails(['registry', 'update', 'nope', '--description', 'x'], 3, 'registry nope not found');
    await fails(['registry', 'update', 'dup'], 2, 'nothing to change: give --name, --description, --url, --[no-]insecure-upstream, --username or --remove-credential');
    await fails(['registry', 'update', 'dup', '--remove-credential', '--username', 'u'], 2, '--remove-credential goes without --username and --password-stdin');
    await fails(['registry', 'delete', 'dup'], 4, 'delete registry endpoint dup: confirmation required, pass --yes');
    await fails(['registry', 'delete', 'nope', '--yes'], 3, 'registry nope not found');
    await fails(['registry', 'ping'], 2, 'registry ping needs a REGISTRY (id or name) or --url');
    await fails(['registry', 'ping', 'dup', '--url', upstream.url], 2, 'give a REGISTRY or --url/--type, not both');
    await fails(['registry', 'ping', 'nope'], 3, 'registry nope not found');

    const closed = `http://127.0.0.1:${await freePort()}`;
    await fails(['registry', 'ping', '--url', closed], 1, /^harborctl: the registry is unhealthy: cannot reach the upstream http:\/\/127\.0\.0\.1:\d+: connection refused\n$/);
    await ok(['registry', 'update', 'dup', '--url', closed, '-o', 'json']);
    await fails(['registry', 'ping', 'dup'], 1, /^harborctl: the registry is unhealthy: cannot reach the upstream http:\/\/127\.0\.0\.1:\d+: connection refused\n$/);
    expect(json(await ok(['registry', 'get', 'dup', '-o', 'json'])).status).toBe('unhealthy');

    // Only system administrators manage endpoints, as in Harbor.
    await ok(['user', 'create', 'dev', '--password-stdin', '-o', 'json'], 'Dev123456');
    await ok(['login', server.url, '-u', 'dev', '--password-stdin', '--name', 'dev', '-o', 'json'], 'Dev123456\n');
    await ok(['context', 'use', 'local', '-o', 'json']);
    await fails(['--context', 'dev', 'registry', 'list'], 5, 'only a system administrator may do this');
    await fails(['--context', 'dev', 'registry', 'create', 'y', '--type', 'harbor', '--url', 'https://h'], 5, 'only a system administrator may do this');
    await ok(['registry', 'delete', 'dup', '--yes', '-o', 'json']);
  });

  test('project create --proxy-cache, cache list, and an endpoint in use cannot be deleted', async () => {
    const up = json(await ok(['registry', 'create', 'proxyup', '--type', 'docker-registry', '--url', upstream.url, '-o', 'json']));
    const p = json(await ok(['project', 'create', 'mirror', '--proxy-cache', 'proxyup', '-o', 'json']));
    expect(p).toMatchObject({ name: 'mirror', registry_id: up.id });
    expect((await ok(['project', 'get', 'mirror'])).stdout).toMatch(new RegExp(`PROXY CACHE OF\\s+${up.name}\n`));
    expect(json(await ok(['cache', 'list', 'mirror', '-o', 'json']))).toEqual([]);
    expect(await h(['cache', 'list', 'mirror'])).toMatchObject({ code: 0, stdout: '', stderr: 'nothing cached in mirror yet\n' });

    // An image in the upstream, pulled once through the proxy.
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const layer = Buffer.from('a layer of the cli test');
    for (const b of [config, layer]) {
      const start = await call(upstream.url, '/v2/tools/cli/blobs/uploads/', { method: 'POST' });
      const loc = new URL(start.headers.location, upstream.url);
      loc.searchParams.set('digest', digestOf(b));
      expect((await call(upstream.url, `${loc.pathname}${loc.search}`, { method: 'PUT', body: b })).status).toBe(201);
    }
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: MT.ociLayer, digest: digestOf(layer), size: layer.length }] }));
    expect((await call(upstream.url, '/v2/tools/cli/manifests/v1', { method: 'PUT', body: manifest, headers: { 'content-type': MT.ociManifest } })).status).toBe(201);
    expect((await call(server.url, '/v2/mirror/tools/cli/manifests/v1', { headers: { accept: MT.ociManifest } })).status).toBe(200);
    expect((await call(server.url, `/v2/mirror/tools/cli/blobs/${digestOf(layer)}`)).status).toBe(200);
    // The store write ends a moment after the client's copy; a second request waits for it.
    expect((await call(server.url, `/v2/mirror/tools/cli/blobs/${digestOf(layer)}`, { method: 'HEAD' })).status).toBe(200);

    const rows = json(await ok(['cache', 'list', 'mirror', '-o', 'json']));
    expect(rows).toEqual([{
      repository_name: 'mirror/tools/cli', tag: 'v1', digest: digestOf(manifest), media_type: MT.ociManifest,
      cached_size: manifest.length + layer.length, push_time: expect.any(String), revalidated_time: expect.any(String),
    }]);
    const table = (await ok(['cache', 'list', 'mirror'])).stdout.split('\n');
    expect(table[0].split(/\s{2,}/)).toEqual(['REPOSITORY', 'TAG', 'DIGEST', 'CACHED', 'FIRST PULLED', 'REVALIDATED']);
    expect(table[1].split(/\s{2,}/).slice(0, 3)).toEqual(['mirror/tools/cli', 'v1', digestOf(manifest).slice(0, 19)]);

    await fails(['project', 'create', 'x', '--proxy-cache', 'nope'], 3, 'registry nope not found');
    await fails(['project', 'create', 'x', '--proxy-cache', ''], 2, '--proxy-cache needs a registry endpoint name or id (harborctl registry list)');
    await fails(['cache', 'list', 'library'], 2, 'project library is not a proxy-cache project');
    await fails(['cache', 'list', 'nope'], 3, /^harborctl: project nope not found/);
    await fails(['registry', 'delete', 'proxyup', '--yes'], 1, 'registry ' + up.id + ' is the upstream of the proxy-cache project(s) mirror: delete them first');
  });
});
