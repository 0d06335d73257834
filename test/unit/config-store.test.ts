// The CLI's contexts file (src/cli/config.ts): written whole with mode 0600, read back as written,
// prototype keys kept as plain names, a damaged file refused with its path.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ConfigStore } from '../../src/cli/config.js';

let dir = '';
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });
const env = async (): Promise<NodeJS.ProcessEnv> => ({ HARBORCTL_CONFIG_DIR: dir = await mkdtemp(join(tmpdir(), 'harborctl-conf-')) });
const ctx = (server: string) => ({ server, username: 'u', password: 'p' });

it('saves, switches and removes contexts in a 0600 file another store reads back', async () => {
  const e = await env();
  const a = new ConfigStore(e);
  expect(a.contexts()).toEqual({});
  a.save('one', ctx('https://one.example'));
  a.save('__proto__', ctx('https://proto.example'));
  a.use('one');
  expect((await stat(a.path)).mode & 0o777).toBe(0o600);
  const b = new ConfigStore(e);
  expect(b.current()).toBe('one');
  expect(b.get('__proto__')).toEqual(ctx('https://proto.example'));
  expect(b.get('constructor')).toBeUndefined();
  expect(Object.getPrototypeOf(b.contexts())).toBe(Object.prototype);
  b.remove('one');
  expect(new ConfigStore(e).current()).toBeUndefined();
  expect(Object.keys(JSON.parse(await readFile(a.path, 'utf8')).contexts)).toEqual(['__proto__']);
});

it('refuses a damaged file, naming it', async () => {
  const e = await env();
  await writeFile(join(dir, 'config.json'), '{"contexts": {');
  expect(() => new ConfigStore(e)).toThrow(`cannot read ${join(dir, 'config.json')}`);
});
