// Where an SBOM document goes: stdout exactly as given, or a file written whole or not at all.
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { HarborError } from '../../../core/errors.js';
import type { OutStream } from '../../runtime.js';

/** Writes `text` to `file` (atomically), or to stdout when `file` is undefined or "-"; true when a file was written. */
export async function writeDocument(stdout: OutStream, text: string, file: string | undefined): Promise<boolean> {
  if (file === undefined || file === '-') {
    stdout.write(text);
    return false;
  }
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new HarborError('USAGE', `cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return true;
}
