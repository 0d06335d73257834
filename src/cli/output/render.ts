// -o table|json|yaml. Every command collects its data once and hands it here with a table view, so
// the JSON and the table always show the same thing. JSON and YAML print the data as is (Harbor's
// own objects, documented in the README); the table is for humans and may change.
import { Chalk } from 'chalk';
import Table from 'cli-table3';
import { createRequire } from 'node:module';
import type { OutStream } from '../runtime.js';

import type { ListFormat, OutputFormat } from './formats.js';

export { OUTPUT_FORMATS, type OutputFormat } from './formats.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | undefined | null;
}

export function colorsFor(out: OutStream, env: NodeJS.ProcessEnv): InstanceType<typeof Chalk> {
  const on = Boolean(out.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  return new Chalk({ level: on ? 1 : 0 });
}

// yaml (~40 ms of CPU to import) loads only for -o yaml, synchronously through its CommonJS build.
const require = createRequire(import.meta.url);

function serialize(format: 'json' | 'yaml', data: unknown): string {
  return format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : (require('yaml') as typeof import('yaml')).stringify(data);
}

function quietColumn<T>(columns: Column<T>[]): Column<T> {
  return columns.find((c) => c.header === 'NAME') ?? columns.find((c) => c.header === 'PROJECT') ?? columns[0];
}

/** A list: JSON/YAML array, names alone (-q), or a table (nothing on stdout and a note on stderr when empty). */
export function renderList<T>(
  out: { stdout: OutStream; stderr: OutStream; env: NodeJS.ProcessEnv },
  format: ListFormat, rows: T[], columns: Column<T>[], empty: string,
): void {
  if (format === 'quiet') {
    const col = quietColumn(columns);
    for (const r of rows) out.stdout.write(`${cell(col.value(r))}\n`);
    return;
  }
  if (format !== 'table') { out.stdout.write(serialize(format, rows)); return; }
  if (rows.length === 0) { out.stderr.write(`${empty}\n`); return; }
  const c = colorsFor(out.stdout, out.env);
  const table = new Table({
    head: columns.map((col) => c.bold(col.header)),
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 0 },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
  });
  for (const r of rows) table.push(columns.map((col) => cell(col.value(r))));
  out.stdout.write(`${table.toString().split('\n').map((l) => l.trimEnd()).join('\n')}\n`);
}

/** One object: JSON/YAML as is, or a two-column key/value table. */
export function renderObject<T>(
  out: { stdout: OutStream; stderr: OutStream; env: NodeJS.ProcessEnv },
  format: OutputFormat, data: T, fields: Column<T>[],
): void {
  if (format !== 'table') { out.stdout.write(serialize(format, data)); return; }
  const c = colorsFor(out.stdout, out.env);
  const width = Math.max(...fields.map((f) => f.header.length));
  for (const f of fields) out.stdout.write(`${c.bold(f.header.padEnd(width))}  ${cell(f.value(data))}\n`);
}

/** The result of an action (created, deleted ...): JSON/YAML data, or one human line on stdout. */
export function renderResult(
  out: { stdout: OutStream; stderr: OutStream; env: NodeJS.ProcessEnv },
  format: OutputFormat, data: unknown, line: string,
): void {
  if (format !== 'table') { out.stdout.write(serialize(format, data)); return; }
  const c = colorsFor(out.stdout, out.env);
  out.stdout.write(`${c.green('✓')} ${line}\n`);
}

function cell(v: string | number | boolean | undefined | null): string {
  if (v === undefined || v === null || v === '') return '-';
  return String(v);
}

/** "1 file", "2 files": a count and its noun, for the lines people read. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** Harbor's times are RFC 3339; tables show them to the minute, in UTC. Go's zero time (never) is "-". */
export function shortTime(t: string | undefined | null): string | undefined {
  if (!t || t.startsWith('0001-01-01')) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : `${d.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}
