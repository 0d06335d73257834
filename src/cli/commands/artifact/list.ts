// harborctl artifact list [HOST/]PROJECT/REPO [--page N] [--page-size N]
import { parseArtifactRef } from '../../../oci/reference.js';
import { listArtifacts } from '../../../client/artifacts.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { ARTIFACT_COLUMNS } from './views.js';

export async function run(rt: Runtime, [name]: string[], o: PageFlags): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'forbidden' });
  const page = pageOptions(o);
  const { items, total } = await rt.withClient(
    (c) => withSpinner(rt, `listing artifacts of ${ref.project}/${ref.repo}`, () => listArtifacts(c, ref.project, ref.repo, page)),
    { host: ref.host },
  );
  renderList(rt.io, rt.listFormat(), items, ARTIFACT_COLUMNS, `no artifacts in ${ref.project}/${ref.repo}`);
  moreNote(rt, items.length, total, page);
}
