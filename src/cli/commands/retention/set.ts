// harborctl retention set PROJECT --rule SPEC [--rule SPEC ...] [--cron CRON]
import { HarborError } from '../../../core/errors.js';
import { getRetention, setRetention, type RetentionRule } from '../../../client/retention.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { ruleSelectors } from '../common.js';
import { POLICY_FIELDS } from './views.js';

export interface Options { rule: string[]; cron: string }

/** `TEMPLATE[=N] [tags=P|tags!=P] [repos=P|repos!=P] [untagged=true|false]` → a RetentionRule. */
export function parseRuleSpec(spec: string): RetentionRule {
  const [head, ...rest] = spec.trim().split(/\s+/);
  const m = /^([A-Za-z]+)(?:=(\d{1,9}))?$/.exec(head ?? '');
  if (!m) throw new HarborError('USAGE', `--rule ${JSON.stringify(spec.slice(0, 100))}: expected TEMPLATE[=N], e.g. latestPushedK=10`);
  const o: { tags?: string; repos?: string; excludeTags?: boolean; excludeRepos?: boolean } = {};
  let untagged: string | undefined;
  for (const part of rest) {
    const kv = /^(tags|repos|untagged)(!?=)(.+)$/.exec(part);
    if (!kv) throw new HarborError('USAGE', `--rule: cannot read ${JSON.stringify(part.slice(0, 100))} (tags=P, tags!=P, repos=P, repos!=P, untagged=true|false)`);
    if (kv[1] === 'tags') { o.tags = kv[3]; o.excludeTags = kv[2] === '!='; }
    else if (kv[1] === 'repos') { o.repos = kv[3]; o.excludeRepos = kv[2] === '!='; }
    else if (kv[3] === 'true' || kv[3] === 'false') untagged = kv[3];
    else throw new HarborError('USAGE', '--rule: untagged must be true or false');
  }
  const sels = ruleSelectors(o);
  if (untagged !== undefined) sels.tag_selectors = sels.tag_selectors.map((s) => ({ ...s, extras: JSON.stringify({ untagged: untagged === 'true' }) }));
  return { disabled: false, action: 'retain', template: m[1], params: m[2] === undefined ? {} : { [m[1]]: Number(m[2]) }, ...sels };
}

export async function run(rt: Runtime, [project]: string[], o: Options): Promise<void> {
  const rules = o.rule.map(parseRuleSpec);
  const policy = await rt.withClient(async (c) => {
    await setRetention(c, project, { algorithm: 'or', rules, trigger: { kind: 'Schedule', settings: { cron: o.cron }, references: {} } });
    return getRetention(c, project);
  });
  renderObject(rt.io, rt.opts.output, policy, POLICY_FIELDS);
}
