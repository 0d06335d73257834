// The last build step (npm run build): bundles tsc's ES modules under dist/src into a few files in
// dist/bundle, which bin/harborctl runs. Node 20 resolves, reads and links every ES module file on its
// own, and `serve` loads ~200 of ours: one bundle makes start-up ~50 ms shorter and the idle process
// ~6 MB smaller (docs/benchmarks.md). What the code loads at its first use (dynamic imports) stays in
// chunks of its own, and packages stay in node_modules, loaded as before.
//
// The bundle is CommonJS: Node 20's ES module loader (its resolution, URL handling, and the lexer it
// runs over every CommonJS package an ES module imports) cost `serve` ~20 ms of a 270-290 ms restart
// and ~10 ms of `--version` (docs/benchmarks.md, fourteenth session). Packages that ship only ES
// modules (ora, openid-client, @inquirer/prompts...) are loaded with require(), which Node does from
// 20.19 on (package.json's engines); rolldown turns import.meta.url into the file's own URL.
//
// Then `serve` runs twice from the bundle to write V8's code cache for the chunks it loads
// (src/cli/code-cache.ts): a restart spent ~40 ms compiling them.
//
// node scripts/bundle.mjs [DIST]: DIST is tsc's output directory (default: this package's dist/), with
// bin/harborctl in DIST/../bin.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

/** The packages whose JavaScript goes into the bundle (below). */
const BUNDLED_PACKAGES = new Set([
  'commander', 'better-sqlite3', 'croner',
  // What every CLI command's output loads: chalk and cli-table3 with the packages it requires.
  'chalk', 'cli-table3', 'string-width', 'strip-ansi', 'ansi-regex', 'is-fullwidth-code-point', 'emoji-regex',
]);
const dist = resolve(process.argv[2] ?? fileURLToPath(new URL('../dist', import.meta.url)));
const out = join(dist, 'bundle');
await rm(out, { recursive: true, force: true });
await build({
  // The SBOM worker is an entry of its own: a worker thread starts from its chunk (src/sbom/worker.ts).
  input: { harborctl: join(dist, 'src/cli/bin.js'), 'sbom-worker': join(dist, 'src/sbom/worker.js') },
  platform: 'node',
  // Entries export nothing anyone imports; the core group below needs this said.
  preserveEntrySignatures: 'allow-extension',
  // node: builtins and packages are imported at run time, as tsc's output does, but for the
  // CommonJS packages `serve` loads at every start: node resolves, reads and compiles each of their
  // files apart (commander 7, better-sqlite3 14 with `bindings` and `file-uri-to-path`, which find
  // its addon, croner 1). In the bundle `serve` loads 24 modules instead of 45 (docs/benchmarks.md,
  // fifteenth session). better-sqlite3's addon stays in its package, opened by path
  // (src/core/sqlite.ts). And the packages of a CLI command's output: node require()d chalk, an ES
  // module package, through its ES module loader, ~40 ms of every command that prints (sixteenth
  // session). `#name` is a package's own import map (chalk's vendored modules).
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('#') && !BUNDLED_PACKAGES.has(id),
  // No comments, and non-ASCII characters escaped: V8 keeps each module's source for as long as the
  // process runs, and one character above U+00FF (a → in a comment) makes it keep the whole source
  // as two bytes a character.
  output: {
    dir: out, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: false,
    comments: { legal: true, annotation: false, jsdoc: false }, charset: 'ascii',
    // import() of a package becomes require() too: V8's code cache is for scripts (vm.Script), where
    // an import() needs node's experimental loader hooks.
    dynamicImportInCjs: false,
    // src/core and src/oci, the small modules every layer uses, in one chunk: rolldown gave each its
    // own when two chunks shared it, and a first start loaded nine of them (each read, stat'ed and
    // resolved; src/cli/code-cache.ts says what that cost). They import nothing outside the two but
    // better-sqlite3, whose opener (core/sqlite.js) stays with it. core/errors.js and core/version.js,
    // which every CLI command loads, stay out: the group needs node:crypto, ~17 ms of --version.
    codeSplitting: {
      groups: [{ name: 'core', test: /[\\/]src[\\/](core|oci)[\\/](?!(sqlite|errors|version)\.js$)[^\\/]+\.js$/, includeDependenciesRecursively: false }],
    },
  },
  logLevel: 'warn',
});

/**
 * Runs `bin/harborctl serve` on a fresh data dir until it answers /v2/ (without credentials and with
 * the admin's), then stops it with SIGTERM: with HARBORCTL_CODE_CACHE=write it writes the code cache
 * of what it compiled at its exit. Resolves once it exited 0.
 */
function serveOnce(bin, dataDir) {
  // The password rules want upper case, lower case and a digit.
  const password = `Aa1${randomBytes(12).toString('hex')}`;
  const env = { ...process.env, HARBORCTL_CODE_CACHE: 'write', HARBOR_ADMIN_PASSWORD: password, NO_COLOR: '1' };
  // Node flags change V8's flags, which a cache is checked against: only bin/harborctl's own.
  delete env.NODE_OPTIONS;
  delete env.HARBORCTL_NODE_FLAGS;
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--metrics-listen', 'off'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let asked = false;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const onData = (chunk) => {
      out += chunk;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (!url || asked) return;
      asked = true;
      const basic = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
      fetch(`${url}/v2/`)
        .then(() => fetch(`${url}/v2/`, { headers: { authorization: basic } }))
        .catch((e) => { out += `\nGET /v2/: ${e.message}`; })
        .finally(() => child.kill('SIGTERM'));
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && asked) resolvePromise();
      else reject(new Error(`serve exited ${signal ?? code}:\n${out.split('\n').slice(-10).join('\n')}`));
    });
  });
}

// A first start (creating the data dir's keys and schema) and a restart on its data dir: each adds
// what it compiled to the caches.
const bin = join(dirname(dist), 'bin', 'harborctl');
const scratch = await mkdtemp(join(tmpdir(), 'harborctl-code-cache-'));
try {
  for (let i = 0; i < 2; i++) await serveOnce(bin, join(scratch, 'data'));
} catch (e) {
  // A build without the cache runs the same, only starts slower: not a reason to fail `npm install`.
  console.warn(`harborctl: no code cache written (start-up ~40 ms slower): ${e.message}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
