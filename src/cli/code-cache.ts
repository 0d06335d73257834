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
const internals = Module as unknown as {
  _extensions: Record<string, Load>; wrapper: [string, string]; _cache: Record<string, Module | undefined>; _nodeModulePaths(dir: string): string[];
};

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

/** A relative `require` of the bundle's own (`./x.cjs`, `./chunks/x.cjs`, `../x.cjs`), as a path; else undefined. */
function chunkPath(dir: string, id: string): string | undefined {
  const m = /^(\.\.?)\/((?:chunks\/)?[\w.-]+\.cjs)$/.exec(id);
  if (!m) return undefined;
  return m[1] === '.' ? `${dir}${sep}${m[2]}` : `${dir.slice(0, dir.lastIndexOf(sep))}${sep}${m[2]}`;
}

/**
 * Loads CommonJS files below `dir` (the bundle's) as node would, from their code cache. With
 * HARBORCTL_CODE_CACHE=write it also writes each one's cache when the process exits.
 *
 * The chunks' requires of each other skip node's resolution: the bundle names them by relative path,
 * and node's loader spent ~4 path operations and 2 stats on each (with createRequire for each, ~50
 * more). At start those were enough calls for V8 to optimize path.normalizeString, whose compiler's
 * pages of node's binary then stay resident: ~3.6 MB of an idle server's RSS (docs/benchmarks.md,
 * sixteenth session), and how many calls tip it depends on the length of the install's path.
 */
export function useCodeCache(dir: string): void {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  const write = process.env.HARBORCTL_CODE_CACHE === 'write';
  const scripts: [Script, string][] = [];
  const cache = internals._cache;
  const lookupPaths = new Map<string, string[]>();

  /** The `require` node gives a CommonJS file, with the chunks' own requires loaded here. */
  const requireOf = (module: Module, filename: string, from: string): NodeJS.Require => {
    const require = ((id: string) => {
      const file = chunkPath(from, id);
      if (file === undefined || !file.startsWith(prefix)) return module.require(id);
      return (cache[file] ?? loadChunk(file, module)).exports;
    }) as NodeJS.Require;
    // The rest of a require function, which the bundle does not use, from createRequire when asked for.
    let full: NodeJS.Require | undefined;
    for (const key of ['resolve', 'cache', 'main', 'extensions'] as const) {
      Object.defineProperty(require, key, { get: () => (full ??= createRequire(filename))[key], enumerable: true });
    }
    return require;
  };

  /** Node's Module._load for a file of ours: cached before it runs (cycles), forgotten if it throws. */
  const loadChunk = (file: string, parent: Module): Module => {
    const module = new Module(file, parent);
    const at = dirname(file);
    let paths = lookupPaths.get(at);
    if (!paths) lookupPaths.set(at, (paths = internals._nodeModulePaths(at)));
    Object.assign(module, { filename: file, paths });
    cache[file] = module;
    try {
      compile(module, file);
    } catch (e) {
      delete cache[file];
      throw e;
    }
    module.loaded = true;
    return module;
  };

  const compile = (module: Module, filename: string): void => {
    const cacheFile = `${filename}.v8c`;
    const { source, mtimeMs } = readWrapped(filename);
    const cachedData = readCache(cacheFile, mtimeMs);
    const script = new Script(source, { filename, cachedData });
    if (cachedData && !script.cachedDataRejected) use.fromCache++;
    else use.compiled++;
    if (write) scripts.push([script, cacheFile]);
    const fn = script.runInThisContext() as Wrapped;
    const at = dirname(filename);
    fn.call(module.exports, module.exports, requireOf(module, filename, at), module, filename, at);
  };

  // What node's own loader loads below the directory (the entry's require of the program's chunk).
  const load = internals._extensions['.js']!;
  internals._extensions['.js'] = (module: Module, filename: string): void => {
    if (filename.startsWith(prefix)) compile(module, filename);
    else load(module, filename);
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
