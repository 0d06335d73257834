// V8's code cache for the bundle's chunks (issue 20): a restart spent ~40 ms of its ~240 compiling our
// ~1 MB of JavaScript (docs/benchmarks.md, sixteenth session). The build (scripts/bundle.mjs) starts
// `serve` twice with HARBORCTL_CODE_CACHE=write: at exit, every chunk that process loaded gets
// `<chunk>.v8c` beside it, the bytecode of every function compiled so far, which later processes hand
// to V8 instead of compiling. Node 20 has no compile cache of its own (22's `module.enableCompileCache`
// keeps one in a directory of the caller's choosing, which another user might write to); these files
// sit beside the chunks, written by whoever wrote the chunks, so they carry the chunks' own trust.
//
// V8 checks a cache against its own version, its flags and the source's length, and compiles anew
// when any differs (another node, HARBORCTL_NODE_FLAGS): slower, never wrong. Equal length is no proof
// of equal source (V8 then runs the old bytecode), so a chunk changed after its cache was written (its
// mtime later) is compiled anew.
import { closeSync, fstatSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import Module, { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { Script } from 'node:vm';

type Load = (module: Module, filename: string) => void;
type Wrapped = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => unknown;
const internals = Module as unknown as { _extensions: Record<string, Load>; wrapper: [string, string] };

/** What the chunks loaded so far did: compiled from their cache, or compiled anew (no cache, or V8 refused it). */
const use = { fromCache: 0, compiled: 0 };

/** `{ fromCache, compiled }`: how many of the chunks loaded so far ran from their cache (serve logs it at debug). */
export function codeCacheUse(): { fromCache: number; compiled: number } {
  return { ...use };
}

/** The whole of an open file, from `at` on in `into`. */
function readAll(fd: number, into: Buffer, at: number, size: number): void {
  for (let done = 0; done < size;) {
    const n = readSync(fd, into, at + done, size - done, done);
    if (n === 0) throw new Error('file shrank while read');
    done += n;
  }
}

/** The cache of `source` (a chunk), unless there is none or the chunk changed after it was written. */
function readCache(file: string, sourceMtimeMs: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (st.mtimeMs < sourceMtimeMs) return undefined;
    const data = Buffer.allocUnsafe(st.size);
    readAll(fd, data, 0, st.size);
    return data;
  } finally {
    closeSync(fd);
  }
}

/**
 * A CommonJS file as the function node makes of it (Module.wrap), read straight into one string:
 * node's own loader and a Module.wrap of its text keep two copies of a 600 KB chunk until a full GC.
 */
function readWrapped(filename: string): { source: string; mtimeMs: number } {
  const [head, tail] = internals.wrapper;
  const fd = openSync(filename, 'r');
  try {
    const st = fstatSync(fd);
    const buf = Buffer.allocUnsafe(head.length + st.size + tail.length);
    buf.write(head, 0, 'latin1');
    readAll(fd, buf, head.length, st.size);
    buf.write(tail, head.length + st.size, 'latin1');
    // The bundle is ASCII (scripts/bundle.mjs), which latin1 decodes as a copy; UTF-8 is checked.
    return { source: buf.toString(isAscii(buf) ? 'latin1' : 'utf8'), mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/**
 * The `require` node gives a CommonJS file: `module.require`, and the rest of a require function
 * (resolve, cache, main), which the bundle does not use, from createRequire when first asked for.
 * (createRequire for each chunk resolved its node_modules paths again: ~50 path calls more at start,
 * enough to have V8 optimize path.normalizeString, whose compiler's pages are then resident.)
 */
function requireOf(module: Module, filename: string): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  let full: NodeJS.Require | undefined;
  for (const key of ['resolve', 'cache', 'main', 'extensions'] as const) {
    Object.defineProperty(require, key, { get: () => (full ??= createRequire(filename))[key], enumerable: true });
  }
  return require;
}

/**
 * Loads the CommonJS files below `dir` (the bundle's) from their caches. With
 * HARBORCTL_CODE_CACHE=write it also writes each one's cache when the process exits.
 */
export function useCodeCache(dir: string): void {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  const write = process.env.HARBORCTL_CODE_CACHE === 'write';
  const load = internals._extensions['.js']!;
  const scripts: [Script, string][] = [];
  internals._extensions['.js'] = (module: Module, filename: string): void => {
    if (!filename.startsWith(prefix)) return load(module, filename);
    const cacheFile = `${filename}.v8c`;
    const { source, mtimeMs } = readWrapped(filename);
    const cachedData = readCache(cacheFile, mtimeMs);
    const script = new Script(source, { filename, cachedData });
    if (cachedData && !script.cachedDataRejected) use.fromCache++;
    else use.compiled++;
    if (write) scripts.push([script, cacheFile]);
    const fn = script.runInThisContext() as Wrapped;
    fn.call(module.exports, module.exports, requireOf(module, filename), module, filename, dirname(filename));
  };
  if (write) {
    process.on('exit', () => {
      for (const [script, file] of scripts) {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, file);
      }
    });
  }
}
