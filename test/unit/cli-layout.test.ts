// Issue 12 item 28: one way to register a command. Each src/cli/commands/<noun>/ has an index.ts
// that registers its verbs; nothing imports main.ts back; src/mirror/ and src/cli/ have no import loops.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const commands = join(root, 'src', 'cli', 'commands');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Static relative imports (types too: a type loop is a loop for a reader), resolved to .ts files; lazy import() is not one. */
function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)]
    .map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, staticImports(f).filter((t) => files.includes(t))]));
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const walk = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') { found.push([...path.slice(path.indexOf(f)), f].map((p) => relative(root, p))); return; }
    state.set(f, 'open');
    for (const t of graph.get(f) ?? []) walk(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of files) walk(f, []);
  return found;
}

describe('CLI layout', () => {
  it('every entry of src/cli/commands is a noun folder with an index.ts exporting register, or a shared module', () => {
    const entries = readdirSync(commands);
    const loose = entries.filter((n) => !statSync(join(commands, n)).isDirectory() && !['common.ts', 'types.ts'].includes(n));
    expect(loose).toEqual([]);
    for (const n of entries.filter((e) => statSync(join(commands, e)).isDirectory() && e !== 'mirror')) {
      expect({ n, register: /export function register\(program: Command, /.test(readFileSync(join(commands, n, 'index.ts'), 'utf8')) })
        .toEqual({ n, register: true });
    }
  });

  it('no command module imports main.ts', () => {
    const back = tsFiles(commands).filter((f) => /from '(\.\.\/)+main\.js'/.test(readFileSync(f, 'utf8')));
    expect(back.map((f) => relative(root, f))).toEqual([]);
  });

  it('src/mirror and src/cli have no import loops', () => {
    expect(cycles(tsFiles(join(root, 'src', 'mirror')))).toEqual([]);
    expect(cycles(tsFiles(join(root, 'src', 'cli')))).toEqual([]);
  });
});
