// The additions Harbor 2.13 serves for a CNAI (ModelPack) artifact (harbor-notes §5, Harbor's
// src/controller/artifact/processor/cnai): README and LICENSE from the first doc layer that holds
// them, and the file tree built from every layer's filepath annotation. Only `.raw` and `.tar` doc
// layers are read, and never more than 4 MiB of content (413 beyond), so a request cannot make the
// server buffer a weight file.
import { HarborError } from '../core/errors.js';
import { ANNOTATION_FILEPATH, ModelMediaType } from '../model/modelpack.js';
import { ByteSource, readBody, readTar } from '../sbom/tar.js';
import type { BlobStore } from '../storage/blobs/types.js';

/** The additions a CNAI artifact has, as the API path names them (Harbor upper-cases them inside). */
export const MODEL_ADDITIONS = ['readme.md', 'license', 'files'] as const;
export type ModelAddition = (typeof MODEL_ADDITIONS)[number];

/** Harbor's limit on an addition's content (declared layer size and decoded bytes). */
export const ADDITION_LIMIT = 4 * 1024 * 1024;
/** What a `.tar` layer may add to that in headers and padding. */
const TAR_OVERHEAD = 1024 * 1024;

export interface Addition { contentType: string; content: Buffer }

export interface ModelLayer { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }

/** One node of the `files` addition; `size` only on files, `children` only on non-empty directories (Go's omitempty). */
export interface FileNode { name: string; type: 'file' | 'directory'; size?: number; children?: FileNode[] }

const DOC_FILES: Record<'readme.md' | 'license', { names: readonly string[]; contentType: string; what: string }> = {
  'readme.md': { names: ['README', 'README.md'], contentType: 'text/markdown; charset=utf-8', what: 'readme' },
  license: { names: ['LICENSE', 'LICENSE.txt'], contentType: 'text/plain; charset=utf-8', what: 'license' },
};

export async function modelAddition(blobs: BlobStore, layers: readonly ModelLayer[], addition: ModelAddition): Promise<Addition> {
  if (addition === 'files') {
    return { contentType: 'application/json; charset=utf-8', content: Buffer.from(JSON.stringify(fileTree(layers))) };
  }
  const want = DOC_FILES[addition];
  const docTypes = [`${ModelMediaType.doc}.tar`, `${ModelMediaType.doc}.raw`];
  const layer = layers.find((l) => docTypes.includes(l.mediaType) && want.names.includes(l.annotations?.[ANNOTATION_FILEPATH] ?? ''));
  if (!layer) throw new HarborError('NOT_FOUND', `${want.what} layer not found`);
  const content = layer.mediaType.endsWith('.raw') ? await readRaw(blobs, layer) : await readFromTar(blobs, layer);
  return { contentType: want.contentType, content };
}

function tooLarge(): HarborError {
  return new HarborError('REQUEST_ENTITY_TOO_LARGE', `The file is too large to be processed (the limit is ${ADDITION_LIMIT} bytes)`);
}

async function readRaw(blobs: BlobStore, layer: ModelLayer): Promise<Buffer> {
  if (layer.size > ADDITION_LIMIT) throw tooLarge();
  const parts: Buffer[] = [];
  let n = 0;
  const stream = await blobs.read(layer.digest);
  try {
    for await (const c of stream) {
      n += (c as Buffer).length;
      if (n > ADDITION_LIMIT) throw tooLarge();
      parts.push(c as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts, n);
}

/**
 * The file a `.tar` doc layer holds: the regular entry named like the layer's filepath (or with that
 * base name); failing that, every regular entry's bytes one after another, which is what Harbor answers.
 */
async function readFromTar(blobs: BlobStore, layer: ModelLayer): Promise<Buffer> {
  if (layer.size > ADDITION_LIMIT + TAR_OVERHEAD) throw tooLarge();
  const filepath = layer.annotations?.[ANNOTATION_FILEPATH] ?? '';
  const stream = await blobs.read(layer.digest);
  const src = new ByteSource(stream);
  const bodies: { path: string; body: Buffer }[] = [];
  let total = 0;
  try {
    for await (const e of readTar(src)) {
      if (e.type !== 'file') continue;
      const body = await readBody(src, e, ADDITION_LIMIT - total);
      if (!body) throw tooLarge();
      total += body.length;
      bodies.push({ path: e.path, body });
    }
  } finally {
    stream.destroy();
  }
  const hit = bodies.find((b) => b.path === filepath) ?? bodies.find((b) => b.path.split('/').pop() === filepath);
  return hit ? hit.body : Buffer.concat(bodies.map((b) => b.body), total);
}

interface Dir { node: FileNode; dirs: Map<string, Dir> }

/** The `files` addition: a tree from every layer's filepath (a trailing "/" marks a directory), directories first, then by name. */
export function fileTree(layers: readonly ModelLayer[]): FileNode[] {
  const root: Dir = { node: { name: '/', type: 'directory' }, dirs: new Map() };
  const files = new Map<Dir, Map<string, FileNode>>();
  for (const l of layers) {
    const path = l.annotations?.[ANNOTATION_FILEPATH];
    if (!path) continue;
    const isDir = path.endsWith('/');
    const parts = path.split('/').filter((s) => s !== '' && s !== '.');
    let cur = root;
    for (const [i, part] of parts.entries()) {
      const fileHere = files.get(cur)?.get(part);
      if (i === parts.length - 1 && !isDir) {
        // A path seen twice keeps its first entry; a name that is already a directory stays one.
        if (!fileHere && !cur.dirs.has(part)) {
          if (!files.has(cur)) files.set(cur, new Map());
          // Go's omitempty: an empty file shows no size.
          files.get(cur)!.set(part, l.size > 0 ? { name: part, type: 'file', size: l.size } : { name: part, type: 'file' });
        }
        break;
      }
      if (fileHere) break; // a file cannot hold children: the rest of this path is dropped
      let next = cur.dirs.get(part);
      if (!next) {
        next = { node: { name: part, type: 'directory' }, dirs: new Map() };
        cur.dirs.set(part, next);
      }
      cur = next;
    }
  }
  const emit = (d: Dir): FileNode[] => {
    const dirs = [...d.dirs.values()].map((c) => {
      const children = emit(c);
      return children.length ? { ...c.node, children } : { ...c.node };
    });
    const out = [...dirs, ...(files.get(d)?.values() ?? [])];
    return out.sort((a, b) => (a.type !== b.type ? (a.type === 'directory' ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };
  return emit(root);
}
