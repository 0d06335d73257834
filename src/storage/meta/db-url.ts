// Which metadata database a server uses: `serve --db URL` (env HARBORCTL_DB), parsed here; the
// composition root (server/app.ts) opens the backend it names.
//
//   sqlite:PATH                                         the SQLite file at PATH (default: registry.db in the data dir)
//   postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=M]    a PostgreSQL database (postgresql:// too); the
//                                                       password may instead come from PGPASSWORD
//
// A URL may hold a password: no message repeats it, and redactDbUrl() is what may be shown.
import { resolve } from 'node:path';
import { HarborError } from '../../core/errors.js';

export type DbConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

const FORMS = 'sqlite:PATH or postgres://USER[:PASS]@HOST:PORT/DB[?sslmode=...]';
const SSLMODES = new Set(['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full']);
const NAME = /^[A-Za-z0-9_.$-]{1,63}$/;

function usage(message: string): HarborError {
  return new HarborError('USAGE', `--db: ${message} (expected ${FORMS})`);
}

/** Parses and checks a database URL; messages never repeat the URL (it may hold a password). */
export function parseDbUrl(url: string): DbConfig {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path || path.startsWith('//')) throw usage('sqlite: is followed by a file path, e.g. sqlite:/srv/harborctl/registry.db');
    return { kind: 'sqlite', path: resolve(path) };
  }
  if (!/^postgres(ql)?:\/\//.test(url)) throw usage('unknown scheme');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usage('not a valid URL');
  }
  if (!u.hostname) throw usage('a postgres URL names a host');
  if (!u.username) throw usage('a postgres URL names a user');
  const db = decodeURIComponent(u.pathname.slice(1));
  if (!NAME.test(db)) throw usage('a postgres URL names one database (letters, digits, _ . $ -)');
  if (u.hash) throw usage('a postgres URL has no #fragment');
  const seen = new Set<string>();
  for (const [k, v] of u.searchParams) {
    if (k !== 'sslmode') throw usage(`unknown parameter ${JSON.stringify(k.slice(0, 40))}: only sslmode`);
    if (seen.has(k)) throw usage('sslmode given twice');
    seen.add(k);
    if (!SSLMODES.has(v)) throw usage(`sslmode is one of ${[...SSLMODES].join(', ')}`);
  }
  return { kind: 'postgres', url };
}

/** The URL as it may be shown: without its password. */
export function redactDbUrl(cfg: DbConfig): string {
  if (cfg.kind === 'sqlite') return `sqlite:${cfg.path}`;
  const u = new URL(cfg.url);
  if (u.password) u.password = '***';
  return u.toString();
}
