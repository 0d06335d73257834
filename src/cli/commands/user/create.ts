// harborctl user create USERNAME [--email E] [--realname R] [--comment C] (--password-stdin | prompt)
import { HarborError } from '../../../core/errors.js';
import { createUser } from '../../../client/users.js';
import { askPassword, readStdin } from '../../output/interactive.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { USER_COLUMNS } from './views.js';

export interface Options { email?: string; realname?: string; comment?: string; passwordStdin?: boolean }

export async function run(rt: Runtime, [username]: string[], o: Options): Promise<void> {
  if (!/^[^\s,~#$%:"']{1,255}$/.test(username)) throw new HarborError('USAGE', `invalid user name ${JSON.stringify(username)}: 1 to 255 characters, no spaces or any of ,~#$%:"'`);
  if (o.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(o.email)) throw new HarborError('USAGE', `invalid --email ${JSON.stringify(o.email)}`);
  const password = o.passwordStdin ? await readStdin(rt) : await askPassword(rt, `Password for ${username}:`, '--password-stdin');
  if (!password) throw new HarborError('USAGE', 'the password is empty');
  const u = await rt.withClient((c) => createUser(c, {
    username, password, email: o.email ?? '', realname: o.realname ?? username, comment: o.comment ?? '',
  }));
  renderObject(rt.io, rt.opts.output, u, USER_COLUMNS);
}
