// `harborctl migrate`: move a single-node registry's metadata and blobs into other stores
// (SQLite + files → PostgreSQL + S3). The copy runs in storage/migrate.ts; this only parses and prints.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  program.command('migrate')
    .description('copy a stopped single-node registry (SQLite database, blobs) into PostgreSQL and S3 (or another directory), then verify it')
    .requiredOption('--to-db <url>', 'the target database: postgres://USER[:PASS]@HOST:PORT/DB[?sslmode=...] (password also from PGPASSWORD)')
    .requiredOption('--to-storage <url>', 'where the blobs go: s3://BUCKET[/PREFIX]?endpoint=URL&... (credentials as for serve) or file:DIR')
    .option('--from-db <url>', 'the source database: sqlite:PATH (default: the data dir\'s registry.db)')
    .option('--from-storage <url>', 'the source blobs: file:DIR or s3://... (default: the data dir\'s blobs)')
    .option('--data-dir <dir>', 'the data dir of the source serve (env HARBORCTL_DATA_DIR; default $XDG_DATA_HOME/harborctl)')
    .option('--force', 'copy into a target that holds data: its metadata is replaced, its blobs kept')
    .action(act(() => import('./migrate.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  migrate: [
    "PGPASSWORD=... harborctl migrate --to-db 'postgres://harborctl@db:5432/harborctl' --to-storage 's3://registry?endpoint=http://rgw:7480&path_style=true&credentials_file=/etc/harborctl/s3-credentials'",
    'harborctl migrate --from-db sqlite:/srv/harborctl/registry.db --from-storage file:/srv/harborctl/blobs --to-db postgres://harborctl@db/harborctl --to-storage file:/mnt/shared/blobs -o json',
  ],
};
