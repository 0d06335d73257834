// Copying artifacts between two registries, by digest (Harbor's transfer/image): a manifest's
// children (an index's manifests) and blobs go first, then the manifest, then its accessories (the
// manifests whose subject it is: SBOMs, signatures, and theirs), then the tags. A blob the
// destination has is skipped (HEAD); one this execution already pushed to another repository is mounted;
// the rest streams from the source to the destination, never whole in memory, through the speed
// limit and the byte counter, in one PUT or in chunks. Either side is this registry (LocalSide, the
// registry service) or another one (RemoteSide, its /v2/ API).
import { PassThrough, pipeline, Transform, type Readable } from 'node:stream';
import { HarborError, isHarborError } from '../../core/errors.js';
import { parseManifest, type Descriptor } from '../../oci/manifest.js';
import { MediaType } from '../../oci/mediatypes.js';
import type { MetaStores } from '../../storage/meta/index.js';
import type { RegistryService, ResolvedRepository } from '../registry.js';
import { referrersTag, UpstreamClient, UpstreamError } from '../upstream.js';
import { isImageManifest } from './filters.js';
import { speedLimit } from './speed.js';

export interface Manifest { digest: string; mediaType: string; content: Buffer }
type Range = { start: number; end: number };

/** One registry as replication reads and writes it. */
export interface Side {
  readonly label: string;
  /** null when the repository has no such manifest. */
  manifest(repo: string, reference: string): Promise<Manifest | null>;
  manifestDigest(repo: string, reference: string): Promise<string | null>;
  referrers(repo: string, digest: string): Promise<Descriptor[]>;
  hasBlob(repo: string, digest: string): Promise<boolean>;
  openBlob(repo: string, digest: string, size: number, range?: Range): Promise<Readable>;
  mountBlob(repo: string, digest: string, from: string): Promise<boolean>;
  pushBlob(repo: string, digest: string, size: number, open: (range?: Range) => Promise<Readable>, chunkSize?: number): Promise<void>;
  putManifest(repo: string, reference: string, m: Manifest, subject: Descriptor | null): Promise<void>;
  deleteManifest(repo: string, digest: string): Promise<boolean>;
}

/** This registry, through the registry service (quota, immutability and links as a client push). */
export class LocalSide implements Side {
  readonly label = 'local';

  constructor(private readonly registry: RegistryService, private readonly stores: Pick<MetaStores, 'content'>) {}

  private repo(name: string): Promise<ResolvedRepository> {
    return this.registry.resolveRepository(name);
  }

  async manifest(repo: string, reference: string): Promise<Manifest | null> {
    try {
      const m = await this.registry.getManifest(await this.repo(repo), reference);
      return { digest: m.digest, mediaType: m.mediaType, content: m.content };
    } catch (e) {
      if (isHarborError(e) && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN')) return null;
      throw e;
    }
  }

  async manifestDigest(repo: string, reference: string): Promise<string | null> {
    return (await this.manifest(repo, reference))?.digest ?? null;
  }

  async referrers(repo: string, digest: string): Promise<Descriptor[]> {
    return this.stores.content.listReferrers(repo, digest);
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    return (await this.stores.content.getBlobLink(repo, digest)) !== null;
  }

  async openBlob(repo: string, digest: string, size: number, range?: Range): Promise<Readable> {
    await this.registry.statBlob(await this.repo(repo), digest);
    return this.registry.blobs.read(digest, range ?? { start: 0, end: size - 1 });
  }

  async mountBlob(repo: string, digest: string, from: string): Promise<boolean> {
    return this.registry.mountBlob(await this.repo(repo), digest, from);
  }

  async pushBlob(repo: string, digest: string, size: number, open: (range?: Range) => Promise<Readable>): Promise<void> {
    const body: AsyncIterable<Uint8Array> = size > 0 ? await open() : (async function* () {})();
    await this.registry.uploadMonolithic(await this.repo(repo), digest, body, { length: size });
  }

  async putManifest(repo: string, reference: string, m: Manifest): Promise<void> {
    await this.registry.putManifest(await this.repo(repo), reference, m.mediaType, m.content);
  }

  async deleteManifest(repo: string, digest: string): Promise<boolean> {
    try {
      await this.registry.deleteManifest(await this.repo(repo), digest);
      return true;
    } catch (e) {
      if (isHarborError(e) && (e.code === 'MANIFEST_UNKNOWN' || e.code === 'NAME_UNKNOWN')) return false;
      throw e;
    }
  }
}

/** Another registry, through its /v2/ API with the adapter's authorization. */
export class RemoteSide implements Side {
  constructor(readonly label: string, private readonly client: UpstreamClient) {}

  async manifest(repo: string, reference: string): Promise<Manifest | null> {
    try {
      const m = await this.client.getManifest(repo, reference);
      return { digest: m.digest, mediaType: m.mediaType, content: m.content };
    } catch (e) {
      if (e instanceof UpstreamError && e.kind === 'not-found') return null;
      throw e;
    }
  }

  manifestDigest(repo: string, reference: string): Promise<string | null> {
    return this.client.manifestDigest(repo, reference);
  }

  referrers(repo: string, digest: string): Promise<Descriptor[]> {
    return this.client.referrers(repo, digest);
  }

  hasBlob(repo: string, digest: string): Promise<boolean> {
    return this.client.hasBlob(repo, digest);
  }

  async openBlob(repo: string, digest: string, _size: number, range?: Range): Promise<Readable> {
    return (await this.client.getBlob(repo, digest, range)).body;
  }

  mountBlob(repo: string, digest: string, from: string): Promise<boolean> {
    return this.client.mountBlob(repo, digest, from);
  }

  pushBlob(repo: string, digest: string, size: number, open: (range?: Range) => Promise<Readable>, chunkSize?: number): Promise<void> {
    return this.client.pushBlob(repo, digest, size, open, chunkSize);
  }

  /**
   * PUT of the manifest. An accessory pushed to a registry that did not take its subject (no
   * OCI-Subject answer: no referrers API) is also listed in the subject's referrers tag index, as the
   * distribution spec asks of clients, so referrers can still find it there.
   */
  async putManifest(repo: string, reference: string, m: Manifest, subject: Descriptor | null): Promise<void> {
    const { subjectSeen } = await this.client.putManifest(repo, reference, m.mediaType, m.content);
    if (!subject || subjectSeen || reference !== m.digest) return;
    const tag = referrersTag(subject.digest);
    const cur = await this.manifest(repo, tag);
    let manifests: Descriptor[] = [];
    if (cur) {
      try {
        const doc = JSON.parse(cur.content.toString('utf8')) as { manifests?: Descriptor[] };
        manifests = Array.isArray(doc.manifests) ? doc.manifests : [];
      } catch {
        manifests = [];
      }
    }
    if (manifests.some((d) => d.digest === m.digest)) return;
    const parsed = parseManifest(m.content, m.mediaType);
    manifests.push({
      mediaType: m.mediaType, digest: m.digest, size: m.content.length,
      ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}), ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
    });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
    await this.client.putManifest(repo, tag, MediaType.ociIndex, index);
  }

  deleteManifest(repo: string, digest: string): Promise<boolean> {
    return this.client.deleteManifest(repo, digest);
  }
}

export interface TransferOptions {
  override: boolean;
  /** KB/s, 0 or less for no limit. */
  speed: number;
  /** Upload in chunks of this many bytes (copy_by_chunk); undefined for one PUT per blob. */
  chunkSize?: number;
  imagesOnly: boolean;
  signal: AbortSignal;
  log(line: string): void;
  /** Told of bytes as they go (`total` grows as blobs to copy are found). */
  progress(delta: { bytes?: number; total?: number }): void;
}

export class Stopped extends Error {
  constructor() {
    super('stopped');
  }
}

const MAX_DEPTH = 8;

/** Copies artifacts from one repository to another; one instance per task. */
export class Transfer {
  /**
   * `pushed`: digest → a destination repository that has it (pushed by this execution's tasks in
   * this process): a mount source. Shared by the tasks of one execution.
   */
  constructor(private readonly src: Side, private readonly dst: Side, private readonly o: TransferOptions,
    private readonly pushed = new Map<string, string>()) {}

  private check(): void {
    if (this.o.signal.aborted) throw new Stopped();
  }

  /** Copies one artifact (by digest, or the digest its first tag points to) and points `tags` at it. */
  async copyArtifact(srcRepo: string, dstRepo: string, ref: { digest: string | null; tags: string[] }): Promise<'copied' | 'skipped'> {
    this.check();
    const digest = ref.digest ?? await this.src.manifestDigest(srcRepo, ref.tags[0]);
    if (!digest) throw new HarborError('NOT_FOUND', `${srcRepo}:${ref.tags[0]} is not on ${this.src.label}`);
    const top = await this.src.manifest(srcRepo, digest);
    if (!top) throw new HarborError('NOT_FOUND', `${srcRepo}@${digest} is not on ${this.src.label}`);
    if (this.o.imagesOnly && !isImageManifest(top.mediaType, top.content)) {
      this.o.log(`skip ${srcRepo}@${digest}: not an image (resource filter)`);
      return 'skipped';
    }
    const tags: string[] = [];
    for (const t of ref.tags) {
      const there = await this.dst.manifestDigest(dstRepo, t);
      if (there === digest) {
        this.o.log(`${dstRepo}:${t} is already ${digest}`);
      } else if (there && !this.o.override) {
        this.o.log(`skip ${dstRepo}:${t}: the destination has it as ${there} and override is off`);
      } else {
        tags.push(t);
      }
    }
    if (ref.tags.length > 0 && tags.length === 0) {
      // Every tag is there already (new accessories may not be), or kept as it is: nothing else moves.
      if (await this.dst.manifestDigest(dstRepo, digest)) await this.copyAccessories(srcRepo, dstRepo, digest, new Set([digest]), 0);
      return 'skipped';
    }
    await this.copyManifest(srcRepo, dstRepo, top, new Set(), 0);
    for (const t of tags) {
      this.check();
      await this.dst.putManifest(dstRepo, t, top, null);
      this.o.log(`tagged ${dstRepo}:${t} → ${digest}`);
    }
    return 'copied';
  }

  /** Children and blobs, the manifest itself, then its accessories. */
  private async copyManifest(srcRepo: string, dstRepo: string, m: Manifest, seen: Set<string>, depth: number): Promise<void> {
    this.check();
    if (depth > MAX_DEPTH) throw new HarborError('BAD_REQUEST', `${srcRepo}@${m.digest}: manifests nest deeper than ${MAX_DEPTH}`);
    if (seen.has(m.digest)) return;
    seen.add(m.digest);
    if (await this.dst.manifestDigest(dstRepo, m.digest)) {
      this.o.log(`${dstRepo}@${m.digest} is already there`);
    } else {
      const parsed = parseManifest(m.content, m.mediaType);
      for (const child of parsed.manifests) {
        const c = await this.src.manifest(srcRepo, child.digest);
        if (!c) throw new HarborError('NOT_FOUND', `${srcRepo}@${child.digest} (a child of ${m.digest}) is not on ${this.src.label}`);
        await this.copyManifest(srcRepo, dstRepo, c, seen, depth + 1);
      }
      for (const b of parsed.blobRefs) await this.copyBlob(srcRepo, dstRepo, b);
      this.check();
      await this.dst.putManifest(dstRepo, m.digest, m, parsed.subject);
      this.o.log(`pushed ${dstRepo}@${m.digest} (${m.mediaType})`);
    }
    await this.copyAccessories(srcRepo, dstRepo, m.digest, seen, depth);
  }

  private async copyAccessories(srcRepo: string, dstRepo: string, digest: string, seen: Set<string>, depth: number): Promise<void> {
    for (const r of await this.src.referrers(srcRepo, digest)) {
      if (seen.has(r.digest)) continue;
      const a = await this.src.manifest(srcRepo, r.digest);
      if (!a) continue;
      this.o.log(`accessory ${r.digest} (${r.artifactType ?? r.mediaType}) of ${digest}`);
      await this.copyManifest(srcRepo, dstRepo, a, seen, depth + 1);
    }
  }

  private async copyBlob(srcRepo: string, dstRepo: string, b: Descriptor): Promise<void> {
    this.check();
    if (await this.dst.hasBlob(dstRepo, b.digest)) {
      this.o.log(`blob ${b.digest} is already there`);
      return;
    }
    const from = this.pushed.get(b.digest);
    if (from && from !== dstRepo && await this.dst.mountBlob(dstRepo, b.digest, from)) {
      this.o.log(`mounted blob ${b.digest} from ${from}`);
      return;
    }
    this.o.progress({ total: b.size });
    const open = async (range?: Range): Promise<Readable> => this.meter(await this.src.openBlob(srcRepo, b.digest, b.size, range));
    await this.dst.pushBlob(dstRepo, b.digest, b.size, open, this.o.chunkSize);
    this.pushed.set(b.digest, dstRepo);
    this.o.log(`copied blob ${b.digest} (${b.size} bytes)`);
  }

  /** The source stream through the speed limit and the byte counter; a stop ends it with an error. */
  private meter(body: Readable): Readable {
    const signal = this.o.signal;
    const progress = this.o.progress;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (signal.aborted) return done(new Stopped());
        progress({ bytes: chunk.length });
        done(null, chunk);
      },
    });
    const out = new PassThrough();
    const stages: (Readable | Transform | PassThrough)[] = [body, ...(this.o.speed > 0 ? [speedLimit(this.o.speed)] : []), count, out];
    pipeline(stages as unknown as [Readable, PassThrough], () => undefined);
    return out;
  }

  /** Deletes an artifact (by digest) at the destination. */
  async deleteArtifact(dstRepo: string, digest: string): Promise<'deleted' | 'absent'> {
    this.check();
    return (await this.dst.deleteManifest(dstRepo, digest)) ? 'deleted' : 'absent';
  }
}
