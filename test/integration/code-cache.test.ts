// The bundle's code cache loader (src/cli/code-cache.ts), in node processes of its own (it replaces
// node's loader for CommonJS files below a directory): it writes caches, runs from them, and never
// runs a cache that does not belong to the file's present text.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/registry-process.js';

const LOADER = join(REPO_ROOT, 'dist', 'src', 'cli', 'code-cache.js');
let root: string;
let bundle: string;

// Loads bundle/a.cjs with the loader on for bundle/ and prints what it exported and codeCacheUse().
const SCRIPT = `
import { createRequire } from 'node:module';
import { codeCacheUse, useCodeCache } from ${JSON.stringify(LOADER)};
useCodeCache(process.env.BUNDLE);
const value = createRequire(process.env.BUNDLE + '/')('./a.cjs');
process.stdout.write(JSON.stringify({ value, ...codeCacheUse() }));
`;

interface Run { value: { answer: string; b: string; e: string; c: string; s: unknown; bad: string[]; file: string; dir: string; join: string }; fromCache: number; compiled: number }

/** `flags`: node's (a cache is checked against the V8 flags it was written with). */
function run(env: NodeJS.ProcessEnv = {}, flags = ['--max-semi-space-size=2']): Run {
  const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', SCRIPT], {
    env: { ...process.env, NODE_OPTIONS: '', BUNDLE: bundle, ...env }, encoding: 'utf8',
  });
  return JSON.parse(out) as Run;
}

// ./s.cjs and ./bad.cjs are the bundle's own kind of require (loaded by the loader itself), the others
// go through node's: s.cjs requires a.cjs back (a cycle: a's exports so far, as node gives), and
// bad.cjs throws (not kept: required again, it runs again, as node does).
const A = (answer: string): string => `const { b, e } = require('./lib/b.cjs');
const s = require('./s.cjs');
const bad = [];
for (let i = 0; i < 2; i++) try { require('./bad.cjs'); } catch (err) { bad.push(err.message); }
module.exports = { answer: '${answer}', b, e, c: require('../outside/c.cjs'), s, bad, file: __filename, dir: __dirname, join: typeof require('node:path').join };
`;

beforeAll(async () => {
  if (!existsSync(LOADER)) throw new Error(`${LOADER} is missing: build first (npm run build)`);
  root = await mkdtemp(join(tmpdir(), 'harborctl-code-cache-'));
  bundle = join(root, 'bundle');
  await mkdir(join(bundle, 'lib'), { recursive: true });
  await mkdir(join(root, 'outside'));
  await writeFile(join(bundle, 'a.cjs'), A('one'));
  await writeFile(join(bundle, 'lib', 'b.cjs'), "exports.b = 'bee'; exports.e = 'caf\u00e9 \u2192';\n");
  await writeFile(join(root, 'outside', 'c.cjs'), "module.exports = 'sea';\n");
  await writeFile(join(bundle, 's.cjs'), "exports.partial = Object.keys(require('./a.cjs')).length; exports.s = 'ess';\n");
  await writeFile(join(bundle, 'bad.cjs'), "globalThis.bad = (globalThis.bad ?? 0) + 1; throw new Error('bad ' + globalThis.bad);\n");
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

const expected = (answer: string): Run['value'] => ({
  answer, b: 'bee', e: 'caf\u00e9 \u2192', c: 'sea', s: { partial: 0, s: 'ess' }, bad: ['bad 1', 'bad 2'], file: join(bundle, 'a.cjs'), dir: bundle, join: 'function',
});

test('HARBORCTL_CODE_CACHE=write writes a cache beside each file below the directory, and only there', () => {
  // a.cjs, lib/b.cjs, s.cjs and bad.cjs twice.
  expect(run({ HARBORCTL_CODE_CACHE: 'write' })).toEqual({ value: expected('one'), fromCache: 0, compiled: 5 });
  for (const f of ['a.cjs', 'lib/b.cjs', 's.cjs', 'bad.cjs']) expect(existsSync(join(bundle, `${f}.v8c`))).toBe(true);
  expect(readdirSync(join(root, 'outside'))).toEqual(['c.cjs']);
  expect(readdirSync(bundle).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('a later process runs every file from its cache, with the same result', () => {
  expect(run()).toEqual({ value: expected('one'), fromCache: 5, compiled: 0 });
});

test('a file changed after its cache was written is compiled from its text, even at the same length', async () => {
  const file = join(bundle, 'a.cjs');
  await writeFile(file, A('two'));
  const cache = await stat(`${file}.v8c`);
  const later = new Date(cache.mtimeMs + 10_000);
  await utimes(file, later, later);
  expect(run()).toEqual({ value: expected('two'), fromCache: 4, compiled: 1 });
});

test('a cache V8 refuses (garbage, or other flags) costs a compile, not the result', async () => {
  await writeFile(join(bundle, 'a.cjs.v8c'), Buffer.alloc(4096, 0x5a));
  const later = new Date(Date.now() + 20_000);
  await utimes(join(bundle, 'a.cjs.v8c'), later, later);
  expect(run()).toEqual({ value: expected('two'), fromCache: 4, compiled: 1 });
  // The other caches are sound, but were written under --max-semi-space-size=2. (bad.cjs's second
  // load finds its first in V8's own in-process cache, which then reads no cachedData to refuse.)
  expect(run({}, [])).toEqual({ value: expected('two'), fromCache: 1, compiled: 4 });
});
