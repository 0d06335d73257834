// Repositories, artifacts and tags as Harbor's repository and artifact APIs show them
// (src/server/v2.0/handler/repository.go, artifact.go). An artifact is a manifest; its `media_type`
// is its config's media type and `manifest_media_type` the manifest's own, as in Harbor.
import { HarborError } from '../core/errors.js';
import { parseStoredJson } from '../core/json.js';
import { parseDigest } from '../oci/digest.js';
import { platformOf, type Platform } from '../oci/manifest.js';
import { MediaType, isIndexMediaType } from '../oci/mediatypes.js';
import { isValidTag } from '../oci/name.js';
import { ModelMediaType } from '../model/modelpack.js';
import type { BlobStore } from '../storage/blobs/types.js';
import type { ArtifactInfo, MetaStores, Project, RepositoryInfo, TagInfo } from '../storage/meta/index.js';
import { ADDITION_LIMIT, MODEL_ADDITIONS, modelAddition, type Addition, type ModelAddition, type ModelLayer } from './model-additions.js';
import type { TagGuardFor } from './immutable.js';
import type { AccessControl, Principal } from './rbac.js';
import { SBOM_ARTIFACT_TYPE, sbomOverview, type SbomService } from './sbom.js';

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
  };
}

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

/** What an SBOM addition may weigh: far more than any real document, far less than a layer. */
const SBOM_ADDITION_LIMIT = 64 * 1024 * 1024;

export class ArtifactService {
  constructor(
    private readonly stores: Pick<MetaStores, 'content' | 'artifacts'>,
    private readonly access: AccessControl,
    private readonly blobs: BlobStore,
    private readonly sbom?: SbomService,
    /** Refuses deleting an immutable tag (services/immutable.ts), inside the store's write. */
    private readonly tagGuard?: TagGuardFor,
  ) {}

  /** A CNAI artifact's config document as extra_attrs (Harbor's base processor); {} when it cannot be read. */
  private async withExtraAttrs(v: ArtifactView): Promise<ArtifactView> {
    if (v.type !== 'CNAI' || !v.configDigest) return v;
    try {
      const size = await this.blobs.stat(v.configDigest);
      if (size === null || size > ADDITION_LIMIT) return v;
      const parts: Buffer[] = [];
      for await (const c of await this.blobs.read(v.configDigest)) parts.push(c as Buffer);
      const doc = parseStoredJson(Buffer.concat(parts).toString('utf8'));
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) return { ...v, extraAttrs: doc as Record<string, unknown> };
    } catch { /* an unreadable config leaves extra_attrs empty, as in Harbor */ }
    return v;
  }

  /** Harbor names repositories with their project: `repo` is the part after `<project>/`. */
  private fullName(p: Project, repo: string): string {
    return `${p.name}/${repo}`;
  }

  async listRepositories(actor: Principal, p: Project): Promise<RepositoryInfo[]> {
    await this.access.require(actor, p, 'repository', 'list');
    return this.stores.artifacts.listProjectRepositories(p.id);
  }

  private async findRepository(p: Project, repo: string): Promise<RepositoryInfo> {
    const name = this.fullName(p, repo);
    const r = (await this.stores.artifacts.listProjectRepositories(p.id)).find((x) => x.name === name);
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
    const r = await this.findRepository(p, repo);
    // One config read at a time: a repository of many models must not open a file per artifact at once.
    const out: ArtifactView[] = [];
    for (const a of await this.stores.artifacts.listArtifacts(r.name)) out.push(await this.withExtraAttrs(viewArtifact(a)));
    return out;
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
    return this.withExtraAttrs(await this.findArtifact(p, repo, reference));
  }

  /**
   * GET …/additions/{addition} as Harbor answers it: the permission first, then the artifact, then
   * whether its type has that addition (400 when not). Only CNAI artifacts have additions here.
   */
  async getAddition(actor: Principal, p: Project, repo: string, reference: string, addition: string): Promise<Addition> {
    await this.access.require(actor, p, 'artifact-addition', 'read');
    const a = await this.findArtifact(p, repo, reference);
    if (addition === 'sbom') return this.sbomAddition(a, this.fullName(p, repo));
    if (a.type !== 'CNAI' || !(MODEL_ADDITIONS as readonly string[]).includes(addition)) {
      throw new HarborError('BAD_REQUEST', `addition ${addition.toUpperCase()} isn't supported for ${a.type}`);
    }
    return modelAddition(this.blobs, a.layers, addition as ModelAddition);
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
   * POST …/scan (Harbor's scanArtifact): `sbom` queues SBOM generation (202); `vulnerability` needs
   * a scanner we do not have. The permission comes before the artifact, as in Harbor.
   */
  async scan(actor: Principal, p: Project, repo: string, reference: string, scanType: 'sbom' | 'vulnerability'): Promise<void> {
    await this.access.require(actor, p, scanType === 'sbom' ? 'sbom' : 'scan', 'create');
    const a = await this.findArtifact(p, repo, reference);
    if (scanType === 'vulnerability' || !this.sbom) {
      throw new HarborError('PRECONDITION', `no available scanner for project ${p.name}: this registry generates SBOMs (scan_type "sbom") but has no vulnerability scanner`);
    }
    await this.sbom.request(this.fullName(p, repo), a.digest);
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
