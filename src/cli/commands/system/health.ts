// harborctl health: GET /api/v2.0/health; exit 1 when the server or a component is unhealthy.
import { HarborError } from '../../../core/errors.js';
import { health } from '../../../client/system.js';
import type { HealthStatus } from '../../../client/types.js';
import { renderList, renderObject, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

type Component = NonNullable<HealthStatus['components']>[number];

const COLUMNS: Column<Component>[] = [
  { header: 'COMPONENT', value: (x) => x.name },
  { header: 'STATUS', value: (x) => x.status },
  { header: 'ERROR', value: (x) => x.error },
];

export async function run(rt: Runtime): Promise<void> {
  const h = await rt.withClient((c) => health(c));
  if (rt.opts.output !== 'table') renderObject(rt.io, rt.opts.output, h, []);
  else {
    rt.io.stdout.write(`status: ${h.status}\n`);
    renderList(rt.io, 'table', h.components ?? [], COLUMNS, 'no components reported');
  }
  if (h.status !== 'healthy') throw new HarborError('REGISTRY_UNHEALTHY', `the server reports itself ${h.status}`);
}
