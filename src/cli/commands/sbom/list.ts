// harborctl sbom list PROJECT: every image of the project's repositories with its SBOM status
// (Harbor's sbom_overview). Accessories themselves (SBOMs, signatures) are not listed.
import { listArtifacts } from '../../../client/artifacts.js';
import { listRepositories } from '../../../client/repositories.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { SBOM_COLUMNS, sbomRow, type SbomRow } from './views.js';

export async function run(rt: Runtime, [project]: string[]): Promise<void> {
  const rows = await rt.withClient((c) => withSpinner(rt, `listing the SBOMs of ${project}`, async () => {
    const out: SbomRow[] = [];
    for (const r of (await listRepositories(c, project, { pageSize: 0 })).items) {
      const repo = r.name.startsWith(`${project}/`) ? r.name.slice(project.length + 1) : r.name;
      const { items } = await listArtifacts(c, project, repo, { pageSize: 0 }, { with_sbom_overview: true });
      for (const a of items) if (a.type === 'IMAGE') out.push(sbomRow(r.name, a));
    }
    return out;
  }));
  renderList(rt.io, rt.listFormat(), rows, SBOM_COLUMNS, `no images in ${project}`);
}
