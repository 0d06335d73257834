// harborctl immutable create PROJECT [--tags P] [--repos P] [--exclude-tags] [--exclude-repos]
import { createImmutableRule, getImmutableRule } from '../../../client/immutable.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { ruleSelectors } from '../common.js';
import { RULE_COLUMNS } from './views.js';

export interface Options { tags?: string; repos?: string; excludeTags?: boolean; excludeRepos?: boolean }

export async function run(rt: Runtime, [project]: string[], o: Options): Promise<void> {
  const rule = await rt.withClient(async (c) => {
    const id = await createImmutableRule(c, project, { disabled: false, action: 'immutable', template: 'immutable_template', ...ruleSelectors(o) });
    return getImmutableRule(c, project, id);
  });
  renderObject(rt.io, rt.opts.output, rule, RULE_COLUMNS);
}
