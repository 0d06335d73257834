// A replication policy's filters and destination naming, as Harbor applies them
// (src/pkg/reg/model/policy.go, src/pkg/reg/filter, src/controller/replication/flow/stage.go):
// - name: a doublestar pattern on the whole repository name (`library/**`);
// - tag: a doublestar pattern on each tag, `matches` (default) or `excludes`; an artifact keeps only
//   the tags that pass, and one without tags is judged on the empty string;
// - label: every label named must be on the artifact (`matches`), or not all of them (`excludes`);
// - resource: `image` (images and indexes of images) or `artifact` (everything).
// The destination namespace replaces leading path components (dest_namespace_replace_count;
// -1 is the legacy mode: it replaces all but the last).
import { HarborError } from '../../core/errors.js';
import { compileGlob } from '../../core/doublestar.js';
import { MediaType } from '../../oci/mediatypes.js';
import type { ReplicationFilter } from '../../storage/meta/index.js';

const MAX_FILTERS = 20;
const MAX_LABELS = 50;

function bad(msg: string): HarborError {
  return new HarborError('BAD_REQUEST', msg);
}

/** Checks Harbor's filter list; the policy keeps what this returns. */
export function parseFilters(v: unknown): ReplicationFilter[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > MAX_FILTERS) throw bad(`filters must be an array of at most ${MAX_FILTERS} filters`);
  const seen = new Set<string>();
  return v.map((f, i) => {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw bad(`filters[${i}] must be an object`);
    const o = f as Record<string, unknown>;
    const type = o.type;
    const decoration = o.decoration === undefined || o.decoration === null || o.decoration === '' ? undefined : o.decoration;
    if (decoration !== undefined && decoration !== 'matches' && decoration !== 'excludes') throw bad(`invalid filter decoration ${JSON.stringify(String(decoration).slice(0, 40))}`);
    if (type !== 'name' && type !== 'tag' && type !== 'label' && type !== 'resource') throw bad('invalid filter type: use name, tag, label or resource');
    if (seen.has(type)) throw bad(`more than one ${type} filter`);
    seen.add(type);
    if (type === 'label') {
      const labels = o.value;
      if (!Array.isArray(labels) || labels.length > MAX_LABELS || !labels.every((l) => typeof l === 'string' && l.length <= 255)) {
        throw bad('the type of label filter value isn\'t string slice');
      }
      return { type, value: labels as string[], ...(decoration ? { decoration: decoration as string } : {}) };
    }
    if (typeof o.value !== 'string') throw bad('the type of filter value isn\'t string');
    if ((type === 'name' || type === 'resource') && decoration !== undefined) throw bad('only tag and label filter support decoration');
    if (type === 'resource' && o.value !== 'image' && o.value !== 'artifact') throw bad(`invalid resource filter: ${o.value.slice(0, 40)}`);
    if (type === 'name' || type === 'tag') compileGlob(o.value);
    return { type, value: o.value, ...(decoration ? { decoration: decoration as string } : {}) };
  });
}

function find(filters: ReplicationFilter[], type: ReplicationFilter['type']): ReplicationFilter | undefined {
  return filters.find((f) => f.type === type);
}

/** Whether a repository (its full name) passes the name filter. */
export function matchesName(filters: ReplicationFilter[], repository: string): boolean {
  const f = find(filters, 'name');
  return !f || compileGlob(f.value as string)(repository);
}

/** The tags of an artifact that pass the tag filter; null when the artifact does not pass at all. */
export function passingTags(filters: ReplicationFilter[], tags: string[]): string[] | null {
  const f = find(filters, 'tag');
  if (!f || f.value === '') return tags;
  const glob = compileGlob(f.value as string);
  const keep = (t: string): boolean => (f.decoration === 'excludes' ? !glob(t) : glob(t));
  if (tags.length === 0) return keep('') ? [] : null;
  const out = tags.filter(keep);
  return out.length ? out : null;
}

/** Whether an artifact with these label names passes the label filter. */
export function matchesLabels(filters: ReplicationFilter[], labels: string[]): boolean {
  const f = find(filters, 'label');
  const wanted = (f?.value ?? []) as string[];
  if (!f || wanted.length === 0) return true;
  const all = wanted.every((l) => labels.includes(l));
  return f.decoration === 'excludes' ? !all : all;
}

/** Whether the policy replicates images only (resource filter `image`). */
export function imagesOnly(filters: ReplicationFilter[]): boolean {
  return find(filters, 'resource')?.value === 'image';
}

export function hasLabelFilter(filters: ReplicationFilter[]): boolean {
  return ((find(filters, 'label')?.value ?? []) as string[]).length > 0;
}

/** Whether a manifest is an image (or an index, whose children decide): Harbor's resource type `image`. */
export function isImageManifest(mediaType: string, content: Buffer): boolean {
  if (mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList || mediaType === MediaType.dockerManifest) return true;
  try {
    const doc = JSON.parse(content.toString('utf8')) as { config?: { mediaType?: unknown }; artifactType?: unknown };
    return doc.artifactType === undefined && (doc.config?.mediaType === MediaType.ociConfig || doc.config?.mediaType === MediaType.dockerConfig);
  } catch {
    return false;
  }
}

/** How many path components the destination registry accepts (Harbor's SupportedRepositoryPathComponentType). */
export type PathRule = 'any' | 'atLeastTwo' | 'onlyTwo';

/**
 * The destination repository of `repository` (Harbor's replaceNamespace):
 * `a/b/c/image` with namespace `n` → -1: `n/image`, 0: `n/a/b/c/image`, 1: `n/b/c/image`,
 * 3: `n/image`, 4: an error. No namespace keeps the name.
 */
export function destinationRepository(repository: string, namespace: string, replaceCount: number, rule: PathRule = 'any'): string {
  let dst = repository;
  if (namespace) {
    const parts = repository.split('/');
    const name = parts[parts.length - 1];
    const dirs = parts.slice(0, -1);
    if (replaceCount > dirs.length) {
      throw bad(`the source repository ${JSON.stringify(repository)} contains only ${dirs.length} path components excepting the last one, but the destination namespace flattening level is ${replaceCount}`);
    }
    const kept = replaceCount < 0 ? [] : dirs.slice(replaceCount);
    dst = [namespace, ...kept, name].join('/');
  }
  const n = dst.split('/').length;
  if (rule === 'onlyTwo' && n !== 2) throw bad(`the destination repository ${JSON.stringify(dst)} contains ${n} path components, but the destination registry only supports 2`);
  if (rule === 'atLeastTwo' && n < 2) throw bad(`the destination repository ${JSON.stringify(dst)} contains only ${n} path components, but the destination registry requires at least 2`);
  return dst;
}
