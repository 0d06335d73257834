// harborctl immutable update PROJECT RULE-ID [--tags P] [--repos P] [--exclude-tags] [--exclude-repos]
import { getImmutableRule, updateImmutableRule } from '../../../client/immutable.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseId, ruleSelectors } from '../common.js';
import { RULE_COLUMNS } from './views.js';
import type { Options } from './create.js';

export async function run(rt: Runtime, [project, ruleId]: string[], o: Options): Promise<void> {
  const id = parseId(ruleId, 'rule-id');
  const rule = await rt.withClient(async (c) => {
    const cur = await getImmutableRule(c, project, id);
    await updateImmutableRule(c, project, id, { ...cur, ...ruleSelectors(o) });
    return getImmutableRule(c, project, id);
  });
  renderObject(rt.io, rt.opts.output, rule, RULE_COLUMNS);
}
