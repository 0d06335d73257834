// harborctl repo update [HOST/]PROJECT/REPO --description TEXT (Harbor's repository update: the description only)
import { parseArtifactRef } from '../../../oci/reference.js';
import { getRepository, updateRepository } from '../../../client/repositories.js';
import type { Repository } from '../../../client/types.js';
import { renderObject, shortTime, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export interface Options { description: string }

const FIELDS: Column<Repository>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'DESCRIPTION', value: (r) => r.description },
  { header: 'ARTIFACTS', value: (r) => r.artifact_count ?? 0 },
  { header: 'UPDATED', value: (r) => shortTime(r.update_time ?? r.creation_time) },
];

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'forbidden' });
  const r = await rt.withClient(async (c) => {
    await updateRepository(c, ref.project, ref.repo, o.description);
    return getRepository(c, ref.project, ref.repo);
  }, { host: ref.host });
  renderObject(rt.io, rt.opts.output, r, FIELDS);
}
