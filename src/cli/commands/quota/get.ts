// harborctl quota get PROJECT (name or id)
import { getProjectQuota } from '../../../client/quotas.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { QUOTA_COLUMNS } from './views.js';

export async function run(rt: Runtime, [project]: string[]): Promise<void> {
  const q = await rt.withClient((c) => getProjectQuota(c, project));
  renderObject(rt.io, rt.opts.output, q, QUOTA_COLUMNS);
}
