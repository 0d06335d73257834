// harborctl user cli-secret [--set [--secret-stdin]]: your CLI secret (OIDC users: what docker, podman
// and harborctl sign in with). --set replaces it with a new random one (or the one read from stdin):
// harborctl makes it, since the server's answer to PUT /users/{id}/cli_secret carries no secret and
// the old one stops working at once. The current context is updated to the new secret.
import { randomBytes } from 'node:crypto';
import { HarborError } from '../../../core/errors.js';
import { currentUser, setCliSecret } from '../../../client/users.js';
import { readStdin } from '../../output/interactive.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export interface Options { set?: boolean; secretStdin?: boolean }

/** 32 random characters that meet Harbor's secret rules (upper, lower, digit). */
const newSecret = (): string => `Cs${randomBytes(22).toString('base64url')}7`;

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  if (o.secretStdin && !o.set) throw new HarborError('USAGE', '--secret-stdin goes with --set');
  const t = rt.target();
  const wanted = o.secretStdin ? (await readStdin(rt)).trim() : newSecret();
  if (!wanted) throw new HarborError('USAGE', 'the secret is empty');
  const c = rt.client(t);
  let username: string;
  let secret: string;
  try {
    const me = await currentUser(c);
    if (!me.oidc_user_meta) throw new HarborError('PRECONDITION', `${me.username} does not sign in through OIDC: CLI secrets are for OIDC users`);
    username = me.username;
    secret = me.oidc_user_meta.secret ?? '';
    if (o.set) {
      await setCliSecret(c, me.user_id, wanted);
      secret = wanted;
    }
  } finally {
    await c.close();
  }
  if (o.set && t.context && t.context !== 'local' && rt.config().get(t.context)?.username === username) {
    rt.config().update(t.context, { ...rt.config().get(t.context)!, password: secret });
  }
  renderResult(rt.io, rt.opts.output, { username, secret }, secret);
}
