// Issue 6, end to end: containerd (Debian's 1.6) pulls an image of an upstream registry (Debian's
// docker-registry) through `harborctl serve`, configured only by `harborctl containerd
// configure-mirror` / `fix`. containerd falls back to the upstream without a word when a mirror does
// not work, so a pull that succeeds proves nothing: each scenario asserts on the registries' access
// logs that containerd's requests went to the mirror's project path (/v2/cache/...) and none to the
// upstream (whose `server` entry is a working http:// fallback, so a broken mirror WOULD be bypassed).
// The mirror side is a proxy-cache project (`cache`) of the upstream. Each scenario runs in its own
// network namespace, on loopback only, with its own processes.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TEST_ADMIN_PASSWORD } from '../helpers/admin-auth.js';
import { accessEntries, containerdRequests, MirrorStack, requireTools, UPSTREAM, type AccessEntry } from '../helpers/containerd.js';
import { CriImageClient } from '../helpers/cri.js';
import { describeRun } from '../helpers/exec.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';

const REF = `${UPSTREAM}/library/tiny:1`;
const PROJECT = 'cache';

let images: TestImages;
let stack: MirrorStack | undefined;

beforeAll(async () => {
  await requireTools();
  images = await buildTestImages();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && stack) console.error(stack.diagnostics());
  await stack?.dispose();
  stack = undefined;
});
afterAll(async () => {
  await images?.dispose();
});

/**
 * The upstream gets library/tiny:1; the mirror gets `cache`, a public proxy-cache project of the
 * upstream (registry endpoint `up`), which fetches what containerd asks for at cache/library/tiny.
 */
async function seed(s: MirrorStack, o: { caFile?: string } = {}): Promise<void> {
  await s.skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${images.layout}:tiny`, `docker://${REF}`]);
  await s.harborctlOk([...(o.caFile ? ['--ca-file', o.caFile] : []), 'login', s.mirrorUrl, '-u', 'admin', '--password-stdin'], { input: TEST_ADMIN_PASSWORD });
  await s.harborctlOk(['registry', 'create', 'up', '--type', 'docker-registry', '--url', `http://${UPSTREAM}`]);
  await s.harborctlOk(['project', 'create', PROJECT, '--public', '--proxy-cache', 'up']);
}

/** The hosts.toml `configure-mirror` writes: the mirror's project first, the real (http) upstream as fallback. */
function configureArgs(s: MirrorStack, extra: string[] = []): string[] {
  return ['containerd', 'configure-mirror', '--certs-dir', s.certsDir, '--containerd-config', s.containerdConfig,
    '--registry', UPSTREAM, '--mirror', s.mirrorUrl, '--project', PROJECT, '--upstream', `http://${UPSTREAM}`, ...extra];
}

function doctorArgs(s: MirrorStack, verb: 'doctor' | 'fix' = 'doctor', extra: string[] = []): string[] {
  return ['containerd', verb, '--certs-dir', s.certsDir, '--containerd-config', s.containerdConfig, '--docker-daemon-json', s.noDaemonJson, ...extra];
}

const brief = (e: AccessEntry): string => `${e.method} ${e.path} ${e.status}`;

/**
 * containerd fetched the manifest and both blobs of tiny from the mirror's project, and asked the
 * upstream nothing. The mirror writes a request's access line after its answer has gone, and the
 * line reaches this process through a pipe, while CRI's answer to the pull comes on another socket
 * and can be read first (seen once in .ci/run: the upstream served the layer to the proxy cache
 * 10 ms before PullImage returned, and the layer's line was not there yet). So the lines are waited
 * for (5 s at most) before they are checked; nothing is asked again.
 */
async function expectPulledThroughMirror(s: MirrorStack, marks: { harbor: number; upstream: number }): Promise<void> {
  const repo = `/v2/${PROJECT}/library/tiny`;
  const expected = [
    `GET ${repo}/manifests/${images.tiny.digest} 200`,
    `GET ${repo}/blobs/${images.tiny.config.digest} 200`,
    `GET ${repo}/blobs/${images.tiny.layers[0].digest} 200`,
  ];
  const atMirror = (): string[] => containerdRequests(s.harbor, marks.harbor).filter((e) => e.status === 200).map(brief);
  for (const deadline = Date.now() + 5000; !expected.every((l) => atMirror().includes(l)) && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(atMirror()).toEqual(expect.arrayContaining(expected));
  expect(containerdRequests(s.upstream, marks.upstream).map(brief), 'containerd never asked the upstream').toEqual([]);
}

/** What the proxy-cache project fetched from the upstream (the mirror's own requests, not containerd's). */
function proxyFetches(s: MirrorStack, from: number): string[] {
  return accessEntries(s.upstream.logs.slice(from)).filter((e) => !e.userAgent.startsWith('containerd/') && !e.userAgent.startsWith('skopeo/') && e.method === 'GET' && e.status === 200).map((e) => e.path);
}

const marks = (s: MirrorStack): { harbor: number; upstream: number } => ({ harbor: s.harbor.logs.length, upstream: s.upstream.logs.length });

describe('containerd pulls through harborctl serve (own network namespace per scenario)', () => {
  test('a. ctr pull --hosts-dir with the configure-mirror file goes through the mirror; doctor passes', async () => {
    stack = await MirrorStack.start();
    const s = stack;
    await seed(s);
    await s.harborctlOk(configureArgs(s));
    const hosts = await readFile(join(s.certsDir, UPSTREAM, 'hosts.toml'), 'utf8');
    expect(hosts).toContain(`[host."${s.mirrorUrl}/v2/${PROJECT}"]`);

    const m = marks(s);
    const pull = await s.ctrPull(REF, 'scenario-a');
    expect(pull.code, describeRun(pull)).toBe(0);
    await expectPulledThroughMirror(s, m);
    // The upstream's log is read too (skopeo's seeding is in it): its silence about containerd counts,
    // and it shows the proxy-cache project fetching the blobs containerd got from the mirror.
    expect(accessEntries(s.upstream.logs).some((e) => e.userAgent.startsWith('skopeo/') && e.status === 201)).toBe(true);
    expect(proxyFetches(s, m.upstream)).toEqual(expect.arrayContaining([`/v2/library/tiny/blobs/${images.tiny.layers[0].digest}`]));

    const doctor = await s.harborctl(doctorArgs(s));
    expect(doctor.code, describeRun(doctor)).toBe(0);
    expect(doctor.stdout).toContain(`✓ ${join(s.certsDir, UPSTREAM, 'hosts.toml')}`);

    // doctor --pull: a real pull by ctr, proven from the mirror's audit log, leaving nothing behind.
    const pullArgs = ['--pull', REF, '--containerd-address', s.socket, '--ctr', 'ctr'];
    const proved = await s.harborctl(doctorArgs(s, 'doctor', pullArgs), { env: { CONTAINERD_SNAPSHOTTER: 'native' } });
    expect(proved.code, describeRun(proved)).toBe(0);
    expect(proved.stdout).toContain(`✓ pull ${REF}: the pull of ${REF} went through the mirror: ${s.mirrorUrl} recorded "pull ${PROJECT}/library/tiny@${images.tiny.digest}"`);
    const namespaces = await s.ns.runOk('ctr', ['--address', s.socket, 'namespaces', 'ls', '-q']);
    expect(namespaces.stdout.split('\n').filter((n) => n.startsWith('harborctl-doctor-'))).toEqual([]);

    // The same file without override_path: containerd asks /v2/cache/v2/..., gets a 404 and falls
    // back to the upstream; ctr succeeds, and doctor --pull says the pull went around the mirror.
    await s.ns.runOk('sed', ['-i', '/override_path/d', join(s.certsDir, UPSTREAM, 'hosts.toml')]);
    const before = marks(s);
    const around = await s.harborctl(doctorArgs(s, 'doctor', pullArgs), { env: { CONTAINERD_SNAPSHOTTER: 'native' } });
    expect(around.code, describeRun(around)).toBe(1);
    expect(around.stdout).toContain(`✗ pull ${REF}: ctr pulled ${REF}, but ${s.mirrorUrl} recorded no pull of ${PROJECT}/v2/library/tiny: containerd went around the mirror`);
    expect(containerdRequests(s.upstream, before.upstream).map(brief)).toContain(`GET /v2/library/tiny/manifests/${images.tiny.digest} 200`);
  });

  test('b. the issue\'s broken hosts.toml: doctor fails and says why, fix repairs it, the pull then goes through the mirror', async () => {
    stack = await MirrorStack.start();
    const s = stack;
    await seed(s);
    // The example with this scenario's addresses: the mirror as `server` (tried last), the
    // upstream as a [host] (tried first) with override_path and the non-key `insecure`.
    const file = join(s.certsDir, UPSTREAM, 'hosts.toml');
    await s.ns.runOk('sh', ['-c', `mkdir -p "$(dirname "$1")" && cat > "$1"`, 'sh', file], {
      input: `server = "${s.mirrorUrl}"\n[host."https://${UPSTREAM}"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  insecure = true\n`,
    });

    const bad = await s.harborctl(doctorArgs(s));
    expect(bad.code, describeRun(bad)).toBe(1);
    for (const code of ['SERVER_IS_MIRROR', 'HOST_IS_UPSTREAM', 'OVERRIDE_PATH_WITHOUT_PATH', 'UNKNOWN_KEY']) expect(bad.stdout).toContain(code);
    expect(bad.stdout).toContain('`insecure` is not a hosts.toml key');
    expect(bad.stderr).toMatch(/harborctl: \d+ problems found/);
    // As written, the file never reaches the project: the upstream-as-host fails, and the mirror as
    // `server` is asked for /v2/library/tiny, which it does not have.
    const before = marks(s);
    const failed = await s.ctrPull(REF, 'scenario-b-broken');
    expect(failed.code, describeRun(failed)).not.toBe(0);
    expect(containerdRequests(s.harbor, before.harbor).filter((e) => e.path.startsWith(`/v2/${PROJECT}/`))).toEqual([]);

    // fix is told which mirror and proxy project the file is meant for; it keeps the old file.
    const fix = await s.harborctl(doctorArgs(s, 'fix', ['--mirror', s.mirrorUrl, '--project', PROJECT]));
    expect(fix.code, describeRun(fix)).toBe(0);
    expect(fix.stderr).toMatch(/kept the old .*hosts\.toml as .*hosts\.toml\.bak-/);
    const fixed = await readFile(file, 'utf8');
    expect(fixed).toContain(`[host."${s.mirrorUrl}/v2/${PROJECT}"]`);
    expect(fixed).toContain('override_path = true');
    expect(fixed).not.toContain('insecure');

    const good = await s.harborctl(doctorArgs(s));
    expect(good.code, describeRun(good)).toBe(0);

    const m = marks(s);
    const pull = await s.ctrPull(REF, 'scenario-b');
    expect(pull.code, describeRun(pull)).toBe(0);
    const atMirror = containerdRequests(s.harbor, m.harbor).filter((e) => e.status === 200);
    expect(atMirror.length).toBeGreaterThan(0);
    expect(containerdRequests(s.upstream, m.upstream).map(brief)).toEqual([]);
    expect(atMirror.map(brief)).toContain(`GET /v2/${PROJECT}/library/tiny/manifests/${images.tiny.digest} 200`);
  });

  test('c. the kubelet\'s path: CRI PullImage with config_path goes through the mirror', async () => {
    stack = await MirrorStack.start();
    const s = stack;
    await seed(s);
    await s.harborctlOk(configureArgs(s));
    const cri = new CriImageClient(s.socket);
    try {
      const m = marks(s);
      const id = await cri.pull(REF);
      expect(id).toBe(images.tiny.config.digest);
      await expectPulledThroughMirror(s, m);
      const status = await cri.status(REF);
      expect(status?.repo_digests).toContain(`${UPSTREAM}/library/tiny@${images.tiny.digest}`);
      await cri.remove(REF);
    } finally {
      cri.close();
    }
  });

  test('d. https with the CA of tls init (configure-mirror --ca-file, then --ca-from-server), no skip_verify anywhere', async () => {
    stack = await MirrorStack.start({ tls: true });
    const s = stack;
    expect(s.mirrorUrl).toBe('https://127.0.0.1:5280');
    await seed(s, { caFile: s.harborCa });
    const file = join(s.certsDir, UPSTREAM, 'hosts.toml');

    for (const [step, caArgs] of [['ca-file', ['--ca-file', s.harborCa]], ['ca-from-server', ['--ca-from-server']]] as const) {
      const conf = await s.harborctl(configureArgs(s, [...caArgs]));
      expect(conf.code, describeRun(conf)).toBe(0);
      const hosts = await readFile(file, 'utf8');
      expect(hosts).toContain(`[host."https://127.0.0.1:5280/v2/${PROJECT}"]`);
      const ca = /^\s*ca = "([^"]+)"/m.exec(hosts)?.[1];
      expect(ca, hosts).toBeDefined();
      expect(await readFile(ca as string, 'utf8')).toBe(await readFile(s.harborCa, 'utf8'));
      // Nothing in certs.d relaxes verification.
      const all = await readdir(s.certsDir, { recursive: true, withFileTypes: true });
      for (const f of all.filter((d) => d.isFile())) expect(await readFile(join(f.parentPath, f.name), 'utf8'), f.name).not.toMatch(/skip_verify/);

      const m = marks(s);
      const pull = await s.ctrPull(REF, `scenario-d-${step}`);
      expect(pull.code, describeRun(pull)).toBe(0);
      await expectPulledThroughMirror(s, m);
    }

    const doctor = await s.harborctl(doctorArgs(s));
    expect(doctor.code, describeRun(doctor)).toBe(0);
    expect(doctor.stdout).toContain('✓ https://127.0.0.1:5280/v2/ answered 401');
    // And proven over https: the audit log is read with the login's CA, the pull verifies tls init's.
    const proved = await s.harborctl(doctorArgs(s, 'doctor', ['--pull', REF, '--containerd-address', s.socket]), { env: { CONTAINERD_SNAPSHOTTER: 'native' } });
    expect(proved.code, describeRun(proved)).toBe(0);
    expect(proved.stdout).toContain(`went through the mirror: https://127.0.0.1:5280 recorded "pull ${PROJECT}/library/tiny@${images.tiny.digest}"`);
  });
});
