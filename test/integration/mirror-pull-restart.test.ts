// doctor --pull and configure-mirror --restart through the CLI (in-process), with real scripts in
// place of ctr and of the restart command, each recording how it was run, and a small Harbor double
// that keeps an audit log: a manifest GET is recorded as a `pull`, as Harbor does, in the legacy log
// (a Harbor before 2.13: no /auditlog-exts) or, with `harbor213`, in the extended log only. The pull
// through a real containerd, proven by harborctl serve's extended log, is in
// test/interop/mirror-e2e.test.ts.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { cli, cliEnv, type CliEnv } from '../helpers/cli.js';

const ADMIN = `Basic ${Buffer.from('admin:Harbor12345').toString('base64')}`;
let root: string;
let sandbox: CliEnv;
let server: http.Server;
let mirror: string;
let audit: { id: number; username: string; resource: string; resource_type: string; operation: string; op_time: string; operation_description?: string; operation_result?: boolean }[] = [];
const seen: string[] = [];
/** The double records pulls as Harbor 2.13 (in the extended log; the legacy one keeps only what it held). */
let harbor213 = false;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'harborctl-mirror-pull-'));
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    seen.push(`${req.method} ${url}`);
    const send = (status: number, body: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (url === '/v2/') { res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }); res.end(); return; }
    if (url === '/api/v2.0/ping') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('Pong'); return; }
    if (url.startsWith('/api/v2.0/projects?')) { res.writeHead(200); res.end(); return; }
    const manifest = /^\/v2\/(.+)\/manifests\/([^/?]+)/.exec(url);
    if (req.method === 'GET' && manifest) {
      const ref = manifest[2];
      const resource = `${manifest[1]}${ref.includes(':') ? `@${ref}` : `:${ref}`}`;
      const entry = { id: audit.length + 1, username: '', resource, resource_type: 'artifact', operation: 'pull', op_time: new Date().toISOString() };
      audit.push(harbor213 ? { ...entry, operation_description: `pull artifact: ${resource}`, operation_result: true } : entry);
      send(200, {});
      return;
    }
    const logs = /^\/api\/v2\.0\/projects\/([^/?]+)\/(logs|auditlog-exts)\?/.exec(url);
    if (logs && (logs[2] === 'logs' || harbor213)) {
      if (req.headers.authorization !== ADMIN) { send(401, { errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }] }); return; }
      if (logs[1] !== 'cache') { send(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] }); return; }
      const ext = logs[2] === 'auditlog-exts';
      send(200, audit.filter((e) => ext === 'operation_result' in e || e.id === 1).sort((a, b) => b.id - a.id));
      return;
    }
    send(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});
// Each case's CLI sandbox (a temp HOME) goes with it.
afterEach(async () => { await sandbox?.cleanup(); });

/** A node script standing in for ctr: records its arguments; `images pull` GETs `fetchUrl` when given (the pull reaching the mirror). */
function fakeCtr(dir: string, fetchUrl?: string): { path: string; calls: () => string[][] } {
  const log = join(dir, 'ctr-calls.jsonl');
  const path = join(dir, 'ctr');
  writeFileSync(path, `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');
const i = args.indexOf('images');
if (i >= 0 && args[i + 1] === 'pull' && ${JSON.stringify(fetchUrl ?? '')}) {
  fetch(${JSON.stringify(fetchUrl ?? '')}).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
}
`);
  chmodSync(path, 0o755);
  return { path, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]) : []) };
}

/** What `harborctl login MIRROR` saves, in this case's sandbox; the double's log back to one old record, as a Harbor before 2.13. */
function loginAndReset(): void {
  const cfgDir = sandbox.env.HARBORCTL_CONFIG_DIR as string;
  mkdirSync(cfgDir, { recursive: true });
  writeFileSync(join(cfgDir, 'config.json'), JSON.stringify({ contexts: { [`admin@${new URL(mirror).host}`]: { server: mirror, username: 'admin', password: 'Harbor12345' } }, current: `admin@${new URL(mirror).host}` }));
  audit = [{ id: 1, username: 'admin', resource: 'cache/library/tiny:1', resource_type: 'artifact', operation: 'pull', op_time: '2026-01-01T00:00:00Z' }];
  harbor213 = false;
}

describe('doctor --pull', () => {
  let dir: string;
  let certs: string;
  let config: string;
  const upstream = '10.0.0.5:5000';
  const image = `${upstream}/library/tiny:1`;
  const base = (): string[] => ['containerd', 'doctor', '--certs-dir', certs, '--containerd-config', config, '--docker-daemon-json', join(dir, 'none.json'), '--containerd-address', join(dir, 'containerd.sock')];

  beforeEach(async () => {
    sandbox = await cliEnv();
    dir = mkdtempSync(join(root, 'case-'));
    certs = join(dir, 'certs.d');
    config = join(dir, 'config.toml');
    writeFileSync(config, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${certs}"\n`);
    const conf = await cli(sandbox.env, ['containerd', 'configure-mirror', '--certs-dir', certs, '--containerd-config', config, '--registry', upstream, '--mirror', mirror, '--project', 'cache']);
    expect(conf.code, conf.stderr).toBe(0);
    loginAndReset();
  });

  test('a pull that reaches the mirror is proven by its audit log; the temporary namespace is cleaned up', async () => {
    const ctr = fakeCtr(dir, `${mirror}/v2/cache/library/tiny/manifests/sha256:${'a'.repeat(64)}`);
    const from = seen.length;
    const r = await cli(sandbox.env, [...base(), '--pull', image, '--ctr', ctr.path]);
    expect(r.code, r.stderr).toBe(0);
    // A Harbor before 2.13: the extended log is asked for once (404), then the legacy log every time.
    const reads = seen.slice(from).filter((l) => l.includes('/api/v2.0/projects/cache/')).map((l) => l.replace(/\?.*/, ''));
    expect(reads.slice(0, 3)).toEqual(['GET /api/v2.0/projects/cache/auditlog-exts', 'GET /api/v2.0/projects/cache/logs', 'GET /api/v2.0/projects/cache/logs']);
    expect(reads.filter((l) => l.endsWith('auditlog-exts'))).toHaveLength(1);
    expect(r.stdout).toContain(`✓ pull ${image}: the pull of ${image} went through the mirror: ${mirror} recorded "pull cache/library/tiny@sha256:${'a'.repeat(64)}" (audit log #2`);
    const calls = ctr.calls();
    const ns = calls[0][calls[0].indexOf('--namespace') + 1];
    expect(ns).toMatch(/^harborctl-doctor-[0-9a-f]{8}$/);
    expect(calls).toEqual([
      ['--address', join(dir, 'containerd.sock'), '--namespace', ns, 'images', 'pull', '--hosts-dir', certs, image],
      ['--address', join(dir, 'containerd.sock'), '--namespace', ns, 'images', 'rm', '--sync', image],
      ['--address', join(dir, 'containerd.sock'), 'namespaces', 'rm', ns],
    ]);
    const json = await cli(sandbox.env, [...base(), '--pull', image, '--ctr', fakeCtr(mkdtempSync(join(dir, 'j-')), `${mirror}/v2/cache/library/tiny/manifests/1`).path, '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).pull).toMatchObject({ ok: true, image, mirror, repository: 'cache/library/tiny', records: [{ id: 3, resource: 'cache/library/tiny:1', operation: 'pull' }] });
  });

  test('a Harbor 2.13 mirror: the proof comes from its extended log', async () => {
    harbor213 = true;
    const from = seen.length;
    const r = await cli(sandbox.env, [...base(), '--pull', image, '--ctr', fakeCtr(dir, `${mirror}/v2/cache/library/tiny/manifests/2`).path, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).pull).toMatchObject({ ok: true, records: [{ id: 2, resource: 'cache/library/tiny:2', operation: 'pull', operation_description: 'pull artifact: cache/library/tiny:2' }] });
    const reads = seen.slice(from).filter((l) => l.includes('/api/v2.0/projects/cache/'));
    expect(reads.length).toBeGreaterThan(1);
    expect(reads.every((l) => l.startsWith('GET /api/v2.0/projects/cache/auditlog-exts?'))).toBe(true);
    // Its legacy log holds only the old record: read there, the pull would not be proven.
    expect(audit.filter((e) => !('operation_result' in e)).map((e) => e.id)).toEqual([1]);
  });

  test('a pull that goes around the mirror fails, although ctr succeeded (an old record does not count)', async () => {
    const ctr = fakeCtr(dir);
    const r = await cli(sandbox.env, [...base(), '--pull', image, '--ctr', ctr.path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ pull ${image}: ctr pulled ${image}, but ${mirror} recorded no pull of cache/library/tiny: containerd went around the mirror`);
    expect(r.stderr.endsWith(`harborctl: the pull of ${image} did not go through ${mirror}; see above\n`), r.stderr).toBe(true);
    expect(ctr.calls().map((c) => c.filter((a) => ['images', 'namespaces', 'pull', 'rm'].includes(a)))).toEqual([['images', 'pull'], ['images', 'rm'], ['namespaces', 'rm']]);
  });

  test('without a login for the mirror: exit 5, how to log in, and nothing is pulled', async () => {
    rmSync(join(sandbox.env.HARBORCTL_CONFIG_DIR as string, 'config.json'));
    const ctr = fakeCtr(dir);
    const r = await cli(sandbox.env, [...base(), '--pull', image, '--ctr', ctr.path]);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`harborctl: doctor --pull proves the pull from ${mirror}'s audit log, and no login for it was found: run harborctl login ${mirror} -u USER (a user who may read project cache's logs), then try again\n`);
    expect(ctr.calls()).toEqual([]);
  });

  test('a mirror without that project or audit log, a missing ctr, a bad reference, --ctr without --pull', async () => {
    const other = join(dir, 'other');
    const conf = await cli(sandbox.env, ['containerd', 'configure-mirror', '--certs-dir', other, '--containerd-config', config, '--registry', upstream, '--mirror', mirror, '--project', 'nolog']);
    expect(conf.code, conf.stderr).toBe(0);
    const r = await cli(sandbox.env, ['containerd', 'doctor', '--certs-dir', other, '--no-probe', '--containerd-config', config, '--docker-daemon-json', join(dir, 'none.json'), '--pull', image, '--ctr', fakeCtr(dir).path]);
    expect(r.stderr).toContain(`harborctl: GET ${mirror}/api/v2.0/projects/nolog/logs answered 404: project nolog does not exist on the mirror, or the mirror keeps no audit log`);
    expect(r.code).toBe(1);

    const missing = await cli(sandbox.env, [...base(), '--pull', image, '--ctr', join(dir, 'no-such-ctr')]);
    expect(missing.stderr).toContain(`harborctl: ${join(dir, 'no-such-ctr')} not found: doctor --pull runs containerd's ctr; install it or pass --ctr PATH\n`);
    expect(missing.code).toBe(2);

    const bad = await cli(sandbox.env, [...base(), '--pull', 'UPPER/Case', '--ctr', fakeCtr(dir).path]);
    expect(bad.code).toBe(2);
    const unrouted = await cli(sandbox.env, [...base(), '--pull', 'ghcr.io/x/y:1', '--ctr', fakeCtr(dir).path]);
    expect(unrouted.stderr).toContain(`no hosts.toml for ghcr.io under ${certs} (nor _default)`);
    expect(unrouted.code).toBe(2);
    const lone = await cli(sandbox.env, [...base(), '--ctr', 'ctr']);
    expect(lone.stderr).toBe('harborctl: --containerd-address and --ctr go with --pull IMAGE\n');
    expect(lone.code).toBe(2);
  });
});

describe('audit-log list against a Harbor before 2.13', () => {
  beforeEach(async () => {
    sandbox = await cliEnv();
    loginAndReset();
  });

  test('lists the legacy log, where such a Harbor records pulls; what only the extended log has is a usage error; --ext is its 404', async () => {
    const r = await cli(sandbox.env, ['audit-log', 'list', '--project', 'cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ID\s+TIME\s+USER\s+OPERATION\s+RESOURCE\n1\s.*cache\/library\/tiny:1\n$/);
    const typed = await cli(sandbox.env, ['audit-log', 'list', '--project', 'cache', '--resource-type', 'user']);
    expect(typed.stderr).toBe(`harborctl: ${mirror} keeps the legacy audit log only (Harbor before 2.13): it has no --resource-type\n`);
    expect(typed.code).toBe(2);
    const login = await cli(sandbox.env, ['audit-log', 'list', '--project', 'cache', '--operation', 'login']);
    expect(login.stderr).toBe(`harborctl: ${mirror} keeps the legacy audit log only (Harbor before 2.13): it has no --operation login\n`);
    expect(login.code).toBe(2);
    const nosuch = await cli(sandbox.env, ['audit-log', 'list', '--project', 'nosuch', '--resource-type', 'user']);
    expect(nosuch.code, nosuch.stderr).toBe(3); // the project's 404, not the usage error
    expect((await cli(sandbox.env, ['audit-log', 'list', '--project', 'cache', '--ext'])).code).toBe(3);
  });
});

describe('configure-mirror --restart', () => {
  let dir: string;
  let marker: string;
  let script: string;
  beforeEach(async () => {
    sandbox = await cliEnv();
    dir = mkdtempSync(join(root, 'restart-'));
    marker = join(dir, 'restarted');
    script = join(dir, 'restart-containerd.sh');
    writeFileSync(script, `#!/bin/sh\necho "restart $*" >> ${JSON.stringify(marker)}\n`);
    chmodSync(script, 0o755);
  });
  const configure = (flavor: string, certs: string, config: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    cli(sandbox.env, [flavor, 'configure-mirror', '--certs-dir', certs, '--containerd-config', config, '--mirror', 'http://10.0.0.9:5280', '--project', 'dockerhub', ...extra]);

  test('MicroK8s: the template has config_path but the rendered containerd.toml does not yet: restart runs', async () => {
    const args = join(dir, 'args');
    const certs = join(args, 'certs.d');
    mkdirSync(args, { recursive: true });
    writeFileSync(join(args, 'containerd-template.toml'), `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${certs}"\n`);
    writeFileSync(join(args, 'containerd.toml'), 'version = 2\n');
    const r = await configure('microk8s', certs, join(args, 'containerd-template.toml'), '--restart', '--restart-command', `${script} microk8s`);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('restart microk8s\n');
    expect(r.stderr).toContain(`restart needed: MicroK8s renders ${join(args, 'containerd-template.toml')} into ${join(args, 'containerd.toml')} when containerd starts, and that file has no config_path yet: the running containerd does not read ${certs} until it restarts`);
    expect(r.stderr).toContain(`restarting containerd: ${script} microk8s`);

    // Rendered (containerd restarted): configure-mirror again needs no restart.
    writeFileSync(join(args, 'containerd.toml'), readFileSync(join(args, 'containerd-template.toml')));
    rmSync(marker);
    const again = await configure('microk8s', certs, join(args, 'containerd-template.toml'), '--restart', '--restart-command', script, '-o', 'json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).restart).toEqual({ ran: false, command: script, reason: 'no restart needed: containerd re-reads hosts.toml on every pull, and config_path is already in effect' });
    expect(existsSync(marker)).toBe(false);
  });

  test('containerd with config_path in effect: no restart unless "always"; a failing or missing command is a clear error', async () => {
    const certs = join(dir, 'certs.d');
    const config = join(dir, 'config.toml');
    writeFileSync(config, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${certs}"\n`);
    const r = await configure('containerd', certs, config, '--restart', '--restart-command', script);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no restart needed: containerd re-reads hosts.toml on every pull');
    expect(existsSync(marker)).toBe(false);

    const always = await configure('containerd', certs, config, '--restart', 'always', '--restart-command', `${script} always`);
    expect(always.code, always.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('restart always\n');

    const fails = await configure('containerd', certs, config, '--restart', 'always', '--restart-command', 'echo no unit >&2; exit 3');
    expect(fails.code).toBe(1);
    expect(fails.stderr).toContain('harborctl: the files are written, but restarting containerd with `echo no unit >&2; exit 3` failed: it exited with 3\nno unit\n');
    const absent = await configure('containerd', certs, config, '--restart', 'always', '--restart-command', join(dir, 'no-such-command'));
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain('failed: the command was not found');

    const unknown = await configure('containerd', certs, join(dir, 'no-config.toml'), '--restart', '--restart-command', `${script} unknown`);
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(unknown.stderr).toContain(`not restarting: ${join(dir, 'no-config.toml')} does not exist, so whether containerd must restart cannot be told`);
    expect(readFileSync(marker, 'utf8')).toBe('restart always\n');

    const bad = await configure('containerd', certs, config, '--restart', 'sometimes');
    expect(bad.stderr).toBe('harborctl: invalid --restart "sometimes": needed (the default) or always\n');
    const lone = await configure('containerd', certs, config, '--restart-command', script);
    expect(lone.stderr).toBe('harborctl: --restart-command goes with --restart\n');
  });

  test('config_path missing: the files are written but no restart is tried, since it would change nothing', async () => {
    const certs = join(dir, 'certs.d');
    const config = join(dir, 'config.toml');
    writeFileSync(config, 'version = 2\n');
    const r = await configure('containerd', certs, config, '--restart', 'always', '--restart-command', script);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`not restarting containerd: ${config} does not make it read ${certs}`);
    expect(existsSync(join(certs, 'docker.io', 'hosts.toml'))).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });
});
