// harborctl artifact delete [HOST/]PROJECT/REPO(:TAG|@DIGEST) --yes (the artifact and every tag on it)
import { formatRef, parseArtifactRef, referenceOf } from '../../../oci/reference.js';
import { deleteArtifact } from '../../../client/artifacts.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'required' });
  await confirm(rt, o.yes, `delete artifact ${formatRef(ref)} and all its tags?`);
  await rt.withClient((c) => deleteArtifact(c, ref.project, ref.repo, referenceOf(ref)!), { host: ref.host });
  printDeleted(rt, 'artifact', formatRef(ref));
}
