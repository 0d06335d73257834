// harborctl migrate --to-db URL --to-storage URL [--from-db URL] [--from-storage URL] [--data-dir DIR] [--force]
import { join } from 'node:path';
import { HarborError } from '../../../core/errors.js';
import { formatSize } from '../../../core/sizes.js';
import { parseStorageUrl, type StorageConfig } from '../../../storage/blobs/config.js';
import { parseDbUrl, redactDbUrl, type DbConfig } from '../../../storage/meta/db-url.js';
import { ProgressLine } from '../../output/progress.js';
import { plural, renderObject } from '../../output/render.js';
import { defaultDataDir } from '../../paths.js';
import type { Runtime } from '../../runtime.js';

export interface Options { fromDb?: string; fromStorage?: string; toDb: string; toStorage: string; dataDir?: string; force?: boolean }

/** The parsers name serve's flags (--db, --storage): here the flag is another. */
function asFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof HarborError && e.code === 'USAGE') throw new HarborError('USAGE', e.message.replace(/^--(db|storage):/, `${flag}:`));
    throw e;
  }
}

function showStorage(s: StorageConfig): string {
  return s.kind === 'file' ? `file:${s.dir}` : `s3://${s.bucket}${s.prefix ? `/${s.prefix}` : ''}${s.endpoint ? ` at ${s.endpoint}` : ''}`;
}

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  // Every URL is checked before anything is opened.
  const env = rt.io.env;
  const dataDir = o.dataDir ?? defaultDataDir(env);
  const fromDb: DbConfig = asFlag('--from-db', () => parseDbUrl(o.fromDb ?? `sqlite:${join(dataDir, 'registry.db')}`));
  const fromStorage = asFlag('--from-storage', () => parseStorageUrl(o.fromStorage ?? `file:${join(dataDir, 'blobs')}`, env));
  const toDb = asFlag('--to-db', () => parseDbUrl(o.toDb));
  const toStorage = asFlag('--to-storage', () => parseStorageUrl(o.toStorage, env));

  const { migrateStores } = await import('../../../storage/migrate.js');
  let bar: ProgressLine | undefined;
  const r = await migrateStores({ fromDb, fromStorage, toDb, toStorage, force: Boolean(o.force) }, (e) => {
    switch (e.phase) {
      case 'blobs':
      case 'verify':
        rt.info(`${e.phase === 'blobs' ? 'copying' : 'verifying'} ${plural(e.blobs, 'blob')} (${formatSize(e.bytes)})`);
        bar = new ProgressLine(rt, e.phase === 'blobs' ? 'copying' : 'verifying', e.bytes);
        break;
      case 'bytes':
        bar?.add(e.bytes);
        break;
      case 'blobs-done':
        bar?.finish();
        rt.info(`blobs: ${e.copied} copied, ${e.skipped} already in the target`);
        break;
      case 'table':
        rt.info(`metadata: ${e.table} ${plural(e.rows, 'row')}`);
        break;
    }
  });
  bar?.finish();
  const summary = {
    from: { db: redactDbUrl(fromDb), storage: showStorage(fromStorage) },
    to: { db: redactDbUrl(toDb), storage: showStorage(toStorage) },
    ...r,
  };
  renderObject(rt.io, rt.opts.output, summary, [
    { header: 'FROM', value: (x) => `${x.from.db}, ${x.from.storage}` },
    { header: 'TO', value: (x) => `${x.to.db}, ${x.to.storage}` },
    { header: 'BLOBS', value: (x) => `${x.blobs.total} (${formatSize(x.blobs.bytes)}): ${x.blobs.copied} copied, ${x.blobs.skipped} already there, ${x.blobs.damaged.length} damaged` },
    { header: 'ROWS', value: (x) => `${x.tables.reduce((s, t) => s + t.target, 0)} in ${plural(x.tables.length, 'table')}, ${x.tables.filter((t) => !t.match).length} differing` },
    { header: 'VERIFIED', value: (x) => (x.verified ? 'yes' : 'NO') },
  ]);
  if (!r.verified) {
    const tables = r.tables.filter((t) => !t.match).map((t) => `${t.table} ${t.source}→${t.target}`);
    throw new HarborError('MIGRATION_MISMATCH', `verification failed: ${[
      tables.length ? `rows differ in ${tables.join(', ')}` : '', r.blobs.damaged.length ? `${plural(r.blobs.damaged.length, 'blob')} in the target do not hash to their digest` : '',
    ].filter(Boolean).join('; ')}`);
  }
}
