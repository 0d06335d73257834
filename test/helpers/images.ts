// Builds deterministic OCI image layouts for the interop tests, with no network, no daemon and no
// external tool: tar is written here (ustar, sorted, owner 0, mtime 0), gzip comes from node:zlib, and
// the 200 MiB "random" layer is an AES-CTR keystream with a fixed key, so every run yields the same digests.
// Layout (OCI image-spec image-layout.md): oci-layout, index.json with one descriptor per ref
// (annotation org.opencontainers.image.ref.name), blobs/sha256/<hex>.
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const MediaTypes = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface Platform { os: string; architecture: string; variant?: string }

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface BuiltImage {
  ref: string;
  /** Descriptor of the image manifest. */
  descriptor: Descriptor;
  digest: string;
  /** The exact manifest bytes written to the layout. */
  manifest: Buffer;
  config: Descriptor;
  layers: Descriptor[];
  /** Uncompressed layer digests, as in the config's rootfs.diff_ids. */
  diffIds: string[];
}

export interface BuiltIndex {
  ref: string;
  descriptor: Descriptor;
  digest: string;
  /** The exact index bytes written to the layout. */
  index: Buffer;
  children: { amd64: BuiltImage; arm64: BuiltImage };
}

export interface TestImages {
  /** The OCI layout directory: use as `oci:<layout>:<ref>`. */
  layout: string;
  tiny: BuiltImage;
  multi: BuiltIndex;
  /** Only when built with `big`. */
  big?: BuiltImage;
  /** Where a blob lives in the layout. */
  blobPath(digest: string): string;
  /** Removes the temp directory that holds the layout. */
  dispose(): Promise<void>;
}

export interface BuildOptions {
  /** Build the `big` ref: one uncompressed layer holding a file of this many MiB (true = 200). */
  big?: boolean | number;
}

// ---- tar (POSIX ustar, the subset we need: regular files and directories)

type ByteSource = Buffer | { size: number; chunks: () => AsyncIterable<Buffer> };
interface TarEntry { path: string; dir?: boolean; data?: ByteSource }

const BLOCK = 512;

function octal(n: number, width: number): string {
  // width includes the trailing NUL
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(name: string, size: number, dir: boolean): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long for this writer: ${name}`);
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(dir ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii'); // mtime: the epoch
  h.write(' '.repeat(8), 148, 'ascii'); // checksum placeholder
  h.write(dir ? '5' : '0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(octal(0, 8), 329, 'ascii'); // devmajor
  h.write(octal(0, 8), 337, 'ascii'); // devminor
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

function sourceSize(s: ByteSource | undefined): number {
  if (!s) return 0;
  return Buffer.isBuffer(s) ? s.length : s.size;
}

/** Entries in byte order of their paths, directories as `name/`, like `tar --sort=name`. */
async function* tarChunks(entries: TarEntry[]): AsyncGenerator<Buffer> {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  for (const e of sorted) {
    const size = e.dir ? 0 : sourceSize(e.data);
    yield tarHeader(e.dir ? `${e.path.replace(/\/$/, '')}/` : e.path, size, Boolean(e.dir));
    if (e.dir || !e.data) continue;
    let written = 0;
    if (Buffer.isBuffer(e.data)) {
      yield e.data;
      written = e.data.length;
    } else {
      for await (const c of e.data.chunks()) {
        written += c.length;
        yield c;
      }
    }
    if (written !== size) throw new Error(`tar entry ${e.path}: promised ${size} bytes, got ${written}`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad, 0);
  }
  yield Buffer.alloc(BLOCK * 2, 0); // end of archive
}

/** Deterministic incompressible bytes: AES-128-CTR keystream under a fixed key and IV. */
function pseudoRandom(size: number, seed: string): { size: number; chunks: () => AsyncIterable<Buffer> } {
  return {
    size,
    async *chunks() {
      const key = createHash('sha256').update(seed).digest().subarray(0, 16);
      const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16, 0));
      const zero = Buffer.alloc(1 << 20, 0);
      for (let left = size; left > 0; left -= zero.length) {
        yield cipher.update(left >= zero.length ? zero : zero.subarray(0, left));
      }
    },
  };
}

// ---- the layout

/** Passes bytes through while hashing and counting them. */
class HashTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

class LayoutWriter {
  constructor(readonly dir: string) {}

  blobPath(digest: string): string {
    const [alg, hex] = digest.split(':');
    return join(this.dir, 'blobs', alg, hex);
  }

  async init(): Promise<void> {
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(this.dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  }

  async putBytes(mediaType: string, bytes: Buffer): Promise<Descriptor> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(this.blobPath(digest), bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** Streams a tar layer into the layout; returns its descriptor and its diff_id. */
  async putLayer(entries: TarEntry[], gzip: boolean): Promise<{ descriptor: Descriptor; diffId: string }> {
    const tmp = join(this.dir, 'blobs', `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const uncompressed = new HashTap();
    const stored = new HashTap();
    if (gzip) {
      await pipeline(Readable.from(tarChunks(entries)), uncompressed, createGzip({ level: 6 }), stored, createWriteStream(tmp));
    } else {
      await pipeline(Readable.from(tarChunks(entries)), uncompressed, stored, createWriteStream(tmp));
    }
    const diffId = `sha256:${uncompressed.hash.digest('hex')}`;
    const digest = gzip ? `sha256:${stored.hash.digest('hex')}` : diffId;
    await rename(tmp, this.blobPath(digest));
    return { descriptor: { mediaType: gzip ? MediaTypes.layerGzip : MediaTypes.layerTar, digest, size: stored.size }, diffId };
  }

  async putImage(ref: string, platform: Platform, entries: TarEntry[], gzip: boolean): Promise<BuiltImage> {
    const layer = await this.putLayer(entries, gzip);
    // Key order is fixed by these literals, so the JSON (and every digest) is stable.
    const config = {
      created: '1970-01-01T00:00:00Z',
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
        Labels: { 'org.opencontainers.image.source': 'harborctl-interop' },
      },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'test/helpers/images.ts' }],
    };
    const configDesc = await this.putBytes(MediaTypes.config, Buffer.from(JSON.stringify(config)));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.manifest,
      config: configDesc,
      layers: [layer.descriptor],
    }));
    const descriptor = await this.putBytes(MediaTypes.manifest, manifest);
    return { ref, descriptor, digest: descriptor.digest, manifest, config: configDesc, layers: [layer.descriptor], diffIds: [layer.diffId] };
  }

  async writeIndex(refs: { ref: string; descriptor: Descriptor }[]): Promise<void> {
    const index = {
      schemaVersion: 2,
      mediaType: MediaTypes.index,
      manifests: refs.map((r) => ({ ...r.descriptor, annotations: { 'org.opencontainers.image.ref.name': r.ref } })),
    };
    await writeFile(join(this.dir, 'index.json'), JSON.stringify(index));
  }
}

function file(path: string, text: string): TarEntry {
  return { path, data: Buffer.from(text) };
}

/**
 * Builds the refs `tiny`, `multi` (index: linux/amd64 + linux/arm64/v8) and, when asked, `big` into a
 * fresh temp directory. The same inputs always give the same digests.
 */
export async function buildTestImages(opts: BuildOptions = {}): Promise<TestImages> {
  const root = await mkdtemp(join(tmpdir(), 'harborctl-images-'));
  const w = new LayoutWriter(join(root, 'layout'));
  try {
    await w.init();

    const tiny = await w.putImage('tiny', { os: 'linux', architecture: 'amd64' }, [
      { path: 'etc', dir: true },
      file('etc/os-release', 'NAME="tiny"\nID=tiny\n'),
      file('hello.txt', 'hello harbor\n'),
    ], true);

    const amd64 = await w.putImage('multi-amd64', { os: 'linux', architecture: 'amd64' }, [file('arch.txt', 'arch=amd64\n')], true);
    const arm64 = await w.putImage('multi-arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, [file('arch.txt', 'arch=arm64\n')], true);
    const child = (img: BuiltImage, platform: Platform): Descriptor => ({ ...img.descriptor, platform });
    const indexBytes = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.index,
      manifests: [
        child(amd64, { architecture: 'amd64', os: 'linux' }),
        child(arm64, { architecture: 'arm64', os: 'linux', variant: 'v8' }),
      ],
    }));
    const indexDesc = await w.putBytes(MediaTypes.index, indexBytes);
    const multi: BuiltIndex = { ref: 'multi', descriptor: indexDesc, digest: indexDesc.digest, index: indexBytes, children: { amd64, arm64 } };

    let big: BuiltImage | undefined;
    if (opts.big) {
      const mib = opts.big === true ? 200 : opts.big;
      big = await w.putImage('big', { os: 'linux', architecture: 'amd64' }, [
        { path: 'random.bin', data: pseudoRandom(mib * 1024 * 1024, 'harborctl-interop-big') },
      ], false);
    }

    await w.writeIndex([tiny, multi, ...(big ? [big] : [])]);
    return {
      layout: w.dir, tiny, multi, big,
      blobPath: (d) => w.blobPath(d),
      dispose: () => rm(root, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }
}

/** Writes a plain (uncompressed) tar of the given files; returns its sha256, i.e. its diff_id. */
export async function writeTarFile(path: string, files: { path: string; data: Buffer | string }[]): Promise<string> {
  const tap = new HashTap();
  const entries = files.map((f) => ({ path: f.path, data: Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data) }));
  await pipeline(Readable.from(tarChunks(entries)), tap, createWriteStream(path));
  return `sha256:${tap.hash.digest('hex')}`;
}

/** A plain tar of the given files in memory (small fixtures only). */
export async function tarBuffer(files: { path: string; data: Buffer | string }[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of tarChunks(files.map((f) => ({ path: f.path, data: Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data) })))) parts.push(c);
  return Buffer.concat(parts);
}

/** sha256 of a file, streamed (a 200 MiB blob is never held in memory). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Reads the layout's index.json and returns the descriptor tagged with `ref`. */
export async function layoutRef(layout: string, ref: string): Promise<Descriptor | undefined> {
  const idx = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  return idx.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref);
}
