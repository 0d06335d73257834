// Repositories, artifacts and tags as Harbor's repository and artifact APIs show them
// (src/server/v2.0/handler/repository.go, artifact.go). An artifact is a manifest; its `media_type`
// is its config's media type and `manifest_media_type` the manifest's own, as in Harbor.
import { HarborError } from '../core/errors.js';
import { parseDigest } from '../oci/digest.js';
import { MediaType, isIndexMediaType } from '../oci/mediatypes.js';
import { isValidTag } from '../oci/name.js';
import { ModelMediaType } from '../model/modelpack.js';
import type { BlobStore } from '../storage/blobs/types.js';
import type { ArtifactInfo, MetadataStore, Project, RepositoryInfo, TagInfo } from '../storage/meta/types.js';
import { ADDITION_LIMIT, MODEL_ADDITIONS, modelAddition, type Addition, type ModelAddition, type ModelLayer } from './model-additions.js';
import type { AccessControl, Principal } from './rbac.js';

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
  references: { digest: string; platform?: Record<string, unknown> }[];
}

const IMAGE_CONFIGS = new Set<string>([MediaType.ociConfig, 'application/vnd.docker.container.image.v1+json']);

/** Reads what Harbor shows from the stored manifest (it was validated when pushed). */
export function viewArtifact(a: ArtifactInfo): ArtifactView {
  let doc: { config?: { mediaType?: string; digest?: string }; layers?: ModelLayer[]; artifactType?: string; annotations?: Record<string, string>; manifests?: { digest: string; platform?: Record<string, unknown> }[] } = {};
  try {
    doc = JSON.parse(a.content.toString('utf8')) as typeof doc;
  } catch { /* validated on push; an unreadable one shows as UNKNOWN */ }
  const index = isIndexMediaType(a.mediaType);
  const configMediaType = index ? a.mediaType : doc.config?.mediaType ?? a.mediaType;
  // Harbor picks the processor by the manifest's artifactType first, then by the config's media type.
  const type = !index && doc.artifactType === ModelMediaType.artifact ? 'CNAI'
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
    references: (doc.manifests ?? []).map((m) => (m.platform ? { digest: m.digest, platform: m.platform } : { digest: m.digest })),
  };
}

/** The additions the swagger's getAddition names; anything else is refused before the artifact is looked at. */
export const ADDITION_NAMES = ['build_history', 'values.yaml', 'readme.md', 'dependencies', 'sbom', 'license', 'files'] as const;

export class ArtifactService {
  constructor(private readonly meta: MetadataStore, private readonly access: AccessControl, private readonly blobs: BlobStore) {}

  /** A CNAI artifact's config document as extra_attrs (Harbor's base processor); {} when it cannot be read. */
  private async withExtraAttrs(v: ArtifactView): Promise<ArtifactView> {
    if (v.type !== 'CNAI' || !v.configDigest) return v;
    try {
      const size = await this.blobs.stat(v.configDigest);
      if (size === null || size > ADDITION_LIMIT) return v;
      const parts: Buffer[] = [];
      for await (const c of await this.blobs.read(v.configDigest)) parts.push(c as Buffer);
      const doc: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
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
    return this.meta.listProjectRepositories(p.id);
  }

  private async findRepository(p: Project, repo: string): Promise<RepositoryInfo> {
    const name = this.fullName(p, repo);
    const r = (await this.meta.listProjectRepositories(p.id)).find((x) => x.name === name);
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
    await this.meta.deleteRepository(r.name);
  }

  async listArtifacts(actor: Principal, p: Project, repo: string): Promise<ArtifactView[]> {
    await this.access.require(actor, p, 'artifact', 'list');
    const r = await this.findRepository(p, repo);
    // One config read at a time: a repository of many models must not open a file per artifact at once.
    const out: ArtifactView[] = [];
    for (const a of await this.meta.listArtifacts(r.name)) out.push(await this.withExtraAttrs(viewArtifact(a)));
    return out;
  }

  /** An artifact by digest or by tag. */
  private async findArtifact(p: Project, repo: string, reference: string): Promise<ArtifactView> {
    const name = this.fullName(p, repo);
    let digest = reference;
    if (!reference.includes(':')) {
      if (!isValidTag(reference)) throw new HarborError('BAD_REQUEST', 'the reference is neither a digest nor a valid tag');
      const m = await this.meta.getManifest(name, reference);
      if (!m) throw new HarborError('NOT_FOUND', `artifact ${name.slice(0, 300)}:${reference} not found`);
      digest = m.digest;
    } else {
      try {
        parseDigest(reference);
      } catch {
        throw new HarborError('BAD_REQUEST', 'the reference is neither a digest nor a valid tag');
      }
    }
    const a = await this.meta.getArtifact(name, digest);
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
    if (a.type !== 'CNAI' || !(MODEL_ADDITIONS as readonly string[]).includes(addition)) {
      throw new HarborError('BAD_REQUEST', `addition ${addition.toUpperCase()} isn't supported for ${a.type}`);
    }
    return modelAddition(this.blobs, a.layers, addition as ModelAddition);
  }

  async deleteArtifact(actor: Principal, p: Project, repo: string, reference: string): Promise<void> {
    await this.access.require(actor, p, 'artifact', 'delete');
    const a = await this.findArtifact(p, repo, reference);
    await this.meta.deleteManifest(this.fullName(p, repo), a.digest);
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
    const r = await this.meta.addTag(this.fullName(p, repo), a.digest, tag);
    if (r === 'exists') throw new HarborError('CONFLICT', `the tag ${tag} already exists in ${this.fullName(p, repo)}`);
    if (r === 'unknown') throw new HarborError('NOT_FOUND', 'artifact not found');
  }

  async deleteTag(actor: Principal, p: Project, repo: string, reference: string, tag: string): Promise<void> {
    await this.access.require(actor, p, 'tag', 'delete');
    const a = await this.findArtifact(p, repo, reference);
    if (!a.tags.some((t) => t.name === tag)) throw new HarborError('NOT_FOUND', `the tag ${tag.slice(0, 200)} is not on this artifact`);
    await this.meta.deleteTag(this.fullName(p, repo), tag);
  }
}
