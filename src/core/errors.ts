// One table of every error the project raises: its wire code, the HTTP status the server answers
// with, and the exit code the CLI ends with. The server's error middleware and cli/main.ts are the
// only readers. OCI codes follow distribution-spec §"Error Codes"; Harbor's API uses the same
// {"errors":[{code,message,detail}]} envelope with its own codes.

export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  needsInput: 4,
  auth: 5,
  /** The project's storage quota would be exceeded (Harbor's 403 "Quota exceeded ..."). */
  quota: 6,
  interrupted: 130,
} as const;

interface CodeInfo { status: number; exit: number; message: string }

export const ERROR_CODES = {
  // OCI distribution-spec v1.1
  BLOB_UNKNOWN: { status: 404, exit: ExitCode.notFound, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, exit: ExitCode.error, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, exit: ExitCode.notFound, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, exit: ExitCode.error, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, exit: ExitCode.notFound, message: 'manifest references a manifest or blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, exit: ExitCode.error, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, exit: ExitCode.notFound, message: 'manifest unknown to registry' },
  NAME_INVALID: { status: 400, exit: ExitCode.usage, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, exit: ExitCode.notFound, message: 'repository name not known to registry' },
  SIZE_INVALID: { status: 400, exit: ExitCode.error, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, exit: ExitCode.usage, message: 'manifest tag did not match URI' },
  RANGE_INVALID: { status: 416, exit: ExitCode.error, message: 'requested range not satisfiable' },
  UNAUTHORIZED: { status: 401, exit: ExitCode.auth, message: 'authentication required' },
  DENIED: { status: 403, exit: ExitCode.auth, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, exit: ExitCode.error, message: 'the operation is unsupported' },
  TOOMANYREQUESTS: { status: 429, exit: ExitCode.error, message: 'too many requests' },
  PAGINATION_NUMBER_INVALID: { status: 400, exit: ExitCode.usage, message: 'invalid number of results requested' },
  // Harbor /api/v2.0
  BAD_REQUEST: { status: 400, exit: ExitCode.usage, message: 'bad request' },
  NOT_FOUND: { status: 404, exit: ExitCode.notFound, message: 'not found' },
  CONFLICT: { status: 409, exit: ExitCode.error, message: 'conflict' },
  FORBIDDEN: { status: 403, exit: ExitCode.auth, message: 'forbidden' },
  METHOD_NOT_ALLOWED: { status: 405, exit: ExitCode.error, message: 'method not allowed' },
  PRECONDITION: { status: 412, exit: ExitCode.error, message: 'precondition failed' },
  UNPROCESSABLE_ENTITY: { status: 422, exit: ExitCode.usage, message: 'unprocessable entity' },
  PAYLOAD_TOO_LARGE: { status: 413, exit: ExitCode.error, message: 'payload too large' },
  REQUEST_ENTITY_TOO_LARGE: { status: 413, exit: ExitCode.error, message: 'request entity too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: ExitCode.error, message: 'unsupported media type' },
  INTERNAL_SERVER_ERROR: { status: 500, exit: ExitCode.error, message: 'internal server error' },
  // Neither Distribution nor Harbor has a code for it (both answer 500): 507 tells clients it is the server's disk.
  INSUFFICIENT_STORAGE: { status: 507, exit: ExitCode.error, message: 'the registry is out of storage space' },
  // CLI only
  USAGE: { status: 400, exit: ExitCode.usage, message: 'usage error' },
  NEEDS_INPUT: { status: 400, exit: ExitCode.needsInput, message: 'input required' },
  INTERRUPTED: { status: 499, exit: ExitCode.interrupted, message: 'interrupted' },
  UNREACHABLE: { status: 502, exit: ExitCode.error, message: 'server unreachable' },
  UPSTREAM_ERROR: { status: 502, exit: ExitCode.error, message: 'the proxy cache\'s upstream registry failed and nothing is cached' },
  MIRROR_CHECK_FAILED: { status: 422, exit: ExitCode.error, message: 'the containerd mirror configuration has problems' },
  REGISTRY_UNHEALTHY: { status: 400, exit: ExitCode.error, message: 'the registry is unhealthy' },
  QUOTA_DRIFT: { status: 500, exit: ExitCode.error, message: 'quota usage differs from a recount' },
  SBOM_FAILED: { status: 500, exit: ExitCode.error, message: 'SBOM generation failed' },
  SCAN_FAILED: { status: 500, exit: ExitCode.error, message: 'the vulnerability scan failed' },
  QUOTA_EXCEEDED: { status: 403, exit: ExitCode.quota, message: 'the project\'s storage quota would be exceeded' },
  TIMEOUT: { status: 504, exit: ExitCode.error, message: 'timed out' },
  // Harbor's refusal of a pull its project's policy forbids (enable_content_trust_cosign: an unsigned image).
  PROJECTPOLICYVIOLATION: { status: 412, exit: ExitCode.error, message: 'the project\'s policy forbids this' },
  // harborctl migrate: a target that holds data (without --force), a source a running serve uses,
  // and a copy whose verification found a difference.
  TARGET_NOT_EMPTY: { status: 409, exit: ExitCode.error, message: 'the migration target is not empty' },
  SOURCE_IN_USE: { status: 409, exit: ExitCode.error, message: 'the migration source is in use' },
  MIGRATION_MISMATCH: { status: 500, exit: ExitCode.error, message: 'the copy differs from the source' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HarborError extends Error {
  readonly code: ErrorCode;
  readonly detail: unknown;
  /** An explicit status where one code is answered with another (a 413 manifest, a 416 range). */
  readonly status: number;
  /** Extra response headers (the current Range on a 416, WWW-Authenticate on a 401). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, opts: { detail?: unknown; status?: number; headers?: Record<string, string> } = {}) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'HarborError';
    this.code = code;
    this.detail = opts.detail;
    this.status = opts.status ?? ERROR_CODES[code].status;
    this.headers = opts.headers ?? {};
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  toJSON(): { code: string; message: string; detail?: unknown } {
    const body: { code: string; message: string; detail?: unknown } = { code: this.code, message: this.message };
    if (this.detail !== undefined) body.detail = this.detail;
    return body;
  }
}

export function isHarborError(e: unknown): e is HarborError {
  return e instanceof HarborError;
}
