// The floor of a manifest GET on this machine (issue 20): a bare node:http server, run with the node
// flags bin/harborctl gives node, that answers every request with the bytes and headers harborctl
// answered the manifest GET with. The manifest phase loads it with the same wrk right after the two
// registries, so what harborctl adds over it is harborctl's, and what the floor itself shows (a c1
// p99 above 1 ms on a busy two-core machine) is node's and the machine's.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { registryEnv, stopper } from './servers.js';

/** The whole server: one answer, written as harborctl writes it (head and body in one call). */
const SERVER = `
const http = require('node:http');
const body = Buffer.from(process.env.FLOOR_BODY, 'base64');
const headers = JSON.parse(process.env.FLOOR_HEADERS);
const s = http.createServer((req, res) => { req.resume(); res.writeHead(200, headers); res.end(body); });
s.listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

/** The headers of the answer that the floor repeats: what describes the content, not the connection. */
const KEPT = ['content-type', 'content-length', 'docker-content-digest', 'docker-distribution-api-version', 'etag'];

/** The node flags in bin/harborctl's `exec node ...` line, so the floor's V8 is configured as the server's. */
export function harborctlNodeFlags(projectRoot: string): string[] {
  const m = /^exec node ((?:--[\w-]+(?:=\S+)? )*)/m.exec(readFileSync(join(projectRoot, 'bin', 'harborctl'), 'utf8'));
  if (!m) throw new Error('bin/harborctl has no `exec node --flags ...` line for the floor server to copy');
  return m[1].trim().split(' ').filter(Boolean);
}

export interface FloorServer { url: string; pid: number; stop(): Promise<void> }

export async function startFloor(projectRoot: string, body: Buffer, headers: IncomingHttpHeaders): Promise<FloorServer> {
  const kept = Object.fromEntries(KEPT.filter((k) => headers[k] !== undefined).map((k) => [k, headers[k]]));
  const child = spawn(process.execPath, [...harborctlNodeFlags(projectRoot), '-e', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'], env: registryEnv({ FLOOR_BODY: body.toString('base64'), FLOOR_HEADERS: JSON.stringify(kept) }),
  });
  const stop = stopper(child);
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(Number(l)));
    child.once('error', reject);
    child.once('exit', () => reject(new Error(`the floor server exited (${child.exitCode ?? child.signalCode}) before it listened`)));
  }).catch(async (e: unknown) => { await stop(); throw e; });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
}
