// bin/harborctl finds the bundle next to itself however it is started: by its path, through the
// link npm puts in node_modules/.bin (and a link to that link), and as `sh harborctl` from its own
// directory. It looks a link up with readlink only when it is started through one (no process is
// started to find a path otherwise: readlink and dirname added 10-15 ms to every start).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { HARBORCTL_BIN } from '../helpers/cli.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

test('--version through its path, a link, a relative link to that link, and sh from its directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-bin-'));
  dirs.push(dir);
  await symlink(HARBORCTL_BIN, join(dir, 'harborctl'));
  await symlink('harborctl', join(dir, 'again'));
  const want = (await run(HARBORCTL_BIN, ['--version'])).stdout;
  expect(want).toMatch(/^\d+\.\d+\.\d+/);
  for (const [file, args, cwd] of [
    [join(dir, 'harborctl'), ['--version'], dir],
    [join(dir, 'again'), ['--version'], dir],
    ['./harborctl', ['--version'], dir],
    ['sh', ['harborctl', '--version'], dirname(HARBORCTL_BIN)],
  ] as const) {
    const r = await run(file, [...args], { cwd });
    expect(r.stdout, `${file} ${args.join(' ')}`).toBe(want);
  }
});
