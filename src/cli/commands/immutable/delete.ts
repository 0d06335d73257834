// harborctl immutable delete PROJECT RULE-ID --yes
import { deleteImmutableRule } from '../../../client/immutable.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { parseId, printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [project, ruleId]: string[], o: Options): Promise<void> {
  const id = parseId(ruleId, 'rule-id');
  await confirm(rt, o.yes, `delete immutable rule ${id} of project ${project}?`);
  await rt.withClient((c) => deleteImmutableRule(c, project, id));
  printDeleted(rt, 'immutable-rule', String(id), { project });
}
