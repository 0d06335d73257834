// harborctl artifact copy [HOST/]PROJECT/REPO(:TAG|@DIGEST) PROJECT/REPO: Harbor's artifact copy, on one server
import { HarborError } from '../../../core/errors.js';
import { formatRef, parseArtifactRef, referenceOf } from '../../../oci/reference.js';
import { copyArtifact } from '../../../client/artifacts.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime, [source, target]: string[]): Promise<void> {
  const src = parseArtifactRef(source, { reference: 'required' });
  const dst = parseArtifactRef(target, { reference: 'forbidden' });
  if (dst.host && dst.host !== src.host) throw new HarborError('USAGE', 'artifact copy works within one registry: give the target as PROJECT/REPO');
  const ref = referenceOf(src)!;
  const from = `${src.project}/${src.repo}${ref.includes(':') ? '@' : ':'}${ref}`;
  await rt.withClient((c) => copyArtifact(c, dst.project, dst.repo, from), { host: src.host });
  renderResult(rt.io, rt.opts.output, { kind: 'artifact', name: `${dst.project}/${dst.repo}`, from: formatRef(src), copied: true },
    `copied ${formatRef(src)} to ${dst.project}/${dst.repo}`);
}
