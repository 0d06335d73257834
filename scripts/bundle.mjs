// The last build step (npm run build): bundles tsc's ES modules under dist/src into a few files in
// dist/bundle, which bin/harborctl runs. Node 20 resolves, reads and links every ES module file on its
// own, and `serve` loads ~200 of ours: one bundle makes start-up ~50 ms shorter and the idle process
// ~6 MB smaller (docs/benchmarks.md). What the code loads at its first use (dynamic imports) stays in
// chunks of its own, and packages stay in node_modules, loaded as before.
//
// The bundle is CommonJS: Node 20's ES module loader (its resolution, URL handling, and the lexer it
// runs over every CommonJS package an ES module imports) cost `serve` ~20 ms of a 270-290 ms restart
// and ~10 ms of `--version` (docs/benchmarks.md, fourteenth session). Packages that ship only ES
// modules (chalk, ora, openid-client...) are loaded with require(), which Node does from 20.19 on
// (package.json's engines); rolldown turns import.meta.url into the file's own URL.
//
// node scripts/bundle.mjs [DIST]: DIST is tsc's output directory (default: this package's dist/).
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

/** The packages whose JavaScript goes into the bundle (above). */
const BUNDLED_PACKAGES = new Set(['commander', 'better-sqlite3', 'croner']);
const dist = resolve(process.argv[2] ?? fileURLToPath(new URL('../dist', import.meta.url)));
const out = join(dist, 'bundle');
await rm(out, { recursive: true, force: true });
await build({
  // The SBOM worker is an entry of its own: a worker thread starts from its chunk (src/sbom/worker.ts).
  input: { harborctl: join(dist, 'src/cli/bin.js'), 'sbom-worker': join(dist, 'src/sbom/worker.js') },
  platform: 'node',
  // node: builtins and packages are imported at run time, as tsc's output does, but for the
  // CommonJS packages `serve` loads at every start: node resolves, reads and compiles each of their
  // files apart (commander 7, better-sqlite3 14 with `bindings` and `file-uri-to-path`, which find
  // its addon, croner 1). In the bundle `serve` loads 24 modules instead of 45 (docs/benchmarks.md,
  // fifteenth session). better-sqlite3's addon stays in its package, opened by path
  // (src/core/sqlite.ts).
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !BUNDLED_PACKAGES.has(id),
  // No comments, and non-ASCII characters escaped: V8 keeps each module's source for as long as the
  // process runs, and one character above U+00FF (a → in a comment) makes it keep the whole source
  // as two bytes a character.
  output: {
    dir: out, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: false,
    comments: { legal: true, annotation: false, jsdoc: false }, charset: 'ascii',
  },
  logLevel: 'warn',
});
