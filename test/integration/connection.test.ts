// The connection lifecycle, over raw sockets and real clients: pipelined requests each get their
// answer (errors included), an error answered before the request body was read still reaches the
// client and leaves no wedged connection, stalled bodies time out, and one address cannot hold
// every socket.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION, ADMIN_AUTH_LINE } from '../helpers/admin-auth.js';
import { MT, RawConnection, digestOf, parseRawResponses, pushBlob, pushImage, startUpload, uploadSize, type Descriptor } from '../helpers/oci.js';
import { serveRefusal } from '../helpers/cli.js';
import { startHarborctl } from '../helpers/registry-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const REPO = 'library/conn';
let small: Descriptor;

beforeAll(async () => {
  srv = await startTestServer();
  await pushImage(srv.url, REPO, 'stable');
  small = await pushBlob(srv.url, REPO, randomBytes(100));
});

afterAll(async () => {
  // Not one logged failure from all the cut, refused and pipelined connections.
  expect(srv.logs.filter((l) => / (ERROR|WARN) /.test(l))).toEqual([]);
  await srv.close();
});

/** One request as raw HTTP/1.1 text; `auth` adds the admin's credentials. */
function req(method: string, path: string, opts: { auth?: boolean; headers?: string; body?: string } = {}): string {
  const body = opts.body ?? '';
  const len = body.length > 0 || method === 'PUT' || method === 'POST' || method === 'PATCH' ? `Content-Length: ${body.length}\r\n` : '';
  return `${method} ${path} HTTP/1.1\r\nHost: x\r\n${opts.auth ? ADMIN_AUTH_LINE : ''}${opts.headers ?? ''}${len}\r\n${body}`;
}

function envelopeCode(body: string): string {
  return (JSON.parse(body) as { errors: { code: string }[] }).errors[0].code;
}

describe('pipelined requests on one connection each get their answer', () => {
  test('three pipelined GET /v2/ without credentials: three 401s, and the connection stays open', async () => {
    const conn = await RawConnection.open(srv.url);
    await conn.write(req('GET', '/v2/').repeat(3));
    const got = await conn.responses(3);
    expect(got.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(got.map((r) => envelopeCode(r.body))).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED']);
    expect(conn.isClosed).toBe(false);
    await conn.write(req('GET', '/v2/', { auth: true }));
    expect((await conn.responses(4)).map((r) => r.status)).toEqual([401, 401, 401, 200]);
    conn.destroy();
  });

  test('every error kind, pipelined in one write, is answered in order', async () => {
    const cases: [string, number, string | null][] = [
      [req('GET', `/v2/${REPO}/manifests/stable`, { auth: true }), 200, null],
      [req('GET', '/v2/_catalog'), 401, 'UNAUTHORIZED'],
      [req('GET', `/v2/${REPO}/tags/list?n=x`, { auth: true }), 400, 'PAGINATION_NUMBER_INVALID'],
      [req('GET', '/v2/library/a%2Fb/tags/list', { auth: true }), 400, 'NAME_INVALID'],
      [req('PUT', `/v2/${REPO}/manifests/stable`, { auth: true, headers: 'Content-Type: application/vnd.oci.image.manifest.v1+json\r\n', body: '{"nope":' }), 400, 'MANIFEST_INVALID'],
      [req('GET', `/v2/${REPO}/blobs/sha256:${'0'.repeat(64)}`, { auth: true }), 404, 'BLOB_UNKNOWN'],
      [req('GET', `/v2/${REPO}/manifests/nothing-here`, { auth: true }), 404, 'MANIFEST_UNKNOWN'],
      [req('GET', '/v2/nosuchproject/x/tags/list', { auth: true }), 404, 'NAME_UNKNOWN'],
      [req('GET', '/nowhere', { auth: true }), 404, 'NOT_FOUND'],
      [req('DELETE', '/v2/', { auth: true }), 405, 'UNSUPPORTED'],
      [req('GET', `/v2/${REPO}/blobs/${small.digest}`, { auth: true, headers: 'Range: bytes=999999-\r\n' }), 416, 'RANGE_INVALID'],
      [req('GET', '/v2/', { auth: true }), 200, null],
    ];
    const conn = await RawConnection.open(srv.url);
    await conn.write(cases.map((c) => c[0]).join(''));
    const got = await conn.responses(cases.length);
    expect(got.map((r) => r.status)).toEqual(cases.map((c) => c[1]));
    got.forEach((r, i) => { if (cases[i][2] !== null) expect(envelopeCode(r.body)).toBe(cases[i][2]); });
    expect(conn.isClosed).toBe(false);
    conn.destroy();
  });

  test('a large blob GET followed by an unauthenticated POST: the whole blob, then the 401', async () => {
    const big = randomBytes(8 << 20);
    const d = await pushBlob(srv.url, REPO, big);
    const conn = await RawConnection.open(srv.url);
    await conn.write(req('GET', `/v2/${REPO}/blobs/${d.digest}`, { auth: true }) + req('POST', `/v2/${REPO}/blobs/uploads/`));
    const got = await conn.responses(2);
    expect(got.map((r) => r.status)).toEqual([200, 401]);
    expect(Buffer.from(got[0].body, 'latin1').equals(big)).toBe(true);
    expect(envelopeCode(got[1].body)).toBe('UNAUTHORIZED');
    expect(conn.isClosed).toBe(false);
    conn.destroy();
  });
});

/**
 * Sends `head`, then `body` in 64 KiB writes (each after the previous one is taken), then reads until
 * the server closes. `reset` says whether it ended with a reset instead of a clean close: a reset
 * throws away what the client had not read yet, the response included.
 */
function sendAll(head: string, body: Buffer): Promise<{ text: string; reset: boolean; sent: number }> {
  const { hostname, port } = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sent = 0;
    let reset = false;
    // Half-open allowed, as a kernel socket is: the server's FIN does not end the client's sending.
    const sock = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true });
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'ECONNRESET' || e.code === 'EPIPE') reset = true; else reject(e); });
    sock.on('close', () => resolve({ text: Buffer.concat(chunks).toString('latin1'), reset, sent }));
    sock.on('connect', async () => {
      await new Promise<void>((r) => sock.write(head, () => r()));
      for (let i = 0; i < body.length && !sock.destroyed; i += 64 << 10) {
        const part = body.subarray(i, i + (64 << 10));
        await new Promise<void>((r) => sock.write(part, () => r()));
        sent += part.length;
      }
      if (!sock.destroyed) sock.end();
    });
  });
}

describe('an error answered before its request body was read reaches the client, and nothing wedges', () => {
  const big = Buffer.alloc((4 << 20) + 4096, 0x20);

  test('raw socket: a 5 MiB manifest gets its 413 envelope, Connection: close and a clean close once the client is done', async () => {
    const head = req('PUT', `/v2/${REPO}/manifests/big`, { auth: true, headers: `Content-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: ${big.length}\r\n` }).replace('Content-Length: 0\r\n', '');
    const { text, reset, sent } = await sendAll(head, big);
    const [r] = parseRawResponses(text);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(envelopeCode(r.body)).toBe('SIZE_INVALID');
    expect({ reset, sent }).toEqual({ reset: false, sent: big.length });
  });

  test('raw socket: a request pipelined behind a refused body is not answered (the answer said close), and nothing breaks', async () => {
    const head = `PUT /v2/${REPO}/manifests/big HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: ${big.length}\r\n\r\n`;
    const { text, reset } = await sendAll(head, Buffer.concat([big, Buffer.from(req('GET', '/v2/', { auth: true }))]));
    expect(parseRawResponses(text).map((r) => [r.status, r.headers.connection])).toEqual([[413, 'close']]);
    expect(reset).toBe(false);
    const after = await RawConnection.open(srv.url);
    await after.write(req('GET', '/v2/', { auth: true }));
    expect((await after.responses(1)).map((r) => r.status)).toEqual([200]);
    after.destroy();
  });

  test('raw socket: an oversized API body (anonymous) gets its 413, then a clean close', async () => {
    const head = `POST /api/v2.0/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`;
    const { text, reset, sent } = await sendAll(head, big);
    const [r] = parseRawResponses(text);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect((JSON.parse(r.body) as { errors: { code: string }[] }).errors[0].code).toBe('PAYLOAD_TOO_LARGE');
    expect({ reset, sent }).toEqual({ reset: false, sent: big.length });
  });

  test('undici fetch reads the 413 of an oversized manifest, declared and chunked, and of an oversized API body', async () => {
    const headers = { authorization: ADMIN_AUTHORIZATION, 'content-type': MT.ociManifest };
    const declared = await fetch(`${srv.url}/v2/${REPO}/manifests/big`, { method: 'PUT', headers, body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ errors: [{ code: 'SIZE_INVALID' }] });
    const chunked = await fetch(`${srv.url}/v2/${REPO}/manifests/big`, {
      method: 'PUT', headers, body: Readable.toWeb(Readable.from([big.subarray(0, 1 << 20), big.subarray(1 << 20)])) as ReadableStream, duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ errors: [{ code: 'SIZE_INVALID' }] });
    const api = await fetch(`${srv.url}/api/v2.0/projects`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(api.status).toBe(413);
    expect(await api.json()).toMatchObject({ errors: [{ code: 'PAYLOAD_TOO_LARGE' }] });
  });

  test('a keep-alive client with one connection goes on after a 413', async () => {
    const agent = new Agent({ connections: 1 });
    try {
      const refused = await request(`${srv.url}/api/v2.0/projects`, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(refused.statusCode).toBe(413);
      await refused.body.dump();
      const next = await request(`${srv.url}/api/v2.0/systeminfo`, { dispatcher: agent });
      expect(next.statusCode).toBe(200);
      await next.body.dump();
    } finally {
      await agent.close();
    }
  });
});

describe('stalled bodies and connection floods, with short limits set by option', () => {
  let tight: TestServer;
  const port = (): number => Number(new URL(tight.url).port);
  beforeAll(async () => {
    tight = await startTestServer({ bodyIdleTimeoutMs: 1000, maxConnectionsPerClient: 3 });
  });
  afterAll(async () => {
    await tight.close();
  });

  /** The server sees a client's close on its own time: waits until it has seen enough of them. */
  async function connectionsDownTo(n: number): Promise<void> {
    const count = (): Promise<number> => new Promise((r) => tight.app.server.getConnections((_e, c) => r(c)));
    while ((await count()) > n) await new Promise((r) => setImmediate(r));
  }

  function connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port(), '127.0.0.1', () => resolve(sock));
      sock.once('error', reject);
    });
  }

  test('connections from one address over the cap are refused; below it again, they are served', async () => {
    const held = await Promise.all([1, 2, 3].map(() => RawConnection.open(tight.url)));
    for (const c of held) {
      await c.write(req('GET', '/v2/', { auth: true }));
      expect((await c.responses(1)).map((r) => r.status)).toEqual([200]);
    }
    const over = await RawConnection.open(tight.url);
    await over.write(req('GET', '/v2/', { auth: true }));
    expect(await over.responses(1)).toEqual([]);
    expect(over.isClosed).toBe(true);
    expect(tight.logs.filter((l) => /too many connections/.test(l))).toHaveLength(1);

    held[0].destroy();
    await connectionsDownTo(2);
    const again = await RawConnection.open(tight.url);
    await again.write(req('GET', '/v2/', { auth: true }));
    expect((await again.responses(1)).map((r) => r.status)).toEqual([200]);
    for (const c of [...held, again]) c.destroy();
    await connectionsDownTo(0);
  });

  test('a body that stops arriving is cut after the idle timeout; the session keeps its old size', async () => {
    const loc = await startUpload(tight.url, REPO);
    const sock = await connect();
    const closed = new Promise<string>((resolve) => {
      let text = '';
      sock.on('data', (d) => { text += d.toString('latin1'); });
      sock.on('error', () => undefined);
      sock.on('close', () => resolve(text));
    });
    sock.write(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: 100\r\n\r\nhello`);
    expect(await closed).toBe('');
    expect(await uploadSize(tight.url, loc)).toBe(0);
  });

  test('a slow but moving body is not cut, though it takes longer than the idle timeout in all', async () => {
    const loc = await startUpload(tight.url, REPO);
    const data = randomBytes(15 * 1000);
    const conn = await RawConnection.open(tight.url);
    await conn.write(`PATCH ${loc} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: ${data.length}\r\n\r\n`);
    for (let i = 0; i < data.length; i += 1000) {
      await new Promise((r) => setTimeout(r, 150));
      await conn.write(data.subarray(i, i + 1000));
    }
    const [r] = await conn.responses(1);
    expect(r.status).toBe(202);
    expect(r.headers.range).toBe(`0-${data.length - 1}`);
    conn.destroy();
  });
});

describe('harborctl serve --body-idle-timeout and --max-connections-per-client', () => {
  /** A child's log line arrives through a pipe, after what the socket already showed: waits for it. */
  async function logged(logs: string[], line: RegExp): Promise<void> {
    while (!logs.some((l) => line.test(l))) await new Promise((r) => setTimeout(r, 10));
  }

  test('the real process applies both', async () => {
    const reg = await startHarborctl({ args: ['--body-idle-timeout', '1s', '--max-connections-per-client', '3'] });
    try {
      const stalled = await RawConnection.open(reg.url);
      await stalled.write(`POST /v2/library/x/blobs/uploads/?digest=${digestOf('x'.repeat(100))} HTTP/1.1\r\nHost: x\r\n${ADMIN_AUTH_LINE}Content-Length: 100\r\n\r\nhello`);
      await stalled.until(() => false);
      expect(stalled.received).toBe('');
      await logged(reg.logs, /request body idle: connection closed/);

      // The readiness check may still hold a keep-alive connection: of four more, one at least is refused.
      const conns = await Promise.all([1, 2, 3, 4].map(() => RawConnection.open(reg.url)));
      const answered = await Promise.all(conns.map(async (c) => {
        await c.write(req('GET', '/v2/', { auth: true }));
        return (await c.responses(1)).length;
      }));
      expect(answered.filter((n) => n === 0).length).toBeGreaterThanOrEqual(1);
      expect(answered.filter((n) => n === 1).length).toBeGreaterThanOrEqual(2);
      await logged(reg.logs, /too many connections from one client address/);
      for (const c of conns) c.destroy();
    } finally {
      await reg.stop();
    }
  });

  test.each([
    [['--body-idle-timeout', '10ms'], '--body-idle-timeout must be at least 1s'],
    [['--max-connections-per-client', '0'], 'invalid --max-connections-per-client "0": a whole number from 1 to 999999'],
  ])('serve %j → exit 2', async (args, line) => {
    expect((await serveRefusal(args)).result).toEqual({ code: 2, stdout: '', stderr: `harborctl: ${line}\n` });
  });
});
