// harborctl registry get REGISTRY (id or name)
import { findRegistry } from '../../../client/registries.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { REGISTRY_FIELDS } from './views.js';

export async function run(rt: Runtime, [registry]: string[]): Promise<void> {
  const r = await rt.withClient((c) => findRegistry(c, registry));
  renderObject(rt.io, rt.opts.output, r, REGISTRY_FIELDS);
}
