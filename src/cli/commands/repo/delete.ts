// harborctl repo delete [HOST/]PROJECT/REPO --yes (deletes every artifact in it)
import { parseArtifactRef } from '../../../oci/reference.js';
import { deleteRepository } from '../../../client/repositories.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'forbidden' });
  await confirm(rt, o.yes, `delete repository ${ref.project}/${ref.repo} and all its artifacts?`);
  await rt.withClient((c) => deleteRepository(c, ref.project, ref.repo), { host: ref.host });
  printDeleted(rt, 'repository', `${ref.project}/${ref.repo}`);
}
