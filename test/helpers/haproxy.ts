// Debian's HAProxy (2.6) as a plain process in front of registry replicas: round-robin per request
// over the given loopback backends, with an HTTP health check on /api/v2.0/health so a replica that
// died is taken out after two failed checks. It runs in the foreground (-db) with its own config in
// a temp dir; stop() signals exactly its own PID.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectLines, freePort, makeStop, track } from './registry-process.js';

export interface Haproxy {
  pid: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the form container references use. */
  host: string;
  logs: string[];
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function config(port: number, backends: string[]): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 300s',
    '  timeout server 300s',
    // A request whose connection to a replica failed goes to another one (no byte was sent yet).
    '  retries 2',
    '  option redispatch',
    'frontend registry',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /api/v2.0/health',
    '  http-check expect status 200',
    ...backends.map((b, i) => `  server r${i + 1} ${b} check inter 300ms fall 2 rise 2`),
    '',
  ].join('\n');
}

/** Polls until the port accepts a TCP connection (readiness only). */
async function listening(port: number, alive: () => boolean, logs: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && alive()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`haproxy never listened on ${port}\n${logs.join('\n')}`);
}

/** `backends`: the replicas' `127.0.0.1:PORT`. */
export async function startHaproxy(backends: string[]): Promise<Haproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-haproxy-'));
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  await writeFile(cfg, config(port, backends));
  const logs: string[] = [];
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not spawn haproxy (apt-get install haproxy)');
  const pid = child.pid;
  track(pid);
  collectLines(child, logs);
  const stop = makeStop('haproxy', child, pid, dir, logs);
  try {
    await listening(port, () => child.exitCode === null && child.signalCode === null, logs);
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  return { pid, url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, logs, stop: () => stop() };
}
