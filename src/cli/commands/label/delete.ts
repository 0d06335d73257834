// harborctl label delete LABEL [--project P] --yes (it comes off every artifact)
import { deleteLabel, findLabel } from '../../../client/labels.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { project?: string; yes?: boolean }

export async function run(rt: Runtime, [label]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `delete label ${label} and take it off every artifact?`);
  const l = await rt.withClient(async (c) => {
    const found = await findLabel(c, label, o.project);
    await deleteLabel(c, found);
    return found;
  });
  printDeleted(rt, 'label', l.name, { id: l.id });
}
