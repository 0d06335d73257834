// The floors of this machine (issue 20): bare servers, under the same loads as the two registries in
// the same run, so what harborctl adds over them is harborctl's, and what they show themselves is
// node's and the machine's.
// Each node floor runs with the node flags and the malloc settings bin/harborctl gives node.
// - The manifest floor: node:http answering every request with the bytes and headers harborctl
//   answered the manifest GET with (a c1 p99 above 1 ms on a busy two-core machine is node's).
// - The blob floor: node:http doing only what a blob push and pull must: the upload's bytes hashed
//   and written at their offset, fsync and rename at the end; a pull read from the file into four
//   reused buffers and written to the socket. No auth, no database, no log.
// - The sendfile floor: a C server (bench/floor-sendfile.c, built with the machine's cc) that answers
//   any GET with the blob through sendfile(2), the least CPU any server can spend on a pull here.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { registryEnv, stopper } from './servers.js';

/** The manifest floor, whole: one answer, written as harborctl writes it (head and body in one call). */
const MANIFEST_SERVER = `
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

/**
 * The environment bin/harborctl gives node (its `: "${NAME:=value}"` defaults: malloc's settings), so
 * the floors' allocator is configured as the server's.
 */
export function harborctlEnv(projectRoot: string): Record<string, string> {
  const text = readFileSync(join(projectRoot, 'bin', 'harborctl'), 'utf8');
  return Object.fromEntries([...text.matchAll(/\$\{(\w+):=([^}]*)\}/g)].map((m) => [m[1], m[2]]));
}

export interface FloorServer { url: string; pid: number; stop(): Promise<void> }

/** Starts `command` and waits for the port it prints on its first line of output. */
async function startServer(what: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<FloorServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: registryEnv(env) });
  const stop = stopper(child);
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(Number(l)));
    child.once('error', reject);
    child.once('exit', () => reject(new Error(`the ${what} exited (${child.exitCode ?? child.signalCode}) before it listened`)));
  }).catch(async (e: unknown) => { await stop(); throw e; });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
}

export function startFloor(projectRoot: string, body: Buffer, headers: IncomingHttpHeaders): Promise<FloorServer> {
  const kept = Object.fromEntries(KEPT.filter((k) => headers[k] !== undefined).map((k) => [k, headers[k]]));
  return startServer('floor server', process.execPath, [...harborctlNodeFlags(projectRoot), '-e', MANIFEST_SERVER],
    { ...harborctlEnv(projectRoot), FLOOR_BODY: body.toString('base64'), FLOOR_HEADERS: JSON.stringify(kept) });
}

/**
 * The blob floor's program, run as `node -e` with its text. It uses nothing from outside itself on
 * purpose: its receive and send loops are what harborctl's file store does (src/storage/blobs/fs),
 * written again because importing that store would load harborctl's modules into the floor. It
 * speaks what bench/blob.ts sends: POST an upload, PATCH its chunks in order, PUT ?digest=
 * with or without the last bytes, GET a blob by digest.
 */
function blobFloor(): void {
  const http = process.getBuiltinModule('node:http') as typeof import('node:http');
  const fsp = process.getBuiltinModule('node:fs/promises') as typeof import('node:fs/promises');
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  const dir = process.env.FLOOR_DIR!;
  type Upload = { fh: import('node:fs/promises').FileHandle; file: string; pos: number; hash: import('node:crypto').Hash };
  const uploads = new Map<string, Upload>();
  let next = 0;
  const answer = (res: import('node:http').ServerResponse, status: number, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { ...headers, 'Content-Length': '0' });
    res.end();
  };
  // The body hashed as it comes and written in batches at the upload's offset, one write at a time;
  // the socket is paused only while 1 MiB waits behind a write. Every 4 MiB taken, a scavenge lets
  // the dead chunks go (as harborctl's blob stores do: src/core/scavenge.ts).
  const gc = globalThis.gc;
  let taken = 0;
  const receive = (req: import('node:http').IncomingMessage, u: Upload): Promise<void> => new Promise((resolve, reject) => {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let writing = false;
    let ended = false;
    const flush = (): void => {
      if (writing) return;
      if (batch.length === 0) { if (ended) resolve(); return; }
      const chunks = batch;
      const n = batchBytes;
      batch = [];
      batchBytes = 0;
      writing = true;
      u.fh.writev(chunks, u.pos).then(({ bytesWritten }) => {
        if (bytesWritten !== n) throw new Error(`a write took ${bytesWritten} of ${n} bytes`);
        u.pos += n;
        writing = false;
        if (!ended && req.isPaused()) req.resume();
        flush();
      }).catch(reject);
    };
    req.on('data', (c: Buffer) => {
      u.hash.update(c);
      batch.push(c);
      batchBytes += c.length;
      taken += c.length;
      if (gc && taken >= 4 << 20) { taken = 0; gc({ type: 'minor' }); }
      if (!writing) flush();
      else if (batchBytes >= 1 << 20) req.pause();
    });
    req.once('end', () => { ended = true; flush(); });
    req.once('error', reject);
  });
  const free: Buffer[] = [0, 1, 2, 3].map(() => Buffer.allocUnsafe(1 << 20));
  const waiting: ((b: Buffer) => void)[] = [];
  const take = (): Promise<Buffer> => (free.length ? Promise.resolve(free.pop()!) : new Promise((r) => waiting.push(r)));
  const give = (b: Buffer): void => { const w = waiting.shift(); if (w) w(b); else free.push(b); };
  const handle = async (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> => {
    const url = new URL(req.url!, 'http://floor');
    const up = /^\/v2\/(.+)\/blobs\/uploads\/(\d*)$/.exec(url.pathname);
    if (req.method === 'POST' && up && up[2] === '') {
      req.resume();
      const id = String(next++);
      const file = `${dir}/upload-${id}`;
      uploads.set(id, { fh: await fsp.open(file, 'w'), file, pos: 0, hash: createHash('sha256') });
      return answer(res, 202, { Location: `/v2/${up[1]}/blobs/uploads/${id}` });
    }
    const u = up ? uploads.get(up[2]) : undefined;
    if (u && (req.method === 'PATCH' || req.method === 'PUT')) {
      await receive(req, u);
      if (req.method === 'PATCH') return answer(res, 202, { Location: `/v2/${up![1]}/blobs/uploads/${up![2]}` });
      const digest = `sha256:${u.hash.digest('hex')}`;
      uploads.delete(up![2]);
      if (digest !== url.searchParams.get('digest')) {
        await u.fh.close();
        await fsp.rm(u.file);
        return answer(res, 400);
      }
      await u.fh.sync();
      await u.fh.close();
      await fsp.rename(u.file, `${dir}/${digest.slice(7)}`);
      return answer(res, 201, { 'Docker-Content-Digest': digest });
    }
    const blob = /^\/v2\/.+\/blobs\/sha256:([0-9a-f]{64})$/.exec(url.pathname);
    if (req.method === 'GET' && blob) {
      const fh = await fsp.open(`${dir}/${blob[1]}`, 'r').catch(() => null);
      if (!fh) return answer(res, 404);
      const size = (await fh.stat()).size;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
      for (let pos = 0; pos < size;) {
        const b = await take();
        const { bytesRead } = await fh.read(b, 0, Math.min(b.length, size - pos), pos);
        pos += bytesRead;
        // A buffer is lent again only once its write has called back.
        if (!res.write(bytesRead === b.length ? b : b.subarray(0, bytesRead), () => give(b))) await new Promise((r) => res.once('drain', r));
      }
      res.end();
      await fh.close();
      return;
    }
    req.resume();
    answer(res, 404);
  };
  // 256 KiB stream buffers, as bin/harborctl's server (src/server/http.ts).
  const s = http.createServer({ highWaterMark: 256 * 1024 }, (req, res) => {
    handle(req, res).catch((e: Error) => { process.stderr.write(`blob floor: ${e.message}\n`); res.destroy(); });
  });
  s.listen(0, '127.0.0.1', () => process.stdout.write(`${(s.address() as import('node:net').AddressInfo).port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

/** The blob floor, keeping its uploads and blobs in `dir`. */
export function startBlobFloor(projectRoot: string, dir: string): Promise<FloorServer> {
  return startServer('blob floor', process.execPath, [...harborctlNodeFlags(projectRoot), '-e', `(${blobFloor.toString()})()`], { ...harborctlEnv(projectRoot), FLOOR_DIR: dir });
}

/**
 * The sendfile floor, built from bench/floor-sendfile.c into `workDir` with the machine's `cc`, serving
 * `file` on every GET; why not, as a sentence, when there is no C compiler or the build fails.
 */
export async function startSendfileFloor(projectRoot: string, workDir: string, file: string): Promise<FloorServer | string> {
  const bin = join(workDir, 'floor-sendfile');
  const cc = spawnSync('cc', ['-O2', '-o', bin, join(projectRoot, 'bench', 'floor-sendfile.c')], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return `no sendfile floor: cc ${cc.error ? `could not run (${cc.error.message})` : `failed: ${cc.stderr.trim()}`}`;
  return startServer('sendfile floor', bin, [file], {});
}
