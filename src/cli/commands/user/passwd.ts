// harborctl user passwd [USER] (--password-stdin | prompt): the new password. Changing your own password
// sends the current one from the context (Harbor asks for it); the context is then updated.
import { HarborError } from '../../../core/errors.js';
import { changePassword, currentUser, findUser } from '../../../client/users.js';
import { askPassword, readStdin } from '../../output/interactive.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { localServer } from '../../config.js';

export interface Options { passwordStdin?: boolean }

export async function run(rt: Runtime, [user]: string[], o: Options): Promise<void> {
  const t = rt.target();
  const who = user ?? t.username;
  if (!who) throw new HarborError('USAGE', 'which user? pass USER, or log in first');
  const password = o.passwordStdin ? await readStdin(rt) : await askPassword(rt, `New password for ${who}:`, '--password-stdin');
  if (!password) throw new HarborError('USAGE', 'the password is empty');
  const c = rt.client(t);
  let target;
  let self = false;
  try {
    const me = await currentUser(c);
    target = user === undefined ? me : await findUser(c, user);
    self = target.user_id === me.user_id;
    await changePassword(c, target.user_id, self ? { old_password: t.password, new_password: password } : { new_password: password });
  } finally {
    await c.close();
  }
  if (self && t.context && t.context !== 'local' && rt.config().get(t.context)) {
    rt.config().update(t.context, { ...rt.config().get(t.context)!, password });
  } else if (self && t.context === 'local' && localServer(rt.io.env)?.password !== password) {
    // Our server rewrites admin.password itself; a server that did not leaves the local context stale.
    rt.warn(`admin.password in the data dir still holds the old password: run harborctl login ${t.server} -u ${target.username}`);
  }
  renderResult(rt.io, rt.opts.output, { kind: 'user', name: target.username, id: target.user_id, password_changed: true }, `changed the password of ${target.username}`);
}
