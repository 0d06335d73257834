// Micro-benchmark of the webhook queue's claim (issue 19): the time of one claim of `limit` rows
// (default concurrency 8, perTarget 2) against a queue of 1k, 10k and 100k Pending deliveries
// spread over 1 and 50 target addresses, on a SQLite file and on PostgreSQL (a URL in
// HARBORCTL_BENCH_PG, e.g. from test/helpers/postgres.ts). Each figure is the median of 3 claims;
// what a claim took is finished (Success) before the next, so the queue stays the same length.
//   [HARBORCTL_BENCH_SIZES=1000,10000] node dist/bench/webhook-claim.js [sqlite|pg]...
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetaStores, WebhookTarget } from '../src/storage/meta/index.js';
import { openPgStores } from '../src/storage/meta/pg/index.js';
import { openSqliteStores } from '../src/storage/meta/sqlite/index.js';

const LIMIT = 8;
const PER_TARGET = 2;
const target = (address: string): WebhookTarget => ({ type: 'http', address, authHeader: '', skipCertVerify: false, payloadFormat: 'Default' });

async function measure(stores: MetaStores, queued: number, addresses: number): Promise<number> {
  const project = await stores.projects.createProject({ name: 'bench', public: false });
  const p = await stores.webhooks.createPolicy({
    projectId: project.id, name: 'p', description: '', enabled: true, eventTypes: ['PULL_ARTIFACT'], targets: [target('http://a/')], creator: 'admin',
  });
  for (let i = 0; i < queued; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, queued - i) }, (_, j) => ({
      policyId: p.id, projectId: project.id, eventType: 'PULL_ARTIFACT', event: { n: i + j }, target: target(`http://receiver-${(i + j) % addresses}/`),
    }));
    await stores.webhooks.enqueue(batch);
  }
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const now = new Date();
    const t0 = process.hrtime.bigint();
    const claimed = await stores.webhooks.claim(now.toISOString(), new Date(now.getTime() + 60_000).toISOString(), LIMIT, PER_TARGET);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (claimed.length !== Math.min(LIMIT, PER_TARGET * addresses)) throw new Error(`claimed ${claimed.length}`);
    for (const d of claimed) await stores.webhooks.finishAttempt(d.id, { status: 'Success', logLine: 'ok', statusMessage: '' });
  }
  return times.sort((a, b) => a - b)[1];
}

async function main(): Promise<void> {
  const backends = process.argv.slice(2).length ? process.argv.slice(2) : ['sqlite'];
  for (const backend of backends) {
    for (const addresses of [1, 50]) {
      for (const queued of (process.env.HARBORCTL_BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number)) {
        let stores: MetaStores;
        let cleanup = (): void => undefined;
        if (backend === 'sqlite') {
          const dir = mkdtempSync(join(tmpdir(), 'harborctl-claim-'));
          stores = openSqliteStores(join(dir, 'meta.db'));
          cleanup = () => rmSync(dir, { recursive: true, force: true });
        } else {
          const url = process.env.HARBORCTL_BENCH_PG;
          if (!url) throw new Error('HARBORCTL_BENCH_PG: a PostgreSQL URL whose database may be emptied');
          const { default: pg } = await import('pg');
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
          await c.end();
          stores = await openPgStores(url);
        }
        try {
          const ms = await measure(stores, queued, addresses);
          console.log(`${backend}\taddresses=${addresses}\tqueued=${queued}\tclaim of ${LIMIT}: ${ms.toFixed(2)} ms`);
        } finally {
          await stores.close();
          cleanup();
        }
      }
    }
  }
}

await main();
