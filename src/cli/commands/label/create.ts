// harborctl label create NAME [--project P] [--color C] [--description D]
import { createLabel } from '../../../client/labels.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { LABEL_COLUMNS } from './views.js';

export interface Options { project?: string; color?: string; description?: string }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  const l = await rt.withClient((c) => createLabel(c, name, o, o.project));
  renderObject(rt.io, rt.opts.output, l, LABEL_COLUMNS);
}
