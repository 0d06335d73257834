// Server lifecycle: an upload resumes across a restart, an abandoned one is purged with its bytes,
// a client that disconnects mid-chunk leaves the session as it was, in-flight requests finish on
// shutdown, and TLS serves the same API.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { ADMIN_AUTH_LINE, adminRequest as request } from '../helpers/admin-auth.js';
import { afterEach, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  servers = [];
});
async function start(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(opts);
  servers.push(s);
  return s;
}

async function begin(url: string, repo = 'library/life'): Promise<string> {
  const res = await request(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  expect(res.statusCode).toBe(202);
  await res.body.dump();
  return res.headers.location as string;
}

test('a chunked upload resumes after the server restarts', async () => {
  const data = randomBytes(300_000);
  const a = await start();
  const loc = await begin(a.url);
  const r1 = await request(`${a.url}${loc}`, { method: 'PATCH', body: data.subarray(0, 100_000), headers: { 'content-range': '0-99999' } });
  expect(r1.statusCode).toBe(202);
  await r1.body.dump();
  await a.close({ keepData: true });
  servers = [];

  const b = await start({ dataDir: a.dataDir });
  const status = await request(`${b.url}${loc}`);
  expect(status.statusCode).toBe(204);
  expect(status.headers.range).toBe('0-99999');
  await status.body.dump();
  const r2 = await request(`${b.url}${loc}`, { method: 'PATCH', body: data.subarray(100_000), headers: { 'content-range': '100000-299999' } });
  expect(r2.statusCode).toBe(202);
  await r2.body.dump();
  const done = await request(`${b.url}${loc}?digest=${sha(data)}`, { method: 'PUT' });
  expect(done.statusCode).toBe(201);
  await done.body.dump();
  const got = await request(`${b.url}/v2/library/life/blobs/${sha(data)}`);
  expect(Buffer.from(await got.body.arrayBuffer()).equals(data)).toBe(true);
});

test('an idle upload session expires: its bytes are removed and its id is unknown', async () => {
  let now = Date.now();
  const s = await start({ uploadTtlMs: 60_000, clock: () => now });
  const loc = await begin(s.url);
  const r = await request(`${s.url}${loc}`, { method: 'PATCH', body: randomBytes(1000) });
  await r.body.dump();
  expect(await readdir(join(s.dataDir, 'blobs', '_uploads'))).toHaveLength(1);
  now += 30_000;
  expect((await s.app.registry.purgeUploads()).count).toBe(0);
  now += 31_000;
  expect((await s.app.registry.purgeUploads()).count).toBe(1);
  expect(await readdir(join(s.dataDir, 'blobs', '_uploads'))).toHaveLength(0);
  const status = await request(`${s.url}${loc}`);
  expect(status.statusCode).toBe(404);
  expect(((await status.body.json()) as { errors: { code: string }[] }).errors[0].code).toBe('BLOB_UPLOAD_UNKNOWN');
});

test('a client that disconnects mid-chunk leaves the session as it was and no blob', async () => {
  const s = await start({ uploadTtlMs: 60_000 });
  const loc = await begin(s.url);
  const first = randomBytes(5000);
  const r = await request(`${s.url}${loc}`, { method: 'PATCH', body: first, headers: { 'content-range': '0-4999' } });
  await r.body.dump();
  // Promise 10,000 more bytes, send 3,000, hang up.
  const { port } = new URL(s.url);
  await new Promise<void>((resolve) => {
    const sock = net.connect(Number(port), '127.0.0.1', () => {
      sock.write(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Type: application/octet-stream\r\nContent-Range: 5000-14999\r\nContent-Length: 10000\r\n\r\n`);
      sock.write(randomBytes(3000), () => setTimeout(() => { sock.destroy(); resolve(); }, 100));
    });
  });
  // The server notices the hang-up asynchronously: poll the status until it is settled.
  let range = '';
  for (let i = 0; i < 50 && range !== '0-4999'; i++) {
    const st = await request(`${s.url}${loc}`);
    range = st.headers.range as string;
    await st.body.dump();
    if (range !== '0-4999') await new Promise((res) => setTimeout(res, 20));
  }
  expect(range).toBe('0-4999');
  const files = await readdir(join(s.dataDir, 'blobs', '_uploads'));
  expect(files).toHaveLength(1);
  expect((await readFile(join(s.dataDir, 'blobs', '_uploads', files[0], 'data'))).equals(first)).toBe(true);
  // The same chunk again, whole this time, and the upload completes.
  const rest = randomBytes(10_000);
  const retry = await request(`${s.url}${loc}`, { method: 'PATCH', body: rest, headers: { 'content-range': '5000-14999' } });
  expect(retry.statusCode).toBe(202);
  await retry.body.dump();
  const all = Buffer.concat([first, rest]);
  const done = await request(`${s.url}${loc}?digest=${sha(all)}`, { method: 'PUT' });
  expect(done.statusCode).toBe(201);
  await done.body.dump();
  // Abandon another upload mid-chunk; once it expires nothing is left on disk.
  const loc2 = await begin(s.url);
  await new Promise<void>((resolve) => {
    const sock = net.connect(Number(port), '127.0.0.1', () => {
      sock.write(`PATCH ${loc2} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: 10000\r\n\r\n`);
      sock.write(randomBytes(2000), () => setTimeout(() => { sock.destroy(); resolve(); }, 100));
    });
  });
  const uploadsBefore = await readdir(join(s.dataDir, 'blobs', '_uploads'));
  expect(uploadsBefore).toHaveLength(1);
  await s.app.stores.uploads.touchUpload(loc2.split('/').pop()!, 0);
  await s.app.registry.purgeUploads();
  expect(await readdir(join(s.dataDir, 'blobs', '_uploads'))).toHaveLength(0);
  const blobs = await readdir(join(s.dataDir, 'blobs', 'sha256'));
  expect(blobs).toHaveLength(1); // only the completed one
});

test('shutdown lets an in-flight upload finish, then refuses new connections', async () => {
  const s = await start();
  const loc = await begin(s.url);
  const data = randomBytes(200_000);
  const { port } = new URL(s.url);
  // Start a PATCH whose body arrives slowly, then close the server while it is in flight.
  const reply = new Promise<string>((resolve, reject) => {
    let text = '';
    const sock = net.connect(Number(port), '127.0.0.1', () => {
      sock.write(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: ${data.length}\r\n\r\n`);
      sock.write(data.subarray(0, 1000));
      setTimeout(() => sock.write(data.subarray(1000)), 200);
    });
    sock.on('data', (d) => { text += d.toString(); if (text.includes('\r\n\r\n')) { sock.destroy(); resolve(text); } });
    sock.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 50));
  const closing = s.app.close();
  expect((await reply).split('\r\n')[0]).toBe('HTTP/1.1 202 Accepted');
  await closing;
  await expect(request(`${s.url}/v2/`)).rejects.toThrow();
  servers = [];
  await rm(s.dataDir, { recursive: true, force: true });
});

test('a server stopped while its first token key is made stores the key and logs no error', async () => {
  // RSA generation takes ~50-500 ms on the thread pool after createApp returns; stop at once.
  const a = await startTestServer();
  await a.close({ keepData: true });
  expect(a.logs.filter((l) => / ERROR /.test(l))).toEqual([]);
  expect(a.logs.filter((l) => /generated the token signing key/.test(l))).toHaveLength(1);
  const b = await start({ dataDir: a.dataDir });
  const res = await request(`${b.url}/service/token?service=harbor-registry&scope=repository:library/x:pull`);
  expect(res.statusCode).toBe(200);
  await res.body.dump();
  // The second start loaded the key the first one made.
  expect(b.logs.filter((l) => /generated the token signing key/.test(l))).toEqual([]);
});

test('--tls-cert/--tls-key: the registry answers over HTTPS', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    const cert = await readFile(join(dir, 'c.pem'));
    const s = await start({ tls: { cert, key: await readFile(join(dir, 'k.pem')) } });
    const url = s.url.replace('http:', 'https:');
    const dispatcher = new Agent({ connect: { ca: cert } });
    const res = await request(`${url}/v2/`, { dispatcher });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({});
    await dispatcher.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
