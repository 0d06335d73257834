// harborctl quota set PROJECT SIZE (10GiB, 500MB, 1073741824, unlimited or -1)
import { parseSize } from '../../../core/sizes.js';
import { getProjectQuota, getQuota, setQuota } from '../../../client/quotas.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { QUOTA_COLUMNS } from './views.js';

export async function run(rt: Runtime, [project, size]: string[]): Promise<void> {
  const bytes = parseSize(size);
  const q = await rt.withClient(async (c) => {
    const cur = await getProjectQuota(c, project);
    await setQuota(c, cur.id, bytes);
    return getQuota(c, cur.id);
  });
  renderObject(rt.io, rt.opts.output, q, QUOTA_COLUMNS);
}
