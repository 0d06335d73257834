// A real Prometheus (Debian's `prometheus`) for the interop tests: a plain child process on a
// loopback port, with a temp config that scrapes the given targets every second and its own temp
// storage dir; stopped by its PID (SIGTERM, then SIGKILL after 20 s), which removes the dir.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectLines, freePort, makeStop, track } from './registry-process.js';

export interface PrometheusProcess {
  pid: number;
  url: string;
  logs: string[];
  /** An instant query through /api/v1/query: the result vector (empty when nothing matches yet). */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startPrometheus(targets: string[]): Promise<PrometheusProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: harborctl',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n'));
  const port = await freePort();
  const logs: string[] = [];
  const child = spawn('prometheus', [
    `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(new Error(`cannot run prometheus (apt-get install prometheus): ${e.message}`)));
  });
  await spawned;
  const pid = child.pid!;
  track(pid);
  collectLines(child, logs);
  const stop = makeStop('prometheus', child, pid, dir, logs);
  const url = `http://127.0.0.1:${port}`;
  // Ready once /-/ready answers 200; a process that exits first fails the start.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode})\n${logs.join('\n')}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within 30 s\n${logs.join('\n')}`);
    }
    await sleep(200);
  }
  return {
    pid, url, logs, stop,
    async query(promql) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = await r.json() as { status: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
      if (r.status !== 200 || body.status !== 'success') throw new Error(`query ${promql}: ${r.status} ${body.error ?? ''}`);
      return body.data!.result;
    },
  };
}
