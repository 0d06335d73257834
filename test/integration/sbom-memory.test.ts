// Issue 13.1 on the built server (`harborctl serve` as a child process): the SBOM scan of a 520 KB
// gzip layer that unpacks to two 255 MiB zero-filled jars. Before the fix each jar was buffered
// twice and the process reached ~1 GiB; now the jars go through temp files, the scan runs in a
// worker thread, and the process's peak RSS (VmHWM: a memory bound, not a timing) stays under
// 256 MB whether the scan completes or stops at the unpacked-size limit
// (HARBORCTL_SBOM_MAX_UNPACKED), which fails the job with status Error and a logged reason.
// The layer is generated as a stream into a temp file: the test itself holds ~1 MiB of it.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pushBombImage, scanBomb, writeBombLayer } from '../../bench/bomb.js';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';

const MB = 1e6;
let dir: string;
let layer: { file: string; digest: string; size: number };

function peakRssBytes(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harborctl-sbom-bomb-'));
  const file = join(dir, 'layer.tar.gz');
  layer = { file, ...(await writeBombLayer(file)) };
  expect(layer.size).toBeLessThan(1024 * 1024);
}, 120_000);
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('the SBOM scan of a decompression bomb', () => {
  let srv: RegistryProcess | undefined;
  afterAll(async () => { await srv?.stop(); });

  test('completes (the jars are found not to be zips) with the server under 256 MB of RSS', async () => {
    srv = await startHarborctl();
    const digest = await pushBombImage(srv.url, ADMIN_AUTHORIZATION, 'library/bomb', layer);
    expect(await scanBomb(srv.url, ADMIN_AUTHORIZATION, 'library/bomb', digest)).toBe('Success');
    expect(peakRssBytes(srv.pid)).toBeLessThan(256 * MB);
    const v2 = await fetch(`${srv.url}/v2/`, { headers: { authorization: ADMIN_AUTHORIZATION } });
    expect(v2.status).toBe(200);
  }, 180_000);
});

describe('the same scan past the unpacked-size limit', () => {
  let srv: RegistryProcess | undefined;
  afterAll(async () => { await srv?.stop(); });

  test('fails the job with status Error, logs why, and stays under 256 MB of RSS', async () => {
    process.env.HARBORCTL_SBOM_MAX_UNPACKED = '256MiB';
    try {
      srv = await startHarborctl();
    } finally {
      delete process.env.HARBORCTL_SBOM_MAX_UNPACKED;
    }
    const digest = await pushBombImage(srv.url, ADMIN_AUTHORIZATION, 'library/bomb', layer);
    expect(await scanBomb(srv.url, ADMIN_AUTHORIZATION, 'library/bomb', digest)).toBe('Error');
    expect(srv.logs.join('\n')).toContain(`layer ${layer.digest}: the image unpacks to more than 256 MiB, the scan's limit: no SBOM was made`);
    expect(peakRssBytes(srv.pid)).toBeLessThan(256 * MB);
  }, 180_000);
});
