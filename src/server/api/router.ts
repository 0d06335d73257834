// A small router for /api/v2.0: a flat table of (method, path template) → handler, as Harbor's
// swagger names them. Path segments are matched on the raw request path and each is decoded once;
// a `{repository_name}` is decoded a second time, since Harbor clients encode it twice (a%252Fb).
import { HarborError } from '../../core/errors.js';
import { assertJsonDepth } from '../../core/json.js';
import type { Principal } from '../../services/rbac.js';
import type { RequestContext } from '../context.js';
import type { ApiServices } from './services.js';

export const API_PREFIX = '/api/v2.0';
const MAX_BODY = 1024 * 1024;

export interface ApiContext {
  http: RequestContext;
  principal: Principal;
  params: Record<string, string>;
  svc: ApiServices;
}

export type ApiHandler = (c: ApiContext) => Promise<void>;

/** `extension`: an endpoint of ours that Harbor does not have (we add endpoints, never change Harbor's). */
interface Route { method: string; template: string; segments: string[]; handler: ApiHandler; extension: boolean }

export class ApiRouter {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: ApiHandler): this {
    this.routes.push({ method, template, segments: template.split('/').filter(Boolean), handler, extension: false });
    return this;
  }

  /** An endpoint beyond Harbor's swagger (kept out of list(), which the tests hold against it). */
  addExtension(method: string, template: string, handler: ApiHandler): this {
    this.routes.push({ method, template, segments: template.split('/').filter(Boolean), handler, extension: true });
    return this;
  }

  /** Every Harbor (method, template) in the table, for the tests that hold it against the swagger. */
  list(): { method: string; template: string }[] {
    return this.routes.filter((r) => !r.extension).map((r) => ({ method: r.method, template: `/${r.segments.join('/')}` }));
  }

  /** Our own endpoints, documented in README. */
  extensions(): { method: string; template: string }[] {
    return this.routes.filter((r) => r.extension).map((r) => ({ method: r.method, template: `/${r.segments.join('/')}` }));
  }

  /** The handler, path parameters and template for a raw path below /api/v2.0; METHOD_NOT_ALLOWED / NOT_FOUND otherwise. */
  match(method: string, rawPath: string): { handler: ApiHandler; params: Record<string, string>; template: string } {
    const parts = rawPath.split('/').filter(Boolean); // `/metadatas/` and `/metadatas` are one resource
    let pathMatched = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (r.method === method) return { handler: r.handler, params, template: r.template };
    }
    if (pathMatched) throw new HarborError('METHOD_NOT_ALLOWED', `${method} is not allowed on this resource`);
    throw new HarborError('NOT_FOUND', 'no such API endpoint');
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HarborError('BAD_REQUEST', 'malformed percent-encoding in path');
  }
}

function matchSegments(template: string[], parts: string[]): Record<string, string> | null {
  if (template.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t.startsWith('{')) {
      const name = t.slice(1, -1);
      let v = decode(parts[i]);
      if (name === 'repository_name') v = decode(v);
      params[name] = v;
    } else if (t !== parts[i]) {
      return null;
    }
  }
  return params;
}

/** Reads a request body as UTF-8 text; PAYLOAD_TOO_LARGE past `max` bytes. */
export async function readText(ctx: RequestContext, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new HarborError('PAYLOAD_TOO_LARGE', `the request body exceeds ${max} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a JSON request body (at most 1 MiB); BAD_REQUEST when it is missing (unless optional) or not JSON. */
export async function readJson(ctx: RequestContext, optional = false): Promise<unknown> {
  const text = await readText(ctx, MAX_BODY);
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new HarborError('BAD_REQUEST', 'a JSON request body is required');
  }
  assertJsonDepth(text, 'BAD_REQUEST', 'the request body');
  try {
    return JSON.parse(text);
  } catch {
    throw new HarborError('BAD_REQUEST', 'the request body is not valid JSON');
  }
}

/** A JSON object body, else BAD_REQUEST. */
export async function readObject(ctx: RequestContext, opts: { optional?: boolean } = {}): Promise<Record<string, unknown>> {
  const v = (await readJson(ctx, opts.optional)) ?? {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HarborError('BAD_REQUEST', 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}

export function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HarborError('BAD_REQUEST', `${key} must be a string`);
  return v;
}

/** A nested JSON object, else BAD_REQUEST; undefined when absent or null. */
export function optObject(o: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new HarborError('BAD_REQUEST', `${key} must be an object`);
  return v as Record<string, unknown>;
}

export function optBoolean(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new HarborError('BAD_REQUEST', `${key} must be a boolean`);
  return v;
}

export function optInteger(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new HarborError('BAD_REQUEST', `${key} must be an integer`);
  return v;
}

/** A path id such as {user_id} or {mid}: a positive integer, else BAD_REQUEST. */
export function idParam(c: ApiContext, name: string): number {
  const v = c.params[name];
  if (!/^[0-9]{1,15}$/.test(v) || Number(v) < 1) throw new HarborError('BAD_REQUEST', `${name} must be a positive integer`);
  return Number(v);
}

/** The X-Is-Resource-Name header as a boolean. */
export function isResourceName(c: ApiContext): boolean {
  return String(c.http.req.headers['x-is-resource-name'] ?? '').toLowerCase() === 'true';
}
