// What every route handler receives: the raw request and response, the parsed path and query,
// and the request id. Handlers throw HarborError; the server writes the envelope.
import type { AuditOperation } from '../services/audit.js';
import type { ResolvedRepository } from '../services/registry.js';
import type { Project } from '../storage/meta/index.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The decoded path, exactly as sent (never normalized: `..` must reach the name check). */
  path: string;
  query: URLSearchParams;
  requestId: string;
  /** The matched route's template (/api/v2.0) or name, for /metrics' operation label; never a raw path. */
  route?: string;
  /** Set by the route so the error writer knows which envelope family it answers. */
  family: 'registry' | 'api' | 'other';
  /** Set by the registry's auth check: may the caller pull from this repository (the source of a mount)? */
  mayPull?: (repository: string) => Promise<boolean>;
  /** Likewise push (signing tools that may push pull unsigned images past content trust). */
  mayPush?: (repository: string) => Promise<boolean>;
  /** The project of the route's repository when the auth check has read it already (one lookup per request). */
  project?: Project;
  /** Who the registry's auth check let in, as the audit log names them (`robot$x`; '' for anonymous). */
  username?: string;
  /** Notes an artifact operation in the audit log and for webhooks (set by the server for /v2 requests). */
  audit?: (this: RequestContext, operation: AuditOperation, repo: ResolvedRepository, reference: string, digest: string) => void;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

/** Sends a JSON body with an exact Content-Length. */
export function sendJson(ctx: RequestContext, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json; charset=utf-8'): void {
  const data = Buffer.from(JSON.stringify(body));
  ctx.res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': data.length });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : data);
}

export function sendEmpty(ctx: RequestContext, status: number, headers: Record<string, string | number> = {}): void {
  ctx.res.writeHead(status, { ...headers, 'Content-Length': 0 });
  ctx.res.end();
}
