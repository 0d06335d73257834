// `harborctl model` against real registry processes: a spawned `harborctl serve` and Debian's
// docker-registry (distribution 2.8), with the CLI itself spawned as users run it (bin/harborctl) so
// its peak RSS can be read from /proc. A model round trip on both, an interrupted push (SIGKILL
// mid-upload) that continues without re-sending stored blobs, and skopeo copying the model between
// the two registries, after which `model pull` restores it from either.
// HARBORCTL_MODEL_TEST_MIB sets the weight file's size (default 64; the report measures 1024 once).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { cli, cliEnv, spawnCli, type CliEnv } from '../helpers/cli.js';
import { ContainerClients } from '../helpers/clients.js';
import { makeModelDir, treeOf } from '../helpers/model.js';
import { TEST_ADMIN_PASSWORD } from '../helpers/admin-auth.js';
import { startDistribution, startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';

const MiB = 1024 * 1024;
const WEIGHT_MIB = Number(process.env.HARBORCTL_MODEL_TEST_MIB ?? 64);

let harbor: RegistryProcess;
let dist: RegistryProcess;
let clients: ContainerClients;
let sandbox: CliEnv;
let work: string;
let model: string;
let expected: Record<string, string>;

beforeAll(async () => {
  harbor = await startHarborctl();
  dist = await startDistribution();
  clients = await ContainerClients.create([harbor.host, dist.host]);
  sandbox = await cliEnv();
  work = await mkdtemp(join(tmpdir(), 'harborctl-model-interop-'));
  model = join(work, 'tiny-llm');
  await makeModelDir(model, WEIGHT_MIB * MiB);
  expected = await treeOf(model);
  // A saved context for the harborctl host: the model commands take its credentials from there.
  const login = await cli(sandbox.env, ['login', harbor.url, '-u', 'admin', '--password-stdin'], { stdin: TEST_ADMIN_PASSWORD });
  expect(login.code, login.stderr).toBe(0);
});
afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.error(`harborctl log (last 40 lines):\n${harbor.logs.slice(-40).join('\n')}`);
  console.error(`docker-registry access log (last 20 lines):\n${dist.accessLog().slice(-20).join('\n')}`);
});
afterAll(async () => {
  const exit = await harbor?.stop();
  await dist?.stop();
  await clients?.dispose();
  await sandbox?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
  expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
});

/** Samples VmHWM (peak resident set) of a spawned process until it exits; returns the highest seen. */
function watchPeakRss(): { onSpawn: (pid: number) => void; peak: () => number } {
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    onSpawn(pid) {
      timer = setInterval(() => {
        try {
          const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
          if (m) peak = Math.max(peak, Number(m[1]) * 1024);
        } catch {
          clearInterval(timer);
        }
      }, 20);
    },
    peak() { clearInterval(timer); return peak; },
  };
}

async function harborctl(args: string[], extraEnv: NodeJS.ProcessEnv = {}, onSpawn?: (pid: number) => void) {
  const r = await spawnCli({ ...sandbox.env, ...extraEnv }, args, { onSpawn });
  if (r.code !== 0) throw new Error(`harborctl ${args.join(' ')} exited ${r.code ?? r.signal}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('model round trips', () => {
  test.each([['harborctl'], ['docker-registry']])('%s: push then pull restores identical bytes; the CLI stays small', async (which) => {
    const reg = which === 'harborctl' ? harbor : dist;
    const ref = `${reg.host}/library/tiny-llm:v1`;
    const pushRss = watchPeakRss();
    let t = Date.now();
    const pushed = await harborctl(['model', 'push', model, ref, '--family', 'tiny', '--param-size', '1M', '-o', 'json'], {}, pushRss.onSpawn);
    const pushMs = Date.now() - t;
    expect(pushed).toMatchObject({ files: 5, skipped_blobs: 0 });

    const out = join(work, `pulled-${which}`);
    const pullRss = watchPeakRss();
    t = Date.now();
    const pulled = await harborctl(['model', 'pull', ref, out, '-o', 'json'], {}, pullRss.onSpawn);
    const pullMs = Date.now() - t;
    expect(pulled).toMatchObject({ digest: pushed.digest, files: 5 });
    expect(await treeOf(out)).toEqual(expected);

    console.info(`${which}: ${WEIGHT_MIB} MiB model push ${pushMs} ms (peak RSS ${(pushRss.peak() / MiB).toFixed(0)} MiB), `
      + `pull ${pullMs} ms (peak RSS ${(pullRss.peak() / MiB).toFixed(0)} MiB)`);
    expect(pushRss.peak()).toBeGreaterThan(0);
    expect(pushRss.peak()).toBeLessThan(150 * MiB);
    expect(pullRss.peak()).toBeLessThan(150 * MiB);
  });

  test('docker-registry served it anonymously, harborctl through the token service', () => {
    expect(dist.accessLog().some((l) => /"PUT \/v2\/library\/tiny-llm\/manifests\/v1 HTTP\/1\.1" 201 /.test(l))).toBe(true);
    expect(harbor.accessLog().some((l) => /"GET \/service\/token\?[^"]*scope=repository%3Alibrary%2Ftiny-llm%3Apull%2Cpush/.test(l))).toBe(true);
  });
});

describe('an interrupted push continues', () => {
  test('SIGKILL midway; the next push re-sends no stored blob and continues the half-sent one', async () => {
    const ref = `${harbor.host}/library/resume:v1`;
    const chunk = 4 * MiB;
    const chunks = Math.ceil((WEIGHT_MIB * MiB) / chunk);
    const env = { HARBORCTL_CHUNK_SIZE: String(chunk) };
    const patches = (lines: string[]): string[] => lines.filter((l) => /"PATCH \/v2\/library\/resume\/blobs\/uploads\/\S+ HTTP\/1\.1" 202 /.test(l));
    const committed = (lines: string[]): string[] => lines.flatMap((l) => {
      const m = /"PUT \/v2\/library\/resume\/blobs\/uploads\/\S+\?digest=(sha256(?::|%3A)[0-9a-f]{64}) HTTP\/1\.1" 201 /.exec(l);
      return m ? [decodeURIComponent(m[1])] : [];
    });

    const before = harbor.accessLog().length;
    let pid = 0;
    const first = spawnCli({ ...sandbox.env, ...env }, ['model', 'push', model, ref, '-o', 'json'], { onSpawn: (p) => { pid = p; } });
    // Kill it once a third of the weight's chunks are stored (the small files are long done by then).
    for (;;) {
      if (patches(harbor.accessLog().slice(before)).length >= Math.max(2, Math.floor(chunks / 3))) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    process.kill(pid, 'SIGKILL');
    const killed = await first;
    expect(killed.signal).toBe('SIGKILL');
    const run1 = harbor.accessLog().slice(before);
    const storedBefore = committed(run1);
    expect(storedBefore.length).toBeGreaterThanOrEqual(3);

    const mid = harbor.accessLog().length;
    const second = await harborctl(['model', 'push', model, ref, '-o', 'json'], env);
    const run2 = harbor.accessLog().slice(mid);
    // Blobs committed before the kill are found by HEAD and not uploaded again.
    expect(second.skipped_blobs).toBe(storedBefore.length);
    for (const d of committed(run2)) expect(storedBefore).not.toContain(d);
    // The weight's session was asked for its Range and continued: fewer PATCHes than a full upload.
    expect(run2.some((l) => /"GET \/v2\/library\/resume\/blobs\/uploads\/\S+ HTTP\/1\.1" 204 /.test(l))).toBe(true);
    const run2Patches = patches(run2).length;
    expect(run2Patches).toBeLessThan(chunks);
    expect(patches(run1).length + run2Patches).toBeGreaterThanOrEqual(chunks - 1);
    expect(Number(second.uploaded_bytes)).toBeLessThan(WEIGHT_MIB * MiB);
    console.info(`interrupted push: ${patches(run1).length} chunks before SIGKILL, ${run2Patches} after, ${storedBefore.length} blobs skipped, ${second.uploaded_bytes} bytes sent on resume`);

    const out = join(work, 'pulled-resume');
    await harborctl(['model', 'pull', ref, out, '-o', 'json']);
    expect(await treeOf(out)).toEqual(expected);
  });
});

describe('skopeo copy between the registries', () => {
  const flags = ['--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false'];

  test('harborctl → docker-registry → harborctl, and model pull restores it from either', async () => {
    const fromHarbor = `docker://${harbor.host}/library/tiny-llm:v1`;
    const onDist = `docker://${dist.host}/copied/tiny-llm:v1`;
    const backOnHarbor = `docker://${harbor.host}/library/tiny-llm-back:v1`;
    await clients.skopeo(['copy', ...flags, fromHarbor, onDist]);
    await clients.skopeo(['copy', ...flags, onDist, backOnHarbor]);

    const a = await harborctl(['model', 'inspect', `${dist.host}/copied/tiny-llm:v1`, '-o', 'json']);
    const b = await harborctl(['model', 'inspect', `${harbor.host}/library/tiny-llm-back:v1`, '-o', 'json']);
    const orig = await harborctl(['model', 'inspect', `${harbor.host}/library/tiny-llm:v1`, '-o', 'json']);
    expect(a.digest).toBe(orig.digest);
    expect(b.digest).toBe(orig.digest);

    for (const [name, ref] of [['dist', `${dist.host}/copied/tiny-llm:v1`], ['harbor', `${harbor.host}/library/tiny-llm-back:v1`]]) {
      const out = join(work, `pulled-skopeo-${name}`);
      await harborctl(['model', 'pull', ref, out, '-o', 'json']);
      expect(await treeOf(out), name).toEqual(expected);
    }
  });
});
