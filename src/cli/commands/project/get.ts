// harborctl project get PROJECT (name or id)
import { getProject } from '../../../client/projects.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { PROJECT_FIELDS, withDetails } from './views.js';

export async function run(rt: Runtime, [project]: string[]): Promise<void> {
  const p = await rt.withClient(async (c) => withDetails(c, await getProject(c, project)));
  renderObject(rt.io, rt.opts.output, p, PROJECT_FIELDS);
}
