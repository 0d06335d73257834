// The layer walker: streams each layer of an image bottom-up through the tar reader, hands the files
// catalogers ask for to them (buffered up to their cap) and everything else to the stream scanners,
// and applies OCI whiteouts (image-spec layer.md "Whiteouts"): `.wh.NAME` deletes NAME and
// everything under it from lower layers, `.wh..wh..opq` empties its directory of lower layers'
// entries, and any entry replaces whatever a lower layer had at its path. Only the catalogers'
// results per path are kept between layers, never file contents.
// Memory is bounded whatever the layers hold (issue 13.1): a cataloger gets a file in memory only
// up to ScanLimits.maxBufferedBytes, a larger one through a temp file (jars, rpmdb) or not at all,
// and the scan stops with SBOM_FAILED once the layers have unpacked to maxUnpackedBytes.
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarborError } from '../core/errors.js';
import { formatSize } from '../core/sizes.js';
import { FILE_CATALOGERS, STREAM_CATALOGERS, type FileCataloger, type StreamCataloger } from './catalogers/index.js';
import { OS_RELEASE_PATHS, parseOsRelease } from './catalogers/os-release.js';
import { decompressedTar } from './decompress.js';
import { makePurl } from './purl.js';
import { ByteSource, consumeBody, readBody, readTar, type TarEntry } from './tar.js';
import type { FoundPackage, ImageSubject, Inventory, OsRelease, SbomPackage } from './types.js';

export interface LayerSource {
  digest: string;
  mediaType?: string;
  /** The layer blob as stored (compressed or not). Called once. */
  open(): AsyncIterable<Uint8Array>;
}

export interface ScanLimits {
  /** What all layers together may unpack to; past it the scan fails. Negative: no limit. */
  maxUnpackedBytes: number;
  /** The largest file a cataloger gets in memory; larger ones go through a temp file, or are skipped. */
  maxBufferedBytes: number;
  /** Where those temp files go (a directory per scan, removed at its end). */
  tmpDir: string;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxUnpackedBytes: 32 * 1024 ** 3,
  maxBufferedBytes: 16 * 1024 ** 2,
  tmpDir: tmpdir(),
};

export interface ScanOptions {
  fileCatalogers?: readonly FileCataloger[];
  streamCatalogers?: readonly StreamCataloger[];
  limits?: Partial<ScanLimits>;
}

interface PathRecord {
  layerIndex: number;
  packages: FoundPackage[];
  osRelease?: string;
}

const OPAQUE = '.wh..wh..opq';
/** Warnings kept per scan; the rest are counted in one last line (a layer can hold millions of files). */
const MAX_WARNINGS = 1000;
const MAX_OS_RELEASE = 64 * 1024;

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The directories above a path, root ('') first: 'a/b/c' → '', 'a', 'a/b'. */
function ancestors(p: string): string[] {
  const out = [''];
  for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) out.push(p.slice(0, i));
  return out;
}

/**
 * What the catalogers found, by path, with an index of what lower layers wrote under each
 * directory: a whiteout or a replacing entry finds what it removes without looking at every record
 * (a layer of a million entries over 100,000 records would otherwise take hours).
 */
export class PathRecords {
  readonly byPath = new Map<string, PathRecord>();
  /** For the layer being read: lower layers' record paths under each directory. */
  private readonly lowerUnder = new Map<string, Set<string>>();
  private layer = 0;
  /** Records looked at by removals so far (what the index saves is visible in tests). */
  examined = 0;

  beginLayer(layerIndex: number): void {
    this.layer = layerIndex;
    this.lowerUnder.clear();
    for (const [p, r] of this.byPath) {
      if (r.layerIndex >= layerIndex) continue;
      for (const d of ancestors(p)) {
        let set = this.lowerUnder.get(d);
        if (!set) this.lowerUnder.set(d, set = new Set());
        set.add(p);
      }
    }
  }

  get(path: string): PathRecord | undefined {
    return this.byPath.get(path);
  }

  /** A record of the layer being read (it is not "lower" until the next layer); it replaces a lower one. */
  set(path: string, r: PathRecord): void {
    this.removeLower(path, true, false);
    this.byPath.set(path, r);
  }

  /** Removes the records lower layers wrote at `path` (self) and under it (below). */
  removeLower(path: string, self: boolean, below: boolean): void {
    if (self && (this.byPath.get(path)?.layerIndex ?? this.layer) < this.layer) this.drop(path);
    if (below) for (const p of [...this.lowerUnder.get(path) ?? []]) this.drop(p);
  }

  private drop(p: string): void {
    this.examined++;
    this.byPath.delete(p);
    for (const d of ancestors(p)) {
      const set = this.lowerUnder.get(d);
      if (set?.delete(p) && set.size === 0) this.lowerUnder.delete(d);
    }
  }
}

/** Counts the bytes going by and fails once all layers together pass the limit. */
async function* unpackBudget(chunks: AsyncIterable<Uint8Array>, used: { bytes: number }, limit: number): AsyncGenerator<Uint8Array> {
  for await (const c of chunks) {
    used.bytes += c.length;
    if (limit >= 0 && used.bytes > limit) {
      throw new HarborError('SBOM_FAILED', `the image unpacks to more than ${formatSize(limit)}, the scan's limit: no SBOM was made`);
    }
    yield c;
  }
}

/** Temp files for files too large to hand over in memory, in one directory per scan. */
class Spill {
  private dir: string | undefined;
  private n = 0;
  constructor(private readonly parent: string) {}

  /** Copies the current entry's body to a new temp file; returns its path. */
  async write(src: ByteSource, e: TarEntry): Promise<string> {
    if (!this.dir) {
      await mkdir(this.parent, { recursive: true, mode: 0o700 });
      this.dir = await mkdtemp(join(this.parent, 'harborctl-sbom-'));
    }
    const file = join(this.dir, String(this.n++));
    const fh = await open(file, 'wx', 0o600);
    try {
      for (let left = e.size; left > 0;) {
        const part = await src.read(Math.min(left, 1024 * 1024));
        if (part.length === 0) throw new HarborError('UNPROCESSABLE_ENTITY', `invalid tar: truncated body of ${e.path}`);
        await fh.write(part);
        left -= part.length;
      }
    } finally {
      await fh.close();
    }
    return file;
  }

  async close(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

export async function scanLayers(layers: readonly LayerSource[], subject: ImageSubject, opts: ScanOptions = {}): Promise<Inventory> {
  const spill = new Spill(opts.limits?.tmpDir ?? DEFAULT_SCAN_LIMITS.tmpDir);
  try {
    return await scan(layers, subject, opts, spill);
  } finally {
    await spill.close();
  }
}

async function scan(layers: readonly LayerSource[], subject: ImageSubject, opts: ScanOptions, spill: Spill): Promise<Inventory> {
  const fileCatalogers = opts.fileCatalogers ?? FILE_CATALOGERS;
  const streamCatalogers = opts.streamCatalogers ?? STREAM_CATALOGERS;
  const limits = { ...DEFAULT_SCAN_LIMITS, ...opts.limits };
  const records = new PathRecords();
  const warnings: string[] = [];
  let unsaid = 0;
  const warn = (w: string): void => { if (warnings.length < MAX_WARNINGS) warnings.push(w); else unsaid++; };
  const unpacked = { bytes: 0 };

  for (const [layerIndex, layer] of layers.entries()) {
    const { chunks } = await decompressedTar(layer.open(), layer.mediaType);
    const src = new ByteSource(unpackBudget(chunks, unpacked, limits.maxUnpackedBytes));
    records.beginLayer(layerIndex);
    try {
      for await (const e of readTar(src)) {
        const base = basename(e.path);
        if (base === OPAQUE) {
          records.removeLower(dirname(e.path), false, true);
          continue;
        }
        if (base.startsWith('.wh.')) {
          if (!base.startsWith('.wh..wh.')) {
            const target = `${dirname(e.path) ? `${dirname(e.path)}/` : ''}${base.slice(4)}`;
            records.removeLower(target, true, true);
          }
          continue;
        }
        // This entry replaces the lower one at its path; a non-directory also hides a lower tree.
        records.removeLower(e.path, true, e.type !== 'directory');
        if (e.type !== 'file') continue;

        if (OS_RELEASE_PATHS.includes(e.path)) {
          const body = await readBody(src, e, MAX_OS_RELEASE);
          if (body) records.set(e.path, { layerIndex, packages: [], osRelease: body.toString('utf8') });
          continue;
        }
        const fc = fileCatalogers.find((c) => c.matches(e.path));
        if (fc) {
          const tooLarge = e.size > fc.maxBytes ? `the ${fc.name} cataloger's limit of ${fc.maxBytes}`
            : e.size > limits.maxBufferedBytes && !fc.parseFile ? `the scan's in-memory limit of ${limits.maxBufferedBytes}` : null;
          if (tooLarge) {
            warn(`${e.path} in ${layer.digest}: ${e.size} bytes is over ${tooLarge}; skipped`);
            continue;
          }
          const body = e.size <= limits.maxBufferedBytes ? await readBody(src, e, limits.maxBufferedBytes) : null;
          const file = body ? null : await spill.write(src, e);
          let packages: FoundPackage[] = [];
          try {
            packages = body ? fc.parse(e.path, body) : fc.parseFile!(e.path, file!, e.size);
          } catch (err) {
            warn(`${e.path} in ${layer.digest}: ${fc.name}: ${err instanceof Error ? err.message : String(err)}`);
          } finally {
            if (file) await rm(file, { force: true });
          }
          if (packages.length) records.set(e.path, { layerIndex, packages });
          continue;
        }
        const scanners = streamCatalogers.filter((c) => c.matches(e.path, e.size, e.mode)).map((c) => c.start(e.path));
        if (scanners.length === 0) continue;
        const live = new Set(scanners);
        await consumeBody(src, e, (chunk) => {
          for (const s of live) if (!s.push(chunk)) live.delete(s);
          return live.size > 0;
        });
        const packages = scanners.flatMap((s) => s.finish());
        if (packages.length) records.set(e.path, { layerIndex, packages });
      }
    } catch (err) {
      if (err instanceof HarborError) {
        throw new HarborError(err.code, `layer ${layer.digest}: ${err.message}`, { detail: err.detail });
      }
      throw err;
    } finally {
      // Ends the layer's stream (and its decompressor) when the scan stopped half-way.
      await src.close();
    }
  }

  if (unsaid) warnings.push(`and ${unsaid} more warnings like these`);
  let os: OsRelease | undefined;
  for (const p of OS_RELEASE_PATHS) {
    const text = records.get(p)?.osRelease;
    if (text !== undefined && (os = parseOsRelease(text))) break;
  }
  const packages: SbomPackage[] = [];
  for (const [path, r] of records.byPath) {
    for (const f of r.packages) {
      const { location, ...rest } = f;
      packages.push({
        ...rest,
        purl: makePurl(f, os),
        layer: layers[r.layerIndex]!.digest,
        location: location ?? path,
      });
    }
  }
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  packages.sort((a, b) => cmp(a.type, b.type) || cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.location, b.location));
  return { subject, ...(os ? { os } : {}), packages, layers: layers.map((l) => l.digest), warnings };
}
