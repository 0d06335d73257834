// harborctl registry delete REGISTRY --yes
import { deleteRegistry, findRegistry } from '../../../client/registries.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [registry]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `delete registry endpoint ${registry}?`);
  const r = await rt.withClient(async (c) => {
    const found = await findRegistry(c, registry);
    await deleteRegistry(c, found.id);
    return found;
  });
  printDeleted(rt, 'registry', r.name, { id: r.id });
}
