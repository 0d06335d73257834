// Proxy-cache projects: the registry's read paths with an upstream behind them. A decorator of
// RegistryService (as distribution's proxyblobstore wraps its blob store): a project without a
// registry_id takes the plain paths; a proxy project serves what it has, takes what it lacks from
// the upstream while storing it, and refuses pushes (harbor-notes §6).
//
// What the upstream is asked, and when:
// - a manifest by digest: never once cached;
// - a tag: one HEAD per revalidation interval (single-flight per tag); a moved tag fetches the new
//   manifest; any failure (unreachable, timeout, 429, 5xx, refused credential) serves the cached
//   copy and logs it; only with nothing cached does the client get the upstream's error;
// - a blob: one GET, streamed to the first client while it is written to the store; concurrent
//   requests for the same digest wait for that one fetch and are then served locally. Across
//   replicas on one database the fetch holds the database lock `proxy:<digest>` (ProxyOptions.locks):
//   a replica that finds it held waits for that fetch to end and serves what it stored.
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { parseDigest } from '../oci/digest.js';
import { parseManifest } from '../oci/manifest.js';
import type { BlobStore, ByteRange } from '../storage/blobs/types.js';
import type { MetaStores, Page, Project, StoredManifest } from '../storage/meta/index.js';
import { RegistryService, type BlobRead, type RegistryOptions, type ResolvedRepository } from './registry.js';
import type { Lease, Locks } from './locks.js';
import { UpstreamClient, UpstreamError, type UpstreamEndpoint } from './upstream.js';

export interface ProxyOptions {
  /** A cached tag is checked against the upstream at most once per this many ms (default 5 minutes). */
  revalidateMs?: number;
  /** How long an upstream may take to answer (connect, headers) before the cache is served instead. */
  upstreamTimeoutMs?: number;
  /** Database locks: one upstream fetch of a blob across every replica on the database. */
  locks?: Locks;
}

export const DEFAULT_REVALIDATE_MS = 5 * 60_000;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 15_000;
/** After an upstream failure, cached content is served without asking it again for this long. */
const FAILURE_BACKOFF_MS = 30_000;

/** The endpoint as stored, with its secret opened (RegistryEndpointService.endpointFor). */
export type EndpointLookup = (id: number) => Promise<(UpstreamEndpoint & { name: string; updatedAt: string }) | null>;

interface Upstream { client: UpstreamClient; name: string; registryId: number }

/** One blob fetch in flight: its size once the upstream answered, and the end of the store write. */
interface Fetch { done: Promise<void> }

export class ProxyRegistry extends RegistryService {
  private readonly revalidateMs: number;
  private readonly timeoutMs: number;
  private readonly clock: () => number;
  private readonly clients = new Map<number, { updatedAt: string; client: UpstreamClient; name: string }>();
  private readonly fetches = new Map<string, Fetch>();
  private readonly revalidations = new Map<string, Promise<StoredManifest>>();
  /** Per endpoint: until when the upstream is left alone after a failure (cached content only). */
  private readonly backoff = new Map<number, number>();

  private readonly proxyStores: Pick<MetaStores, 'registries'>;
  private readonly shared: Locks | undefined;

  constructor(
    stores: Pick<MetaStores, 'projects' | 'content' | 'uploads' | 'registries'>,
    blobs: BlobStore,
    private readonly logger: Logger,
    opts: RegistryOptions,
    private readonly endpoints: EndpointLookup,
    proxy: ProxyOptions = {},
  ) {
    super(stores, blobs, logger, opts);
    this.proxyStores = stores;
    this.revalidateMs = proxy.revalidateMs ?? DEFAULT_REVALIDATE_MS;
    this.timeoutMs = proxy.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    this.clock = opts.clock ?? Date.now;
    this.shared = proxy.locks;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.fetches.values()].map((f) => f.done));
    await Promise.all([...this.clients.values()].map((c) => c.client.close()));
    this.clients.clear();
  }

  // ---- upstream

  private async upstreamOf(project: Project): Promise<Upstream> {
    const id = project.registryId!;
    const row = await this.proxyStores.registries.getRegistryById(id);
    if (!row) throw new HarborError('UPSTREAM_ERROR', `the upstream registry ${id} of proxy-cache project ${project.name} no longer exists`);
    const cur = this.clients.get(id);
    if (cur && cur.updatedAt === row.updatedAt) return { client: cur.client, name: cur.name, registryId: id };
    const ep = await this.endpoints(id);
    if (!ep) throw new HarborError('UPSTREAM_ERROR', `the upstream registry ${id} of proxy-cache project ${project.name} no longer exists`);
    const client = new UpstreamClient(ep, this.timeoutMs);
    this.clients.set(id, { updatedAt: ep.updatedAt, client, name: ep.name });
    if (cur) void cur.client.close().catch(() => undefined);
    return { client, name: ep.name, registryId: id };
  }

  /** The repository's name upstream: the local name without the project. */
  private remoteName(repo: ResolvedRepository): string {
    return repo.name.slice(repo.project.name.length + 1);
  }

  private inBackoff(up: Upstream): boolean {
    return (this.backoff.get(up.registryId) ?? 0) > this.clock();
  }

  private failed(up: Upstream, repo: ResolvedRepository, what: string, e: UpstreamError, served: boolean): void {
    if (e.kind !== 'not-found') this.backoff.set(up.registryId, this.clock() + Math.min(this.revalidateMs, FAILURE_BACKOFF_MS));
    this.logger.warn(served ? 'proxy cache: upstream failed, serving the cached copy' : 'proxy cache: upstream failed and nothing is cached', {
      project: repo.project.name, repository: repo.name, reference: what, upstream: up.name, failure: e.kind, reason: e.message,
    });
  }

  /** The client's error when the upstream failed and nothing is cached. */
  private clientError(e: unknown, what: 'manifest' | 'blob', ref: string): unknown {
    if (!(e instanceof UpstreamError)) return e;
    if (e.kind === 'not-found') return new HarborError(what === 'manifest' ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN', `${e.message}, and it is not cached`, { detail: { reference: ref } });
    if (e.kind === 'rate-limited') return new HarborError('TOOMANYREQUESTS', `${e.message}; ${ref} is not cached yet`, { detail: { reference: ref } });
    return new HarborError('UPSTREAM_ERROR', `${e.message}; ${ref} is not cached yet`, { status: e.kind === 'timeout' ? 504 : 502, detail: { reference: ref, failure: e.kind } });
  }

  // ---- pushes are refused

  private refusePush(repo: ResolvedRepository): void {
    if (repo.project.registryId !== null) throw new HarborError('DENIED', `can not push artifact to a proxy project: ${repo.project.name}`);
  }

  override async startUpload(repo: ResolvedRepository): Promise<string> {
    this.refusePush(repo);
    return super.startUpload(repo);
  }

  override async mountBlob(repo: ResolvedRepository, digest: string, from: string | undefined): Promise<boolean> {
    this.refusePush(repo);
    return super.mountBlob(repo, digest, from);
  }

  override async uploadMonolithic(...args: Parameters<RegistryService['uploadMonolithic']>): Promise<number> {
    this.refusePush(args[0]);
    return super.uploadMonolithic(...args);
  }

  override async uploadStatus(repo: ResolvedRepository, id: string): Promise<number> {
    this.refusePush(repo);
    return super.uploadStatus(repo, id);
  }

  override async appendUpload(...args: Parameters<RegistryService['appendUpload']>): Promise<number> {
    this.refusePush(args[0]);
    return super.appendUpload(...args);
  }

  override async completeUpload(...args: Parameters<RegistryService['completeUpload']>): Promise<number> {
    this.refusePush(args[0]);
    return super.completeUpload(...args);
  }

  override async cancelUpload(repo: ResolvedRepository, id: string): Promise<void> {
    this.refusePush(repo);
    return super.cancelUpload(repo, id);
  }

  override async putManifest(...args: Parameters<RegistryService['putManifest']>): ReturnType<RegistryService['putManifest']> {
    this.refusePush(args[0]);
    return super.putManifest(...args);
  }

  // ---- Docker Hub's library/

  /** Harbor answers a single-segment name of a Docker Hub proxy with a 301 to `<project>/library/<name>`. */
  override async redirectFor(repo: ResolvedRepository): Promise<string | null> {
    const remote = this.remoteName(repo);
    if (remote.includes('/')) return null;
    const row = await this.proxyStores.registries.getRegistryById(repo.project.registryId!);
    return row?.type === 'docker-hub' ? `${repo.project.name}/library/${remote}` : null;
  }

  // ---- manifests

  override async getManifest(repo: ResolvedRepository, reference: string): Promise<StoredManifest> {
    if (repo.project.registryId === null) return super.getManifest(repo, reference);
    const byDigest = this.readReference(reference).digest !== null;
    const local = await this.stores.content.getManifest(repo.name, reference);
    if (local && byDigest) return local;
    if (local) {
      const checked = await this.proxyStores.registries.getTagRevalidation(repo.name, reference);
      if (checked !== null && this.clock() - Date.parse(checked) < this.revalidateMs) return local;
    }
    const key = `${repo.name}:${reference}`;
    let p = this.revalidations.get(key);
    if (!p) {
      p = this.fromUpstream(repo, reference, local).finally(() => this.revalidations.delete(key));
      this.revalidations.set(key, p);
    }
    return p;
  }

  /** Revalidates a tag (HEAD) or fetches what is not cached; serves `local` when the upstream fails. */
  private async fromUpstream(repo: ResolvedRepository, reference: string, local: StoredManifest | null): Promise<StoredManifest> {
    const up = await this.upstreamOf(repo.project);
    if (local && this.inBackoff(up)) return local;
    const remote = this.remoteName(repo);
    try {
      let digest = reference.includes(':') ? reference : '';
      if (!digest) {
        digest = (await up.client.headManifest(remote, reference)).digest;
        if (local && digest === local.digest) {
          await this.proxyStores.registries.markTagRevalidated(repo.name, reference);
          return local;
        }
        // The tag moved to a manifest the project already has (another tag, or pulled by digest).
        const known = digest ? await this.stores.content.getManifest(repo.name, digest) : null;
        if (known) return await this.store(repo, reference, known.content, known.mediaType, known.digest);
      }
      const m = await up.client.getManifest(remote, digest || reference);
      const stored = await this.store(repo, reference.includes(':') ? null : reference, m.content, m.mediaType, m.digest);
      if (local) this.logger.info('proxy cache: tag moved upstream', { repository: repo.name, tag: reference, from: local.digest, to: stored.digest });
      return stored;
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      if (local && e.kind !== 'not-found') {
        this.failed(up, repo, reference, e, true);
        return local;
      }
      this.failed(up, repo, reference, e, false);
      throw this.clientError(e, 'manifest', `${repo.name}:${reference}`);
    }
  }

  /**
   * Keeps an upstream manifest in the project before its blobs (they come as clients pull them), and
   * moves the tag. Quota applies as to a push; a refusal still serves the manifest, uncached.
   */
  private async store(repo: ResolvedRepository, tag: string | null, content: Buffer, contentType: string, digest: string): Promise<StoredManifest> {
    const m = parseManifest(content, contentType || undefined);
    const res = await this.stores.content.putManifest(repo.name, repo.project.id, {
      digest, mediaType: m.mediaType, artifactType: m.artifactType, size: content.length, content,
      subject: m.subject?.digest ?? null, annotations: m.annotations,
      blobRefs: [...new Set(m.blobRefs.map((d) => d.digest))], manifestRefs: [...new Set(m.manifests.map((d) => d.digest))], partial: true,
    }, tag);
    if (!res.ok) {
      this.logger.warn('proxy cache: the project quota is full; serving the manifest without caching it', { repository: repo.name, digest });
    } else if (tag !== null) {
      await this.proxyStores.registries.markTagRevalidated(repo.name, tag);
    }
    return { digest, mediaType: m.mediaType, size: content.length, content };
  }

  override async listTags(repo: ResolvedRepository, page: Page): Promise<{ tags: string[]; next: string | null }> {
    if (repo.project.registryId === null) return super.listTags(repo, page);
    // Harbor lists the local tags together with the upstream's, and the local ones alone when the upstream fails.
    const local = (await this.stores.content.listTags(repo.name, { n: 100_000 })) ?? [];
    let remote: string[] = [];
    const up = await this.upstreamOf(repo.project);
    if (!this.inBackoff(up)) {
      try {
        remote = await up.client.tags(this.remoteName(repo));
      } catch (e) {
        if (!(e instanceof UpstreamError)) throw e;
        if (e.kind !== 'not-found') this.failed(up, repo, 'tags/list', e, true);
      }
    }
    const all = [...new Set([...local, ...remote])].sort();
    if (!all.length && !(await this.stores.content.getRepository(repo.name))) {
      throw new HarborError('NAME_UNKNOWN', 'repository not found', { detail: { name: repo.name } });
    }
    const after = page.last ? all.filter((t) => t > page.last!) : all;
    const n = Math.min(page.n ?? after.length, 10_000);
    return after.length > n ? { tags: after.slice(0, n), next: after[n - 1] ?? null } : { tags: after, next: null };
  }

  // ---- blobs

  override async statBlob(repo: ResolvedRepository, digest: string): Promise<number> {
    if (repo.project.registryId === null) return super.statBlob(repo, digest);
    return (await this.readBlob(repo, digest, () => null, true)).size;
  }

  override async readBlob(repo: ResolvedRepository, digest: string, pickRange: (size: number) => ByteRange | null, sizeOnly: boolean): Promise<BlobRead> {
    if (repo.project.registryId === null) return super.readBlob(repo, digest, pickRange, sizeOnly);
    parseDigest(digest);
    const link = await this.stores.content.getBlobLink(repo.name, digest);
    if (link) return this.readStored(digest, link.size, pickRange, sizeOnly);
    const up = await this.upstreamOf(repo.project);
    const remote = this.remoteName(repo);
    try {
      const pending = this.fetches.get(digest);
      if (pending) {
        await pending.done;
        return await this.linkAndRead(repo, digest, pickRange, sizeOnly);
      }
      if (sizeOnly) {
        // HEAD of a blob not cached yet answers from the upstream, not 404.
        const size = await up.client.blobSize(remote, digest);
        if ((await this.blobs.stat(digest)) !== null) return await this.linkAndRead(repo, digest, pickRange, sizeOnly);
        return { size, range: pickRange(size), stream: null };
      }
      // No await between the look-up above and this: concurrent requests must find the one fetch.
      const fetched = await this.fetch(up, repo, remote, digest);
      if (!fetched) return await this.linkAndRead(repo, digest, pickRange, sizeOnly);
      const { size, stream, done } = fetched;
      const range = pickRange(size);
      if (!range && size > 0) return { size, range, stream };
      // A part of a blob not cached yet: take all of it, then serve the part from the store.
      stream.resume();
      await done;
      return await this.linkAndRead(repo, digest, pickRange, sizeOnly);
    } catch (e) {
      if (e instanceof UpstreamError) this.failed(up, repo, digest, e, false);
      throw this.clientError(e, 'blob', digest);
    }
  }

  /** Links a blob the store holds into the repository, under the project's quota (a refusal is logged). Returns its size. */
  private async link(repo: ResolvedRepository, digest: string): Promise<number> {
    return this.locks.hold(digest, () => this.linkHeld(repo, digest));
  }

  /** link(), for a caller that holds the digest's barrier already. */
  private async linkHeld(repo: ResolvedRepository, digest: string): Promise<number> {
    const size = await this.blobs.stat(digest);
    if (size === null) throw new HarborError('BLOB_UNKNOWN', undefined, { detail: { digest } });
    const r = await this.stores.content.linkBlob(repo.name, repo.project.id, { digest, size });
    if (!r.ok) this.logger.warn('proxy cache: the project quota is full; a cached blob is served but not kept', { repository: repo.name, digest });
    return size;
  }

  /** Serves a blob the store holds, linked into the repository when the quota allows (served either way). */
  private async linkAndRead(repo: ResolvedRepository, digest: string, pickRange: (size: number) => ByteRange | null, sizeOnly: boolean): Promise<BlobRead> {
    return this.readStored(digest, await this.link(repo, digest), pickRange, sizeOnly);
  }

  /**
   * One upstream GET of a blob: the bytes go to the store (verified against the digest, then linked)
   * and to the returned stream. The store write goes on if the client leaves, so the one fetch is
   * never wasted; requests that arrive meanwhile wait for `done`.
   */
  private async fetch(up: Upstream, repo: ResolvedRepository, remote: string, digest: string): Promise<{ size: number; stream: Readable; done: Promise<void> } | null> {
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const entry: Fetch = { done: new Promise<void>((resolve, reject) => { settle = { resolve, reject }; }) };
    entry.done.catch(() => undefined); // waiters see the failure; an unawaited one is not an unhandled rejection
    this.fetches.set(digest, entry);
    let body: Readable;
    let size: number;
    let lease: Lease | null = null;
    try {
      // Another replica fetching the blob: wait for it to end; then the bytes are here (or it failed and this one fetches).
      lease = this.shared ? await this.shared.acquire(`proxy:${digest}`) : null;
      // The bytes may be here for another repository: this one's upstream must still vouch for them (HEAD), no GET.
      if ((await this.blobs.stat(digest)) !== null) {
        await up.client.blobSize(remote, digest);
        await lease?.release();
        this.fetches.delete(digest);
        settle.resolve();
        return null;
      }
      ({ size, body } = await up.client.getBlob(remote, digest));
    } catch (e) {
      await lease?.release().catch(() => undefined);
      this.fetches.delete(digest);
      settle.reject(e);
      throw e;
    }
    const toStore = new PassThrough({ highWaterMark: 1 << 20 });
    const toClient = new PassThrough({ highWaterMark: 1 << 20 });
    const id = randomUUID();
    const t = this.clock();
    const write = (async () => {
      await this.stores.uploads.createUpload({ id, repository: repo.name, createdAt: t, updatedAt: t });
      await this.blobs.createUpload(id);
      try {
        await this.blobs.append(id, toStore, 0, size);
        // Committed and linked under the barrier, as an upload is (services/gc.ts).
        await this.locks.hold(digest, async () => {
          await this.blobs.commit(id, digest);
          await this.linkHeld(repo, digest);
        });
      } catch (e) {
        toStore.destroy(); // nobody reads it any more: the copy below stops feeding it
        await this.blobs.cancelUpload(id).catch(() => undefined);
        throw e;
      } finally {
        await this.stores.uploads.deleteUpload(id);
      }
    })();
    const copy = (async () => {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const waits: Promise<unknown>[] = [];
        if (!toStore.destroyed && !toStore.write(chunk)) waits.push(Promise.race([once(toStore, 'drain'), once(toStore, 'close')]));
        // The client's pace holds the fetch back only while the client is there.
        if (!toClient.destroyed && !toClient.write(chunk)) waits.push(Promise.race([once(toClient, 'drain'), once(toClient, 'close')]));
        await Promise.all(waits);
      }
      toStore.end();
      toClient.end();
    })();
    copy.catch((e: unknown) => {
      body.destroy();
      toStore.destroy(e as Error);
      toClient.destroy(e as Error);
    });
    Promise.all([write, copy]).finally(() => lease?.release()).then(
      () => settle.resolve(),
      (e: unknown) => {
        this.logger.warn('proxy cache: a blob fetch from the upstream failed', { repository: repo.name, digest, reason: (e as Error).message });
        settle.reject(e);
      },
    ).finally(() => this.fetches.delete(digest));
    return { size, stream: toClient, done: entry.done };
  }
}
