// The one place a thrown error becomes an HTTP response: the {"errors":[...]} envelope that the
// distribution spec and Harbor's API share. Anything that is not a HarborError is a 500 whose
// details go to the log, never to the client.
import { HarborError, isHarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { RequestContext } from './context.js';

/** When each server's logger last said the disk is full: once a minute, not once per refused push. */
const fullDiskLogged = new WeakMap<Logger, number>();
const FULL_DISK_LOG_EVERY_MS = 60_000;

/** A write refused for space: the filesystem's (ENOSPC, EDQUOT) or SQLite's (SQLITE_FULL). */
function isOutOfSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

export function writeError(ctx: RequestContext, err: unknown, log: Logger): void {
  const { res } = ctx;
  let e: HarborError;
  if (isHarborError(err)) {
    e = err;
  } else if (isOutOfSpace(err)) {
    const now = Date.now();
    if (now - (fullDiskLogged.get(log) ?? -Infinity) >= FULL_DISK_LOG_EVERY_MS) {
      fullDiskLogged.set(log, now);
      log.error('the registry is out of storage space: writes are refused with 507 until space is freed', { error: err instanceof Error ? err.message : String(err) });
    }
    e = new HarborError('INSUFFICIENT_STORAGE', 'the registry is out of storage space; try again once space is freed');
  } else {
    log.error('request failed', { requestId: ctx.requestId, method: ctx.method, path: ctx.path, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    e = new HarborError('INTERNAL_SERVER_ERROR', 'internal server error', { detail: { requestId: ctx.requestId } });
  }
  if (res.headersSent) {
    // The status is already on the wire: the only honest thing left is to cut the connection.
    res.destroy();
    return;
  }
  // OCI bodies carry `detail`; Harbor's API envelope has only code and message.
  const item = ctx.family === 'api' ? { code: e.code, message: e.message } : { code: e.code, message: e.message, detail: e.detail ?? {} };
  const data = Buffer.from(JSON.stringify({ errors: [item] }));
  res.writeHead(e.status, { ...e.headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': data.length });
  res.end(ctx.method === 'HEAD' ? undefined : data);
}
