// doctor and fix against real registries-to-be on loopback: tiny HTTP and HTTPS servers on
// 127.0.0.1:0 that answer /v2/ like a registry, a closed port, and real files in a temp dir.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { doctor } from '../../src/mirror/doctor.js';
import { FLAVORS } from '../../src/mirror/model.js';
import { probeRegistry } from '../../src/mirror/probe.js';
import { cli } from './mirror-cli.js';

const root = mkdtempSync(join(tmpdir(), 'harborctl-mirror-doctor-'));
const requests: string[] = [];
const servers: (http.Server | https.Server)[] = [];
const handler = (status: number) => (req: http.IncomingMessage, res: http.ServerResponse): void => {
  requests.push(`${req.method} ${req.url}`);
  res.writeHead(req.url === '/v2/' ? status : 404, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
  res.end(status === 200 ? '{}' : '{"errors":[{"code":"UNAUTHORIZED"}]}');
};
async function listen(s: http.Server | https.Server): Promise<string> {
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

let open200: string; let open401: string; let notRegistry: string; let closed: string; let tls: string; let harbor: string;
let caFile: string;
beforeAll(async () => {
  open200 = await listen(http.createServer(handler(200)));
  open401 = await listen(http.createServer(handler(401)));
  notRegistry = await listen(http.createServer((_q, r) => { r.writeHead(404); r.end('nope'); }));
  // Just enough of Harbor to tell a missing proxy-cache project: /v2/, /api/v2.0/ping, HEAD /api/v2.0/projects.
  harbor = await listen(http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/v2/') { res.writeHead(401); res.end(); return; }
    if (req.url === '/api/v2.0/ping') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('Pong'); return; }
    if (req.method === 'HEAD' && req.url?.startsWith('/api/v2.0/projects?')) {
      res.writeHead(new URL(req.url, 'http://x').searchParams.get('project_name') === 'dockerhub' ? 200 : 404); res.end(); return;
    }
    res.writeHead(404); res.end();
  }));
  const gone = http.createServer();
  closed = await listen(gone);
  await new Promise<void>((r) => gone.close(() => r()));
  servers.splice(servers.indexOf(gone), 1);
  // A self-signed certificate for 127.0.0.1, like the demo's TLS mirror.
  caFile = join(root, 'tls.crt');
  const key = join(root, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=harborctl-test',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', caFile], { stdio: 'ignore' });
  tls = await listen(https.createServer({ cert: readFileSync(caFile), key: readFileSync(key) }, handler(401)));
});
afterAll(async () => {
  for (const s of servers) { s.closeAllConnections(); await new Promise<void>((r) => s.close(() => r())); }
  rmSync(root, { recursive: true, force: true });
});

let certs: string; let template: string; let n = 0;
beforeEach(() => {
  const dir = join(root, `t${++n}`);
  certs = join(dir, 'certs.d');
  template = join(dir, 'containerd-template.toml');
  mkdirSync(certs, { recursive: true });
  writeFileSync(template, `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${certs}"\n`);
});
const args = (): string[] => ['--certs-dir', certs, '--containerd-config', template, '--docker-daemon-json', join(root, 'no-daemon.json')];
const put = (registry: string, text: string): string => {
  mkdirSync(join(certs, registry), { recursive: true });
  const p = join(certs, registry, 'hosts.toml');
  writeFileSync(p, text);
  return p;
};
const canonical = (mirror: string): string => `server = "https://registry-1.docker.io"\n\n[host."${mirror}"]\n  capabilities = ["pull", "resolve"]\n`;

describe('probeRegistry', () => {
  test('200 and 401 on /v2/ both mean a registry is there', async () => {
    expect(await probeRegistry(`http://${open200}`)).toEqual({ kind: 'registry', url: `http://${open200}/v2/`, status: 200 });
    expect(await probeRegistry(`http://${open401}/v2/someproject`)).toEqual({ kind: 'registry', url: `http://${open401}/v2/`, status: 401 });
  });
  test('a closed port is unreachable', async () => {
    expect(await probeRegistry(`http://${closed}`)).toMatchObject({ kind: 'unreachable', detail: expect.stringContaining('ECONNREFUSED') });
  });
  test('another HTTP server is not a registry', async () => {
    expect(await probeRegistry(`http://${notRegistry}`)).toMatchObject({ kind: 'not-registry', status: 404 });
  });
  test('https:// to a plain-HTTP registry (case 4), and no scheme (case 5)', async () => {
    expect((await probeRegistry(`https://${open401}`)).kind).toBe('tls-to-plain');
    expect((await probeRegistry(open401)).kind).toBe('tls-to-plain');
  });
  test('TLS: untrusted without the CA (case 14), fine with it (16) or skip_verify (15), http:// to it (17)', async () => {
    expect((await probeRegistry(`https://${tls}`)).kind).toBe('tls-untrusted');
    expect(await probeRegistry(`https://${tls}`, { ca: [caFile] })).toMatchObject({ kind: 'registry', status: 401 });
    expect(await probeRegistry(`https://${tls}`, { skipVerify: true })).toMatchObject({ kind: 'registry', status: 401 });
    expect((await probeRegistry(`http://${tls}`)).kind).toBe('plain-to-tls');
  });
});

describe('harborctl microk8s doctor', () => {
  test('a correct configuration passes, after a real GET /v2/ on the mirror', async () => {
    put('docker.io', canonical(`http://${open401}`));
    const before = requests.length;
    const r = await cli('microk8s', 'doctor', ...args());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`✓ http://${open401}/v2/ answered 401`);
    expect(r.stderr).toContain('mirror configuration OK');
    expect(requests.slice(before)).toEqual(['GET /v2/']);
  });

  test('a mirror that does not answer fails, and -o json lists the problems', async () => {
    const file = put('docker.io', canonical(`http://${closed}`));
    const r = await cli('-o', 'json', 'microk8s', 'doctor', ...args());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/harborctl: 1 problem found/);
    const data = JSON.parse(r.stdout) as { ok: boolean; problems: { code: string; file: string; message: string; fix: string }[] };
    expect(data.ok).toBe(false);
    expect(data.problems).toEqual([expect.objectContaining({ code: 'MIRROR_UNREACHABLE', file, fix: expect.any(String), message: expect.stringContaining('ECONNREFUSED') })]);
  });

  test('a port that is not a registry', async () => {
    put('docker.io', canonical(`http://${notRegistry}`));
    const r = await cli('containerd', 'doctor', ...args());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('NOT_A_REGISTRY');
  });

  test('the issue\'s example, verbatim: four mistakes and the corrected file (no probe: the IP is not ours)', async () => {
    put('docker.io', 'server = "http://192.168.1.140:5280"\n[host."https://docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  insecure = true\n');
    const r = await cli('microk8s', 'doctor', '--no-probe', ...args());
    expect(r.code).toBe(1);
    for (const code of ['SERVER_IS_MIRROR', 'HOST_IS_UPSTREAM', 'OVERRIDE_PATH_WITHOUT_PATH', 'UNKNOWN_KEY']) expect(r.stdout).toContain(code);
    expect(r.stdout).toContain('corrected file');
    expect(r.stdout).toContain('    server = "https://registry-1.docker.io"\n    \n    [host."http://192.168.1.140:5280"]\n      capabilities = ["pull", "resolve"]\n');
    expect(r.stderr).toMatch(/4 problems found/);
  });

  test('case 4 (https:// for a plain-HTTP mirror) is found by probing and fixed', async () => {
    const file = put('127.0.0.1:5001', `server = "http://127.0.0.1:5001"\n\n[host."https://${open401}"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n`);
    const r = await cli('microk8s', 'doctor', ...args());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('HTTPS_FOR_PLAIN_HTTP');
    expect(r.stdout).toContain('skip_verify does not make containerd speak http');
    const f = await cli('microk8s', 'fix', ...args());
    expect(f.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(`server = "http://127.0.0.1:5001"\n\n[host."http://${open401}"]\n  capabilities = ["pull", "resolve"]\n`);
    expect(readFileSync(file, 'utf8')).not.toContain('skip_verify');
  });

  test('case 5 (no scheme) is fixed to http:// for a plain-HTTP mirror', async () => {
    const file = put('127.0.0.1:5001', `server = "http://127.0.0.1:5001"\n\n[host."${open401}"]\n  capabilities = ["pull", "resolve"]\n`);
    expect((await cli('containerd', 'fix', ...args())).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(`[host."http://${open401}"]`);
  });

  test('TLS cases 14-17 through the doctor', async () => {
    put('a.test', `server = "https://a.test"\n[host."https://${tls}"]\n  capabilities = ["pull", "resolve"]\n`);
    put('b.test', `server = "https://b.test"\n[host."https://${tls}"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n`);
    put('c.test', `server = "https://c.test"\n[host."https://${tls}"]\n  capabilities = ["pull", "resolve"]\n  ca = "${caFile}"\n`);
    put('d.test', `server = "https://d.test"\n[host."http://${tls}"]\n  capabilities = ["pull", "resolve"]\n`);
    const report = await doctor({ layout: { flavor: FLAVORS.containerd, certsDir: certs, containerdConfig: template } });
    const codes = Object.fromEntries(report.files.map((f) => [f.registry, f.problems.map((p) => p.code)]));
    expect(codes).toEqual({ 'a.test': ['TLS_UNTRUSTED'], 'b.test': [], 'c.test': [], 'd.test': ['HTTP_FOR_TLS'] });
  });

  test('config_path missing and Docker\'s daemon.json', async () => {
    put('docker.io', canonical(`http://${open200}`));
    writeFileSync(template, '[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "overlayfs"\n');
    const daemon = join(root, `daemon-${n}.json`);
    writeFileSync(daemon, JSON.stringify({ 'insecure-registries': [open200] }));
    const r = await cli('microk8s', 'doctor', '--certs-dir', certs, '--containerd-config', template, '--docker-daemon-json', daemon);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('CONFIG_PATH_MISSING');
    expect(r.stdout).toContain('DOCKER_SETTING_IGNORED');
    expect(r.stderr).toMatch(/1 problem found/);
  });

  test('an empty certs dir and a missing one', async () => {
    expect((await cli('microk8s', 'doctor', ...args())).stdout).toContain('NO_HOSTS_FILES');
    const r = await cli('microk8s', 'doctor', '--certs-dir', join(certs, 'nope'), '--containerd-config', template, '--docker-daemon-json', join(root, 'no-daemon.json'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('CERTS_DIR_MISSING');
  });

  test('--mirror/--project: the wrong proxy-cache project (case 13)', async () => {
    put('docker.io', `server = "https://registry-1.docker.io"\n\n[host."http://${open401}/v2/wrongprefix"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`);
    const r = await cli('microk8s', 'doctor', '--mirror', `http://${open401}`, '--project', 'dockerhub', ...args());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('MIRROR_PATH_MISMATCH');
    const f = await cli('microk8s', 'fix', '--mirror', `http://${open401}`, '--project', 'dockerhub', ...args());
    expect(f.code).toBe(0);
    expect(readFileSync(join(certs, 'docker.io', 'hosts.toml'), 'utf8')).toContain(`[host."http://${open401}/v2/dockerhub"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`);
  });
});

describe('proxy-cache projects on a Harbor mirror', () => {
  test('an existing project passes; a missing one is explained (case 13 without --project)', async () => {
    put('docker.io', `server = "https://registry-1.docker.io"\n\n[host."http://${harbor}/v2/dockerhub"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`);
    put('ghcr.io', `server = "https://ghcr.io"\n\n[host."http://${harbor}/v2/wrongprefix"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`);
    const r = await cli('-o', 'json', 'containerd', 'doctor', ...args());
    expect(r.code).toBe(1);
    const data = JSON.parse(r.stdout) as { problems: { code: string; file: string; message: string }[] };
    expect(data.problems.map((p) => [p.code, p.file])).toEqual([['PROJECT_MISSING', join(certs, 'ghcr.io', 'hosts.toml')]]);
    expect(data.problems[0].message).toContain('has no project "wrongprefix"');
    expect(requests).toContain('HEAD /api/v2.0/projects?project_name=dockerhub');
  });

  test('a plain registry (no Harbor API) is not asked about projects', async () => {
    put('docker.io', `server = "https://registry-1.docker.io"\n\n[host."http://${open401}/v2/someprefix"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`);
    expect((await cli('containerd', 'doctor', ...args())).code).toBe(0);
  });
});

describe('harborctl microk8s fix', () => {
  const example = (mirror: string): string => `server = "http://${mirror}"\n[host."https://docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  insecure = true\n`;

  test('repairs the issue\'s example (mirror on loopback), keeps a backup, and the doctor passes after', async () => {
    const file = put('docker.io', example(open401));
    const dry = await cli('microk8s', 'fix', '--dry-run', ...args());
    expect(dry.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(example(open401));
    expect(readdirSync(join(certs, 'docker.io'))).toEqual(['hosts.toml']);

    const r = await cli('microk8s', 'fix', ...args());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-  insecure = true');
    const fixed = readFileSync(file, 'utf8');
    expect(fixed).toContain(canonical(`http://${open401}`));
    const backups = readdirSync(join(certs, 'docker.io')).filter((f) => f.startsWith('hosts.toml.bak-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(certs, 'docker.io', backups[0]), 'utf8')).toBe(example(open401));
    expect(r.stderr).toContain(`kept the old ${file} as`);

    const d = await cli('microk8s', 'doctor', ...args());
    expect(d.code).toBe(0);
    // Idempotent: a second fix finds nothing to do.
    const again = await cli('microk8s', 'fix', ...args());
    expect(again.code).toBe(0);
    expect(readdirSync(join(certs, 'docker.io')).filter((f) => f.startsWith('hosts.toml.bak-'))).toHaveLength(1);
  });

  test('the server-only file (case 10) becomes a server + [host] file', async () => {
    const file = put('docker.io', `server = "http://${open200}"\n`);
    expect((await cli('containerd', 'fix', ...args())).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(canonical(`http://${open200}`));
  });

  test('a file that does not parse is rewritten from the URLs it names', async () => {
    const file = put('docker.io', `server = "https://registry-1.docker.io"\n[host."http://${open200}"\n  capabilities = ["pull", "resolve", "mirror"]\n`);
    expect((await cli('containerd', 'fix', ...args())).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(canonical(`http://${open200}`));
  });

  test('nothing to keep: fix asks for --mirror', async () => {
    put('docker.io', 'server = "https://registry-1.docker.io"\n[host."https://docker.io"]\n  override_path = true\n');
    const r = await cli('microk8s', 'fix', ...args());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --mirror URL/);
    expect(existsSync(join(certs, 'docker.io', 'hosts.toml'))).toBe(true);
  });
});

describe('issue 12 item 19: fix hints and what fix can repair', () => {
  test('a plain-HTTP mirror written without a scheme: the hint writes http://', async () => {
    put('docker.io', `server = "https://registry-1.docker.io"\n\n[host."${open401}"]\n  capabilities = ["pull", "resolve"]\n`);
    const r = await cli('-o', 'json', 'containerd', 'doctor', ...args());
    const data = JSON.parse(r.stdout) as { problems: { code: string; fix: string }[] };
    const plain = data.problems.find((p) => p.code === 'HTTPS_FOR_PLAIN_HTTP');
    expect(plain?.fix).toBe(`write "http://${open401}"`);
  });

  test('a missing project: no "corrected file" identical to the current one, and fix leaves the file alone', async () => {
    const text = `server = "https://ghcr.io"\n\n[host."http://${harbor}/v2/wrongprefix"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`;
    const p = put('ghcr.io', text);
    const r = await cli('containerd', 'doctor', ...args());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PROJECT_MISSING');
    expect(r.stdout).not.toContain('corrected file');
    expect(r.stdout).toContain('fix cannot change anything here');
    const f = await cli('containerd', 'fix', ...args());
    expect(f.code).toBe(1);
    expect(readFileSync(p, 'utf8')).toBe(text);
    expect(readdirSync(join(certs, 'ghcr.io'))).toEqual(['hosts.toml']);
    expect(f.stderr).toContain('PROJECT_MISSING');
  });

  test('a missing project is reported on the first run even when override_path is missing too', async () => {
    put('ghcr.io', `server = "https://ghcr.io"\n\n[host."http://${harbor}/v2/wrongprefix"]\n  capabilities = ["pull", "resolve"]\n`);
    const r = await cli('-o', 'json', 'containerd', 'doctor', ...args());
    const codes = (JSON.parse(r.stdout) as { problems: { code: string }[] }).problems.map((p) => p.code);
    expect(codes).toEqual(expect.arrayContaining(['V2_PATH_WITHOUT_OVERRIDE', 'PROJECT_MISSING']));
  });
});
