// The registry's domain logic (OCI distribution-spec v1.1): repositories inside projects, blob
// uploads, manifests, tags, referrers. No HTTP and no SQL: it takes its stores as arguments.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { digestOf, parseDigest } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/mediatypes.js';
import { isValidTag, parseRepositoryName } from '../oci/name.js';
import { KeyedSerializer } from '../storage/blobs/serial.js';
import type { BlobStore, ByteRange } from '../storage/blobs/types.js';
import type { MetaStores, Page, Project, QuotaShortfall, ReferrerDescriptor, StoredManifest } from '../storage/meta/index.js';
import { parseStoredJson } from '../core/json.js';
import { accessoryType } from './artifacts.js';
import { BlobLocks } from './blob-locks.js';
import { ManifestCache } from './manifest-cache.js';
import { tookOver, UploadWriter } from './upload-writer.js';
import type { TagGuardFor } from './immutable.js';
import { quotaExceeded } from './quotas.js';

export interface RegistryOptions {
  /** An upload session idle this long is abandoned and its bytes removed. */
  uploadTtlMs: number;
  clock?: () => number;
  /**
   * Told of every manifest stored (after its transaction committed), for work that follows a push
   * without holding it up, such as SBOM generation. It must not throw; it is not awaited.
   */
  onManifestPut?: (event: ManifestPutEvent) => void;
  /** Refuses moving or deleting an immutable tag (services/immutable.ts), inside the store's write. */
  tagGuard?: TagGuardFor;
  /** Told of a write the project's quota refused (webhooks' QUOTA_EXCEED); must not throw. */
  onQuotaExceeded?: (repo: ResolvedRepository, shortfall: QuotaShortfall, message: string) => void;
  /**
   * Told of each write the quota let through (a blob linked, a manifest stored; `artifact` for a
   * manifest): webhooks' QUOTA_WARNING looks at the usage then. Must not throw; not awaited.
   */
  onQuotaCharged?: (repo: ResolvedRepository, artifact?: { digest: string; tag: string }) => void;
  /** The write barrier shared with garbage collection (one per process; services/gc.ts). */
  locks?: BlobLocks;
  /**
   * A pull policy beyond content trust, checked on manifest GET after it (prevent_vul: services/scans.ts);
   * `puller` is who asks (the token's subject or the user). Throws to refuse.
   */
  pullPolicy?: (repo: ResolvedRepository, digest: string, mediaType: string, puller: string) => Promise<void>;
}

export interface ManifestPutEvent {
  repository: string;
  project: Project;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  subject: string | null;
  /** The tag the manifest was pushed under, null when pushed by digest. */
  tag: string | null;
}

export interface ResolvedRepository { name: string; project: Project }

/** A blob to send: its bytes (stream), nothing (HEAD, empty), or a URL the client GETs it from instead. */
export interface BlobRead { size: number; range: ByteRange | null; stream: Readable | null; redirect?: string }

/** What a request body promises: where it starts in the upload and how many bytes it carries. */
export interface ChunkInfo { start?: number; length?: number }

export const MAX_PAGE_SIZE = 1000;
const MAX_TAGS_UNPAGED = 10_000;

export class RegistryService {
  private readonly now: () => number;
  /** Manifests read by GET/HEAD, exact while the database is unchanged (services/manifest-cache.ts). */
  private readonly manifests = new ManifestCache();
  protected readonly locks: BlobLocks;

  constructor(
    readonly stores: Pick<MetaStores, 'projects' | 'content' | 'uploads'>,
    readonly blobs: BlobStore,
    private readonly log: Logger,
    private readonly opts: RegistryOptions,
  ) {
    this.now = opts.clock ?? Date.now;
    this.locks = opts.locks ?? new BlobLocks();
  }

  /** Writes to one upload within this process, in arrival order (across replicas: UploadWriter). */
  private readonly uploadQueue = new KeyedSerializer();

  /** Validates a repository name and finds its project; NAME_UNKNOWN when the project does not exist. */
  async resolveRepository(name: string, known?: Project): Promise<ResolvedRepository> {
    const parsed = parseRepositoryName(name);
    const project = known?.name === parsed.project ? known : await this.stores.projects.getProject(parsed.project);
    if (!project) throw new HarborError('NAME_UNKNOWN', `project ${parsed.project} not found`, { detail: { name } });
    return { name, project };
  }

  /** The quota error of a refused write, told to onQuotaExceeded. */
  private refused(repo: ResolvedRepository, q: QuotaShortfall): HarborError {
    const e = quotaExceeded(q, repo.project.name);
    this.opts.onQuotaExceeded?.(repo, q, e.message);
    return e;
  }

  // ---- blobs

  async statBlob(repo: ResolvedRepository, digest: string): Promise<number> {
    return this.linkedSize(repo, digest);
  }

  /** The size of a blob the repository has (BLOB_UNKNOWN when it has not): what every blob read checks first. */
  protected async linkedSize(repo: ResolvedRepository, digest: string): Promise<number> {
    parseDigest(digest);
    const link = await this.stores.content.getBlobLink(repo.name, digest);
    if (!link) throw new HarborError('BLOB_UNKNOWN', undefined, { detail: { digest } });
    return link.size;
  }

  /**
   * A blob to send: its size, the part `pickRange` chose from that size (null for all of it) and,
   * unless only the size is wanted (HEAD) or there is nothing to send, a stream of the bytes.
   */
  async readBlob(repo: ResolvedRepository, digest: string, pickRange: (size: number) => ByteRange | null, sizeOnly: boolean): Promise<BlobRead> {
    return this.readStored(digest, await this.linkedSize(repo, digest), pickRange, sizeOnly);
  }

  protected async readStored(digest: string, size: number, pickRange: (size: number) => ByteRange | null, sizeOnly: boolean): Promise<BlobRead> {
    const range = pickRange(size);
    if (sizeOnly || size === 0) return { size, range, stream: null };
    // A store that serves its blobs itself (S3 with redirect=true): the client fetches them there.
    const redirect = this.blobs.redirectUrl && await this.blobs.redirectUrl(digest); // no await for a store that has none
    if (redirect) return { size, range, stream: null, redirect };
    // The whole blob as a range too: the store need not look its size up again.
    return { size, range, stream: await this.blobs.read(digest, range ?? { start: 0, end: size - 1 }) };
  }

  /** Upstream redirects of a proxy-cache project (Docker Hub's library/); none for a registry of its own. */
  async redirectFor(_repo: ResolvedRepository): Promise<string | null> {
    return null;
  }

  /** Unlinks a blob from the repository; its bytes stay until garbage collection. */
  async deleteBlob(repo: ResolvedRepository, digest: string): Promise<void> {
    parseDigest(digest);
    if (!(await this.stores.content.unlinkBlob(repo.name, digest))) throw new HarborError('BLOB_UNKNOWN', undefined, { detail: { digest } });
  }

  // ---- uploads

  async startUpload(repo: ResolvedRepository): Promise<string> {
    const id = randomUUID();
    const t = this.now();
    // The session row comes before the bytes: a directory without a row is always a crash leftover.
    await this.stores.uploads.createUpload({ id, repository: repo.name, createdAt: t, updatedAt: t });
    await this.blobs.createUpload(id);
    return id;
  }

  /** Cross-repository mount: true when the blob was linked, false when the client must upload it. */
  async mountBlob(repo: ResolvedRepository, digest: string, from: string | undefined): Promise<boolean> {
    parseDigest(digest);
    if (!from) return false;
    let source: ResolvedRepository;
    try {
      source = await this.resolveRepository(from);
    } catch {
      return false;
    }
    // Under the barrier: GC cannot delete the bytes between the check that they are there and the link.
    return this.locks.hold(digest, async () => {
      const link = await this.stores.content.getBlobLink(source.name, digest);
      if (!link || (await this.blobs.stat(digest)) === null) return false;
      // A mount into another project adds the blob to that project's usage: its quota decides.
      const r = await this.stores.content.linkBlob(repo.name, repo.project.id, link);
      if (!r.ok) throw this.refused(repo, r.quota);
      this.opts.onQuotaCharged?.(repo);
      return true;
    });
  }

  /** POST ?digest=: the whole blob in one request. */
  async uploadMonolithic(repo: ResolvedRepository, digest: string, body: AsyncIterable<Uint8Array>, chunk: ChunkInfo): Promise<number> {
    parseDigest(digest);
    const id = await this.startUpload(repo);
    try {
      await this.blobs.append(id, body, 0, chunk.length);
      return await this.commit(repo, id, digest);
    } catch (e) {
      await this.dropUpload(id);
      throw e;
    }
  }

  /** The session and the size the database accepted (the blob store's for a session older than that column). */
  private async session(repo: ResolvedRepository, id: string): Promise<{ id: string; size: number; claimed: boolean }> {
    const s = await this.stores.uploads.getUpload(id);
    const size = s && s.repository === repo.name ? s.size ?? await this.blobs.uploadSize(id) : null;
    if (size === null || size === undefined) throw new HarborError('BLOB_UPLOAD_UNKNOWN', undefined, { detail: { uuid: id } });
    return { id, size, claimed: (s?.claimedAt ?? null) !== null };
  }

  /**
   * Runs `write` as the upload's only writer (services/upload-writer.ts), one request after the
   * other within this process as well, so chunks a client sends back to back queue up here.
   */
  private writing<T>(repo: ResolvedRepository, id: string, start: number | undefined, write: (w: UploadWriter, size: number) => Promise<T>): Promise<T> {
    return this.uploadQueue.run(id, async () => {
      const s = await this.session(repo, id);
      const at = start ?? s.size;
      const w = await UploadWriter.claim(this.stores.uploads, id, s.size, at, this.now);
      // Someone held a claim when we looked: if it was a replica that died writing, drop whatever of
      // its chunk it stored past the size the database accepted (which the claim just proved is `at`).
      if (s.claimed) await this.blobs.truncateUpload(id, at).catch(async (e: unknown) => { await w.release(null); throw e; });
      return write(w, at);
    });
  }

  async uploadStatus(repo: ResolvedRepository, id: string): Promise<number> {
    return (await this.session(repo, id)).size;
  }

  /** PATCH: appends one chunk; a chunk that does not start at the current size is refused (416). */
  async appendUpload(repo: ResolvedRepository, id: string, body: AsyncIterable<Uint8Array>, chunk: ChunkInfo): Promise<number> {
    return this.writing(repo, id, chunk.start, async (w, start) => {
      let size: number;
      try {
        size = await this.blobs.append(id, w.guard(body), start, chunk.length);
      } catch (e) {
        await w.release(null).catch(() => false); // the write's own error is the one to report
        throw e;
      }
      if (!(await w.release(size))) throw tookOver();
      return size;
    });
  }

  /** PUT ?digest=: the optional last chunk, then verify and commit. */
  async completeUpload(repo: ResolvedRepository, id: string, digest: string | undefined, body: AsyncIterable<Uint8Array> | null, chunk: ChunkInfo): Promise<number> {
    const d = parseDigest(digest, 'digest parameter');
    return this.writing(repo, id, chunk.start, async (w, start) => {
      let size: number | null = null;
      try {
        if (body) size = await this.blobs.append(id, w.guard(body), start, chunk.length);
        const committed = await this.commit(repo, id, d.digest);
        w.done();
        return committed;
      } catch (e) {
        // The session may be gone (a refused quota ends it): then there is nothing to release.
        await w.release(size).catch(() => false);
        throw e;
      }
    });
  }

  /**
   * Verify and move the bytes into place, then link them into the repository under the project's
   * quota. A refused link leaves the bytes unreferenced (garbage collection's to remove, like any
   * unlinked blob) and ends the session: the client has to start over, as with Harbor.
   */
  private async commit(repo: ResolvedRepository, id: string, digest: string): Promise<number> {
    // The bytes move into place and get their link under the barrier: GC never sees one without the other.
    const { size, r } = await this.locks.hold(digest, async () => {
      const size = await this.blobs.commit(id, digest);
      return { size, r: await this.stores.content.linkBlob(repo.name, repo.project.id, { digest, size }) };
    });
    await this.stores.uploads.deleteUpload(id);
    if (!r.ok) throw this.refused(repo, r.quota);
    this.opts.onQuotaCharged?.(repo);
    return size;
  }

  async cancelUpload(repo: ResolvedRepository, id: string): Promise<void> {
    await this.session(repo, id);
    await this.dropUpload(id);
  }

  private async dropUpload(id: string): Promise<void> {
    await this.blobs.cancelUpload(id);
    await this.stores.uploads.deleteUpload(id);
  }

  /**
   * Removes sessions idle longer than the TTL, and upload bytes that have no session at all; with
   * dryRun only counts them. Returns how many and their bytes.
   */
  async purgeUploads(opts: { dryRun?: boolean } = {}): Promise<{ count: number; bytes: number }> {
    const out = { count: 0, bytes: 0 };
    const drop = async (id: string, withSession: boolean): Promise<void> => {
      out.count++;
      out.bytes += (await this.blobs.uploadSize(id)) ?? 0;
      if (opts.dryRun) return;
      if (withSession) await this.dropUpload(id);
      else await this.blobs.cancelUpload(id);
    };
    for (const s of await this.stores.uploads.listUploadsBefore(this.now() - this.opts.uploadTtlMs)) await drop(s.id, true);
    for (const id of await this.blobs.listUploads()) {
      if (!(await this.stores.uploads.getUpload(id))) await drop(id, false);
    }
    if (out.count && !opts.dryRun) this.log.info('purged upload sessions', { count: out.count });
    return out;
  }

  // ---- manifests

  /** Checks a manifest reference: a tag, or a digest. */
  private checkReference(reference: string): { digest: string | null } {
    if (reference.includes(':')) return { digest: parseDigest(reference, 'manifest digest').digest };
    if (!isValidTag(reference)) throw new HarborError('TAG_INVALID', `invalid tag ${JSON.stringify(reference.slice(0, 200))}`);
    return { digest: null };
  }

  /**
   * The reference of a manifest read: a string that cannot be a tag names no manifest, so 404
   * MANIFEST_UNKNOWN as Distribution answers (conformance v1.1.1); a write is told the tag is invalid.
   * A malformed digest stays 400 DIGEST_INVALID.
   */
  protected readReference(reference: string): { digest: string | null } {
    if (!reference.includes(':') && !isValidTag(reference)) throw new HarborError('MANIFEST_UNKNOWN', undefined, { detail: { reference: reference.slice(0, 200) } });
    return this.checkReference(reference);
  }

  async readManifestBody(body: AsyncIterable<Uint8Array>, declaredLength: number | undefined): Promise<Buffer> {
    const tooBig = (): HarborError => new HarborError('SIZE_INVALID', `manifest exceeds the ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB limit`, { status: 413 });
    if (declaredLength !== undefined && declaredLength > MAX_MANIFEST_BYTES) throw tooBig();
    const chunks: Uint8Array[] = [];
    let n = 0;
    for await (const c of body) {
      n += c.length;
      if (n > MAX_MANIFEST_BYTES) throw tooBig();
      chunks.push(c);
    }
    return Buffer.concat(chunks, n);
  }

  async putManifest(repo: ResolvedRepository, reference: string, contentType: string | undefined, content: Buffer): Promise<{ digest: string; subject: string | null }> {
    const ref = this.checkReference(reference);
    const m = parseManifest(content, contentType);
    const algorithm = ref.digest ? parseDigest(ref.digest).algorithm : 'sha256';
    const digest = digestOf(content, algorithm);
    if (ref.digest && ref.digest !== digest) {
      throw new HarborError('DIGEST_INVALID', 'manifest digest does not match the reference', { detail: { reference, actual: digest } });
    }
    const tag = ref.digest ? null : reference;
    const guard = tag === null ? undefined : await this.opts.tagGuard?.(repo.project.id, repo.name);
    const res = await this.stores.content.putManifest(repo.name, repo.project.id, {
      digest,
      mediaType: m.mediaType,
      artifactType: m.artifactType,
      size: content.length,
      content,
      subject: m.subject?.digest ?? null,
      annotations: m.annotations,
      blobRefs: [...new Set(m.blobRefs.map((d) => d.digest))],
      manifestRefs: [...new Set(m.manifests.map((d) => d.digest))],
    }, tag, guard);
    if (!res.ok && res.quota) throw this.refused(repo, res.quota);
    if (!res.ok) {
      const missing = [...res.missingBlobs, ...res.missingManifests];
      throw new HarborError('MANIFEST_BLOB_UNKNOWN', `manifest references ${missing.length} unknown ${res.missingManifests.length ? 'manifest(s) or blob(s)' : 'blob(s)'}: ${missing.slice(0, 3).join(', ')}`, {
        detail: { blobs: res.missingBlobs, manifests: res.missingManifests },
      });
    }
    this.opts.onManifestPut?.({
      repository: repo.name, project: repo.project, digest, mediaType: m.mediaType, artifactType: m.artifactType,
      subject: m.subject?.digest ?? null, tag: ref.digest ? null : reference,
    });
    this.opts.onQuotaCharged?.(repo, { digest, tag: tag ?? '' });
    return { digest, subject: m.subject?.digest ?? null };
  }

  async getManifest(repo: ResolvedRepository, reference: string): Promise<StoredManifest> {
    this.readReference(reference);
    const content = this.stores.content;
    const m = await this.manifests.get(repo.name, reference, await content.changeToken(), () => content.getManifest(repo.name, reference));
    if (!m) throw new HarborError('MANIFEST_UNKNOWN', undefined, { detail: { reference } });
    return m;
  }

  /**
   * Harbor's content trust on a manifest GET (middleware/contenttrust): in a project with
   * enable_content_trust_cosign, an artifact without a cosign signature accessory is refused (412
   * PROJECTPOLICYVIOLATION), unless it is itself a signature or the caller is a signing tool that
   * may push there (cosign and notation read the manifest before they sign it).
   */
  async checkPullPolicy(repo: ResolvedRepository, m: StoredManifest, signer: () => Promise<boolean>, puller = ''): Promise<void> {
    await this.checkCosign(repo, m, signer);
    await this.opts.pullPolicy?.(repo, m.digest, m.mediaType, puller);
  }

  private async checkCosign(repo: ResolvedRepository, m: StoredManifest, signer: () => Promise<boolean>): Promise<void> {
    if (repo.project.metadata.enable_content_trust_cosign !== 'true') return;
    const doc = parseStoredJson(m.content.toString('utf8')) as { subject?: unknown; artifactType?: unknown; config?: { mediaType?: unknown } } | null;
    const type = doc?.artifactType ?? doc?.config?.mediaType;
    if (doc?.subject && typeof type === 'string' && accessoryType(type).startsWith('signature.')) return;
    const refs = await this.stores.content.listReferrers(repo.name, m.digest);
    if (refs.some((r) => accessoryType(r.artifactType) === 'signature.cosign')) return;
    if (await signer()) return;
    throw new HarborError('PROJECTPOLICYVIOLATION', 'The image is not signed by cosign.');
  }

  /** By digest: the manifest and every tag on it. By tag: only that tag. */
  async deleteManifest(repo: ResolvedRepository, reference: string): Promise<void> {
    const ref = this.checkReference(reference);
    const guard = await this.opts.tagGuard?.(repo.project.id, repo.name);
    const done = ref.digest ? await this.stores.content.deleteManifest(repo.name, ref.digest, guard) : await this.stores.content.deleteTag(repo.name, reference, guard);
    if (!done) throw new HarborError('MANIFEST_UNKNOWN', undefined, { detail: { reference } });
  }

  // ---- listings

  async listTags(repo: ResolvedRepository, page: Page): Promise<{ tags: string[]; next: string | null }> {
    // Without ?n= the spec asks for every tag; a very large repository still gets a Link to go on.
    const n = Math.min(page.n ?? MAX_TAGS_UNPAGED, MAX_TAGS_UNPAGED);
    const tags = await this.stores.content.listTags(repo.name, { n: n + 1, last: page.last });
    if (tags === null) throw new HarborError('NAME_UNKNOWN', 'repository not found', { detail: { name: repo.name } });
    return paginate(tags, n);
  }

  async catalog(page: Page): Promise<{ repositories: string[]; next: string | null }> {
    const n = Math.min(page.n ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const { tags, next } = paginate(await this.stores.content.listRepositories({ n: n + 1, last: page.last }), n);
    return { repositories: tags, next };
  }

  async referrers(repo: ResolvedRepository, subject: string, artifactType?: string): Promise<{ mediaType: string; schemaVersion: 2; manifests: ReferrerDescriptor[] }> {
    parseDigest(subject, 'subject digest');
    return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: await this.stores.content.listReferrers(repo.name, subject, artifactType) };
  }
}

function paginate(rows: string[], n: number): { tags: string[]; next: string | null } {
  if (rows.length > n) {
    const page = rows.slice(0, n);
    return { tags: page, next: page.length ? page[page.length - 1] : null };
  }
  return { tags: rows, next: null };
}

/** Parses a `?n=` page size; PAGINATION_NUMBER_INVALID when it is not a non-negative integer. */
export function parsePageSize(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new HarborError('PAGINATION_NUMBER_INVALID', `n must be a non-negative integer, got ${JSON.stringify(v.slice(0, 20))}`);
  return Number(v);
}
