// harborctl artifact get [HOST/]PROJECT/REPO(:TAG|@DIGEST)
import { parseArtifactRef, referenceOf } from '../../../oci/reference.js';
import { getArtifact } from '../../../client/artifacts.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { ARTIFACT_FIELDS } from './views.js';

export async function run(rt: Runtime, [name]: string[]): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'required' });
  const a = await rt.withClient((c) => getArtifact(c, ref.project, ref.repo, referenceOf(ref)!), { host: ref.host });
  renderObject(rt.io, rt.opts.output, a, ARTIFACT_FIELDS);
}
