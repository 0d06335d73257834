// The layer walker: streams each layer of an image bottom-up through the tar reader, hands the files
// catalogers ask for to them (buffered up to their cap) and everything else to the stream scanners,
// and applies OCI whiteouts (image-spec layer.md "Whiteouts"): `.wh.NAME` deletes NAME and
// everything under it from lower layers, `.wh..wh..opq` empties its directory of lower layers'
// entries, and any entry replaces whatever a lower layer had at its path. Only the catalogers'
// results per path are kept between layers, never file contents.
import { HarborError } from '../core/errors.js';
import { FILE_CATALOGERS, STREAM_CATALOGERS, type FileCataloger, type StreamCataloger } from './catalogers/index.js';
import { OS_RELEASE_PATHS, parseOsRelease } from './catalogers/os-release.js';
import { decompressedTar } from './decompress.js';
import { makePurl } from './purl.js';
import { ByteSource, consumeBody, readBody, readTar } from './tar.js';
import type { FoundPackage, ImageSubject, Inventory, OsRelease, SbomPackage } from './types.js';

export interface LayerSource {
  digest: string;
  mediaType?: string;
  /** The layer blob as stored (compressed or not). Called once. */
  open(): AsyncIterable<Uint8Array>;
}

export interface ScanOptions {
  fileCatalogers?: readonly FileCataloger[];
  streamCatalogers?: readonly StreamCataloger[];
}

interface PathRecord {
  layerIndex: number;
  packages: FoundPackage[];
  osRelease?: string;
}

const OPAQUE = '.wh..wh..opq';
const MAX_OS_RELEASE = 64 * 1024;

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Removes records at `path` and under it that lower layers wrote. */
function removeLower(records: Map<string, PathRecord>, path: string, layerIndex: number, self: boolean, below: boolean): void {
  const prefix = path === '' ? '' : `${path}/`;
  for (const [p, r] of records) {
    if (r.layerIndex >= layerIndex) continue;
    if ((self && p === path) || (below && p.startsWith(prefix))) records.delete(p);
  }
}

export async function scanLayers(layers: readonly LayerSource[], subject: ImageSubject, opts: ScanOptions = {}): Promise<Inventory> {
  const fileCatalogers = opts.fileCatalogers ?? FILE_CATALOGERS;
  const streamCatalogers = opts.streamCatalogers ?? STREAM_CATALOGERS;
  const records = new Map<string, PathRecord>();
  const warnings: string[] = [];

  for (const [layerIndex, layer] of layers.entries()) {
    const { chunks } = await decompressedTar(layer.open(), layer.mediaType);
    const src = new ByteSource(chunks);
    try {
      for await (const e of readTar(src)) {
        const base = basename(e.path);
        if (base === OPAQUE) {
          removeLower(records, dirname(e.path), layerIndex, false, true);
          continue;
        }
        if (base.startsWith('.wh.')) {
          if (!base.startsWith('.wh..wh.')) {
            const target = `${dirname(e.path) ? `${dirname(e.path)}/` : ''}${base.slice(4)}`;
            removeLower(records, target, layerIndex, true, true);
          }
          continue;
        }
        // This entry replaces the lower one at its path; a non-directory also hides a lower tree.
        removeLower(records, e.path, layerIndex, true, e.type !== 'directory');
        if (e.type !== 'file') continue;

        if (OS_RELEASE_PATHS.includes(e.path)) {
          const body = await readBody(src, e, MAX_OS_RELEASE);
          if (body) records.set(e.path, { layerIndex, packages: [], osRelease: body.toString('utf8') });
          continue;
        }
        const fc = fileCatalogers.find((c) => c.matches(e.path));
        if (fc) {
          const body = await readBody(src, e, fc.maxBytes);
          if (!body) {
            warnings.push(`${e.path} in ${layer.digest}: ${e.size} bytes is over the ${fc.name} cataloger's limit of ${fc.maxBytes}; skipped`);
            continue;
          }
          let packages: FoundPackage[] = [];
          try {
            packages = fc.parse(e.path, body);
          } catch (err) {
            warnings.push(`${e.path} in ${layer.digest}: ${fc.name}: ${err instanceof Error ? err.message : String(err)}`);
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
    }
  }

  let os: OsRelease | undefined;
  for (const p of OS_RELEASE_PATHS) {
    const text = records.get(p)?.osRelease;
    if (text !== undefined && (os = parseOsRelease(text))) break;
  }
  const packages: SbomPackage[] = [];
  for (const [path, r] of records) {
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
