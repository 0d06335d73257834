// What `harborctl serve` loads at start: nothing it does not need to answer /v2/ (issue 20). ldapts
// loads at its first use, prom-client at the first scrape; undici never: the server's own requests
// (webhooks, upstream registries, scanners) are on node:http (src/services/outbound.ts), as a server
// that has loaded undici stays ~20 MB larger; the requests served before that scrape are still counted. And a CLI command
// reads its contexts without a schema validator (conf's ajv and semver: ~100 ms), and talks to /api/v2.0
// without undici (~80 ms: src/client/http.ts is on node:http).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { cliEnv, spawnCli } from '../helpers/cli.js';
import { REPO_ROOT, startHarborctl } from '../helpers/registry-process.js';
import { sample } from '../helpers/metrics.js';
import { api } from '../helpers/api.js';
import { pushImage } from '../helpers/oci.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const PRELOAD = join(REPO_ROOT, 'test', 'fixtures', 'startup', 'loaded-packages.mjs');
const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

async function serveAndStop(scrape: boolean, env: NodeJS.ProcessEnv = {}, use?: (url: string) => Promise<void>): Promise<{ packages: string[]; builtins: string[]; scraped?: string; argv: string[]; environ: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-startup-'));
  dirs.push(dir);
  const file = join(dir, 'packages.txt');
  const srv = await startHarborctl({
    args: ['--metrics-listen', '127.0.0.1:0'],
    env: { HARBORCTL_NODE_FLAGS: `--import=${PRELOAD}`, LOADED_PACKAGES_FILE: file, ...env },
  });
  let scraped: string | undefined;
  let argv: string[] = [];
  let environ: string[] = [];
  try {
    argv = (await readFile(`/proc/${srv.pid}/cmdline`, 'utf8')).split('\0');
    environ = (await readFile(`/proc/${srv.pid}/environ`, 'utf8')).split('\0');
    const v2 = await fetch(`${srv.url}/v2/`, { headers: { authorization: ADMIN_AUTHORIZATION } });
    expect(v2.status).toBe(200);
    await use?.(srv.url);
    if (scrape) {
      const port = /metrics listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(srv.logs.join('\n'))?.[1];
      expect(port).toBeDefined();
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      scraped = await res.text();
    }
  } finally {
    expect((await srv.stop()).code).toBe(0);
  }
  const lines = async (f: string): Promise<string[]> => (await readFile(f, 'utf8')).split('\n').filter(Boolean);
  return { packages: await lines(file), builtins: await lines(`${file}.builtins`), scraped, argv, environ };
}

test('serve answers /v2/ without loading undici, prom-client or ldapts, openid-client or pg, node:https or node:v8', async () => {
  // Unset here whatever the test's own environment has: bin/harborctl's defaults apply.
  const { packages, builtins, argv, environ } = await serveAndStop(false, { MALLOC_ARENA_MAX: undefined, MALLOC_MMAP_THRESHOLD_: undefined });
  // bin/harborctl: node with a 2 MiB semi-space, no allocation-site pretenuring and gc() (for the
  // blob stores' scavenges: src/core/scavenge.ts), then
  // HARBORCTL_NODE_FLAGS (which may override them).
  expect(argv.slice(0, 5)).toEqual([expect.stringMatching(/node$/), '--max-semi-space-size=2', '--no-allocation-site-pretenuring', '--expose-gc', `--import=${PRELOAD}`]);
  // and glibc's malloc with one arena and a fixed mmap threshold.
  expect(environ).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=1', 'MALLOC_MMAP_THRESHOLD_=4194304']));
  // The preload does see what serve loads from node_modules: better-sqlite3's addon. The packages
  // serve loads at every start are in the bundle (scripts/bundle.mjs): none of their files is.
  expect(packages).toEqual(['better-sqlite3']);
  expect(packages).not.toContain('undici');
  expect(packages).not.toContain('prom-client');
  expect(packages).not.toContain('ldapts');
  expect(packages).not.toContain('openid-client');
  expect(packages).not.toContain('pg');
  // Builtins too (node:https and node:tls only for TLS, node:v8 only for the CLI's commands; the
  // preload itself loads node:worker_threads, which serve leaves to its WAL checkpoint worker).
  expect(builtins).toEqual(expect.arrayContaining(['http', 'crypto']));
  expect(builtins).not.toContain('https');
  expect(builtins).not.toContain('tls');
  expect(builtins).not.toContain('v8');
});

test('a server that delivers a webhook and pings an upstream registry loads no undici', async () => {
  const rx = await WebhookReceiver.start();
  try {
    const { packages, builtins } = await serveAndStop(false, {}, async (url) => {
      const policy = await api(url, 'POST', '/projects/library/webhook/policies', {
        body: { name: 'w', event_types: ['PUSH_ARTIFACT'], targets: [{ type: 'http', address: `${rx.url}/hook` }] },
      });
      expect(policy.status, policy.text).toBe(201);
      await pushImage(url, 'library/app', 'v1');
      expect((await rx.next((r) => r.path === '/hook')).json.type).toBe('PUSH_ARTIFACT');
      // The upstream client's ping: our own /v2/ answers 401 without a credential, a live registry.
      expect((await api(url, 'POST', '/registries/ping', { body: { type: 'docker-registry', url } })).status).toBe(200);
    });
    expect(packages).toEqual(expect.arrayContaining(['better-sqlite3']));
    expect(packages).not.toContain('undici');
    expect(builtins).not.toContain('https'); // both calls were to http: URLs
  } finally {
    await rx.close();
  }
});

test('the first scrape loads prom-client and counts the requests served before it', async () => {
  // (and bin/harborctl leaves malloc settings the caller chose as they are)
  const { packages, scraped, environ } = await serveAndStop(true, { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '1048576' });
  expect(environ).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=2', 'MALLOC_MMAP_THRESHOLD_=1048576']));
  expect(packages).toContain('prom-client');
  // The readiness poll's GET /v2/ and the test's own, both before prom-client was loaded.
  expect(sample(scraped!, 'registry_http_requests_total{handler="base",code="200",method="get"}')).toBeGreaterThanOrEqual(2);
  expect(sample(scraped!, 'harbor_core_http_inflight_requests')).toBe(0);
});

test('project list against the local server loads no schema validator and no undici, and its output packages from the bundle', async () => {
  const srv = await startHarborctl({ args: ['--metrics-listen', 'off'] });
  const { env, dir, cleanup } = await cliEnv();
  try {
    const file = join(dir, 'cli-packages.txt');
    const r = await spawnCli({ ...env, HARBORCTL_DATA_DIR: srv.dataDir, HARBORCTL_NODE_FLAGS: `--import=${PRELOAD}`, LOADED_PACKAGES_FILE: file }, ['project', 'list', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { name: string }[]).map((p) => p.name)).toEqual(['library']);
    const packages = (await readFile(file, 'utf8')).split('\n');
    // The preload does see what the CLI loads: its API client is on node:http.
    expect((await readFile(`${file}.builtins`, 'utf8')).split('\n')).toContain('http');
    // In the bundle (scripts/bundle.mjs): node require()d chalk, an ES module package, through its
    // ES module loader, ~40 ms of every command that prints.
    expect(packages).not.toContain('commander');
    expect(packages).not.toContain('chalk');
    expect(packages).not.toContain('cli-table3');
    expect(packages).not.toContain('undici');
    expect(packages).not.toContain('ajv');
    expect(packages).not.toContain('semver');
  } finally {
    await cleanup();
    await srv.stop();
  }
});

test('serve compiles every chunk it loads from the code cache npm run build wrote', async () => {
  // scripts/bundle.mjs ran serve twice to write the caches (src/cli/code-cache.ts); a cache V8
  // refuses (its flags or version differ from bin/harborctl's) or a chunk without one shows as compiled.
  const srv = await startHarborctl({ logLevel: 'debug', args: ['--metrics-listen', 'off'] });
  try {
    const m = /DEBUG code cache fromCache=(\d+) compiled=(\d+)/.exec(srv.logs.join('\n'));
    expect(m, srv.logs.join('\n')).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(10);
    expect(Number(m![2])).toBe(0);
  } finally {
    await srv.stop();
  }
});

test('serve has V8 optimize nothing before it listens', async () => {
  // Each optimized function brings the optimizing compiler's pages of node's binary into the
  // process: ~3.6 MB of an idle server's RSS. node's loader resolving each chunk's path was enough
  // calls to path.normalizeString to have it optimized (src/cli/code-cache.ts).
  const srv = await startHarborctl({ args: ['--metrics-listen', 'off'], env: { HARBORCTL_NODE_FLAGS: '--trace-opt' } });
  try {
    const logs = srv.logs.join('\n');
    const beforeListening = logs.slice(0, logs.indexOf('harborctl registry listening'));
    expect(beforeListening).toContain('harborctl'); // the first start's lines
    expect(beforeListening).not.toMatch(/completed (optimizing|compiling)/);
  } finally {
    await srv.stop();
  }
});
