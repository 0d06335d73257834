// harborctl user delete USER --yes (USER: name or id)
import { deleteUser, findUser } from '../../../client/users.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [user]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `delete user ${user}?`);
  const u = await rt.withClient(async (c) => {
    const found = await findUser(c, user);
    await deleteUser(c, found.user_id);
    return found;
  });
  printDeleted(rt, 'user', u.username, { id: u.user_id });
}
