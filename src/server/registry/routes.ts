// /v2/ routes: the OCI distribution-spec v1.1 endpoints, one small handler each. The path is matched
// from its end because a repository name may itself contain `blobs`, `manifests` or `tags`.
import { pipeline } from 'node:stream/promises';
import { HarborError } from '../../core/errors.js';
import { parseDigest } from '../../oci/digest.js';
import { parsePageSize, type ChunkInfo, type RegistryService, type ResolvedRepository } from '../../services/registry.js';
import { isSendable, type ByteRange } from '../../storage/blobs/types.js';
import { sendEmpty, sendJson, type RequestContext } from '../context.js';

export const ROUTE = /^\/v2\/(.+?)\/(?:blobs\/uploads\/?([^/]*)|(blobs|manifests|referrers)\/([^/]+)|tags\/list)$/;

type Route = (ctx: RequestContext, svc: RegistryService, repo: ResolvedRepository, arg: string) => Promise<void>;

function methodNotAllowed(ctx: RequestContext): never {
  throw new HarborError('UNSUPPORTED', `${ctx.method} is not supported on this endpoint`, { status: 405 });
}

/** Dispatches a request whose path starts with /v2. */
export async function handleRegistry(ctx: RequestContext, svc: RegistryService): Promise<void> {
  // (The server has set Docker-Distribution-API-Version before the auth check, for its 401s too.)
  const { path, method } = ctx;
  if (path === '/v2/' || path === '/v2') {
    if (method !== 'GET' && method !== 'HEAD') methodNotAllowed(ctx);
    return sendJson(ctx, 200, {});
  }
  if (path === '/v2/_catalog') {
    if (method !== 'GET') methodNotAllowed(ctx);
    return catalog(ctx, svc);
  }
  const m = ROUTE.exec(path);
  if (!m) throw new HarborError('NOT_FOUND', 'no such endpoint', { status: 404 });
  const [, name, upload, kind, arg] = m;
  const repo = await svc.resolveRepository(name, ctx.project);
  if (repo.project.registryId !== null) {
    const to = await svc.redirectFor(repo);
    if (to !== null) return sendEmpty(ctx, 301, { Location: `/v2/${to}${path.slice(`/v2/${name}`.length)}${ctx.query.size ? `?${ctx.query.toString()}` : ''}` });
  }
  const table = upload !== undefined ? (upload === '' ? TABLES.uploads : TABLES.upload) : TABLES[(kind ?? 'tags') as keyof typeof TABLES];
  const route = Object.hasOwn(table, method) ? table[method] : methodNotAllowed(ctx);
  return route(ctx, svc, repo, upload ?? arg);
}

// ---- blobs

/** Parses a single `bytes=` range against a size; null means "serve the whole blob". */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // not a form we know: RFC 9110 says ignore it
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw rangeNotSatisfiable(size);
    if (size === 0) return null; // RFC 9110 §14.1.1: satisfiable, but no 206 can express it: serve the empty whole
    start = Math.max(size - suffix, 0);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start > end || start >= size) throw rangeNotSatisfiable(size);
  }
  return { start, end };
}

function rangeNotSatisfiable(size: number): HarborError {
  return new HarborError('RANGE_INVALID', 'requested range not satisfiable', { headers: { 'Content-Range': `bytes */${size}` } });
}

const getBlob: Route = async (ctx, svc, repo, digest) => {
  const { size, range, stream, redirect } = await svc.readBlob(repo, digest, (n) => parseRange(ctx.req.headers.range, n), ctx.method === 'HEAD');
  if (redirect) {
    // Distribution's answer for a storage driver that redirects: 307 (method and Range kept).
    ctx.res.writeHead(307, { Location: redirect, 'Docker-Content-Digest': digest, 'Content-Length': 0 });
    ctx.res.end();
    return;
  }
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    ETag: `"${digest}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000',
  };
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  headers['Content-Length'] = range ? range.end - range.start + 1 : size;
  const status = range ? 206 : 200;
  ctx.res.writeHead(status, headers);
  if (!stream) {
    ctx.res.end();
    return;
  }
  const sent = isSendable(stream) ? stream.sendTo(ctx.res) : pipeline(stream, ctx.res);
  await sent.catch((e: NodeJS.ErrnoException) => {
    // A client that goes away mid-download is not a server error.
    if (e.code !== 'ERR_STREAM_PREMATURE_CLOSE' && e.code !== 'ECONNRESET' && e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
};

const deleteBlob: Route = async (ctx, svc, repo, digest) => {
  await svc.deleteBlob(repo, digest);
  sendEmpty(ctx, 202, { 'Docker-Content-Digest': digest });
};

// ---- uploads

function uploadHeaders(repo: ResolvedRepository, id: string, size: number): Record<string, string> {
  // distribution answers `0-0` for an empty upload as well; clients rely on the form, not the value.
  return {
    Location: `/v2/${repo.name}/blobs/uploads/${id}`,
    Range: `0-${Math.max(size - 1, 0)}`,
    'Docker-Upload-UUID': id,
  };
}

function blobCreated(ctx: RequestContext, repo: ResolvedRepository, digest: string): void {
  sendEmpty(ctx, 201, { Location: `/v2/${repo.name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

function contentLength(ctx: RequestContext): number | undefined {
  const v = ctx.req.headers['content-length'];
  return v === undefined ? undefined : Number(v);
}

/** True when the request carries a body (a non-zero Content-Length or chunked encoding). */
function hasBody(ctx: RequestContext): boolean {
  const len = contentLength(ctx);
  return len !== undefined ? len > 0 : ctx.req.headers['transfer-encoding'] !== undefined;
}

/** Reads Content-Range (`start-end`, inclusive) and Content-Length into what the chunk promises. */
export function chunkInfo(contentRange: string | undefined, contentLen: number | undefined): ChunkInfo {
  if (contentRange === undefined) return { length: contentLen };
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(contentRange.trim());
  if (!m) throw new HarborError('BLOB_UPLOAD_INVALID', `malformed Content-Range ${JSON.stringify(contentRange.slice(0, 100))}: expected <start>-<end>`);
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) throw new HarborError('RANGE_INVALID', `Content-Range ${contentRange} ends before it starts`);
  const length = end - start + 1;
  if (contentLen !== undefined && contentLen !== length) {
    throw new HarborError('SIZE_INVALID', `Content-Range says ${length} bytes but Content-Length is ${contentLen}`);
  }
  return { start, length };
}

const startUpload: Route = async (ctx, svc, repo) => {
  const mount = ctx.query.get('mount');
  const digest = ctx.query.get('digest');
  if (mount !== null) {
    // A mount needs pull on the source (Harbor's v2 token check); without it, a plain upload (202).
    const from = ctx.query.get('from') ?? undefined;
    const allowed = from !== undefined && (ctx.mayPull === undefined || (await ctx.mayPull(from)));
    if (allowed && (await svc.mountBlob(repo, mount, from))) return blobCreated(ctx, repo, mount);
  } else if (digest !== null) {
    const d = parseDigest(digest, 'digest parameter').digest;
    await svc.uploadMonolithic(repo, d, ctx.req, chunkInfo(undefined, contentLength(ctx)));
    return blobCreated(ctx, repo, d);
  }
  const id = await svc.startUpload(repo);
  sendEmpty(ctx, 202, uploadHeaders(repo, id, 0));
};

const uploadStatus: Route = async (ctx, svc, repo, id) => {
  const size = await svc.uploadStatus(repo, id);
  sendEmpty(ctx, 204, uploadHeaders(repo, id, size));
};

const patchUpload: Route = async (ctx, svc, repo, id) => {
  const chunk = chunkInfo(ctx.req.headers['content-range'], contentLength(ctx));
  const size = await svc.appendUpload(repo, id, ctx.req, chunk);
  sendEmpty(ctx, 202, uploadHeaders(repo, id, size));
};

const putUpload: Route = async (ctx, svc, repo, id) => {
  const digest = ctx.query.get('digest') ?? undefined;
  const body = hasBody(ctx) ? ctx.req : null;
  const chunk = body ? chunkInfo(ctx.req.headers['content-range'], contentLength(ctx)) : {};
  await svc.completeUpload(repo, id, digest, body, chunk);
  blobCreated(ctx, repo, digest!);
};

const cancelUpload: Route = async (ctx, svc, repo, id) => {
  await svc.cancelUpload(repo, id);
  sendEmpty(ctx, 204);
};

// ---- manifests

const getManifest: Route = async (ctx, svc, repo, reference) => {
  const m = await svc.getManifest(repo, reference);
  // Harbor checks content trust on GET only (HEAD tells nothing of the content).
  if (ctx.method === 'GET') {
    await svc.checkPullPolicy(repo, m, async () => /cosign|notation/.test(String(ctx.req.headers['user-agent'] ?? '')) && (await ctx.mayPush?.(repo.name)) === true, ctx.username ?? '');
  }
  ctx.res.writeHead(200, {
    'Content-Type': m.mediaType,
    'Content-Length': m.size,
    'Docker-Content-Digest': m.digest,
    ETag: `"${m.digest}"`,
  });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : m.content);
  if (ctx.method === 'GET') ctx.audit?.('pull', repo, reference, m.digest); // Harbor counts GETs only, not HEADs
};

const putManifest: Route = async (ctx, svc, repo, reference) => {
  const body = await svc.readManifestBody(ctx.req, contentLength(ctx));
  const { digest, subject } = await svc.putManifest(repo, reference, ctx.req.headers['content-type'], body);
  const headers: Record<string, string> = { Location: `/v2/${repo.name}/manifests/${digest}`, 'Docker-Content-Digest': digest };
  if (subject) headers['OCI-Subject'] = subject;
  sendEmpty(ctx, 201, headers);
  ctx.audit?.('create', repo, reference, digest);
};

const deleteManifest: Route = async (ctx, svc, repo, reference) => {
  await svc.deleteManifest(repo, reference);
  sendEmpty(ctx, 202);
  ctx.audit?.('delete', repo, reference, reference.includes(':') ? reference : '');
};

// ---- listings

function nextLink(path: string, n: number | undefined, last: string): string {
  const q = new URLSearchParams();
  if (n !== undefined) q.set('n', String(n));
  q.set('last', last);
  return `<${path}?${q.toString()}>; rel="next"`;
}

const tagsList: Route = async (ctx, svc, repo) => {
  const n = parsePageSize(ctx.query.get('n'));
  const { tags, next } = await svc.listTags(repo, { n, last: ctx.query.get('last') ?? undefined });
  const headers: Record<string, string> = next ? { Link: nextLink(`/v2/${repo.name}/tags/list`, n, next) } : {};
  sendJson(ctx, 200, { name: repo.name, tags }, headers);
};

async function catalog(ctx: RequestContext, svc: RegistryService): Promise<void> {
  const n = parsePageSize(ctx.query.get('n'));
  const { repositories, next } = await svc.catalog({ n, last: ctx.query.get('last') ?? undefined });
  const headers: Record<string, string> = next ? { Link: nextLink('/v2/_catalog', n, next) } : {};
  sendJson(ctx, 200, { repositories }, headers);
}

const referrers: Route = async (ctx, svc, repo, digest) => {
  const artifactType = ctx.query.get('artifactType') ?? undefined;
  const index = await svc.referrers(repo, digest, artifactType);
  const headers: Record<string, string> = artifactType !== undefined ? { 'OCI-Filters-Applied': 'artifactType' } : {};
  sendJson(ctx, 200, index, headers, index.mediaType);
};

/** Method → handler per kind of endpoint (made once, not per request). */
const TABLES: Record<'uploads' | 'upload' | 'blobs' | 'manifests' | 'referrers' | 'tags', Record<string, Route>> = {
  uploads: { POST: startUpload },
  upload: { GET: uploadStatus, PATCH: patchUpload, PUT: putUpload, DELETE: cancelUpload },
  blobs: { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob },
  manifests: { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest },
  referrers: { GET: referrers },
  tags: { GET: tagsList },
};
