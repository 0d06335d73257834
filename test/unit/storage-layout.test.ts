// Issue 15 §1: nothing above storage/ names a backend. A backend is a folder under src/storage/meta/
// or src/storage/blobs/ (sqlite/, pg/, fs/, s3/); only the composition root (src/server/app.ts,
// which picks the metadata backend `serve --db` names), the factories that open the backend a URL
// names, and the backends themselves may import from one, types included. The interfaces (src/storage/meta/*.ts,
// src/storage/blobs/types.ts) are what everything else uses.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');
const COMPOSITION_ROOT = join(src, 'server', 'app.ts');
/**
 * Factories inside storage/ that open the backend a URL names (`serve --storage`); only app.ts calls
 * them. And `migrate`'s copier (storage/meta/copy.ts), the one file that opens both metadata backends
 * to copy one into the other.
 */
const FACTORIES = [join(src, 'storage', 'blobs', 'config.ts'), join(src, 'storage', 'meta', 'copy.ts')];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The backend folders: every folder directly under src/storage/meta/ and src/storage/blobs/. */
const backends = ['meta', 'blobs'].flatMap((kind) => {
  const dir = join(src, 'storage', kind);
  return readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).map((n) => join(dir, n) + sep);
});

/** Relative imports of a file, static (types too) and dynamic, resolved to the .ts files they name. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...[...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => m[1]!),
    ...[...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]!),
  ];
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

const inBackend = (path: string): boolean => backends.some((b) => path.startsWith(b));

/** `file`'s imports that reach into a backend folder, as paths relative to the repository. */
function backendImports(file: string): string[] {
  return imports(file).filter(inBackend).map((p) => relative(root, p));
}

describe('storage layout', () => {
  it('finds the backends and the composition root wiring them (so the check below can see an import)', () => {
    expect(backends.map((b) => relative(src, b))).toEqual(expect.arrayContaining([join('storage', 'meta', 'sqlite'), join('storage', 'blobs', 'fs')]));
    expect(backendImports(COMPOSITION_ROOT)).toEqual(expect.arrayContaining([join('src', 'storage', 'meta', 'sqlite', 'index.ts'),
      join('src', 'storage', 'meta', 'pg', 'index.ts')]));
    for (const f of FACTORIES) expect(backendImports(f).length, relative(root, f)).toBeGreaterThan(0);
  });

  it('nothing but src/server/app.ts, the storage factories and the backends themselves imports a backend', () => {
    const offenders = tsFiles(src)
      .filter((f) => f !== COMPOSITION_ROOT && !FACTORIES.includes(f) && !inBackend(f))
      .flatMap((f) => backendImports(f).map((target) => `${relative(root, f)} -> ${target}`));
    expect(offenders).toEqual([]);
  });
});
