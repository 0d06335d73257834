// harborctl model list PROJECT: the ModelPack artifacts of a project, through Harbor's /api/v2.0
// (repositories of the project, then each one's artifacts, kept when the artifact type or the config
// media type is a model's: Harbor 2.13 reports both; older Harbors only the config media type).
import { listArtifacts } from '../../../client/artifacts.js';
import { listRepositories } from '../../../client/repositories.js';
import { formatSize } from '../../../core/sizes.js';
import { isModelArtifact } from '../../../model/modelpack.js';
import { renderList, shortTime } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export interface ModelRow { repository: string; digest: string; tags: string[]; size: number | null; push_time: string | null; type: string | null }

export async function run(rt: Runtime, [project]: string[]): Promise<void> {
  const rows = await rt.withClient(async (c) => {
    const out: ModelRow[] = [];
    const repos = await listRepositories(c, project, { pageSize: 0 });
    for (const r of repos.items) {
      const name = r.name.startsWith(`${project}/`) ? r.name.slice(project.length + 1) : r.name;
      const arts = await listArtifacts(c, project, name, { pageSize: 0 });
      for (const a of arts.items) {
        if (!isModelArtifact(a.artifact_type, a.media_type)) continue;
        out.push({
          repository: r.name, digest: a.digest, tags: (a.tags ?? []).map((t) => t.name),
          size: a.size ?? null, push_time: a.push_time ?? null, type: a.type ?? null,
        });
      }
    }
    return out;
  });
  renderList(rt.io, rt.listFormat(), rows, [
    { header: 'REPOSITORY', value: (m) => m.repository },
    { header: 'TAGS', value: (m) => m.tags.join(',') },
    { header: 'DIGEST', value: (m) => m.digest.slice(0, 19) },
    { header: 'SIZE', value: (m) => (m.size === null ? null : formatSize(m.size)) },
    { header: 'PUSHED', value: (m) => shortTime(m.push_time ?? undefined) },
  ], `no models in project ${project}`);
}
