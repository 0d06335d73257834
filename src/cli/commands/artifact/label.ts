// harborctl artifact label add|remove [HOST/]PROJECT/REPO(:TAG|@DIGEST) LABEL: a global label or the project's (name or id)
import { parseArtifactRef, formatRef, referenceOf } from '../../../oci/reference.js';
import { addArtifactLabel, findLabel, listLabels, removeArtifactLabel, type Label } from '../../../client/labels.js';
import type { HarborClient } from '../../../client/http.js';
import { HarborError } from '../../../core/errors.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

/** A label name is looked up among the project's labels first, then the global ones. */
async function resolve(c: HarborClient, label: string, project: string): Promise<Label> {
  if (/^\d+$/.test(label)) return findLabel(c, label);
  const found = (await listLabels(c, project)).find((l) => l.name === label) ?? (await listLabels(c)).find((l) => l.name === label);
  if (!found) throw new HarborError('NOT_FOUND', `label ${label} not found in project ${project} nor among the global labels`);
  return found;
}

async function change(rt: Runtime, name: string, label: string, add: boolean): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'required' });
  const l = await rt.withClient(async (c) => {
    const found = await resolve(c, label, ref.project);
    await (add ? addArtifactLabel : removeArtifactLabel)(c, ref.project, ref.repo, referenceOf(ref)!, found.id);
    return found;
  }, { host: ref.host });
  renderResult(rt.io, rt.opts.output, { kind: 'artifact-label', artifact: formatRef(ref), label: l.name, label_id: l.id, [add ? 'added' : 'removed']: true },
    `${add ? 'added' : 'removed'} label ${l.name} ${add ? 'to' : 'from'} ${formatRef(ref)}`);
}

export const add = { run: (rt: Runtime, [name, label]: string[]): Promise<void> => change(rt, name, label, true) };
export const remove = { run: (rt: Runtime, [name, label]: string[]): Promise<void> => change(rt, name, label, false) };
