// configure-mirror on real files in a temp directory: diff, backup, atomic replace, idempotence,
// --dry-run, --all-from, and the config_path check.
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { applyPlan, parseAllFrom, planConfigure, type Layout } from '../../src/mirror/configure.js';
import { atomicWrite, lineDiff } from '../../src/mirror/files.js';
import { FLAVORS } from '../../src/mirror/model.js';
import { catchHarborError } from './helpers.js';
import { cli } from './mirror-cli.js';

const golden = (name: string): string => readFileSync(new URL(`../fixtures/mirror/golden/${name}`, import.meta.url), 'utf8');

let dir: string;
let certs: string;
let template: string;
let layout: Layout;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'harborctl-mirror-writer-'));
  certs = join(dir, 'certs.d');
  template = join(dir, 'containerd-template.toml');
  writeFileSync(template, `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${certs}"\n`);
  layout = { flavor: FLAVORS.microk8s, certsDir: certs, containerdConfig: template };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const hostsPath = (r = 'docker.io'): string => join(certs, r, 'hosts.toml');
const dirArgs = (): string[] => ['--certs-dir', certs, '--containerd-config', template];

describe('planConfigure / applyPlan', () => {
  test('writes the canonical file, says no restart is needed', () => {
    const plan = applyPlan(planConfigure(layout, [{ registry: 'docker.io', mirror: 'http://192.168.1.140:5280' }]));
    expect(readFileSync(hostsPath(), 'utf8')).toBe(golden('docker-io-http-mirror.toml'));
    expect(plan.files[0]).toMatchObject({ changed: true, before: null });
    expect(plan.files[0].backup).toBeUndefined();
    expect(plan.files[0].diff).toMatch(/^--- \/dev\/null\n\+\+\+ /);
    expect(plan.restartNeeded).toBe(false);
    expect(plan.configPath.problems).toEqual([]);
  });

  test('idempotent: the second run changes nothing and keeps no backup', () => {
    const spec = [{ registry: 'docker.io', mirror: 'http://192.168.1.140:5280', project: 'dockerhub-proxy' }];
    applyPlan(planConfigure(layout, spec));
    const before = statSync(hostsPath());
    const again = applyPlan(planConfigure(layout, spec));
    expect(again.files.map((f) => f.changed)).toEqual([false]);
    expect(again.files[0].diff).toBe('');
    expect(again.notes[0]).toContain('already configured');
    expect(statSync(hostsPath()).ino).toBe(before.ino);
    expect(readdirSync(join(certs, 'docker.io'))).toEqual(['hosts.toml']);
  });

  test('replacing a file: diff of what changes, backup of the old one, no temp files left', () => {
    mkdirSync(join(certs, 'docker.io'), { recursive: true });
    const old = 'server = "http://192.168.1.140:5280"\n[host."https://docker.io"]\n  override_path = true\n  insecure = true\n';
    writeFileSync(hostsPath(), old);
    const plan = applyPlan(planConfigure(layout, [{ registry: 'docker.io', mirror: 'http://192.168.1.140:5280' }]), new Date('2026-11-28T12:00:00Z'));
    const f = plan.files[0];
    expect(f.diff).toContain('-server = "http://192.168.1.140:5280"');
    expect(f.diff).toContain('+server = "https://registry-1.docker.io"');
    expect(f.diff).toContain('-  insecure = true');
    expect(f.backup).toBe(`${hostsPath()}.bak-20261128T120000Z`);
    expect(readFileSync(f.backup!, 'utf8')).toBe(old);
    expect(readdirSync(join(certs, 'docker.io')).sort()).toEqual(['hosts.toml', 'hosts.toml.bak-20261128T120000Z']);
    // A second change in the same second keeps both backups.
    const plan2 = applyPlan(planConfigure(layout, [{ registry: 'docker.io', mirror: 'http://10.0.0.1:5280' }]), new Date('2026-11-28T12:00:00Z'));
    expect(plan2.files[0].backup).toBe(`${hostsPath()}.bak-20261128T120000Z-1`);
  });

  test('--ca-file copies the CA next to hosts.toml and references it', () => {
    const ca = join(dir, 'my-ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    applyPlan(planConfigure(layout, [{ registry: 'ghcr.io', mirror: 'https://harbor.example.test', project: 'ghcr', caFile: ca }]));
    const copied = join(certs, 'ghcr.io', 'ca-harbor.example.test.crt');
    expect(readFileSync(copied, 'utf8')).toBe(readFileSync(ca, 'utf8'));
    expect(readFileSync(hostsPath('ghcr.io'), 'utf8')).toContain(`ca = "${copied}"`);
  });

  test('config_path missing: a restart is needed after adding it', () => {
    writeFileSync(template, '[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "overlayfs"\n');
    const plan = planConfigure(layout, [{ registry: 'docker.io', mirror: 'http://m:1' }]);
    expect(plan.configPath.problems.map((p) => p.code)).toEqual(['CONFIG_PATH_MISSING']);
    expect(plan.restartNeeded).toBe(true);
    expect(plan.notes.join('\n')).toContain('sudo snap restart microk8s');
  });

  test.each([
    [{ registry: 'docker.io', mirror: '192.168.1.140:5280' }, /write the scheme/],
    [{ registry: 'docker.io', mirror: 'http://m:1', skipVerify: true }, /does nothing for an http:\/\/ mirror/],
    [{ registry: 'docker.io', mirror: 'https://m:1', skipVerify: true, caFile: '/etc/hostname' }, /exclude each other/],
    [{ registry: 'docker.io', mirror: 'https://m:1', caFile: '/nonexistent/ca.pem' }, /does not exist/],
    [{ registry: 'docker.io', mirror: 'http://m:1/v2/proj' }, /has a path/],
    [{ registry: 'docker.io', mirror: 'https://registry-1.docker.io' }, /not a mirror/],
    [{ registry: 'docker.io', mirror: 'http://m:1', project: 'Bad Name' }, /invalid --project/],
    [{ registry: 'https://docker.io', mirror: 'http://m:1' }, /invalid --registry/],
  ])('usage error %#', (spec, msg) => {
    expect(catchHarborError(() => planConfigure(layout, [spec]), 'USAGE').message).toMatch(msg);
  });
});

describe('files', () => {
  test('lineDiff', () => {
    expect(lineDiff('a\nb\nc\n', 'a\nB\nc\n', 'f')).toBe('--- f\n+++ f\n a\n-b\n+B\n c\n');
    expect(lineDiff('same\n', 'same\n', 'f')).toBe('');
  });

  test('atomicWrite replaces the file as a whole: a reader of the old file still sees all of the old one', () => {
    const p = join(dir, 'x.toml');
    writeFileSync(p, 'old content\n');
    const fd = openSync(p, 'r');
    atomicWrite(p, 'new content, longer than the old\n');
    const buf = Buffer.alloc(100);
    const n = readSync(fd, buf, 0, 100, 0);
    closeSync(fd);
    expect(buf.subarray(0, n).toString()).toBe('old content\n');
    expect(readFileSync(p, 'utf8')).toBe('new content, longer than the old\n');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('--all-from', () => {
  test('parses REGISTRY [MIRROR_URL] [PROJECT] lines', () => {
    const specs = parseAllFrom('# upstreams\ndocker.io dockerhub\nghcr.io   ghcr  # GitHub\n\nquay.io https://other:443 quay\nregistry.k8s.io\n', { mirror: 'http://m:5280' });
    expect(specs.map((s) => [s.registry, s.mirror, s.project])).toEqual([
      ['docker.io', 'http://m:5280', 'dockerhub'], ['ghcr.io', 'http://m:5280', 'ghcr'], ['quay.io', 'https://other:443', 'quay'], ['registry.k8s.io', 'http://m:5280', undefined],
    ]);
  });
  test.each([['docker.io a b\n', /line 1/], ['# nothing\n', /lists no registry/]])('rejects %j', (text, msg) => {
    expect(catchHarborError(() => parseAllFrom(text, { mirror: 'http://m:1' }), 'USAGE').message).toMatch(msg);
  });
  test('without --mirror a line must name its mirror', () => {
    expect(catchHarborError(() => parseAllFrom('docker.io p\n', {}), 'USAGE').message).toMatch(/no mirror for docker.io/);
  });
});

describe('harborctl microk8s|containerd configure-mirror', () => {
  test('--dry-run prints the file and changes nothing', async () => {
    const r = await cli('microk8s', 'configure-mirror', '--registry', 'docker.io', '--mirror', 'http://192.168.1.140:5280', '--project', 'dockerhub-proxy', ...dirArgs(), '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`# ${hostsPath()}\n${golden('docker-io-proxy-project.toml')}\n`);
    expect(r.stderr).toContain('dry run: nothing was written');
    expect(existsSync(certs)).toBe(false);
  });

  test('writes, then says there is nothing to change; -o json describes the plan', async () => {
    const r1 = await cli('containerd', 'configure-mirror', '--mirror', 'http://192.168.1.140:5280', ...dirArgs());
    expect(r1.code).toBe(0);
    expect(r1.stdout).toContain('+[host."http://192.168.1.140:5280"]');
    expect(r1.stderr).toContain('no restart needed');
    const r2 = await cli('-o', 'json', 'containerd', 'configure-mirror', '--mirror', 'http://192.168.1.140:5280', ...dirArgs());
    const data = JSON.parse(r2.stdout) as { files: { path: string; changed: boolean }[]; restartNeeded: boolean; dryRun: boolean };
    expect(data).toMatchObject({ dryRun: false, restartNeeded: false, files: [{ path: hostsPath(), changed: false }] });
  });

  test('--all-from configures several upstreams', async () => {
    const list = join(dir, 'upstreams.txt');
    writeFileSync(list, 'docker.io dockerhub\nghcr.io ghcr\nquay.io\n');
    const r = await cli('microk8s', 'configure-mirror', '--all-from', list, '--mirror', 'http://127.0.0.1:5280', ...dirArgs());
    expect(r.stderr).not.toContain('harborctl:');
    expect(r.code).toBe(0);
    expect(readdirSync(certs).sort()).toEqual(['docker.io', 'ghcr.io', 'quay.io']);
    expect(readFileSync(hostsPath('ghcr.io'), 'utf8')).toContain('server = "https://ghcr.io"\n\n[host."http://127.0.0.1:5280/v2/ghcr"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n');
    expect(readFileSync(hostsPath('quay.io'), 'utf8')).toContain('[host."http://127.0.0.1:5280"]');
  });

  test('usage errors exit 2 and write nothing', async () => {
    const r = await cli('microk8s', 'configure-mirror', '--mirror', '192.168.1.140:5280', ...dirArgs());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/write the scheme/);
    expect(r.stdout).toBe('');
    expect(existsSync(certs)).toBe(false);
    expect((await cli('microk8s', 'configure-mirror', ...dirArgs())).code).toBe(2);
  });
});
