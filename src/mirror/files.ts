// Writing configuration safely: a line diff to show, a backup of what is replaced, and an atomic
// write (temp file in the same directory, fsync, rename), so containerd, which re-reads hosts.toml
// on every pull, never sees half a file.
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A unified-style diff of two small texts (LCS over lines); empty when they are equal. */
export function lineDiff(before: string | null, after: string, path: string): string {
  if (before === after) return '';
  const a = before === null ? [] : before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  const n = a.length, m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out = [`--- ${before === null ? '/dev/null' : path}`, `+++ ${path}`];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push(` ${a[i]}`); i++; j++; }
    else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) { out.push(`-${a[i]}`); i++; }
    else { out.push(`+${b[j]}`); j++; }
  }
  return `${out.join('\n')}\n`;
}

export function readOrNull(path: string): string | null {
  try { return readFileSync(path, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export function atomicWrite(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Copies `path` to `path.bak-<UTC stamp>` (never overwriting an earlier backup) and returns the copy's path. */
export function backup(path: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let target = `${path}.bak-${stamp}`;
  for (let k = 1; existsSync(target); k++) target = `${path}.bak-${stamp}-${k}`;
  copyFileSync(path, target);
  return target;
}

/** One file a command wants to write. */
export interface FileChange {
  path: string;
  before: string | null;
  after: string;
  changed: boolean;
  diff: string;
  /** Set once written, when an older file was kept. */
  backup?: string;
}

export function change(path: string, after: string): FileChange {
  const before = readOrNull(path);
  return { path, before, after, changed: before !== after, diff: lineDiff(before, after, path) };
}

/** Writes every changed file (backup first, then atomic write); unchanged files are not touched. */
export function applyChanges(changes: FileChange[], now: Date = new Date()): FileChange[] {
  return changes.map((c) => {
    if (!c.changed) return c;
    const done = { ...c };
    if (c.before !== null) done.backup = backup(c.path, now);
    atomicWrite(c.path, c.after);
    return done;
  });
}
