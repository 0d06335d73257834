// Small OCI client helpers for the integration tests: one request function that never normalizes
// the path (so `..` and `//` reach the server as sent), blob and manifest pushes, the error
// envelope check, and a raw-socket exchange for requests undici refuses to send.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { expect } from 'vitest';
import { adminDispatcher } from './admin-auth.js';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** The empty descriptor of image-spec v1.1: the two bytes `{}`. */
export const EMPTY_JSON = Buffer.from('{}');

export interface Descriptor { mediaType: string; digest: string; size: number; [k: string]: unknown }

export function digestOf(data: Uint8Array | string, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json<T = unknown>(): T;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | AsyncIterable<Uint8Array>;
}

/**
 * One request; `path` is sent exactly as given. The body is always read in full. It carries the
 * test admin's credentials unless `headers` has an Authorization of its own (helpers/admin-auth.ts).
 */
export async function call(base: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const res = await adminDispatcher.request({
    origin: base, path, method: (opts.method ?? 'GET') as 'GET', headers: opts.headers, body: opts.body as Buffer | undefined,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: res.statusCode, headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
}

/** Asserts the OCI error envelope exactly: one entry with code, message and detail, nothing else. */
export function expectError(r: Reply, status: number, code: string): void {
  expect({ status: r.status, body: r.body.toString('utf8').slice(0, 500) }).toMatchObject({ status });
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  const doc = r.json<{ errors: Record<string, unknown>[] }>();
  expect(Object.keys(doc)).toEqual(['errors']);
  expect(doc.errors).toHaveLength(1);
  expect(Object.keys(doc.errors[0]).sort()).toEqual(['code', 'detail', 'message']);
  expect(doc.errors[0].code).toBe(code);
  expect(typeof doc.errors[0].message).toBe('string');
  expect(doc.errors[0].detail).not.toBeUndefined();
}

/** Monolithic push (POST ?digest= with the body); returns the blob's descriptor. */
export async function pushBlob(base: string, repo: string, data: Buffer, mediaType: string = MT.ociLayer): Promise<Descriptor> {
  const digest = digestOf(data);
  const r = await call(base, `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' },
  });
  expect(r.status, r.body.toString()).toBe(201);
  expect(r.headers['docker-content-digest']).toBe(digest);
  return { mediaType, digest, size: data.length };
}

/** Starts an upload session; returns its Location path. */
export async function startUpload(base: string, repo: string): Promise<string> {
  const r = await call(base, `/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  expect(r.status, r.body.toString()).toBe(202);
  expect(r.headers.location).toMatch(new RegExp(`^/v2/${repo}/blobs/uploads/[A-Za-z0-9_-]+$`));
  return r.headers.location;
}

/** The upload's current size as the status endpoint reports it (Range `0-<last>`), or null when unknown. */
export async function uploadSize(base: string, location: string): Promise<number | null> {
  const r = await call(base, location);
  if (r.status === 404) return null;
  expect(r.status).toBe(204);
  const m = /^0-(\d+)$/.exec(r.headers.range ?? '');
  expect(m, `Range header ${r.headers.range}`).not.toBeNull();
  // `0-0` is answered for both an empty upload and a one-byte one; the tests never use one byte.
  const last = Number(m![1]);
  return last === 0 ? 0 : last + 1;
}

export function manifestBytes(doc: unknown): Buffer {
  return Buffer.from(JSON.stringify(doc));
}

/** PUT a manifest (object or exact bytes) by tag or digest; returns the reply and the bytes' digest. */
export async function putManifest(base: string, repo: string, reference: string, doc: unknown, mediaType: string): Promise<{ r: Reply; digest: string; bytes: Buffer }> {
  const bytes = Buffer.isBuffer(doc) ? doc : manifestBytes(doc);
  const r = await call(base, `/v2/${repo}/manifests/${reference}`, { method: 'PUT', body: bytes, headers: { 'content-type': mediaType } });
  return { r, digest: digestOf(bytes), bytes };
}

/** PUT that must succeed (201 with the digest); returns the descriptor of the manifest. */
export async function pushManifest(base: string, repo: string, reference: string, doc: unknown, mediaType: string): Promise<Descriptor & { bytes: Buffer }> {
  const { r, digest, bytes } = await putManifest(base, repo, reference, doc, mediaType);
  expect(r.status, r.body.toString()).toBe(201);
  expect(r.headers['docker-content-digest']).toBe(digest);
  return { mediaType, digest, size: bytes.length, bytes };
}

/** Pushes a config and `layers` random-ish layers, then returns an OCI image manifest (not pushed). */
export async function imageManifest(base: string, repo: string, opts: { seed: string; layers?: number; mediaType?: string; extra?: Record<string, unknown> }): Promise<Record<string, unknown>> {
  const docker = opts.mediaType === MT.dockerManifest;
  const config = await pushBlob(base, repo, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed: opts.seed })), docker ? MT.dockerConfig : MT.ociConfig);
  const layers: Descriptor[] = [];
  for (let i = 0; i < (opts.layers ?? 1); i++) {
    layers.push(await pushBlob(base, repo, Buffer.from(`layer ${i} of ${opts.seed}`), docker ? MT.dockerLayer : MT.ociLayer));
  }
  return { schemaVersion: 2, mediaType: opts.mediaType ?? MT.ociManifest, config, layers, ...opts.extra };
}

/** Pushes an image manifest under `tag` (with its blobs); returns its descriptor. */
export async function pushImage(base: string, repo: string, tag: string, seed = tag): Promise<Descriptor & { bytes: Buffer }> {
  return pushManifest(base, repo, tag, await imageManifest(base, repo, { seed }), MT.ociManifest);
}

export interface RawReply { status: number; head: string; headers: Record<string, string>; body: string }

/**
 * Writes `parts` to a fresh connection (each part after the previous one is flushed), then either
 * reads until the server closes or, with `hangUp`, closes the socket after the last part.
 */
export function rawExchange(base: string, parts: (string | Buffer)[], opts: { hangUp?: boolean } = {}): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(Number(port), hostname);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(e)));
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    sock.on('connect', async () => {
      for (const p of parts) await new Promise<void>((res) => sock.write(p, () => res()));
      if (opts.hangUp) sock.destroy();
      else sock.end();
    });
  });
}

/** Splits the raw text of one or more HTTP/1.1 responses (Content-Length framed). */
export function parseRawResponses(text: string): RawReply[] {
  const out: RawReply[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.slice(0, end);
    const lines = head.split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] ?? 0);
    out.push({ status, head, headers, body: rest.slice(end + 4, end + 4 + len) });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

/** A raw connection for step-by-step exchanges: write, then wait for a number of responses. */
export class RawConnection {
  private text = '';
  private closed = false;
  private waiters: (() => void)[] = [];

  private constructor(private readonly sock: net.Socket) {
    const wake = (): void => { for (const w of this.waiters.splice(0)) w(); };
    sock.on('data', (d: Buffer) => { this.text += d.toString('latin1'); wake(); });
    sock.on('error', () => undefined);
    sock.on('close', () => { this.closed = true; wake(); });
  }

  static open(base: string): Promise<RawConnection> {
    const { hostname, port } = new URL(base);
    return new Promise((resolve, reject) => {
      const sock = net.connect(Number(port), hostname, () => resolve(new RawConnection(sock)));
      sock.once('error', reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => this.sock.write(data, () => resolve()));
  }

  /** Resolves with every response so far once `n` are complete or the server has closed. */
  async responses(n: number): Promise<RawReply[]> {
    for (;;) {
      const got = parseRawResponses(this.text).filter((r) => r.body.length === Number(r.headers['content-length'] ?? 0));
      if (got.length >= n || this.closed) return got;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  get isClosed(): boolean { return this.closed; }

  /** Everything received so far, as latin1 text (one char per byte). */
  get received(): string { return this.text; }

  /** Stops reading (the server's writes back up), or starts again. */
  pause(): void { this.sock.pause(); }
  resume(): void { this.sock.resume(); }

  /** Resolves once `pred` holds for what has been received, or the connection has closed. */
  async until(pred: (text: string) => boolean): Promise<void> {
    while (!pred(this.text) && !this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  destroy(): void { this.sock.destroy(); }
}
