// harborctl project update PROJECT [--public | --private] [--storage-limit SIZE]
import { HarborError } from '../../../core/errors.js';
import { parseSize } from '../../../core/sizes.js';
import { getProject, updateProject } from '../../../client/projects.js';
import type { ProjectReq } from '../../../client/types.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { PROJECT_FIELDS } from './views.js';

export interface Options { public?: boolean; private?: boolean; storageLimit?: string }

export async function run(rt: Runtime, [project]: string[], o: Options): Promise<void> {
  if (o.public && o.private) throw new HarborError('USAGE', '--public and --private exclude each other');
  const req: ProjectReq = {};
  if (o.public || o.private) req.metadata = { public: o.public ? 'true' : 'false' };
  if (o.storageLimit !== undefined) req.storage_limit = parseSize(o.storageLimit);
  if (Object.keys(req).length === 0) throw new HarborError('USAGE', 'nothing to update: pass --public, --private or --storage-limit');
  const p = await rt.withClient(async (c) => {
    await updateProject(c, project, req);
    return getProject(c, project);
  });
  renderObject(rt.io, rt.opts.output, p, PROJECT_FIELDS);
}
