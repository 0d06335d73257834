// harborctl project update PROJECT [--public | --private] [--storage-limit SIZE] [--auto-sbom[=true|false]]
import { HarborError } from '../../../core/errors.js';
import { parseSize } from '../../../core/sizes.js';
import { getProject, updateProject } from '../../../client/projects.js';
import type { ProjectReq } from '../../../client/types.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { PROJECT_FIELDS, withDetails } from './views.js';

export interface Options { public?: boolean; private?: boolean; storageLimit?: string; autoSbom?: boolean | string }

export async function run(rt: Runtime, [project]: string[], o: Options): Promise<void> {
  if (o.public && o.private) throw new HarborError('USAGE', '--public and --private exclude each other');
  const req: ProjectReq = {};
  if (o.public || o.private) req.metadata = { public: o.public ? 'true' : 'false' };
  if (o.storageLimit !== undefined) req.storage_limit = parseSize(o.storageLimit);
  // Harbor's project metadata auto_sbom_generation: SBOM generation on every push.
  if (o.autoSbom !== undefined) req.metadata = { ...req.metadata, auto_sbom_generation: parseBool(o.autoSbom, '--auto-sbom') };
  if (Object.keys(req).length === 0) throw new HarborError('USAGE', 'nothing to update: pass --public, --private, --storage-limit or --auto-sbom');
  const p = await rt.withClient(async (c) => {
    await updateProject(c, project, req);
    return withDetails(c, await getProject(c, project));
  });
  renderObject(rt.io, rt.opts.output, p, PROJECT_FIELDS);
}

function parseBool(v: boolean | string, flag: string): 'true' | 'false' {
  if (v === true) return 'true';
  const t = String(v).toLowerCase();
  if (t === 'true' || t === 'false') return t;
  throw new HarborError('USAGE', `invalid ${flag} ${JSON.stringify(v)}: true or false`);
}
