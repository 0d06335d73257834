// The robot secret leaves harborctl in exactly two ways: on stdout (create, refresh), or in a file
// with mode 0600 (--secret-file). It is never logged, and never put in an error message.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HarborError } from '../../../core/errors.js';

/** Writes `secret` to `path` with mode 0600, atomically (a temp file in the same directory, then rename). */
export async function writeSecretFile(path: string, secret: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, secret.endsWith('\n') ? secret : `${secret}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(tmp, 0o600); // a umask cannot widen it, but be explicit
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new HarborError('USAGE', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Checked before the robot is created or refreshed, so a bad path cannot lose a secret shown only once. */
export async function checkSecretFile(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw new HarborError('USAGE', `cannot write --secret-file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (${dir})`);
  }
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new HarborError('USAGE', `cannot write --secret-file ${path}: it is a directory`);
}
