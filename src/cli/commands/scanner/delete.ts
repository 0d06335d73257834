// harborctl scanner delete SCANNER --yes
import { deleteScanner, findScanner } from '../../../client/scanners.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [ref]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `delete scanner registration ${ref}?`);
  const r = await rt.withClient(async (c) => {
    const found = await findScanner(c, ref);
    await deleteScanner(c, found.uuid);
    return found;
  });
  printDeleted(rt, 'scanner', r.name, { uuid: r.uuid });
}
