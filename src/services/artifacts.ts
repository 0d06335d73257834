// Repositories, artifacts and tags as Harbor's repository and artifact APIs show them
// (src/server/v2.0/handler/repository.go, artifact.go). An artifact is a manifest; its `media_type`
// is its config's media type and `manifest_media_type` the manifest's own, as in Harbor.
import { HarborError } from '../core/errors.js';
import { parseStoredJson } from '../core/json.js';
import { parseDigest } from '../oci/digest.js';
import { platformOf, type Platform } from '../oci/manifest.js';
import { MediaType, isIndexMediaType } from '../oci/mediatypes.js';
import { isValidTag, parseRepositoryName } from '../oci/name.js';
import { ModelMediaType } from '../model/modelpack.js';
import type { BlobStore } from '../storage/blobs/types.js';
import type { ArtifactInfo, Label, MetaStores, Project, RepositoryInfo, RepositoryQuery, TagInfo } from '../storage/meta/index.js';
import { ADDITION_LIMIT, MODEL_ADDITIONS, modelAddition, type Addition, type ModelAddition, type ModelLayer } from './model-additions.js';
import type { TagGuardFor } from './immutable.js';
import { isSysadmin, type AccessControl, type Principal } from './rbac.js';
import { quotaExceeded } from './quotas.js';
import { SBOM_ARTIFACT_TYPE, sbomOverview, type SbomService } from './sbom.js';
import type { ScanService } from './scans.js';

export interface ArtifactView extends ArtifactInfo {
  /** IMAGE, CNAI for a ModelPack model, or UNKNOWN for other artifacts (Harbor's processor types). */
  type: string;
  configMediaType: string;
  configDigest: string | null;
  artifactType: string | null;
  /** Harbor's extra_attrs: a CNAI artifact's config document (filled by getArtifact and listArtifacts). */
  extraAttrs: Record<string, unknown>;
  layers: ModelLayer[];
  annotations: Record<string, string> | null;
  /** Child manifests of an index. */
  references: { digest: string; platform?: Platform }[];
  /** The labels it carries (filled by the service's reads). */
  labels: Label[];
}

const IMAGE_CONFIGS = new Set<string>([MediaType.ociConfig, 'application/vnd.docker.container.image.v1+json']);

/**
 * Reads what Harbor shows from the stored manifest. It was validated when pushed, but by the rules
 * of its day: one too deep shows as UNKNOWN, a platform of the wrong shape is left out (issue 13.4).
 */
export function viewArtifact(a: ArtifactInfo): ArtifactView {
  type Doc = { config?: { mediaType?: string; digest?: string }; layers?: ModelLayer[]; artifactType?: string; annotations?: Record<string, string>; manifests?: { digest: string; platform?: unknown }[] };
  const parsed = parseStoredJson(a.content.toString('utf8'));
  const doc = (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as Doc;
  const index = isIndexMediaType(a.mediaType);
  const configMediaType = index ? a.mediaType : doc.config?.mediaType ?? a.mediaType;
  // Harbor picks the processor by the manifest's artifactType first, then by the config's media type.
  const type = !index && doc.artifactType === ModelMediaType.artifact ? 'CNAI'
    : !index && (doc.artifactType ?? configMediaType) === SBOM_ARTIFACT_TYPE ? 'SBOM'
      : index || IMAGE_CONFIGS.has(configMediaType) ? 'IMAGE' : 'UNKNOWN';
  return {
    ...a,
    type,
    configMediaType,
    configDigest: index ? null : doc.config?.digest ?? null,
    artifactType: doc.artifactType ?? null,
    extraAttrs: {},
    layers: Array.isArray(doc.layers) ? doc.layers : [],
    annotations: doc.annotations ?? null,
    references: (Array.isArray(doc.manifests) ? doc.manifests : []).map((m) => {
      const platform = platformOf(m.platform);
      return platform ? { digest: m.digest, platform } : { digest: m.digest };
    }),
    labels: [],
  };
}

/** Harbor's built-in icon digests by artifact type (src/lib/icon/const.go); GET /icons/{digest} serves our images under them. */
export const ICONS: Record<string, string> = {
  IMAGE: 'sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06',
  SBOM: 'sha256:c19f80c357cd7e90d2a01b9ae3e2eb62ce447a2662bb590a19177d72d550bdae',
  CNAI: 'sha256:1e1e5c5fdaf0931ec8655e835d1182f723a0c322a6760211622e1270f0193717',
  UNKNOWN: 'sha256:da834479c923584f4cbcdecc0dac61f32bef1d51e8aae598cf16bd154efab49f',
};

/** The additions the swagger's getAddition names; anything else is refused before the artifact is looked at. */
export const ADDITION_NAMES = ['build_history', 'values.yaml', 'readme.md', 'dependencies', 'sbom', 'license', 'files'] as const;

/** Harbor's Accessory (src/pkg/accessory/model): a manifest whose subject is the artifact. */
export interface AccessoryInfo {
  id: number;
  artifactId: number;
  subjectArtifactId: number;
  subjectArtifactDigest: string;
  subjectArtifactRepo: string;
  size: number;
  digest: string;
  type: string;
  creationTime: string;
}

/** The accessory type Harbor's subject middleware gives a referrer, by artifactType (else config media type). */
export function accessoryType(artifactType: string | undefined): string {
  switch (artifactType) {
    case SBOM_ARTIFACT_TYPE: return 'sbom.harbor';
    case 'application/vnd.dev.cosign.artifact.sig.v1+json':
    case 'application/vnd.dev.sigstore.bundle.v0.3+json': return 'signature.cosign';
    case 'application/vnd.cncf.notary.signature': return 'signature.notation';
    default: return 'subject.accessory';
  }
}

/** CopyArtifact's `from`: `project/repo:tag` or `project/repo@digest` (handler/artifact.go parse); else 400. */
function parseFrom(from: string): { project: string; repo: string; reference: string } {
  const bad = (): HarborError => new HarborError('BAD_REQUEST', `invalid input: ${from.slice(0, 300)}`);
  let rest = from;
  let reference: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try { parseDigest(reference); } catch { throw bad(); }
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    const tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) throw bad();
    reference ??= tag;
  }
  if (!reference) throw bad();
  try {
    const n = parseRepositoryName(rest);
    return { project: n.project, repo: n.repo, reference };
  } catch {
    throw bad();
  }
}

const HTML_ESCAPES: Record<string, string> = { '\0': '\uFFFD', '"': '&#34;', '\'': '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Go's template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c]);
}

/** What an SBOM addition may weigh: far more than any real document, far less than a layer. */
const SBOM_ADDITION_LIMIT = 64 * 1024 * 1024;

export class ArtifactService {
  constructor(
    private readonly stores: Pick<MetaStores, 'content' | 'artifacts' | 'labels'>,
    private readonly access: AccessControl,
    private readonly blobs: BlobStore,
    private readonly sbom?: SbomService,
    /** Refuses deleting an immutable tag (services/immutable.ts), inside the store's write. */
    private readonly tagGuard?: TagGuardFor,
    /** Vulnerability scans through the project's scanner adapter (services/scans.ts). */
    private readonly scans?: ScanService,
  ) {}

  /** A CNAI artifact's config document as extra_attrs (Harbor's base processor); {} when it cannot be read. */
  private async withExtraAttrs(v: ArtifactView): Promise<ArtifactView> {
    if (v.type !== 'CNAI') return v;
    const doc = await this.readConfig(v);
    return doc ? { ...v, extraAttrs: doc } : v;
  }

  /** The artifact's config document when it is a JSON object of at most ADDITION_LIMIT bytes, else null. */
  private async readConfig(v: ArtifactView): Promise<Record<string, unknown> | null> {
    if (!v.configDigest) return null;
    try {
      const size = await this.blobs.stat(v.configDigest);
      if (size === null || size > ADDITION_LIMIT) return null;
      const parts: Buffer[] = [];
      for await (const c of await this.blobs.read(v.configDigest)) parts.push(c as Buffer);
      const doc = parseStoredJson(Buffer.concat(parts).toString('utf8'));
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc as Record<string, unknown>;
    } catch { /* an unreadable config reads as none, as in Harbor */ }
    return null;
  }

  /** Harbor names repositories with their project: `repo` is the part after `<project>/`. */
  private fullName(p: Project, repo: string): string {
    return `${p.name}/${repo}`;
  }

  /**
   * A page of the project's repositories, filtered and ordered by the store. The query is read after
   * the access check, as Harbor's handler does: a bad q= from a caller without access is refused as such.
   */
  async listRepositories(actor: Principal, p: Project, query: () => Omit<RepositoryQuery, 'projectIds'>): Promise<{ items: RepositoryInfo[]; total: number }> {
    await this.access.require(actor, p, 'repository', 'list');
    return this.stores.artifacts.queryRepositories({ ...query(), projectIds: [p.id] });
  }

  /**
   * GET /repositories (Harbor's ListAllRepositories): the repositories of `visible` projects (those
   * the caller may see: public ones and its own), of every project for a system admin.
   */
  async listAllRepositories(actor: Principal, visible: Project[], q: Omit<RepositoryQuery, 'projectIds'>): Promise<{ items: RepositoryInfo[]; total: number }> {
    return this.stores.artifacts.queryRepositories({ ...q, projectIds: isSysadmin(actor) ? null : visible.map((p) => p.id) });
  }

  /** PUT a repository: only its description, HTML-escaped as Harbor stores it (template.HTMLEscapeString). */
  async updateRepository(actor: Principal, p: Project, repo: string, description: string): Promise<void> {
    await this.access.require(actor, p, 'repository', 'update');
    const r = await this.findRepository(p, repo);
    await this.stores.artifacts.setRepositoryDescription(r.name, htmlEscape(description));
  }

  private async findRepository(p: Project, repo: string): Promise<RepositoryInfo> {
    const name = this.fullName(p, repo);
    // One row, not the project's whole list (10,000 repositories: ~30 ms a lookup).
    const r = await this.stores.artifacts.getRepository(p.id, name);
    if (!r) throw new HarborError('NOT_FOUND', `repository ${name.slice(0, 300)} not found`);
    return r;
  }

  async getRepository(actor: Principal, p: Project, repo: string): Promise<RepositoryInfo> {
    await this.access.require(actor, p, 'repository', 'read');
    return this.findRepository(p, repo);
  }

  async deleteRepository(actor: Principal, p: Project, repo: string): Promise<void> {
    await this.access.require(actor, p, 'repository', 'delete');
    const r = await this.findRepository(p, repo);
    await this.stores.content.deleteRepository(r.name, await this.tagGuard?.(p.id, r.name));
  }

  async listArtifacts(actor: Principal, p: Project, repo: string): Promise<ArtifactView[]> {
    await this.access.require(actor, p, 'artifact', 'list');
    // Harbor's ListArtifacts filters by repository name without looking the repository up: one that has
    // no artifacts (never had, or just lost its last) lists none, it is not a 404.
    // One config read at a time: a repository of many models must not open a file per artifact at once.
    const out: ArtifactView[] = [];
    for (const a of await this.stores.artifacts.listArtifacts(this.fullName(p, repo))) out.push(await this.withExtraAttrs(viewArtifact(a)));
    return this.withLabels(out);
  }

  /** Fills each view's labels, with one store read for the lot. */
  private async withLabels(views: ArtifactView[]): Promise<ArtifactView[]> {
    const m = await this.stores.labels.labelsOfArtifacts(views.map((v) => v.id));
    for (const v of views) v.labels = m.get(v.id) ?? [];
    return views;
  }

  /**
   * addLabel (Harbor's order): the project's artifact-label create permission, the label (a project
   * label must be this project's: 404 otherwise), the artifact, then 409 when it carries it already.
   */
  async addLabel(actor: Principal, p: Project, repo: string, reference: string, labelId: number): Promise<void> {
    await this.access.require(actor, p, 'artifact-label', 'create');
    const l = await this.stores.labels.getLabel(labelId);
    if (!l || (l.scope === 'p' && l.projectId !== p.id)) throw new HarborError('NOT_FOUND', `project id ${p.id}, label ${labelId} not found`);
    const a = await this.findArtifact(p, repo, reference);
    const r = await this.stores.labels.addLabelToArtifact(labelId, a.id);
    if (r === 'exists') throw new HarborError('CONFLICT', `label ${labelId} is already added to the artifact ${a.id}`);
    if (r === 'unknown') throw new HarborError('NOT_FOUND', `label ${labelId} or artifact ${a.id} not found`);
  }

  async removeLabel(actor: Principal, p: Project, repo: string, reference: string, labelId: number): Promise<void> {
    await this.access.require(actor, p, 'artifact-label', 'delete');
    const a = await this.findArtifact(p, repo, reference);
    if (!(await this.stores.labels.removeLabelFromArtifact(labelId, a.id))) {
      throw new HarborError('NOT_FOUND', `reference with label ${labelId} and artifact ${a.id} not found`);
    }
  }

  /** An artifact by digest or by tag. */
  private async findArtifact(p: Project, repo: string, reference: string): Promise<ArtifactView> {
    const name = this.fullName(p, repo);
    let digest = reference;
    if (!reference.includes(':')) {
      if (!isValidTag(reference)) throw new HarborError('BAD_REQUEST', 'the reference is neither a digest nor a valid tag');
      const m = await this.stores.content.getManifest(name, reference);
      if (!m) throw new HarborError('NOT_FOUND', `artifact ${name.slice(0, 300)}:${reference} not found`);
      digest = m.digest;
    } else {
      try {
        parseDigest(reference);
      } catch {
        throw new HarborError('BAD_REQUEST', 'the reference is neither a digest nor a valid tag');
      }
    }
    const a = await this.stores.artifacts.getArtifact(name, digest);
    if (!a) throw new HarborError('NOT_FOUND', `artifact ${name.slice(0, 300)}@${digest} not found`);
    return viewArtifact(a);
  }

  async getArtifact(actor: Principal, p: Project, repo: string, reference: string): Promise<ArtifactView> {
    await this.access.require(actor, p, 'artifact', 'read');
    return (await this.withLabels([await this.withExtraAttrs(await this.findArtifact(p, repo, reference))]))[0];
  }

  /**
   * GET …/additions/{addition} as Harbor answers it: the permission first, then the artifact, then
   * whether its type has that addition (400 when not). Only CNAI artifacts have additions here.
   */
  async getAddition(actor: Principal, p: Project, repo: string, reference: string, addition: string): Promise<Addition> {
    await this.access.require(actor, p, 'artifact-addition', 'read');
    const a = await this.findArtifact(p, repo, reference);
    if (addition === 'sbom') return this.sbomAddition(a, this.fullName(p, repo));
    if (addition === 'build_history' && a.type === 'IMAGE' && !isIndexMediaType(a.mediaType)) return this.buildHistory(a);
    if (a.type !== 'CNAI' || !(MODEL_ADDITIONS as readonly string[]).includes(addition)) {
      throw new HarborError('BAD_REQUEST', `addition ${addition.toUpperCase()} isn't supported for ${a.type}`);
    }
    return modelAddition(this.blobs, a.layers, addition as ModelAddition);
  }

  /**
   * The `build_history` addition of an image manifest (Harbor's manifest processor): the config's
   * `history` in Go's field order, `null` when it has none.
   */
  private async buildHistory(a: ArtifactView): Promise<Addition> {
    const config = await this.readConfig(a);
    if (!config) throw new HarborError('NOT_FOUND', `the config of ${a.digest} cannot be read`);
    const history = Array.isArray(config.history) ? config.history.map((h: unknown) => {
      const e = (h && typeof h === 'object' ? h : {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of ['created', 'created_by', 'author', 'comment', 'empty_layer']) if (e[k] !== undefined && e[k] !== '' && e[k] !== false && e[k] !== null) out[k] = e[k];
      return out;
    }) : null;
    return { contentType: 'application/json; charset=utf-8', content: Buffer.from(JSON.stringify(history)) };
  }

  /**
   * GET …/additions/vulnerabilities: `{<report MIME type>: report}` of the latest finished scan in the
   * first accepted MIME type (X-Accept-Vulnerabilities), `{}` when no scanner reported on it.
   */
  async vulnerabilities(actor: Principal, p: Project, repo: string, reference: string, accept?: string[]): Promise<Addition> {
    await this.access.require(actor, p, 'artifact-addition', 'read');
    const a = await this.findArtifact(p, repo, reference);
    const doc = this.scans ? await this.scans.vulnerabilities(this.fullName(p, repo), a.digest, accept) : {};
    return { contentType: 'application/json', content: Buffer.from(JSON.stringify(doc)) };
  }

  /** `with_scan_overview`: Harbor's scan_overview, or null when the artifact was never scanned. */
  async scanOverview(p: Project, repo: string, a: ArtifactView, accept?: string[]): Promise<Record<string, unknown> | null> {
    return this.scans ? this.scans.overview(this.fullName(p, repo), a.digest, accept) : null;
  }

  /**
   * POST …/scan/stop: the artifact's unfinished scan of that type; BAD_REQUEST when there is none
   * (Harbor's "no scan job"). An SBOM generation runs to its end: it cannot be stopped here.
   */
  async stopScan(actor: Principal, p: Project, repo: string, reference: string, scanType: 'sbom' | 'vulnerability'): Promise<void> {
    await this.access.require(actor, p, scanType === 'sbom' ? 'sbom' : 'scan', 'stop');
    const a = await this.findArtifact(p, repo, reference);
    const name = this.fullName(p, repo);
    if (scanType === 'vulnerability' && this.scans) return this.scans.stop(name, a.digest);
    const s = scanType === 'sbom' ? await this.sbom?.status(name, a.digest) : null;
    if (s && (s.status === 'Pending' || s.status === 'Running')) throw new HarborError('PRECONDITION', 'an SBOM generation cannot be stopped: it ends by itself');
    throw new HarborError('BAD_REQUEST', `no scan job for artifact digest=${a.digest}`);
  }

  /** GET …/scan/{report_id}/log: the log of one of the artifact's scan reports (an SBOM's says how it ended). */
  async scanLog(actor: Principal, p: Project, repo: string, reference: string, reportId: string): Promise<string> {
    await this.access.require(actor, p, 'scan', 'read');
    const a = await this.findArtifact(p, repo, reference);
    const name = this.fullName(p, repo);
    const log = await this.scans?.reportLog(name, a.digest, reportId);
    if (log !== null && log !== undefined) return log;
    const s = await this.sbom?.status(name, a.digest);
    if (s && s.reportId === reportId) {
      return `${s.startTime ?? ''} SBOM generation ${s.status}${s.error ? `: ${s.error}` : ''}${s.endTime ? `\n${s.endTime} ended` : ''}\n`;
    }
    throw new HarborError('NOT_FOUND', `report with uuid ${reportId.slice(0, 100)} does not exist`);
  }

  /**
   * GET /projects/{p}/artifacts (listArtifactsOfProject): every repository's artifacts, signed-in
   * callers only, each with the repository's name inside the project.
   */
  async listProjectArtifacts(actor: Principal, p: Project): Promise<{ repo: string; artifact: ArtifactView }[]> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    await this.access.require(actor, p, 'artifact', 'list');
    const out: { repo: string; artifact: ArtifactView }[] = [];
    for (const r of await this.stores.artifacts.listProjectRepositories(p.id)) {
      for (const a of await this.stores.artifacts.listArtifacts(r.name)) out.push({ repo: r.name.slice(p.name.length + 1), artifact: await this.withExtraAttrs(viewArtifact(a)) });
    }
    await this.withLabels(out.map((x) => x.artifact));
    return out;
  }

  /**
   * The `sbom` addition: an SBOM accessory's document (Harbor's SBOM processor: the single layer, as
   * application/vnd.goharbor.harbor.sbom.v1). On an image we go beyond Harbor (which answers 400)
   * and serve its SPDX SBOM.
   */
  private async sbomAddition(a: ArtifactView, repoName: string): Promise<Addition> {
    let acc: ArtifactView | null = a;
    if (a.type !== 'SBOM') {
      if (a.type !== 'IMAGE') throw new HarborError('BAD_REQUEST', `addition SBOM isn't supported for ${a.type}`);
      const s = await this.sbom?.status(repoName, a.digest);
      const info = s?.sbomDigest ? await this.stores.artifacts.getArtifact(repoName, s.sbomDigest) : null;
      acc = info ? viewArtifact(info) : null;
      if (!acc) throw new HarborError('NOT_FOUND', `no SBOM for ${repoName.slice(0, 300)}@${a.digest}`);
    }
    const layer = acc.layers[0];
    if (!layer) throw new HarborError('NOT_FOUND', 'the SBOM accessory has no layer');
    if (layer.size > SBOM_ADDITION_LIMIT) throw new HarborError('REQUEST_ENTITY_TOO_LARGE', `the SBOM is larger than ${SBOM_ADDITION_LIMIT} bytes`);
    const parts: Buffer[] = [];
    const stream = await this.blobs.read(layer.digest);
    try {
      for await (const c of stream) parts.push(c as Buffer);
    } finally {
      stream.destroy();
    }
    return { contentType: SBOM_ARTIFACT_TYPE, content: Buffer.concat(parts) };
  }

  /** `with_accessory` (the artifact's read permission covers it): every referrer of the artifact in its repository. */
  async accessories(p: Project, repo: string, a: ArtifactView): Promise<AccessoryInfo[]> {
    const name = this.fullName(p, repo);
    const out: AccessoryInfo[] = [];
    for (const r of await this.stores.content.listReferrers(name, a.digest)) {
      const info = await this.stores.artifacts.getArtifact(name, r.digest);
      if (!info) continue;
      out.push({
        id: info.id, artifactId: info.id, subjectArtifactId: a.id, subjectArtifactDigest: a.digest, subjectArtifactRepo: name,
        size: info.size, digest: info.digest, type: accessoryType(r.artifactType), creationTime: info.pushedAt,
      });
    }
    return out;
  }

  /** GET …/accessories by reference. */
  async listAccessories(actor: Principal, p: Project, repo: string, reference: string): Promise<AccessoryInfo[]> {
    await this.access.require(actor, p, 'accessory', 'list');
    return this.accessories(p, repo, await this.findArtifact(p, repo, reference));
  }

  /** `with_sbom_overview`: Harbor's sbom_overview, or null when no SBOM was ever asked for. */
  async sbomOverview(p: Project, repo: string, a: ArtifactView): Promise<Record<string, unknown> | null> {
    if (!this.sbom || a.type !== 'IMAGE') return null;
    const s = await this.sbom.status(this.fullName(p, repo), a.digest);
    return s ? sbomOverview(s, this.sbom.scanner) : null;
  }

  /**
   * POST …/scan (Harbor's scanArtifact): `sbom` queues SBOM generation with the built-in generator
   * (202); `vulnerability` a scan by the project's scanner adapter. The permission comes before the
   * artifact, as in Harbor.
   */
  async scan(actor: Principal, p: Project, repo: string, reference: string, scanType: 'sbom' | 'vulnerability'): Promise<void> {
    await this.access.require(actor, p, scanType === 'sbom' ? 'sbom' : 'scan', 'create');
    const a = await this.findArtifact(p, repo, reference);
    if (scanType === 'vulnerability' && this.scans) {
      await this.scans.request(p.id, this.fullName(p, repo), a.digest, a.mediaType);
      return;
    }
    if (scanType === 'vulnerability' || !this.sbom) {
      throw new HarborError('PRECONDITION', `no available scanner for project ${p.name}: this registry generates SBOMs (scan_type "sbom") but has no vulnerability scanner`);
    }
    await this.sbom.request(this.fullName(p, repo), a.digest);
  }

  /**
   * CopyArtifact (Harbor's artifact controller Copy): `from` = `project/repo:tag` or `@digest`, into
   * `repo` of project `p`, with its child manifests and accessories (and theirs) and the root's tags,
   * in one transaction charged to `p`'s quota. Harbor's order of checks: create permission on the
   * target, not a proxy cache, `from` well formed, read permission on the source, the source found
   * and no accessory. Returns the reference for the Location header.
   */
  async copyArtifact(actor: Principal, p: Project, repo: string, from: string, projectByName: (name: string) => Promise<Project>): Promise<string> {
    await this.access.require(actor, p, 'artifact', 'create');
    if (p.registryId !== null) throw new HarborError('METHOD_NOT_ALLOWED', 'the operation isn\'t supported for a proxy cache project');
    const src = parseFrom(from);
    const sp = await projectByName(src.project);
    await this.access.require(actor, sp, 'artifact', 'read');
    const a = await this.findArtifact(sp, src.repo, src.reference);
    const source = this.fullName(sp, src.repo);
    if (await this.isAccessory(source, a)) throw new HarborError('DENIED', 'the operation isn\'t supported for an artifact accessory');
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = async (digest: string): Promise<void> => {
      if (seen.has(digest)) return;
      seen.add(digest);
      const m = await this.stores.content.getManifest(source, digest);
      const doc = m ? parseStoredJson(m.content.toString('utf8')) as { manifests?: { digest?: unknown }[] } | null : null;
      for (const child of Array.isArray(doc?.manifests) ? doc.manifests : []) if (typeof child?.digest === 'string') await visit(child.digest);
      order.push(digest);
      for (const r of await this.stores.content.listReferrers(source, digest)) await visit(r.digest);
    };
    await visit(a.digest);
    const target = this.fullName(p, repo);
    const r = await this.stores.content.copyManifests(source, target, p.id, order, { digest: a.digest, tags: a.tags.map((t) => t.name) }, await this.tagGuard?.(p.id, target));
    if (!r.ok && r.quota) throw quotaExceeded(r.quota, p.name);
    if (!r.ok) throw new HarborError('NOT_FOUND', `${r.missing} of ${source.slice(0, 300)}@${a.digest} is not stored in this registry`);
    return src.reference;
  }

  /** A manifest whose subject is in the same repository: an accessory (Harbor keeps it with its subject). */
  private async isAccessory(repository: string, a: ArtifactView): Promise<boolean> {
    const doc = parseStoredJson(a.content.toString('utf8')) as { subject?: { digest?: unknown } } | null;
    const subject = doc?.subject?.digest;
    return typeof subject === 'string' && (await this.stores.artifacts.getArtifact(repository, subject)) !== null;
  }

  async deleteArtifact(actor: Principal, p: Project, repo: string, reference: string): Promise<void> {
    await this.access.require(actor, p, 'artifact', 'delete');
    const a = await this.findArtifact(p, repo, reference);
    const name = this.fullName(p, repo);
    await this.stores.content.deleteManifest(name, a.digest, await this.tagGuard?.(p.id, name));
  }

  async listTags(actor: Principal, p: Project, repo: string, reference: string): Promise<{ artifact: ArtifactView; tags: TagInfo[] }> {
    await this.access.require(actor, p, 'tag', 'list');
    const artifact = await this.findArtifact(p, repo, reference);
    return { artifact, tags: artifact.tags };
  }

  async createTag(actor: Principal, p: Project, repo: string, reference: string, tag: string): Promise<void> {
    await this.access.require(actor, p, 'tag', 'create');
    if (!isValidTag(tag)) throw new HarborError('BAD_REQUEST', `invalid tag name ${JSON.stringify(tag.slice(0, 200))}`);
    const a = await this.findArtifact(p, repo, reference);
    const r = await this.stores.content.addTag(this.fullName(p, repo), a.digest, tag);
    if (r === 'exists') throw new HarborError('CONFLICT', `the tag ${tag} already exists in ${this.fullName(p, repo)}`);
    if (r === 'unknown') throw new HarborError('NOT_FOUND', 'artifact not found');
  }

  async deleteTag(actor: Principal, p: Project, repo: string, reference: string, tag: string): Promise<void> {
    await this.access.require(actor, p, 'tag', 'delete');
    const a = await this.findArtifact(p, repo, reference);
    if (!a.tags.some((t) => t.name === tag)) throw new HarborError('NOT_FOUND', `the tag ${tag.slice(0, 200)} is not on this artifact`);
    const name = this.fullName(p, repo);
    await this.stores.content.deleteTag(name, tag, await this.tagGuard?.(p.id, name));
  }
}
