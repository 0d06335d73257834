// A real PostgreSQL 15 for the PostgreSQL backend's tests: a throwaway cluster (initdb, then the
// postgres server as a plain process on loopback, fsync off) in a temp dir. Debian's `postgresql`
// must be installed: without it startPostgres() throws, so the suites that need it fail rather than
// skip (.ci/run installs it). initdb refuses to run as root, so as root the cluster belongs to the
// `postgres` user (runuser). stop() stops exactly the server this helper started, and removes its dir.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, track, untrack } from './registry-process.js';

const run = promisify(execFile);
export const PG_BIN = process.env.HARBORCTL_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface Postgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  port: number;
  dir: string;
  /** Creates a fresh empty database; returns its URL. */
  database(name?: string): Promise<string>;
  stop(): Promise<void>;
}

let databases = 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
function asOwner(cmd: string, args: string[]): Promise<{ stdout: string }> {
  const root = process.getuid?.() === 0;
  return run(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { timeout: 60_000 });
}

export async function startPostgres(): Promise<Postgres> {
  if (!existsSync(join(PG_BIN, 'initdb'))) throw new Error(`PostgreSQL 15 is not installed (no ${PG_BIN}/initdb): apt-get install postgresql`);
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-pg-'));
  await chmod(dir, 0o777);
  const data = join(dir, 'data');
  let pid = 0;
  const stop = async (): Promise<void> => {
    if (pid) {
      try { process.kill(pid, 'SIGINT'); } catch { /* already gone */ } // "fast" shutdown
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (alive(pid)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      untrack(pid);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await asOwner(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    const root = process.getuid?.() === 0;
    const args = ['-D', data, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
      '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'];
    const child = spawn(root ? 'runuser' : join(PG_BIN, 'postgres'), root ? ['-u', 'postgres', '--', join(PG_BIN, 'postgres'), ...args] : args,
      { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
    // runuser execs nothing itself: the server's own PID is the one in postmaster.pid.
    for (let i = 0; i < 300; i++) {
      const ok = await run(join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']).then(() => true, () => false);
      if (ok) break;
      if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}):\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    pid = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    track(pid);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    return {
      url, port, dir,
      async database(name = `t${process.pid}_${++databases}`) {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(`CREATE DATABASE "${name}"`);
        } finally {
          await c.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
