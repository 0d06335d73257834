// Opening a SQLite database with better-sqlite3: the one way the code does it. The bundle carries
// better-sqlite3's JavaScript (scripts/bundle.mjs), so its own way of finding its addon, the
// `bindings` package, would look beside the bundle's package (harborctl's) and not find it: the
// addon's path is named here instead, resolved as node resolves the package.
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';

let addon: string | undefined;

/** `file`: a path, or a database's bytes (read into memory). */
export function openSqlite(file: string | Buffer, options: Omit<Database.Options, 'nativeBinding'> = {}): Database.Database {
  addon ??= createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  return new Database(file, { ...options, nativeBinding: addon });
}
