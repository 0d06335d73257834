// A real Prometheus scrapes `harborctl serve --metrics-listen` (issue 19): the scrape succeeds
// (up == 1), and Harbor's and Distribution's series arrive with the values harborctl gave them.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { startPrometheus, type PrometheusProcess } from '../helpers/prometheus.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';

let reg: RegistryProcess;
let prom: PrometheusProcess | undefined;

const METRICS_LINE = /harborctl metrics listening on http:\/\/127\.0\.0\.1:(\d+)\/metrics/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  reg = await startHarborctl({ args: ['--metrics-listen', '127.0.0.1:0'] });
});
afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.error(`harborctl log (last 20 lines):\n${reg.logs.slice(-20).join('\n')}`);
  if (prom) console.error(`prometheus log:\n${prom.logs.join('\n')}`);
});
afterAll(async () => {
  const promExit = await prom?.stop();
  const exit = await reg?.stop();
  expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
  expect(promExit, 'prometheus exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
});

/** Waits (up to 60 s) until the query has a result: Prometheus scrapes once a second. */
async function firstResult(p: PrometheusProcess, promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await p.query(promql);
    if (result.length > 0) return result;
    if (Date.now() > deadline) throw new Error(`no result for ${promql} within 60 s`);
    await sleep(500);
  }
}

test('Prometheus scrapes /metrics: harbor_up is 1 and the registry request counter is there', async () => {
  // The line comes right after "listening on", which startHarborctl has seen.
  const deadline = Date.now() + 10_000;
  let m: RegExpExecArray | null = null;
  while (!(m = METRICS_LINE.exec(reg.logs.join('\n'))) && Date.now() < deadline) await sleep(50);
  expect(m, reg.logs.join('\n')).not.toBeNull();
  const target = `127.0.0.1:${m![1]}`;
  const v2 = await fetch(`${reg.url}/v2/_catalog`);
  expect(v2.status).toBe(401); // counted too: anonymous callers are asked to sign in
  await v2.arrayBuffer();

  prom = await startPrometheus([target]);
  const up = await firstResult(prom, 'up{job="harborctl"}');
  expect(up.map((r) => r.value[1])).toEqual(['1']); // the scrape parsed
  const harborUp = await firstResult(prom, 'harbor_up{component="core"}');
  expect(harborUp.map((r) => [r.metric.instance, r.value[1]])).toEqual([[target, '1']]);
  const catalog = await firstResult(prom, 'registry_http_requests_total{handler="catalog",code="401",method="get"}');
  expect(catalog.map((r) => r.value[1])).toEqual(['1']);
  const library = await firstResult(prom, 'harbor_project_quota_byte{project_name="library"}');
  expect(library.map((r) => r.value[1])).toEqual(['-1']);
});
