// harborctl tag delete [HOST/]PROJECT/REPO:TAG --yes (the artifact stays)
import { HarborError } from '../../../core/errors.js';
import { parseArtifactRef } from '../../../oci/reference.js';
import { deleteTag } from '../../../client/tags.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  const ref = parseArtifactRef(name);
  if (!ref.tag || ref.digest) throw new HarborError('USAGE', `${JSON.stringify(name)} names no tag: write PROJECT/REPO:TAG`);
  const tag = ref.tag;
  await confirm(rt, o.yes, `delete tag ${ref.project}/${ref.repo}:${tag}?`);
  await rt.withClient((c) => deleteTag(c, ref.project, ref.repo, tag, tag), { host: ref.host });
  printDeleted(rt, 'tag', `${ref.project}/${ref.repo}:${tag}`);
}
