// Calls to /api/v2.0 for the tests, on a dispatcher of their own (never the global one, which the
// older tests give admin credentials): explicit credentials per call, and every response checked
// against Harbor's swagger for that operation (helpers/swagger.ts).
import { Agent } from 'undici';
import { expect } from 'vitest';
import { validateResponse } from './swagger.js';

export const ADMIN_PASSWORD = 'Harbor12345';

const agent = new Agent({ keepAliveTimeout: 1000 });

export interface Creds { username: string; password: string }
export const admin: Creds = { username: 'admin', password: ADMIN_PASSWORD };

export function basic(c: Creds): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

export interface ApiReply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the server, asserted by the tests
}

export interface ApiCallOptions {
  as?: Creds | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Skip the swagger check (for requests that are deliberately outside the contract). */
  raw?: boolean;
}

/** Any request to the server; `path` is sent exactly as given. */
export async function http(base: string, method: string, path: string, opts: ApiCallOptions = {}): Promise<ApiReply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.as) headers.authorization = basic(opts.as);
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await agent.request({ origin: base, path, method: method as 'GET', headers, body });
  const text = await res.body.text();
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
  let parsed: unknown = undefined;
  if (text && /json/.test(h['content-type'] ?? '')) parsed = JSON.parse(text);
  return { status: res.statusCode, headers: h, text, body: parsed };
}

/** A call to /api/v2.0 + path, as `as` (admin by default; null for anonymous), checked against the swagger. */
export async function api(base: string, method: string, path: string, opts: ApiCallOptions = {}): Promise<ApiReply> {
  const r = await http(base, method, `/api/v2.0${path}`, { ...opts, as: opts.as === undefined ? admin : opts.as });
  expect(r.headers['x-request-id']).toBeTruthy();
  if (!opts.raw) validateResponse(method, path, r.status, r.body ?? (method === 'GET' && r.text && !r.body ? r.text : undefined));
  if (r.status >= 400 && method !== 'HEAD') {
    expect(r.body, `${method} ${path} → ${r.status}: ${r.text.slice(0, 300)}`).toEqual({ errors: [{ code: expect.any(String), message: expect.any(String) }] });
  }
  return r;
}

/** Asserts a Harbor error reply: status and code. */
export function expectApiError(r: ApiReply, status: number, code: string): void {
  expect({ status: r.status, code: r.body?.errors?.[0]?.code, text: r.text.slice(0, 300) }).toMatchObject({ status, code });
}

/** Creates a user as admin; returns its id. */
export async function createUser(base: string, username: string, password = 'Passw0rdX'): Promise<number> {
  const r = await api(base, 'POST', '/users', { body: { username, password, email: `${username}@example.com`, realname: username } });
  expect(r.status, r.text).toBe(201);
  return Number(r.headers.location.split('/').pop());
}

/** Creates a project as `as` (admin by default); returns its id. */
export async function createProject(base: string, name: string, opts: { public?: boolean; as?: Creds } = {}): Promise<number> {
  const r = await api(base, 'POST', '/projects', { as: opts.as, body: { project_name: name, metadata: { public: String(opts.public ?? false) } } });
  expect(r.status, r.text).toBe(201);
  return Number(r.headers.location.split('/').pop());
}

export async function addMember(base: string, project: string, username: string, roleId: number): Promise<number> {
  const r = await api(base, 'POST', `/projects/${project}/members`, { body: { role_id: roleId, member_user: { username } } });
  expect(r.status, r.text).toBe(201);
  return Number(r.headers.location.split('/').pop());
}

// ---- the registry side: tokens and small pushes with explicit credentials

export interface TokenReply { status: number; token?: string; claims?: { sub: string; aud: string; iss: string; exp: number; iat: number; access: { type: string; name: string; actions: string[] }[] }; header?: { kid: string; alg: string }; text: string }

/** GET /service/token for scopes, as `as` (anonymous when null). */
export async function getToken(base: string, scopes: string[], as: Creds | null): Promise<TokenReply> {
  const q = new URLSearchParams({ service: 'harbor-registry' });
  for (const s of scopes) q.append('scope', s);
  const r = await http(base, 'GET', `/service/token?${q.toString()}`, { as });
  if (r.status !== 200) return { status: r.status, text: r.text };
  const token = r.body.token as string;
  const [h, c] = token.split('.');
  return {
    status: r.status, token, text: r.text,
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(c, 'base64url').toString('utf8')),
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function basicHeader(c: Creds): Record<string, string> {
  return { authorization: basic(c) };
}

/** Pushes a one-layer OCI image with the given Authorization headers; returns the manifest digest, or the failing reply. */
export async function pushImageWith(base: string, repo: string, tag: string, auth: Record<string, string>, seed = `${repo}:${tag}`): Promise<{ ok: true; digest: string; size: number } | { ok: false; status: number; text: string; headers: Record<string, string> }> {
  const { createHash } = await import('node:crypto');
  const dig = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
  const layer = Buffer.from(`layer of ${seed}`);
  for (const blob of [config, layer]) {
    const r = await http(base, 'POST', `/v2/${repo}/blobs/uploads/?digest=${dig(blob)}`, { headers: { ...auth, 'content-type': 'application/octet-stream' }, body: blob.toString('latin1') });
    if (r.status !== 201) return { ok: false, status: r.status, text: r.text, headers: r.headers };
  }
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: dig(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: dig(layer), size: layer.length }],
  }));
  const r = await http(base, 'PUT', `/v2/${repo}/manifests/${tag}`, { headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest.toString('utf8') });
  if (r.status !== 201) return { ok: false, status: r.status, text: r.text, headers: r.headers };
  return { ok: true, digest: dig(manifest), size: manifest.length + config.length + layer.length };
}
