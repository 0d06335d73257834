// Parsing and validation of the manifests a registry stores: OCI image manifest and index
// (image-spec v1.1 manifest.md, image-index.md) and Docker schema 2 manifest and manifest list.
// Pure code: the registry service checks the referenced blobs and children exist.
import { HarborError } from '../core/errors.js';
import { assertJsonDepth } from '../core/json.js';
import { tryParseDigest } from './digest.js';
import { MANIFEST_MEDIA_TYPES, MediaType, isIndexMediaType } from './mediatypes.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
  platform?: Platform;
}

/** image-index.md "platform": every field a string, the two feature lists arrays of strings. */
export interface Platform {
  architecture?: string;
  os?: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

const PLATFORM_STRINGS = ['architecture', 'os', 'os.version', 'variant'] as const;
const PLATFORM_LISTS = ['os.features', 'features'] as const;

export interface ParsedManifest {
  mediaType: string;
  /** The artifact type the referrers API reports: `artifactType`, else the config's media type. */
  artifactType: string | null;
  config: Descriptor | null;
  layers: Descriptor[];
  /** Child manifests of an index. */
  manifests: Descriptor[];
  subject: Descriptor | null;
  annotations: Record<string, string> | null;
  /** Blobs that must already be in the repository (config and layers, except foreign layers with URLs). */
  blobRefs: Descriptor[];
}

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function invalid(message: string, detail?: unknown): HarborError {
  return new HarborError('MANIFEST_INVALID', message, { detail });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * The spec's fields of a platform object, or null when one of them has the wrong type. Unknown
 * fields are dropped (the spec says to ignore them), so what is shown back is always flat.
 */
export function platformOf(v: unknown): Platform | null {
  if (!isPlainObject(v)) return null;
  const out: Platform = {};
  for (const k of PLATFORM_STRINGS) {
    if (!Object.hasOwn(v, k)) continue;
    if (typeof v[k] !== 'string') return null;
    out[k] = v[k];
  }
  for (const k of PLATFORM_LISTS) {
    if (!Object.hasOwn(v, k)) continue;
    if (!isStringArray(v[k])) return null;
    out[k] = [...v[k]];
  }
  return out;
}

function stringMap(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw invalid(`${where}.annotations must be an object of strings`);
  }
  return v as Record<string, string>;
}

export function parseDescriptor(v: unknown, where: string): Descriptor {
  if (!isPlainObject(v)) throw invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size, artifactType, urls, data } = v;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(`${where}.mediaType must be a non-empty string`);
  if (typeof digest !== 'string' || !tryParseDigest(digest)) throw invalid(`${where}.digest is not a valid digest`, { digest });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}.size must be a non-negative integer`);
  if (artifactType !== undefined && typeof artifactType !== 'string') throw invalid(`${where}.artifactType must be a string`);
  if (urls !== undefined && !isStringArray(urls)) throw invalid(`${where}.urls must be an array of strings`);
  if (data !== undefined && typeof data !== 'string') throw invalid(`${where}.data must be a base64 string`);
  const platform = v.platform === undefined ? undefined : platformOf(v.platform);
  if (platform === null) {
    throw invalid(`${where}.platform must be an object whose architecture, os, os.version and variant are strings and os.features and features arrays of strings`);
  }
  const d: Descriptor = { mediaType, digest, size };
  if (artifactType !== undefined) d.artifactType = artifactType as string;
  const annotations = stringMap(v.annotations, where);
  if (annotations) d.annotations = annotations;
  if (urls !== undefined) d.urls = urls;
  if (platform !== undefined) d.platform = platform;
  return d;
}

function descriptorList(v: unknown, where: string): Descriptor[] {
  if (!Array.isArray(v)) throw invalid(`${where} must be an array`);
  return v.map((d, i) => parseDescriptor(d, `${where}[${i}]`));
}

/**
 * Parses a manifest body. `contentType` is the request's Content-Type (may be empty); the body's own
 * `mediaType`, when present, must agree with it.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  const text = body.toString('utf8');
  assertJsonDepth(text, 'MANIFEST_INVALID', 'manifest');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isPlainObject(doc)) throw invalid('manifest must be a JSON object');
  if (doc.schemaVersion !== 2) throw invalid('manifest schemaVersion must be 2', { schemaVersion: doc.schemaVersion ?? null });
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const declared = doc.mediaType;
  if (declared !== undefined && typeof declared !== 'string') throw invalid('manifest mediaType must be a string');
  if (declared && MANIFEST_MEDIA_TYPES.has(ct) && declared !== ct) {
    throw invalid(`manifest mediaType ${declared} does not match Content-Type ${ct}`);
  }
  let mediaType = (declared as string | undefined) ?? (MANIFEST_MEDIA_TYPES.has(ct) ? ct : undefined);
  if (!mediaType) {
    // OCI allows an absent mediaType; infer it from the shape only when the body says nothing else.
    if (Array.isArray(doc.manifests)) mediaType = MediaType.ociIndex;
    else if (doc.config !== undefined) mediaType = MediaType.ociManifest;
    else throw invalid('manifest media type unknown: set Content-Type or mediaType');
  }
  if (!MANIFEST_MEDIA_TYPES.has(mediaType)) throw invalid(`unsupported manifest media type ${mediaType}`);

  const isOci = mediaType === MediaType.ociManifest || mediaType === MediaType.ociIndex;
  if (doc.artifactType !== undefined && (typeof doc.artifactType !== 'string' || !isOci)) {
    throw invalid('artifactType must be a string, on OCI manifests only');
  }
  const subject = doc.subject === undefined ? null : parseDescriptor(doc.subject, 'subject');
  const annotations = stringMap(doc.annotations, 'manifest') ?? null;
  const artifactTypeField = (doc.artifactType as string | undefined) ?? null;

  if (isIndexMediaType(mediaType)) {
    if (doc.config !== undefined || doc.layers !== undefined) throw invalid('an index has manifests, not config or layers');
    const manifests = descriptorList(doc.manifests, 'manifests');
    return { mediaType, artifactType: artifactTypeField, config: null, layers: [], manifests, subject, annotations, blobRefs: [] };
  }
  if (doc.manifests !== undefined) throw invalid('an image manifest has config and layers, not manifests');
  const config = parseDescriptor(doc.config, 'config');
  const layers = doc.layers === undefined && isOci ? [] : descriptorList(doc.layers, 'layers');
  const blobRefs = [config, ...layers.filter((l) => !(l.urls && l.urls.length > 0))];
  return {
    mediaType,
    artifactType: artifactTypeField ?? (isOci ? config.mediaType : null),
    config, layers, manifests: [], subject, annotations, blobRefs,
  };
}
