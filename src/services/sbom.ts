// SBOMs in the registry (issue 7, harbor-notes §4): generates an image's SBOM from its layers in the
// blob store (src/sbom) and stores it the way Harbor's scan job does (src/pkg/scan/util.go
// GenAccessoryArt): an OCI image manifest in the image's own repository, config media type
// `application/vnd.goharbor.harbor.sbom.v1` (with `artifactType` set to the same, which Harbor leaves
// out), the document as its single layer, `subject` = the image. Two such accessories per image:
//   SPDX 2.3 JSON       layer `application/vnd.oci.image.layer.v1.tar` (Harbor's), description "SPDX JSON SBOM"
//   CycloneDX 1.6 JSON  layer `application/vnd.cyclonedx+json`, description "CycloneDX JSON SBOM"
// Both go through the registry's own push path (blob links, quota, referrers). Generation runs in a
// small in-process queue (one job at a time), never while a push waits; its status is kept per
// manifest (Harbor's sbom_overview). No HTTP and no SQL here.
// The scan itself runs in a worker thread under the limits of ScanLimits (issue 13.1): a hostile
// layer fails its job with status Error and the reason, and the registry keeps answering meanwhile.
import { createHash, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { MediaType, isIndexMediaType } from '../oci/mediatypes.js';
import type { LayerSource, ScanLimits } from '../sbom/index.js';
import type { Locks } from './locks.js';
import type { BlobStore } from '../storage/blobs/types.js';
import type { MetaStores, SbomStatus } from '../storage/meta/index.js';
import type { ManifestPutEvent, RegistryService, ResolvedRepository } from './registry.js';

/** Harbor's SBOM accessory media type (config media type and, here, artifactType). */
export const SBOM_ARTIFACT_TYPE = 'application/vnd.goharbor.harbor.sbom.v1';
/** Harbor's accessory type for it (note the order of the words). */
export const SBOM_ACCESSORY_TYPE = 'sbom.harbor';
export const ANNOTATION_DESCRIPTION = 'org.opencontainers.artifact.description';

export type SbomFormat = 'spdx' | 'cyclonedx';

/** Per format: the layer media type and the description annotation that tell the two accessories apart. */
export const SBOM_FORMATS: Record<SbomFormat, { layerMediaType: string; description: string }> = {
  spdx: { layerMediaType: MediaType.ociLayerTar, description: 'SPDX JSON SBOM' },
  cyclonedx: { layerMediaType: 'application/vnd.cyclonedx+json', description: 'CycloneDX JSON SBOM' },
};

/** What sbom_overview.scanner names (Harbor's Scanner: name, vendor, version). */
export interface ScannerInfo { name: string; vendor: string; version: string }

export interface SbomServiceOptions {
  log: Logger;
  clock?: () => number;
  /** harborctl's version, for the documents' creator and the overview's scanner. */
  toolVersion: string;
  /**
   * Bounds of a scan (defaults: src/sbom DEFAULT_SCAN_LIMITS). `tmpDir` should be the service's own
   * directory: what a killed process left there is removed on the next start.
   */
  scanLimits?: Partial<ScanLimits>;
  /** Told when a generation ends, Success or Error (webhooks' SCANNING_COMPLETED and SCANNING_FAILED). */
  onFinished?: (repository: string, digest: string, status: SbomStatus) => void;
  /**
   * The SPDX document from the project's scanner adapter when it makes SBOMs (services/scans.ts),
   * null to generate it here. An adapter's SBOM is stored alone, as Harbor stores it (no CycloneDX twin).
   */
  external?: (projectId: number, repository: string, digest: string) => Promise<{ document: Buffer; scanner: string } | null>;
  /**
   * Database locks, for replicas sharing one database: a generation runs under `sbom:<repo>@<digest>`
   * and only while its status is still Pending or Running, so each request is generated once
   * however many replicas queued it; sweep() takes over what a dead replica left.
   */
  locks?: Locks;
}

const IMAGE_CONFIGS = new Set<string>([MediaType.ociConfig, MediaType.dockerConfig]);

interface ManifestDoc {
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType?: string; digest?: string };
  layers?: { mediaType: string; digest: string; size: number; urls?: string[] }[];
  manifests?: { mediaType?: string; digest: string; size: number; platform?: { os?: string } }[];
  subject?: unknown;
}

/** An image manifest (not an artifact, not an accessory) or an index: what an SBOM is made for. */
export function sbomTarget(mediaType: string, doc: ManifestDoc): 'image' | 'index' | null {
  if (doc.subject) return null;
  if (isIndexMediaType(mediaType)) return 'index';
  if (mediaType !== MediaType.ociManifest && mediaType !== MediaType.dockerManifest) return null;
  if (doc.artifactType !== undefined && !IMAGE_CONFIGS.has(doc.artifactType)) return null;
  return IMAGE_CONFIGS.has(doc.config?.mediaType ?? '') ? 'image' : null;
}

function parseDoc(content: Buffer): ManifestDoc {
  try {
    return JSON.parse(content.toString('utf8')) as ManifestDoc;
  } catch {
    return {};
  }
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** Go's time.RFC3339 in UTC, as Harbor writes its annotations. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The config blob Harbor's accessories carry: go-containerregistry's empty image with the one layer
 * appended (author and created_by "harbor", zero times), field order as Go marshals it.
 */
export function harborSbomConfig(layerDigest: string): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: '',
    created: '0001-01-01T00:00:00Z',
    history: [{ author: 'harbor', created: '0001-01-01T00:00:00Z', created_by: 'harbor' }],
    os: '',
    rootfs: { type: 'layers', diff_ids: [layerDigest] },
    config: {},
  }));
}

interface Job { repository: string; digest: string; force: boolean }

export class SbomService {
  private readonly now: () => number;
  private readonly queue: Job[] = [];
  private readonly queued = new Set<string>();
  private running: Promise<void> | null = null;
  /** The job in progress, for /jobservice. */
  private current: { repository: string; digest: string; startedAt: number } | null = null;
  /** Enqueues still writing their Pending status. */
  private starting = 0;
  private closed = false;
  private holds = 0;
  /** Jobs finished since start, for /metrics. */
  private succeeded = 0;
  private failed = 0;

  constructor(
    private readonly stores: Pick<MetaStores, 'content' | 'jobs'>,
    private readonly blobs: BlobStore,
    private readonly registry: RegistryService,
    private readonly opts: SbomServiceOptions,
  ) {
    this.now = opts.clock ?? Date.now;
  }

  get scanner(): ScannerInfo {
    return { name: 'harborctl', vendor: 'harborctl', version: this.opts.toolVersion };
  }

  /** Queues again what a previous run left Pending or Running. */
  async resume(): Promise<void> {
    if (this.opts.scanLimits?.tmpDir) await rm(this.opts.scanLimits.tmpDir, { recursive: true, force: true });
    await this.sweep();
  }

  /**
   * Queues every Pending or Running generation not queued here: what this process left before a
   * restart, and (with replicas) what another one queued or left. The lock and status check in run()
   * make sure each is generated once.
   */
  async sweep(): Promise<void> {
    for (const j of await this.stores.jobs.listUnfinishedSbom()) await this.enqueue(j.repository, j.digest, true, true);
  }

  /**
   * Asks for an SBOM of a manifest: CONFLICT while one is pending or running for it, 422 for what is
   * neither an image nor an index of images. Returns once the request is queued.
   */
  async request(repository: string, digest: string): Promise<void> {
    const m = await this.stores.content.getManifest(repository, digest);
    if (!m) throw new HarborError('NOT_FOUND', `artifact ${repository.slice(0, 300)}@${digest} not found`);
    const doc = parseDoc(m.content);
    const target = sbomTarget(m.mediaType, doc);
    if (!target || (target === 'index' && this.platformImages(doc).length === 0)) {
      throw new HarborError('UNPROCESSABLE_ENTITY', `${repository.slice(0, 300)}@${digest} is not a container image: there is nothing to make an SBOM of`);
    }
    const s = await this.stores.jobs.getSbomStatus(repository, digest);
    if (s && (s.status === 'Pending' || s.status === 'Running')) {
      throw new HarborError('CONFLICT', 'a previous sbom generate process is running');
    }
    await this.enqueue(repository, digest, true, false);
  }

  /** RegistryOptions.onManifestPut: auto generation when the project asks for it. Never throws. */
  onManifestPut(e: ManifestPutEvent): void {
    try {
      if (this.closed || e.project.metadata.auto_sbom_generation !== 'true' || e.subject) return;
      if (!isIndexMediaType(e.mediaType) && !(e.mediaType === MediaType.dockerManifest || IMAGE_CONFIGS.has(e.artifactType ?? ''))) return;
      this.enqueue(e.repository, e.digest, false, false).catch((err: unknown) => this.opts.log.error('could not queue SBOM generation', { repository: e.repository, digest: e.digest, error: err }));
    } catch (err) {
      this.opts.log.error('could not queue SBOM generation', { error: err });
    }
  }

  async status(repository: string, digest: string): Promise<SbomStatus | null> {
    return this.stores.jobs.getSbomStatus(repository, digest);
  }

  private async enqueue(repository: string, digest: string, force: boolean, resumed: boolean): Promise<void> {
    const key = `${repository}@${digest}`;
    if (this.closed || this.queued.has(key)) return;
    this.queued.add(key);
    this.starting++;
    try {
      // A resumed job keeps its status as it is (another replica may be running it).
      if (!resumed) {
        const prev = await this.stores.jobs.getSbomStatus(repository, digest);
        const pending: SbomStatus = {
          reportId: randomUUID(), status: 'Pending', startTime: null, endTime: null,
          sbomDigest: prev?.sbomDigest ?? null, cyclonedxDigest: prev?.cyclonedxDigest ?? null, error: null,
        };
        if (!(await this.stores.jobs.setSbomStatus(repository, digest, pending))) {
          this.queued.delete(key);
          return;
        }
      }
      this.queue.push({ repository, digest, force });
    } catch (e) {
      this.queued.delete(key);
      throw e;
    } finally {
      this.starting--;
    }
    this.kick();
  }

  /** Keeps queued jobs from starting until released (tests use it to see a Pending status). */
  hold(): { release(): void } {
    this.holds++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.holds--;
        this.kick();
      },
    };
  }

  private kick(): void {
    if (this.running || this.closed || this.holds > 0) return;
    const job = this.queue.shift();
    if (!job) return;
    this.current = { repository: job.repository, digest: job.digest, startedAt: this.now() };
    this.running = this.run(job)
      .catch((e: unknown) => this.opts.log.error('SBOM generation failed', { repository: job.repository, digest: job.digest, error: e }))
      .finally(() => {
        this.queued.delete(`${job.repository}@${job.digest}`);
        this.running = null;
        this.current = null;
        this.kick();
      });
  }

  /** The job in progress (/jobservice workers), null when none. */
  runningJob(): { repository: string; digest: string; startedAt: number } | null {
    return this.current;
  }

  /** The queue for /metrics: jobs waiting, and jobs that ended well or with an error since start. */
  queueStats(): { waiting: number; succeeded: number; failed: number } {
    return { waiting: this.queue.length, succeeded: this.succeeded, failed: this.failed };
  }

  /** Resolves once nothing is queued or running (tests; shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.running) await this.running;
      else if (this.starting > 0) await new Promise((r) => setImmediate(r));
      else if (this.queue.length && !this.closed && this.holds === 0) this.kick();
      else return;
    }
  }

  /** Stops taking work and waits for the job in progress; what is still queued stays Pending for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    while (this.running || this.starting > 0) {
      if (this.running) await this.running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  private platformImages(doc: ManifestDoc): { digest: string; mediaType?: string; size: number }[] {
    // Attestations (buildx puts them under platform unknown/unknown) are not images of their own;
    // an image the index names more than once is made one SBOM (a 4 MiB index can name 20,000).
    const seen = new Set<string>();
    return (doc.manifests ?? []).filter((m) => m.platform?.os !== 'unknown'
      && (m.mediaType === undefined || m.mediaType === MediaType.ociManifest || m.mediaType === MediaType.dockerManifest)
      && !seen.has(m.digest) && !!seen.add(m.digest));
  }

  private async setStatus(repository: string, digest: string, patch: Partial<SbomStatus>): Promise<SbomStatus | null> {
    const cur = await this.stores.jobs.getSbomStatus(repository, digest);
    if (!cur) return null;
    const next = { ...cur, ...patch };
    return (await this.stores.jobs.setSbomStatus(repository, digest, next)) ? next : null;
  }

  private async run(job: Job): Promise<void> {
    const lease = this.opts.locks ? await this.opts.locks.tryAcquire(`sbom:${job.repository}@${job.digest}`) : null;
    if (this.opts.locks && !lease) return; // another replica is generating it
    try {
      const cur = await this.stores.jobs.getSbomStatus(job.repository, job.digest);
      // Generated (or deleted) meanwhile, by this replica or another.
      if (cur?.status !== 'Pending' && cur?.status !== 'Running') return;
      await this.generateNow(job);
    } finally {
      await lease?.release();
    }
  }

  private async generateNow(job: Job): Promise<void> {
    const start = rfc3339(this.now());
    if (!(await this.setStatus(job.repository, job.digest, { status: 'Running', startTime: start, endTime: null, error: null }))) return;
    const finished = (st: SbomStatus | null): void => {
      if (st) this.opts.onFinished?.(job.repository, job.digest, st);
    };
    try {
      const repo = await this.registry.resolveRepository(job.repository);
      const m = await this.stores.content.getManifest(job.repository, job.digest);
      if (!m) return; // deleted meanwhile: its status went with it
      const doc = parseDoc(m.content);
      const target = sbomTarget(m.mediaType, doc);
      if (target === 'index') {
        await this.runIndex(repo, doc, job.force);
        finished(await this.setStatus(job.repository, job.digest, { status: 'Success', endTime: rfc3339(this.now()) }));
        this.succeeded++;
        return;
      }
      if (target !== 'image') throw new HarborError('UNPROCESSABLE_ENTITY', 'not a container image');
      const stored = await this.generate(repo, { mediaType: m.mediaType, digest: m.digest, size: m.size }, doc);
      finished(await this.setStatus(job.repository, job.digest, { status: 'Success', endTime: rfc3339(this.now()), sbomDigest: stored.spdx, cyclonedxDigest: stored.cyclonedx }));
      this.succeeded++;
      this.opts.log.info('generated SBOM', { repository: job.repository, digest: job.digest, sbom: stored.spdx });
    } catch (e) {
      this.failed++;
      const message = e instanceof Error ? e.message : String(e);
      finished(await this.setStatus(job.repository, job.digest, { status: 'Error', endTime: rfc3339(this.now()), error: message.slice(0, 1000) }));
      this.opts.log.warn('SBOM generation failed', { repository: job.repository, digest: job.digest, error: message });
    }
  }

  /** One SBOM per platform image; children that already have one are left alone unless asked. */
  private async runIndex(repo: ResolvedRepository, doc: ManifestDoc, force: boolean): Promise<void> {
    const failed: string[] = [];
    for (const child of this.platformImages(doc)) {
      const s = await this.stores.jobs.getSbomStatus(repo.name, child.digest);
      if (!force && s && s.status !== 'Error') continue;
      const m = await this.stores.content.getManifest(repo.name, child.digest);
      if (!m || sbomTarget(m.mediaType, parseDoc(m.content)) !== 'image') continue;
      await this.stores.jobs.setSbomStatus(repo.name, child.digest, {
        reportId: randomUUID(), status: 'Pending', startTime: null, endTime: null, sbomDigest: s?.sbomDigest ?? null, cyclonedxDigest: s?.cyclonedxDigest ?? null, error: null,
      });
      await this.run({ repository: repo.name, digest: child.digest, force });
      if ((await this.stores.jobs.getSbomStatus(repo.name, child.digest))?.status !== 'Success') failed.push(child.digest);
    }
    if (failed.length) throw new HarborError('INTERNAL_SERVER_ERROR', `SBOM generation failed for ${failed.length} platform manifest(s): ${failed.join(', ')}`);
  }

  /** Scans the image's layers and stores both documents; removes the image's earlier SBOMs. */
  private async generate(repo: ResolvedRepository, subject: { mediaType: string; digest: string; size: number }, doc: ManifestDoc): Promise<{ spdx: string; cyclonedx: string | null }> {
    const ext = await this.opts.external?.(repo.project.id, repo.name, subject.digest);
    if (ext) {
      const spdx = await this.store(repo, subject, ext.document, 'spdx');
      await this.removeOther(repo, subject.digest, [spdx]);
      this.opts.log.info('stored the scanner adapter\'s SBOM', { repository: repo.name, digest: subject.digest, scanner: ext.scanner });
      return { spdx, cyclonedx: null };
    }
    const layers: LayerSource[] = (doc.layers ?? []).filter((l) => !l.urls?.length).map((l) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      open: () => this.blobStream(l.digest),
    }));
    // The catalogers and writers load with the first job: a registry that never makes an SBOM does not carry them.
    const { scanInWorker, toCycloneDx, toSpdx } = await import('../sbom/index.js');
    const inv = await scanInWorker(layers, { name: repo.name, digest: subject.digest }, this.opts.scanLimits);
    const writer = { created: new Date(this.now()), toolName: 'harborctl', toolVersion: this.opts.toolVersion };
    const docs: Record<SbomFormat, Buffer> = {
      spdx: Buffer.from(JSON.stringify(toSpdx(inv, writer))),
      cyclonedx: Buffer.from(JSON.stringify(toCycloneDx(inv, writer))),
    };
    // Both or neither: an SPDX accessory without its CycloneDX twin (quota ran out, say) is removed.
    const spdx = await this.store(repo, subject, docs.spdx, 'spdx');
    let cyclonedx: string;
    try {
      cyclonedx = await this.store(repo, subject, docs.cyclonedx, 'cyclonedx');
    } catch (e) {
      await this.stores.content.deleteManifest(repo.name, spdx);
      throw e;
    }
    await this.removeOther(repo, subject.digest, [spdx, cyclonedx]);
    return { spdx, cyclonedx };
  }

  /** Harbor keeps one SBOM per artifact: a new generation replaces the previous accessories. */
  private async removeOther(repo: ResolvedRepository, subject: string, keep: string[]): Promise<void> {
    for (const r of await this.stores.content.listReferrers(repo.name, subject, SBOM_ARTIFACT_TYPE)) {
      if (!keep.includes(r.digest)) await this.stores.content.deleteManifest(repo.name, r.digest);
    }
  }

  private async *blobStream(digest: string): AsyncGenerator<Uint8Array> {
    const s = await this.blobs.read(digest);
    try {
      for await (const c of s) yield c as Uint8Array;
    } finally {
      s.destroy();
    }
  }

  private async putBlob(repo: ResolvedRepository, bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    if (!(await this.stores.content.getBlobLink(repo.name, digest)) || (await this.blobs.stat(digest)) === null) {
      await this.registry.uploadMonolithic(repo, digest, (async function* () { yield bytes; })(), { length: bytes.length });
    }
    return digest;
  }

  /** Pushes one document as an accessory of `subject`; returns the accessory's digest. */
  private async store(repo: ResolvedRepository, subject: { mediaType: string; digest: string; size: number }, document: Buffer, format: SbomFormat): Promise<string> {
    const f = SBOM_FORMATS[format];
    const layerDigest = await this.putBlob(repo, document);
    const config = harborSbomConfig(layerDigest);
    const configDigest = await this.putBlob(repo, config);
    const created = rfc3339(this.now());
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: SBOM_ARTIFACT_TYPE,
      config: { mediaType: SBOM_ARTIFACT_TYPE, digest: configDigest, size: config.length },
      layers: [{ mediaType: f.layerMediaType, digest: layerDigest, size: document.length }],
      subject,
      annotations: {
        created,
        'created-by': 'harborctl',
        'org.opencontainers.artifact.created': created,
        [ANNOTATION_DESCRIPTION]: f.description,
        'org.opencontainers.image.created': created,
      },
    }));
    const { digest } = await this.registry.putManifest(repo, sha256(manifest), MediaType.ociManifest, manifest);
    return digest;
  }
}

/** Harbor's sbom_overview for a status. */
export function sbomOverview(s: SbomStatus, scanner: ScannerInfo): Record<string, unknown> {
  const o: Record<string, unknown> = { report_id: s.reportId, scan_status: s.status, scanner };
  if (s.startTime) o.start_time = s.startTime;
  if (s.endTime) o.end_time = s.endTime;
  if (s.startTime && s.endTime) o.duration = Math.max(0, Math.round((Date.parse(s.endTime) - Date.parse(s.startTime)) / 1000));
  if (s.status === 'Success' && s.sbomDigest) o.sbom_digest = s.sbomDigest;
  return o;
}
