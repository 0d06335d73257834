// harborctl immutable enable PROJECT RULE-ID (disable.ts: the same with disabled = true)
import { getImmutableRule, updateImmutableRule } from '../../../client/immutable.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseId } from '../common.js';
import { RULE_COLUMNS } from './views.js';

export async function setDisabled(rt: Runtime, project: string, ruleId: string, disabled: boolean): Promise<void> {
  const id = parseId(ruleId, 'rule-id');
  const rule = await rt.withClient(async (c) => {
    const cur = await getImmutableRule(c, project, id);
    if (cur.disabled !== disabled) await updateImmutableRule(c, project, id, { ...cur, disabled });
    return getImmutableRule(c, project, id);
  });
  renderObject(rt.io, rt.opts.output, rule, RULE_COLUMNS);
}

export async function run(rt: Runtime, [project, ruleId]: string[]): Promise<void> {
  await setDisabled(rt, project, ruleId, false);
}
