// Validates our /api/v2.0 responses against Harbor's swagger: the operation is found by method and
// path template, the status must be one the operation declares, and a JSON body must match the
// declared schema. Swagger 2.0 `$ref`s (`#/definitions/X`) are kept as they are by compiling every
// schema inside one document that holds the definitions.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * Harbor's swagger is the contract (DESIGN.md). It is not vendored here: it lives in the shared
 * reference beside the checkout, as on every machine of this project and in CI; elsewhere point
 * HARBOR_SWAGGER at a copy of goharbor/harbor's api/v2.0/swagger.yaml.
 */
export const SWAGGER_PATH = process.env.HARBOR_SWAGGER ?? join(ROOT, '..', 'shared', 'reference', 'harbor-api-v2.0-swagger.yaml');
/**
 * Whether the swagger checks run. In a fresh clone with nothing beside it they are skipped (the
 * global setup prints one line saying so); `HARBOR_SWAGGER_REQUIRED=1` (.ci/run) makes a missing copy fail.
 */
export const SWAGGER_AVAILABLE = existsSync(SWAGGER_PATH);
export const SWAGGER_SKIP_LINE = `Harbor's swagger is not at ${SWAGGER_PATH}: the swagger checks are skipped (set HARBOR_SWAGGER to a copy of goharbor/harbor's api/v2.0/swagger.yaml to run them; .ci/run does)`;

interface Operation {
  operationId: string;
  responses: Record<string, { schema?: unknown; $ref?: string }>;
}
interface Swagger {
  basePath: string;
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, unknown>;
  responses: Record<string, { schema?: unknown }>;
}

let loaded: { doc: Swagger; ajv: Ajv; cache: Map<string, ValidateFunction> } | undefined;

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  let text: string;
  try {
    text = readFileSync(SWAGGER_PATH, 'utf8');
  } catch {
    throw new Error(`Harbor's swagger is not at ${SWAGGER_PATH}: set HARBOR_SWAGGER to a copy of goharbor/harbor's api/v2.0/swagger.yaml`);
  }
  const doc = parse(text) as Swagger;
  // One known misstatement of the swagger: a rule's params map values are numbers on Harbor's wire
  // ({"latestPushedK": 10}, what its UI sends and its go-swagger map[string]interface{} passes
  // through), not objects.
  for (const d of ['RetentionRule', 'ImmutableRule']) {
    const params = (doc.definitions[d] as { properties?: { params?: { additionalProperties?: unknown } } } | undefined)?.properties?.params;
    if (params) params.additionalProperties = {};
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  // Swagger's int32/int64 formats and x- keywords are not JSON Schema: teach ajv the formats, ignore the rest.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('int', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addSchema({ $id: 'harbor', definitions: doc.definitions });
  loaded = { doc, ajv, cache: new Map() };
  return loaded;
}

/** Rewrites `#/definitions/X` to the registered document's `harbor#/definitions/X`. */
function rewrite(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewrite);
  if (schema && typeof schema === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) out[k] = `harbor${v}`;
      else out[k] = rewrite(v);
    }
    return out;
  }
  return schema;
}

/** The swagger path template matching a concrete path below the base path (`{x}` matches one segment). */
export function findOperation(method: string, path: string): { template: string; op: Operation } | null {
  const { doc } = load();
  const parts = path.split('?')[0].split('/').filter(Boolean);
  let best: { template: string; op: Operation; literals: number } | null = null;
  for (const [template, ops] of Object.entries(doc.paths)) {
    const t = template.split('/').filter(Boolean);
    if (t.length !== parts.length) continue;
    let literals = 0;
    if (!t.every((seg, i) => (seg.startsWith('{') ? true : seg === parts[i] && ++literals > 0))) continue;
    const op = ops[method.toLowerCase()];
    if (op && (!best || literals > best.literals)) best = { template, op, literals };
  }
  return best && { template: best.template, op: best.op };
}

export const seenOperations = new Set<string>();

/**
 * Throws when the response does not fit the operation's declared responses. Returns the operationId
 * ('' when the swagger is absent and the check is skipped).
 */
export function validateResponse(method: string, path: string, status: number, body: unknown): string {
  if (!SWAGGER_AVAILABLE) return '';
  const { doc, ajv, cache } = load();
  const found = findOperation(method, path);
  if (!found) throw new Error(`no swagger operation for ${method} ${path}`);
  const { op, template } = found;
  // Harbor answers errors the operation does not list (a bad q= is a 400, go-swagger's parameter
  // validation a 422) in the common Errors envelope: check those against that.
  const decl = op.responses[String(status)] ?? (status >= 400 ? { schema: { $ref: '#/definitions/Errors' } } : undefined);
  if (!decl) throw new Error(`${op.operationId} (${method} ${template}) does not declare status ${status}; declared: ${Object.keys(op.responses).join(', ')}`);
  seenOperations.add(op.operationId);
  let schema = decl.schema;
  if (decl.$ref) schema = doc.responses[decl.$ref.split('/').pop()!]?.schema;
  if (!schema || method === 'HEAD') return op.operationId; // a HEAD answer has no body to check
  const key = `${op.operationId} ${status}`;
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(rewrite(schema) as object);
    cache.set(key, validate);
  }
  if (!validate(body)) {
    throw new Error(`${op.operationId} ${status} response does not match the swagger schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 1000)}`);
  }
  return op.operationId;
}
