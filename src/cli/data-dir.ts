// The data dir (serve, tls init), made and checked before anything is opened in it: a clear usage error (exit
// 2) for a path that is a file, cannot be created or cannot be written. Not mkdir({recursive}):
// Node's spins forever where creating a directory fails with ENOENT under an existing parent (/proc).
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HarborError } from '../core/errors.js';

const WHY: Record<string, string> = {
  EEXIST: 'it is a file, not a directory', ENOTDIR: 'a part of it is a file, not a directory',
  EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system',
  ENOENT: 'no directory can be created there', ENOSPC: 'no space left on the device',
};

function unusable(dir: string, e: unknown, writing = false): HarborError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (writing && code === 'ENOENT') return unusable(dir, Object.assign(new Error(), { code: 'EROFS' }));
  return new HarborError('USAGE', `cannot use the data dir ${dir}: ${WHY[code] ?? (e as Error).message}; choose another with --data-dir or HARBORCTL_DATA_DIR`);
}

/** Creates the missing directories of `dir` (mode 0700) one at a time and proves it writable. */
export async function prepareDataDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    const st = await stat(p).catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return null; throw unusable(dir, e); });
    if (st) {
      if (!st.isDirectory()) throw unusable(dir, Object.assign(new Error(), { code: p === resolve(dir) ? 'EEXIST' : 'ENOTDIR' }));
      break;
    }
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) {
    await mkdir(p, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw unusable(dir, e); });
  }
  const probe = join(resolve(dir), `.harborctl-write-check-${process.pid}`);
  try {
    await writeFile(probe, '');
  } catch (e) {
    throw unusable(dir, e, true);
  }
  await rm(probe, { force: true });
}
