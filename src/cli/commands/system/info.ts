// harborctl info: GET /api/v2.0/systeminfo, and /statistics where the server has it and lets this
// user read it (Harbor: logged-in users; other servers may lack it): then the counts are left out.
import { isHarborError } from '../../../core/errors.js';
import { formatSize } from '../../../core/sizes.js';
import { statistics, systemInfo } from '../../../client/system.js';
import type { Statistics, SystemInfo } from '../../../client/types.js';
import { renderObject, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

interface Info { server: string; systeminfo: SystemInfo; statistics: Statistics | null }

const FIELDS: Column<Info>[] = [
  { header: 'SERVER', value: (i) => i.server },
  { header: 'VERSION', value: (i) => i.systeminfo.harbor_version },
  { header: 'AUTH MODE', value: (i) => i.systeminfo.auth_mode },
  { header: 'EXTERNAL URL', value: (i) => i.systeminfo.external_url },
  { header: 'PROJECTS', value: (i) => count(i.statistics?.total_project_count, i.statistics?.public_project_count, i.statistics?.private_project_count) },
  { header: 'REPOSITORIES', value: (i) => count(i.statistics?.total_repo_count, i.statistics?.public_repo_count, i.statistics?.private_repo_count) },
  { header: 'STORAGE', value: (i) => (typeof i.statistics?.total_storage_consumption === 'number' ? formatSize(i.statistics.total_storage_consumption) : undefined) },
];

/** Harbor sends the totals to system admins only (0 to others): then the total is what this user sees. */
function count(total?: number, pub?: number, priv?: number): string | undefined {
  if (total === undefined && pub === undefined) return undefined;
  const seen = (pub ?? 0) + (priv ?? 0);
  return `${total ? total : seen} (${pub ?? 0} public, ${priv ?? 0} private)`;
}

export async function run(rt: Runtime): Promise<void> {
  const info = await rt.withClient(async (c, t): Promise<Info> => {
    const systeminfo = await systemInfo(c);
    let stats: Statistics | null = null;
    try {
      stats = await statistics(c);
    } catch (e) {
      if (!isHarborError(e) || e.code === 'UNREACHABLE' || e.code === 'TIMEOUT') throw e;
    }
    return { server: t.server, systeminfo, statistics: stats };
  });
  renderObject(rt.io, rt.opts.output, info, FIELDS);
  if (!info.statistics) rt.info('no statistics: the server does not share them with this user');
}
