// harborctl label update LABEL [--project P] [--name N] [--color C] [--description D]
import { HarborError } from '../../../core/errors.js';
import { findLabel, updateLabel } from '../../../client/labels.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { LABEL_COLUMNS } from './views.js';

export interface Options { project?: string; name?: string; color?: string; description?: string }

export async function run(rt: Runtime, [label]: string[], o: Options): Promise<void> {
  if (o.name === undefined && o.color === undefined && o.description === undefined) {
    throw new HarborError('USAGE', 'nothing to update: pass --name, --color or --description');
  }
  const l = await rt.withClient(async (c) => updateLabel(c, await findLabel(c, label, o.project), o));
  renderObject(rt.io, rt.opts.output, l, LABEL_COLUMNS);
}
