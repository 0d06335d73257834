// harborctl replication policy delete POLICY --yes
import { deleteReplicationPolicy, findReplicationPolicy } from '../../../client/replication.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [policy]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `delete replication policy ${policy}?`);
  const p = await rt.withClient(async (c) => {
    const found = await findReplicationPolicy(c, policy);
    await deleteReplicationPolicy(c, found.id);
    return found;
  });
  printDeleted(rt, 'replication policy', p.name, { id: p.id });
}
