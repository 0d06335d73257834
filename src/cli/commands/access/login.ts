// harborctl login [SERVER] -u USER (--password-stdin | prompt) [--name CONTEXT] [--docker-config]
// harborctl login --oidc [SERVER]: sign in through the registry's OpenID provider in a browser
// (login-oidc.ts); the context then holds the user's CLI secret.
// Verifies the credentials with GET /api/v2.0/users/current before saving anything.
import { HarborError } from '../../../core/errors.js';
import { currentUser } from '../../../client/users.js';
import { contextName, normalizeServer, writeDockerAuth } from '../../config.js';
import { askPassword, askText, readStdin, withSpinner } from '../../output/interactive.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { oidcSignIn } from './login-oidc.js';

export interface Options { username?: string; passwordStdin?: boolean; name?: string; dockerConfig?: boolean; oidc?: boolean; browser?: boolean }

export async function run(rt: Runtime, [serverArg]: string[], o: Options): Promise<void> {
  const given = serverArg ?? rt.opts.server;
  let server: string;
  if (given) server = normalizeServer(given);
  else {
    // No SERVER: the current context's server, else the local `harborctl serve`.
    const t = (() => { try { return rt.target(); } catch { return undefined; } })();
    if (!t) throw new HarborError('USAGE', 'which server? pass SERVER, e.g. harborctl login harbor.example.com -u alice');
    server = t.server;
  }
  if (o.name !== undefined && !/^[\w.@:-]{1,100}$/.test(o.name)) throw new HarborError('USAGE', `invalid --name ${JSON.stringify(o.name)}: letters, digits and . _ @ : -`);
  if (o.oidc && (o.username !== undefined || o.passwordStdin)) throw new HarborError('USAGE', '--oidc signs in through the browser: it takes no -u or --password-stdin');
  let username: string;
  let password: string;
  if (o.oidc) {
    ({ username, secret: password } = await oidcSignIn(rt, server, { browser: o.browser !== false }));
  } else {
    username = o.username ?? await askText(rt, 'Username:', '-u USER');
    password = o.passwordStdin ? await readStdin(rt) : await askPassword(rt, `Password for ${username}:`, '--password-stdin');
  }
  if (!password) throw new HarborError('USAGE', 'the password is empty');

  const c = rt.client({ server, username, password });
  let user;
  try {
    user = await withSpinner(rt, `logging in to ${server}`, () => currentUser(c));
  } finally {
    await c.close();
  }
  const name = o.name ?? contextName(server, user.username);
  rt.config().save(name, {
    server, username, password,
    ...(rt.opts.caFile ? { caFile: rt.opts.caFile } : {}),
    ...(rt.opts.insecure ? { insecure: true } : {}),
  });
  let dockerConfig: string | undefined;
  if (o.dockerConfig) dockerConfig = writeDockerAuth(server, username, password, rt.io.env);
  renderResult(rt.io, rt.opts.output,
    { context: name, server, username: user.username, ...(dockerConfig ? { docker_config: dockerConfig } : {}) },
    `logged in to ${server} as ${user.username} (context ${name})${dockerConfig ? `; credentials added to ${dockerConfig}` : ''}`);
}
