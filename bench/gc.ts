// Garbage collection at scale (issue 15 §2): builds the metadata of N artifacts and 2N blobs by
// direct inserts into a fresh SQLite database (half the artifacts untagged, every artifact with
// its own config and layer), then runs GC (delete_untagged) in a child process of its own and
// reports its wall time and the child's peak RSS (VmHWM). A dry run is measured the same way on
// a fresh copy. The blob store is empty: this measures the metadata side, where memory could grow
// with the registry's size; the file deletes of a real run are one unlink each.
//
//   npm run build && node dist/bench/gc.js [--artifacts 100000] [--projects 100] [--runs 3]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/core/log.js';
import { digestOf } from '../src/oci/digest.js';
import { BlobLocks } from '../src/services/blob-locks.js';
import { GC_KIND, GcService } from '../src/services/gc.js';
import { Scheduler } from '../src/services/scheduler.js';
import { RegistryService } from '../src/services/registry.js';
import { FsBlobStore } from '../src/storage/blobs/fs/index.js';
import { openSqliteStores } from '../src/storage/meta/sqlite/index.js';

const { values } = parseArgs({
  options: {
    artifacts: { type: 'string' }, projects: { type: 'string' }, runs: { type: 'string' },
    child: { type: 'string' }, db: { type: 'string' }, 'dry-run': { type: 'boolean' },
  },
});

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function build(path: string, artifacts: number, projects: number): Promise<void> {
  const st = openSqliteStores(path);
  const t = new Date().toISOString();
  const ins = {
    repo: st.db.prepare('INSERT INTO repositories (project_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)'),
    blob: st.db.prepare('INSERT INTO blobs (digest, size, media_type, created_at) VALUES (?, ?, ?, ?)'),
    link: st.db.prepare('INSERT INTO repository_blobs (repository_id, digest, created_at) VALUES (?, ?, ?)'),
    manifest: st.db.prepare(`INSERT INTO manifests (repository_id, digest, media_type, size, content, pushed_at)
      VALUES (?, ?, 'application/vnd.oci.image.manifest.v1+json', ?, ?, ?)`),
    ref: st.db.prepare("INSERT INTO manifest_refs (manifest_id, digest, kind) VALUES (?, ?, 'blob')"),
    tag: st.db.prepare('INSERT INTO repository_tags (repository_id, name, manifest_id, pushed_at) VALUES (?, ?, ?, ?)'),
  };
  const perProject = Math.ceil(artifacts / projects);
  for (let p = 0; p < projects; p++) {
    const project = await st.projects.createProject({ name: `p${p}`, public: false });
    st.db.transaction(() => {
      const repoId = Number(ins.repo.run(project.id, `p${p}/app`, t, t).lastInsertRowid);
      for (let i = 0; i < perProject && p * perProject + i < artifacts; i++) {
        const n = p * perProject + i;
        const blobs = [digestOf(`config ${n}`), digestOf(`layer ${n}`)];
        for (const d of blobs) {
          ins.blob.run(d, 1000, null, t);
          ins.link.run(repoId, d, t);
        }
        const content = Buffer.from(JSON.stringify({ schemaVersion: 2, config: blobs[0], layers: [blobs[1]] }));
        const id = Number(ins.manifest.run(repoId, digestOf(content), content.length, content, t).lastInsertRowid);
        for (const d of blobs) ins.ref.run(id, d);
        if (n % 2 === 0) ins.tag.run(repoId, `v${n}`, id, t);
      }
    })();
    st.db.prepare('UPDATE projects SET storage_used = (SELECT coalesce(sum(b.size), 0) FROM blobs b) WHERE id = ?').run(project.id);
  }
  await st.close();
}

async function child(path: string, dryRun: boolean): Promise<void> {
  const st = openSqliteStores(path);
  const dir = mkdtempSync(join(tmpdir(), 'harborctl-gc-blobs-'));
  const blobs = new FsBlobStore(dir);
  await blobs.init();
  const log = createLogger('error', { write: () => undefined });
  const gc = new GcService(st, blobs, new BlobLocks(), new RegistryService(st, blobs, log, { uploadTtlMs: 86_400_000 }));
  // Through the scheduler, as the server runs it: the execution's log is written to the database.
  const scheduler = new Scheduler(st, log);
  scheduler.register(GC_KIND, async (ctx) => ({ ...(await gc.run({ delete_untagged: true, dry_run: dryRun, workers: 1 }, ctx)) }));
  await scheduler.start();
  const start = process.hrtime.bigint();
  const e = await scheduler.trigger(GC_KIND, 'MANUAL', {});
  await scheduler.wait(e.id);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const peak = peakRssMiB(); // before reading the log back, which is the log API's cost, not GC's
  const done = await scheduler.execution(GC_KIND, e.id);
  if (done?.status !== 'Success') throw new Error(`GC ended ${done?.status}`);
  const lines = ((await scheduler.executionLog(GC_KIND, e.id)) ?? '').split('\n').length - 1;
  const r = done.parameters;
  await scheduler.close();
  await st.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ ...r, lines, seconds, peakRssMiB: peak })}\n`);
}

async function main(): Promise<void> {
  if (values.child) return child(values.db!, values['dry-run'] === true);
  const artifacts = Number(values.artifacts ?? 100_000);
  const projects = Number(values.projects ?? 100);
  const runs = Number(values.runs ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'harborctl-gc-bench-'));
  try {
    const template = join(dir, 'template.db');
    const t0 = Date.now();
    await build(template, artifacts, projects);
    process.stdout.write(`built ${artifacts} artifacts, ${2 * artifacts} blobs in ${projects} projects in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    for (let run = 1; run <= runs; run++) {
      for (const dry of [true, false]) {
        const db = join(dir, `run-${run}-${dry}.db`);
        copyFileSync(template, db);
        const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '1', '--db', db, ...(dry ? ['--dry-run'] : [])], { encoding: 'utf8' });
        if (c.status !== 0) throw new Error(`GC child failed: ${c.stderr}`);
        const r = JSON.parse(c.stdout) as { purged_manifests: number; purged_blobs: number; lines: number; seconds: number; peakRssMiB: number };
        process.stdout.write(`run ${run} ${dry ? 'dry run' : 'real run'}: ${r.purged_manifests} artifacts, ${r.purged_blobs} blobs (${r.lines} log lines) in ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB\n`);
        rmSync(db, { force: true });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
