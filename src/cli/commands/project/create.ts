// harborctl project create NAME [--public] [--storage-limit SIZE] [--proxy-cache REGISTRY]
import { HarborError } from '../../../core/errors.js';
import { parseSize } from '../../../core/sizes.js';
import { isValidProjectName } from '../../../oci/name.js';
import { createProject } from '../../../client/projects.js';
import { findRegistry } from '../../../client/registries.js';
import type { ProjectReq } from '../../../client/types.js';
import { withSpinner } from '../../output/interactive.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { PROJECT_FIELDS, withDetails } from './views.js';

export interface Options { public?: boolean; storageLimit?: string; proxyCache?: string }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  if (!isValidProjectName(name)) {
    throw new HarborError('USAGE', `invalid project name ${JSON.stringify(name)}: lower-case letters, digits and single . _ - between them, 1 to 255 characters`);
  }
  const req: ProjectReq & { project_name: string } = { project_name: name, metadata: { public: o.public ? 'true' : 'false' } };
  if (o.storageLimit !== undefined) req.storage_limit = parseSize(o.storageLimit);
  if (o.proxyCache !== undefined && o.proxyCache.trim() === '') throw new HarborError('USAGE', '--proxy-cache needs a registry endpoint name or id (harborctl registry list)');
  const project = await rt.withClient(async (c) => {
    if (o.proxyCache !== undefined) req.registry_id = (await findRegistry(c, o.proxyCache)).id;
    return withDetails(c, await withSpinner(rt, `creating project ${name}`, () => createProject(c, req)));
  });
  renderObject(rt.io, rt.opts.output, project, PROJECT_FIELDS);
}
