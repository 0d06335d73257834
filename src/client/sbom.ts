// SBOMs through Harbor's own API only (harbor-notes §4), so the same calls work against any Harbor
// 2.11+ and against harborctl serve: POST …/scan {"scan_type":"sbom"} starts a generation, the
// artifact's sbom_overview and accessories (type sbom.harbor) say where it stands and where the
// document is, and GET …/artifacts/{sbom digest}/additions/sbom returns the document.
import { HarborError } from '../core/errors.js';
import { getArtifact, artifactsPath } from './artifacts.js';
import { seg, type HarborClient } from './http.js';
import { notFound } from './projects.js';
import type { Artifact } from './types.js';

export type SbomFormat = 'spdx' | 'cyclonedx';

/** Harbor's accessory type of an SBOM, and the description annotation that names its format. */
export const SBOM_ACCESSORY_TYPE = 'sbom.harbor';
const DESCRIPTION = 'org.opencontainers.artifact.description';
const DESCRIPTIONS: Record<SbomFormat, string> = { spdx: 'SPDX JSON SBOM', cyclonedx: 'CycloneDX JSON SBOM' };

function what(project: string, repo: string, reference: string): string {
  return `${project}/${repo}${reference.includes(':') ? '@' : ':'}${reference}`;
}

/** Queues SBOM generation (202). */
export async function generateSbom(c: HarborClient, project: string, repo: string, reference: string): Promise<void> {
  try {
    await c.request('POST', `${artifactsPath(project, repo)}/${seg(reference)}/scan`, { body: { scan_type: 'sbom' } });
  } catch (e) {
    throw notFound(e, `artifact ${what(project, repo, reference)} not found`);
  }
}

/** The artifact with its sbom_overview and accessories. */
export function getSbomArtifact(c: HarborClient, project: string, repo: string, reference: string): Promise<Artifact> {
  return getArtifact(c, project, repo, reference, { with_sbom_overview: true, with_accessory: true });
}

/**
 * The digest of the artifact's SBOM accessory in this format: for SPDX the overview's sbom_digest
 * (what Harbor itself records), else the sbom.harbor accessory whose description names the format.
 */
export async function findSbomDigest(c: HarborClient, project: string, repo: string, a: Artifact, format: SbomFormat): Promise<string | undefined> {
  if (format === 'spdx' && a.sbom_overview?.scan_status === 'Success' && a.sbom_overview.sbom_digest) return a.sbom_overview.sbom_digest;
  for (const acc of a.accessories ?? []) {
    if (acc.type !== SBOM_ACCESSORY_TYPE) continue;
    const doc = await getArtifact(c, project, repo, acc.digest);
    // Harbor's own SPDX accessories carry this description too; one without any is taken for SPDX.
    const desc = doc.annotations?.[DESCRIPTION] ?? DESCRIPTIONS.spdx;
    if (desc === DESCRIPTIONS[format]) return acc.digest;
  }
  return undefined;
}

/** The document of an SBOM accessory, exactly as stored. */
export async function getSbomDocument(c: HarborClient, project: string, repo: string, sbomDigest: string): Promise<string> {
  try {
    const r = await c.request<unknown>('GET', `${artifactsPath(project, repo)}/${seg(sbomDigest)}/additions/sbom`, { headers: { accept: '*/*' } });
    if (r.data === undefined) throw new HarborError('INTERNAL_SERVER_ERROR', `${c.server} answered additions/sbom with no document`);
    // Harbor's content type is not JSON's, so the text comes back as sent; a server that labels it JSON gets it re-serialized.
    return typeof r.data === 'string' ? r.data : JSON.stringify(r.data);
  } catch (e) {
    throw notFound(e, `SBOM ${what(project, repo, sbomDigest)} not found`);
  }
}
