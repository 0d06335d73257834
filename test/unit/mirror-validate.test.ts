// The validator against every case containerd 1.6.20 was seen handling (shared/interop/NOTES.md §6,
// containerd-mirror-demo.sh), the broken file of issue 6, and the containerd config checks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkConfigPath, checkDockerDaemonJson } from '../../src/mirror/containerd-config.js';
import { repairHostsFile } from '../../src/mirror/doctor.js';
import { apiRoot, FLAVORS } from '../../src/mirror/model.js';
import type { ProbeResult } from '../../src/mirror/probe.js';
import { renderHostsToml } from '../../src/mirror/render.js';
import { failed, validateHostsText, type ValidateContext } from '../../src/mirror/validate.js';

const tmp = mkdtempSync(join(tmpdir(), 'harborctl-mirror-validate-'));
const CA = join(tmp, 'tls.crt');
writeFileSync(CA, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const U = 'server = "http://127.0.0.1:5001"\n\n';
const probe = (kind: ProbeResult['kind'], url: string): ProbeResult =>
  kind === 'registry' || kind === 'not-registry' ? { kind, url, status: 401 } : { kind, url, detail: kind } as ProbeResult;

interface Case {
  n: string; title: string; registry: string; text: string;
  /** What containerd did in the demo: used the mirror, went around it, or failed. */
  containerd: 'mirror' | 'upstream' | 'fail';
  codes: string[];
  ctx?: Partial<ValidateContext>;
  ignored?: boolean;
}

const CASES: Case[] = [
  { n: '1', title: 'server + plain-http mirror host', registry: '127.0.0.1:5001', containerd: 'mirror', codes: [],
    text: `${U}[host."http://127.0.0.1:5002"]\n  capabilities = ["pull", "resolve"]\n` },
  { n: '2', title: 'proxy-cache project form: /v2/PREFIX + override_path', registry: '127.0.0.1:5001', containerd: 'mirror', codes: [],
    text: `${U}[host."http://127.0.0.1:5002/v2/someprefix"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n` },
  { n: '3', title: '/v2/PREFIX without override_path', registry: '127.0.0.1:5001', containerd: 'upstream', codes: ['V2_PATH_WITHOUT_OVERRIDE'],
    text: `${U}[host."http://127.0.0.1:5002/v2/someprefix"]\n  capabilities = ["pull", "resolve"]\n` },
  { n: '3b', title: '/PREFIX without override_path (manual case)', registry: '127.0.0.1:5001', containerd: 'upstream', codes: ['PATH_WITHOUT_OVERRIDE'],
    text: `${U}[host."http://127.0.0.1:5002/someprefix"]\n  capabilities = ["pull", "resolve"]\n` },
  { n: '4', title: 'https:// for a plain-http mirror, even with skip_verify', registry: '127.0.0.1:5001', containerd: 'upstream', codes: ['HTTPS_FOR_PLAIN_HTTP'],
    text: `${U}[host."https://127.0.0.1:5002"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n`,
    ctx: { probes: { 'https://127.0.0.1:5002': probe('tls-to-plain', 'https://127.0.0.1:5002/v2/') } } },
  { n: '5', title: 'host without scheme', registry: '127.0.0.1:5001', containerd: 'upstream', codes: ['MISSING_SCHEME'],
    text: `${U}[host."127.0.0.1:5002"]\n  capabilities = ["pull", "resolve"]\n` },
  { n: '6', title: 'unknown capability "mirror": whole file ignored', registry: '127.0.0.1:5001', containerd: 'upstream', codes: ['UNKNOWN_CAPABILITY'], ignored: true,
    text: `${U}[host."http://127.0.0.1:5002"]\n  capabilities = ["pull", "resolve", "mirror"]\n` },
  { n: '6b', title: 'TOML syntax error: whole file ignored', registry: '127.0.0.1:5001', containerd: 'upstream', codes: ['UNPARSABLE'], ignored: true,
    text: `${U}[host."http://127.0.0.1:5002"\n  capabilities = ["pull", "resolve"]\n` },
  { n: '7', title: 'insecure = true is ignored; the file works', registry: '127.0.0.1:5001', containerd: 'mirror', codes: ['UNKNOWN_KEY'],
    text: `${U}[host."http://127.0.0.1:5002"]\n  capabilities = ["pull", "resolve"]\n  insecure = true\n` },
  { n: '8', title: '_default with only a host', registry: '_default', containerd: 'mirror', codes: [],
    text: '[host."http://127.0.0.1:5002"]\n  capabilities = ["pull", "resolve"]\n' },
  { n: '9', title: 'docker.io canonical', registry: 'docker.io', containerd: 'mirror', codes: [],
    text: 'server = "https://registry-1.docker.io"\n\n[host."http://127.0.0.1:5002"]\n  capabilities = ["pull", "resolve"]\n' },
  { n: '10', title: 'server only: invalid host tree on 1.6/1.7', registry: 'docker.io', containerd: 'fail', codes: ['SERVER_ONLY_FILE'], ignored: true,
    text: 'server = "http://127.0.0.1:5002"\n' },
  { n: '11', title: 'mirror-only with the empty [host] stub', registry: 'docker.io', containerd: 'mirror', codes: [],
    text: 'server = "http://127.0.0.1:5002"\n\n[host]\n' },
  { n: '12', title: 'the user example (IP replaced)', registry: 'docker.io', containerd: 'mirror',
    codes: ['SERVER_IS_MIRROR', 'HOST_IS_UPSTREAM', 'OVERRIDE_PATH_WITHOUT_PATH', 'UNKNOWN_KEY'],
    text: 'server = "http://127.0.0.1:5002"\n\n[host."https://docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  insecure = true\n' },
  { n: '13', title: 'wrong proxy-cache project and Docker Hub unreachable', registry: 'docker.io', containerd: 'fail', codes: ['MIRROR_PATH_MISMATCH'],
    text: 'server = "https://registry-1.docker.io"\n\n[host."http://127.0.0.1:5002/v2/wrongprefix"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n',
    ctx: { mirror: 'http://127.0.0.1:5002', project: 'someprefix' } },
  { n: '14', title: 'TLS mirror with self-signed cert, no ca', registry: '127.0.0.1:5001', containerd: 'upstream', codes: ['TLS_UNTRUSTED'],
    text: `${U}[host."https://127.0.0.1:5443"]\n  capabilities = ["pull", "resolve"]\n`,
    ctx: { probes: { 'https://127.0.0.1:5443': probe('tls-untrusted', 'https://127.0.0.1:5443/v2/') } } },
  { n: '15', title: 'TLS mirror + skip_verify', registry: '127.0.0.1:5001', containerd: 'mirror', codes: [],
    text: `${U}[host."https://127.0.0.1:5443"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n`,
    ctx: { probes: { 'https://127.0.0.1:5443': probe('registry', 'https://127.0.0.1:5443/v2/') } } },
  { n: '16', title: 'TLS mirror + ca', registry: '127.0.0.1:5001', containerd: 'mirror', codes: [],
    text: `${U}[host."https://127.0.0.1:5443"]\n  capabilities = ["pull", "resolve"]\n  ca = "${CA}"\n` },
  { n: '16b', title: 'TLS mirror + a ca file that does not exist', registry: '127.0.0.1:5001', containerd: 'fail', codes: ['CA_MISSING'],
    text: `${U}[host."https://127.0.0.1:5443"]\n  capabilities = ["pull", "resolve"]\n  ca = "${join(tmp, 'nope.crt')}"\n` },
  { n: '17', title: 'http:// for a TLS-only mirror', registry: '127.0.0.1:5001', containerd: 'upstream', codes: ['HTTP_FOR_TLS'],
    text: `${U}[host."http://127.0.0.1:5443"]\n  capabilities = ["pull", "resolve"]\n`,
    ctx: { probes: { 'http://127.0.0.1:5443': probe('plain-to-tls', 'http://127.0.0.1:5443/v2/') } } },
];

describe('the 17 cases of NOTES.md', () => {
  test.each(CASES)('case $n: $title', (c) => {
    const v = validateHostsText(c.text, { file: `/certs.d/${c.registry}/hosts.toml`, registry: c.registry, dir: `/certs.d/${c.registry}`, ...c.ctx });
    const codes = v.problems.filter((p) => p.severity !== 'info').map((p) => p.code);
    expect(codes.sort()).toEqual([...c.codes].sort());
    expect(v.ignored).toBe(Boolean(c.ignored));
    // Every case where containerd went around the mirror (or failed) is a failed check; the rest pass.
    expect(failed(v.problems)).toBe(c.codes.length > 0);
    if (c.containerd === 'mirror' && c.n !== '12') expect(v.problems.filter((p) => p.severity === 'error')).toEqual([]);
    for (const p of v.problems) {
      expect(p.message.length).toBeGreaterThan(40);
      expect(p.fix.length).toBeGreaterThan(5);
      expect(p.file).toBe(`/certs.d/${c.registry}/hosts.toml`);
    }
  });

  test('case 3 says where the requests really go', () => {
    const v = validateHostsText(CASES[2].text, { file: 'f', registry: '127.0.0.1:5001' });
    expect(v.problems[0].message).toContain('http://127.0.0.1:5002/v2/someprefix/v2/library/alpine/manifests/latest');
    expect(v.problems[0].message).toMatch(/silently falls back/);
    expect(v.problems[0].fix).toContain('override_path = true');
  });

  test('case 5: containerd assumes https', () => {
    const v = validateHostsText(CASES[5].text, { file: 'f', registry: '127.0.0.1:5001' });
    expect(v.problems[0].message).toContain('assumes https://');
    expect(v.problems[0].fix).toContain('"http://127.0.0.1:5002"');
  });

  test('case 6: the whole file is ignored, and the message says so', () => {
    const v = validateHostsText(CASES[6].text, { file: 'f', registry: '127.0.0.1:5001' });
    expect(v.problems[0].message).toMatch(/unknown capability mirror/);
    expect(v.problems[0].message).toMatch(/ignores the WHOLE file/);
  });

  test('case 10 names the containerd bug and the workaround', () => {
    const v = validateHostsText(CASES.find((c) => c.n === '10')!.text, { file: 'f', registry: 'docker.io' });
    expect(v.problems[0].message).toContain('containerd#10027');
    expect(v.problems[0].message).toContain('invalid `host` tree');
    expect(v.problems[0].fix).toContain('[host]');
  });

  test('case 11 is reported as the deliberate mirror-only form, not as a mistake', () => {
    const v = validateHostsText(CASES.find((c) => c.n === '11')!.text, { file: 'f', registry: 'docker.io' });
    expect(v.problems.map((p) => [p.code, p.severity])).toEqual([['MIRROR_ONLY', 'info']]);
  });

  test('case 13 without knowing the project cannot be told from case 2 by reading the file', () => {
    const v = validateHostsText(CASES.find((c) => c.n === '13')!.text, { file: 'f', registry: 'docker.io' });
    expect(failed(v.problems)).toBe(false);
  });
});

describe('the broken example of issue 6', () => {
  const ISSUE = 'server = "http://192.168.1.140:5280"\n[host."https://docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  insecure = true\n';
  const v = validateHostsText(ISSUE, { file: '/var/snap/microk8s/current/args/certs.d/docker.io/hosts.toml', registry: 'docker.io' });
  const by = (code: string) => v.problems.find((p) => p.code === code)!;

  test('four mistakes, each explained', () => {
    expect(v.problems.map((p) => p.code).sort()).toEqual(['HOST_IS_UPSTREAM', 'OVERRIDE_PATH_WITHOUT_PATH', 'SERVER_IS_MIRROR', 'UNKNOWN_KEY']);
  });
  test('1. server is the mirror, tried last', () => {
    expect(by('SERVER_IS_MIRROR').message).toMatch(/\[host\] entry FIRST.*`server` LAST/);
    expect(by('SERVER_IS_MIRROR').message).toContain('https://registry-1.docker.io');
    expect(by('SERVER_IS_MIRROR').fix).toBe('server = "https://registry-1.docker.io", and the mirror as [host."http://192.168.1.140:5280"] with capabilities = ["pull", "resolve"]');
  });
  test('2. the [host] is Docker Hub itself, and not its API host', () => {
    expect(by('HOST_IS_UPSTREAM').message).toContain('docker.io is not Docker Hub\'s registry API host (registry-1.docker.io is)');
    expect(by('HOST_IS_UPSTREAM').message).toMatch(/tried before `server`/);
  });
  test('3. override_path without a path drops /v2', () => {
    expect(by('OVERRIDE_PATH_WITHOUT_PATH').message).toContain('https://docker.io/library/alpine/manifests/latest');
    expect(by('OVERRIDE_PATH_WITHOUT_PATH').message).toContain('/v2');
  });
  test('4. insecure is not a key; plain HTTP comes from the scheme', () => {
    expect(by('UNKNOWN_KEY').message).toMatch(/`insecure` is not a hosts.toml key/);
    expect(by('UNKNOWN_KEY').message).toMatch(/http:\/\/ scheme/);
  });
  test('an unknown key named like an Object method gets the plain unknown-key message', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const v = validateHostsText(`server = "https://registry-1.docker.io"\n"${key}" = true\n`, { file: 'f', registry: 'docker.io' });
      const p = v.problems.find((x) => x.code === 'UNKNOWN_KEY');
      expect(p?.message, key).toContain(`\`${key}\` is not a hosts.toml key`);
    }
  });
  test('the corrected file is the canonical one', () => {
    const r = repairHostsFile(ISSUE, 'docker.io');
    expect('file' in r).toBe(true);
    if (!('file' in r)) return;
    const text = renderHostsToml(r.file, 'docker.io');
    expect(text).toContain('server = "https://registry-1.docker.io"\n\n[host."http://192.168.1.140:5280"]\n  capabilities = ["pull", "resolve"]\n');
    expect(validateHostsText(text, { file: 'f', registry: 'docker.io' }).problems).toEqual([]);
  });
});

describe('more mistakes', () => {
  const check = (text: string, registry = 'docker.io', ctx: Partial<ValidateContext> = {}) =>
    validateHostsText(text, { file: 'f', registry, ...ctx }).problems.map((p) => p.code);

  test('skip_verify on http does nothing', () => {
    expect(check('server = "https://registry-1.docker.io"\n[host."http://m:5280"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n')).toEqual(['SKIP_VERIFY_ON_HTTP']);
  });
  test('https:// for a plain-http mirror is found from the expected mirror too', () => {
    expect(check('server = "https://registry-1.docker.io"\n[host."https://m:5280"]\n  capabilities = ["pull", "resolve"]\n', 'docker.io', { mirror: 'http://m:5280' })).toEqual(['HTTPS_FOR_PLAIN_HTTP']);
  });
  test('the expected mirror missing from the file', () => {
    expect(check('server = "https://registry-1.docker.io"\n[host."http://other:1"]\n  capabilities = ["pull", "resolve"]\n', 'docker.io', { mirror: 'http://m:5280' })).toEqual(['MIRROR_NOT_CONFIGURED']);
  });
  test.each(['insecure_skip_verify', 'plain_http', 'endpoint', 'dial_timeout', 'mirror'])('unknown key %s', (key) => {
    expect(check(`server = "https://registry-1.docker.io"\n[host."http://m:1"]\n  capabilities = ["pull", "resolve"]\n  ${key} = true\n`)).toEqual(['UNKNOWN_KEY']);
  });
  test('a wrongly typed value invalidates the whole file', () => {
    const v = validateHostsText('server = "https://registry-1.docker.io"\n[host."http://m:1"]\n  skip_verify = "true"\n', { file: 'f', registry: 'docker.io' });
    expect(v.ignored).toBe(true);
    expect(v.problems.map((p) => p.code)).toContain('INVALID_VALUE');
  });
  test('settings written under a bare [host] are not a host table', () => {
    const v = validateHostsText('server = "https://registry-1.docker.io"\n[host]\n  capabilities = ["pull"]\n', { file: 'f', registry: 'docker.io' });
    expect(v.ignored).toBe(true);
  });
  test('the MicroK8s default docker.io file configures no mirror (info only)', () => {
    const v = validateHostsText('server = "https://docker.io"\n\n[host."https://registry-1.docker.io"]\n  capabilities = ["pull", "resolve"]\n', { file: 'f', registry: 'docker.io' });
    expect(v.problems.map((p) => [p.code, p.severity])).toEqual([['NO_MIRROR', 'info']]);
  });
  test('a relative ca is resolved against the file\'s directory', () => {
    const text = `${U}[host."https://127.0.0.1:5443"]\n  capabilities = ["pull", "resolve"]\n  ca = "tls.crt"\n`;
    expect(check(text, '127.0.0.1:5001', { dir: tmp })).toEqual([]);
    expect(check(text, '127.0.0.1:5001', { dir: '/nonexistent-dir' })).toEqual(['CA_MISSING']);
  });
  test('a ca file that is not a PEM certificate', () => {
    const notPem = join(tmp, 'not-pem.crt');
    writeFileSync(notPem, 'hello\n');
    expect(check(`${U}[host."https://127.0.0.1:5443"]\n  capabilities = ["pull", "resolve"]\n  ca = "${notPem}"\n`, '127.0.0.1:5001')).toEqual(['CA_NOT_PEM']);
  });
  test('capabilities are case-insensitive for containerd', () => {
    expect(check('server = "https://registry-1.docker.io"\n[host."http://m:1"]\n  capabilities = ["Pull", "RESOLVE"]\n')).toEqual([]);
  });
  test('apiRoot follows containerd\'s path rule', () => {
    expect(apiRoot('http://m:1', false)).toBe('http://m:1/v2');
    expect(apiRoot('http://m:1', true)).toBe('http://m:1');
    expect(apiRoot('http://m:1/v2/p', true)).toBe('http://m:1/v2/p');
    expect(apiRoot('http://m:1/v2/p', false)).toBe('http://m:1/v2/p/v2');
    expect(apiRoot('http://m:1/v2', false)).toBe('http://m:1/v2');
    expect(apiRoot('m:1/pre', false)).toBe('https://m:1/pre/v2');
  });
});

describe('containerd config and Docker settings', () => {
  const write = (name: string, text: string): string => { const p = join(tmp, name); writeFileSync(p, text); return p; };
  const mk = FLAVORS.microk8s;

  test('MicroK8s template with config_path = ${SNAP_DATA}/args/certs.d', () => {
    const f = write('tpl1.toml', '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${SNAP_DATA}/args/certs.d"\n');
    const r = checkConfigPath(f, mk.certsDir, mk.vars, mk.restartCommand);
    expect(r.problems).toEqual([]);
    expect(r.resolved).toBe('/var/snap/microk8s/current/args/certs.d');
  });
  test('no config_path: hosts.toml files do nothing, restart after adding it', () => {
    const f = write('tpl2.toml', '[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "overlayfs"\n');
    const r = checkConfigPath(f, '/etc/containerd/certs.d', {}, 'sudo systemctl restart containerd');
    expect(r.problems.map((p) => p.code)).toEqual(['CONFIG_PATH_MISSING']);
    expect(r.problems[0].fix).toContain('config_path = "/etc/containerd/certs.d"');
    expect(r.problems[0].fix).toContain('sudo systemctl restart containerd');
  });
  test('config_path elsewhere, and the old mirrors section beside it', () => {
    const f = write('tpl3.toml', '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/other"\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["http://m:1"]\n');
    expect(checkConfigPath(f, '/etc/containerd/certs.d', {}, 'x').problems.map((p) => p.code)).toEqual(['CONFIG_PATH_MISMATCH', 'MIRRORS_WITH_CONFIG_PATH']);
  });
  test('containerd 2.x config (version 3)', () => {
    const f = write('tpl4.toml', 'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d"\n');
    expect(checkConfigPath(f, '/etc/containerd/certs.d', {}, 'x').problems).toEqual([]);
  });
  test('Docker\'s insecure-registries and registry-mirrors do nothing for containerd', () => {
    const f = write('daemon.json', JSON.stringify({ 'insecure-registries': ['192.168.1.140:5280'], 'registry-mirrors': ['http://192.168.1.140:5280'] }));
    const p = checkDockerDaemonJson(f);
    expect(p.map((x) => x.code)).toEqual(['DOCKER_SETTING_IGNORED', 'DOCKER_SETTING_IGNORED']);
    expect(p[0].message).toContain('insecure-registries');
    expect(p[0].message).toMatch(/never read it/);
  });
});
