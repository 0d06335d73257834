// harborctl immutable list PROJECT
import { listImmutableRules } from '../../../client/immutable.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { RULE_COLUMNS } from './views.js';

export async function run(rt: Runtime, [project]: string[]): Promise<void> {
  const rules = await rt.withClient((c) => listImmutableRules(c, project));
  renderList(rt.io, rt.listFormat(), rules, RULE_COLUMNS, `no immutable tag rules in project ${project}`);
}
