// harborctl tag create [HOST/]PROJECT/REPO(:TAG|@DIGEST) NEW_TAG
import { HarborError } from '../../../core/errors.js';
import { isValidTag } from '../../../oci/name.js';
import { formatRef, parseArtifactRef, referenceOf } from '../../../oci/reference.js';
import { createTag } from '../../../client/tags.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime, [name, tag]: string[]): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'required' });
  if (!isValidTag(tag)) throw new HarborError('USAGE', `invalid tag ${JSON.stringify(tag)}: letters, digits, _ . - (not first), at most 128`);
  await rt.withClient((c) => createTag(c, ref.project, ref.repo, referenceOf(ref)!, tag), { host: ref.host });
  renderResult(rt.io, rt.opts.output,
    { kind: 'tag', name: `${ref.project}/${ref.repo}:${tag}`, artifact: formatRef(ref), created: true },
    `tagged ${formatRef(ref)} as ${ref.project}/${ref.repo}:${tag}`);
}
