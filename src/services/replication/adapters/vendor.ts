// What the cloud adapters (docker-hub, azure-acr, ali-acr) share to talk to a vendor's own API
// beside the registry: one request function that sorts failures into UpstreamError kinds, and a
// reader that takes a vendor's JSON reply defensively. A vendor reply is untrusted input: it is read
// up to a bound, refused when nested too deep or when it carries prototype keys, and every field is
// checked for its type before use. Error messages name the call and at most the vendor's error code,
// never a request's credential or signature.
import type { IncomingHttpHeaders } from 'node:http';
import { jsonTooDeep } from '../../../core/json.js';
import { OutboundClient, outboundFailure, type OutboundResponse } from '../../outbound.js';
import { UpstreamError, type UpstreamEndpoint } from '../../upstream.js';

/** No vendor reply the adapters read (a page of repositories or tags, a token) comes near this. */
export const MAX_VENDOR_REPLY_BYTES = 4 * 1024 * 1024;
/** Pages followed in one listing; a vendor that keeps saying "more" is cut off with an error. */
export const MAX_PAGES = 1000;
export const VENDOR_TIMEOUT_MS = 30_000;

export type Json = Record<string, unknown>;

/** The connection pool for a vendor API (its connections are made at first use: adapterinfos builds adapters that never call). */
export function vendorClient(e: Pick<UpstreamEndpoint, 'insecure' | 'ca'>, timeoutMs = VENDOR_TIMEOUT_MS): OutboundClient {
  return new OutboundClient({ rejectUnauthorized: !e.insecure, ...(e.ca ? { ca: e.ca } : {}), headersTimeoutMs: timeoutMs });
}

export interface VendorReply { status: number; headers: IncomingHttpHeaders; body: unknown }

/**
 * One request to a vendor API; the reply's JSON body (or undefined when empty) whatever the status.
 * `what` names the call in errors ("Docker Hub login").
 */
export async function vendorCall(
  client: OutboundClient, what: string, method: string, url: string, headers: Record<string, string>, body?: string,
): Promise<VendorReply> {
  let res: OutboundResponse;
  try {
    res = await client.request(url, { method, headers: { 'user-agent': 'harborctl-replication', ...headers }, ...(body !== undefined ? { body } : {}) });
  } catch (e) {
    const f = outboundFailure(e);
    const host = safeHost(url);
    if (f.timeout) throw new UpstreamError('timeout', `${what}: ${host} did not answer in time`);
    throw new UpstreamError('unreachable', `${what}: cannot reach ${host}: ${f.why}`);
  }
  return { status: res.statusCode, headers: res.headers, body: await readJson(res, what) };
}

/** Throws the UpstreamError for a non-2xx vendor reply; `code` is the vendor's error code when it gave one. */
export function vendorFailure(what: string, status: number, code?: unknown): UpstreamError {
  const c = typeof code === 'string' && /^[\w.:-]{1,80}$/.test(code) ? ` (${code})` : '';
  if (status === 401 || status === 403) return new UpstreamError('auth', `${what} refused the credential: ${status}${c}`, status);
  if (status === 404) return new UpstreamError('not-found', `${what}: not found (404${c})`, status);
  if (status === 429) return new UpstreamError('rate-limited', `${what}: rate-limited (429${c})`, status);
  if (status >= 500) return new UpstreamError('server-error', `${what}: the service failed (${status}${c})`, status);
  return new UpstreamError('protocol', `${what}: the service answered ${status}${c}`, status);
}

async function readJson(res: OutboundResponse, what: string): Promise<unknown> {
  const text = await res.text(MAX_VENDOR_REPLY_BYTES, () => new UpstreamError('protocol', `${what}: the reply is larger than ${MAX_VENDOR_REPLY_BYTES} bytes`));
  if (text.trim() === '') return undefined;
  return parseVendorJson(text, what);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse that refuses deep nesting and prototype keys (a reply never needs them). */
export function parseVendorJson(text: string, what: string): unknown {
  if (jsonTooDeep(text)) throw new UpstreamError('protocol', `${what}: the reply nests too deep`);
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKey(key);
      return value;
    }) as unknown;
  } catch (e) {
    if (e instanceof ForbiddenKey) throw new UpstreamError('protocol', `${what}: the reply carries the key ${JSON.stringify(e.key)}`);
    throw new UpstreamError('protocol', `${what}: the reply is not JSON`);
  }
}

class ForbiddenKey extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

// ---- typed field access: each throws a 'protocol' error naming the call and the field

export function obj(v: unknown, what: string, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(what, field, 'an object');
  return v as Json;
}

export function arr(v: unknown, what: string, field: string): unknown[] {
  if (!Array.isArray(v)) throw bad(what, field, 'a list');
  return v;
}

export function str(v: unknown, what: string, field: string): string {
  if (typeof v !== 'string') throw bad(what, field, 'a string');
  return v;
}

/** A count: a non-negative safe integer, given as a number or (Alibaba's RPC replies) a decimal string. */
export function count(v: unknown, what: string, field: string): number {
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw bad(what, field, 'a non-negative integer');
  return n;
}

/** A repository path component as the vendors name them (lowercase letters, digits, separators). */
export function name(v: unknown, what: string, field: string): string {
  const s = str(v, what, field);
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(s) || s.length > 255) throw bad(what, field, 'a repository name component');
  return s;
}

/** A full repository name (`a/b/c`), each component checked. */
export function repositoryName(v: unknown, what: string, field: string): string {
  const s = str(v, what, field);
  if (s.length > 255) throw bad(what, field, 'a repository name');
  for (const part of s.split('/')) name(part, what, field);
  return s;
}

/** A tag as the distribution spec allows it. */
export function tag(v: unknown, what: string, field: string): string {
  const s = str(v, what, field);
  if (!/^[\w][\w.-]{0,127}$/.test(s)) throw bad(what, field, 'a tag');
  return s;
}

function bad(what: string, field: string, expected: string): UpstreamError {
  return new UpstreamError('protocol', `${what}: the reply's ${field} is not ${expected}`);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the service';
  }
}

/** The namespace of `namespace/name` (the part before the first slash); refuses a name without one. */
export function namespaceOf(repository: string, vendor: string): string {
  const i = repository.indexOf('/');
  if (i <= 0) throw new UpstreamError('protocol', `${vendor} keeps repositories as namespace/name; ${JSON.stringify(repository.slice(0, 255))} has no namespace`);
  return repository.slice(0, i);
}
