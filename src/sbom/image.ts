// A local image without a registry: an OCI image layout directory (image-spec image-layout.md), the
// same layout as a tar, or a `docker save` tar (manifest.json + layer tars). Resolves one image
// manifest (by --ref, else the only one; for an index, this machine's linux platform) to the layer
// sources the walker streams. Layers inside a tar are read in place, never extracted.
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HarborError } from '../core/errors.js';
import { isIndexMediaType, MediaType } from '../oci/mediatypes.js';
import { detectCompression } from './decompress.js';
import { FileTarSource, readTar } from './tar.js';
import type { ImageSubject } from './types.js';
import type { LayerSource } from './walker.js';

export interface LocalImage { subject: ImageSubject; layers: LayerSource[] }

/** Where the files of a layout are: a directory, or byte ranges of an uncompressed tar. */
interface Container {
  has(path: string): boolean;
  read(path: string, max?: number): Promise<Buffer>;
  open(path: string): AsyncIterable<Uint8Array>;
}

const MAX_JSON = 16 * 1024 * 1024;

function bad(msg: string): HarborError {
  return new HarborError('UNPROCESSABLE_ENTITY', msg);
}

async function dirContainer(root: string): Promise<Container> {
  const { existsSync } = await import('node:fs');
  return {
    has: (p) => existsSync(join(root, p)),
    read: async (p, max = MAX_JSON) => {
      const s = await stat(join(root, p));
      if (s.size > max) throw bad(`${p} is too large (${s.size} bytes)`);
      return readFile(join(root, p));
    },
    open: (p) => createReadStream(join(root, p), { highWaterMark: 1024 * 1024 }),
  };
}

async function tarContainer(file: string, size: number): Promise<Container> {
  const fh = await open(file, 'r');
  const index = new Map<string, { offset: number; size: number }>();
  try {
    for await (const e of readTar(new FileTarSource(fh, size))) {
      if (e.type === 'file') index.set(e.path, { offset: e.offset, size: e.size });
    }
  } finally {
    await fh.close();
  }
  const get = (p: string) => {
    const e = index.get(p);
    if (!e) throw bad(`${p} is not in ${basename(file)}`);
    return e;
  };
  const stream = (e: { offset: number; size: number }) =>
    e.size === 0 ? (async function* () { /* empty */ })() : createReadStream(file, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1024 * 1024 });
  return {
    has: (p) => index.has(p),
    read: async (p, max = MAX_JSON) => {
      const e = get(p);
      if (e.size > max) throw bad(`${p} is too large (${e.size} bytes)`);
      const chunks: Buffer[] = [];
      for await (const c of stream(e)) chunks.push(Buffer.from(c as Uint8Array));
      return Buffer.concat(chunks);
    },
    open: (p) => stream(get(p)),
  };
}

async function json<T>(c: Container, p: string): Promise<T> {
  try {
    return JSON.parse((await c.read(p)).toString('utf8')) as T;
  } catch (e) {
    if (e instanceof HarborError) throw e;
    throw bad(`${p}: not valid JSON`);
  }
}

interface Desc { mediaType?: string; digest: string; size?: number; annotations?: Record<string, string>; platform?: { os?: string; architecture?: string; variant?: string } }
interface IndexDoc { mediaType?: string; manifests?: Desc[] }
interface ManifestDoc { mediaType?: string; config?: Desc; layers?: Desc[]; manifests?: Desc[] }

function blobPath(digest: string): string {
  const m = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  if (!m) throw bad(`invalid digest ${JSON.stringify(digest)}`);
  return `blobs/${m[1]}/${m[2]}`;
}

const REF_ANNOTATIONS = ['org.opencontainers.image.ref.name', 'io.containerd.image.name'];

function refNames(d: Desc): string[] {
  return REF_ANNOTATIONS.map((k) => d.annotations?.[k]).filter((x): x is string => !!x);
}

function matchesRef(d: Desc, ref: string): boolean {
  return refNames(d).some((n) => n === ref || ref.endsWith(`:${n}`) || n.endsWith(`/${ref}`) || n === `docker.io/library/${ref}`);
}

function goArch(): string {
  return ({ x64: 'amd64', ia32: '386' } as Record<string, string>)[process.arch] ?? process.arch;
}

function pickPlatform(manifests: Desc[]): Desc {
  const images = manifests.filter((m) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' && m.platform?.os !== 'unknown');
  const pool = images.length ? images : manifests;
  return pool.find((m) => m.platform?.os === 'linux' && m.platform.architecture === goArch())
    ?? pool.find((m) => m.platform?.os === 'linux')
    ?? pool[0]!;
}

async function fromOciLayout(c: Container, ref: string | undefined, fallbackName: string): Promise<LocalImage> {
  const index = await json<IndexDoc>(c, 'index.json');
  const all = index.manifests ?? [];
  if (all.length === 0) throw bad('index.json lists no manifests');
  let desc: Desc;
  if (ref !== undefined) {
    const found = all.filter((d) => matchesRef(d, ref));
    if (found.length === 0) {
      throw new HarborError('NOT_FOUND', `no image named ${JSON.stringify(ref)} in the layout (it has: ${all.flatMap(refNames).join(', ') || 'no names'})`);
    }
    desc = found[0]!;
  } else if (all.length === 1) {
    desc = all[0]!;
  } else {
    const names = all.flatMap(refNames);
    throw new HarborError('USAGE', `the layout holds ${all.length} images: choose one with --ref (${names.join(', ') || 'they have no names'})`);
  }
  const name = ref ?? refNames(desc)[0] ?? fallbackName;
  // Follow indexes down to one image manifest.
  for (let depth = 0; depth < 4; depth++) {
    const doc = await json<ManifestDoc>(c, blobPath(desc.digest));
    const mt = doc.mediaType ?? desc.mediaType ?? '';
    if (isIndexMediaType(mt) || (doc.manifests && !doc.layers)) {
      if (!doc.manifests?.length) throw bad(`index ${desc.digest} lists no manifests`);
      desc = pickPlatform(doc.manifests);
      continue;
    }
    const layers = (doc.layers ?? []).map((l): LayerSource => ({
      digest: l.digest, ...(l.mediaType ? { mediaType: l.mediaType } : {}), open: () => c.open(blobPath(l.digest)),
    }));
    return { subject: { name, digest: desc.digest }, layers };
  }
  throw bad('indexes nested too deeply');
}

interface DockerSaveEntry { Config: string; RepoTags?: string[] | null; Layers: string[] }

async function fromDockerSave(c: Container, ref: string | undefined, fallbackName: string): Promise<LocalImage> {
  const list = await json<DockerSaveEntry[]>(c, 'manifest.json');
  if (!Array.isArray(list) || list.length === 0) throw bad('manifest.json lists no images');
  let entry: DockerSaveEntry;
  if (ref !== undefined) {
    const found = list.find((e) => (e.RepoTags ?? []).some((t) => t === ref || t === `${ref}:latest` || t.endsWith(`/${ref}`)));
    if (!found) throw new HarborError('NOT_FOUND', `no image tagged ${JSON.stringify(ref)} in the archive (it has: ${list.flatMap((e) => e.RepoTags ?? []).join(', ') || 'no tags'})`);
    entry = found;
  } else if (list.length === 1) {
    entry = list[0]!;
  } else {
    throw new HarborError('USAGE', `the archive holds ${list.length} images: choose one with --ref (${list.flatMap((e) => e.RepoTags ?? []).join(', ')})`);
  }
  // Old-style layer paths (<id>/layer.tar) are not digests: name layers by the config's diff_ids.
  const config = await json<{ rootfs?: { diff_ids?: string[] } }>(c, entry.Config);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers = entry.Layers.map((p, i): LayerSource => {
    const m = /^blobs\/([a-z0-9]+)\/([a-f0-9]+)$/.exec(p);
    const digest = m ? `${m[1]}:${m[2]}` : diffIds[i] ?? p;
    return { digest, mediaType: MediaType.ociLayerTar, open: () => c.open(p) };
  });
  return { subject: { name: ref ?? entry.RepoTags?.[0] ?? fallbackName }, layers };
}

/** Opens a local OCI layout directory, OCI layout tar or `docker save` tar. */
export async function openLocalImage(path: string, ref?: string): Promise<LocalImage> {
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new HarborError('NOT_FOUND', `${path}: no such file or directory`);
  }
  const fallbackName = basename(path).replace(/\.tar$/, '') || 'image';
  let c: Container;
  if (s.isDirectory()) {
    c = await dirContainer(path);
  } else {
    const fh = await open(path, 'r');
    const head = Buffer.alloc(4);
    try { await fh.read(head, 0, 4, 0); } finally { await fh.close(); }
    if (detectCompression(head) !== 'none') {
      throw new HarborError('USAGE', `${path} is compressed: decompress it first (gunzip/zstd -d); the image tar is read in place`);
    }
    c = await tarContainer(path, s.size);
  }
  if (c.has('index.json')) return fromOciLayout(c, ref, fallbackName);
  if (c.has('manifest.json')) return fromDockerSave(c, ref, fallbackName);
  throw new HarborError('USAGE', `${path} is neither an OCI image layout (index.json) nor a docker save archive (manifest.json)`);
}
