// harborctl k8s pull-secret NAME --server URL (--robot NAME | --username U) --password-stdin [--namespace NS] [--secret-file PATH]
// Prints the Secret kubectl would (see manifest.ts). With --secret-file the manifest, which holds the
// password, goes to that file with mode 0600 instead of stdout. The one network call: --robot asks
// the server for its robot_name_prefix when harborctl has a context for it (robot$ otherwise).
import { HarborError } from '../../../core/errors.js';
import { ROBOT_PREFIX, robotNamePrefix } from '../../../client/robots.js';
import { normalizeServer } from '../../config.js';
import { askPassword, readStdin } from '../../output/interactive.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { checkSecretFile, writeSecretFile } from '../robot/secret.js';
import { formatManifest, isValidNamespace, isValidSecretName, pullSecretManifest } from './manifest.js';

export interface Options { server?: string; robot?: string; username?: string; passwordStdin?: boolean; namespace?: string; secretFile?: string }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  if (!isValidSecretName(name)) throw new HarborError('USAGE', `invalid Secret name ${JSON.stringify(name)}: lower-case letters, digits, - and . (RFC 1123)`);
  if (!o.server) throw new HarborError('USAGE', 'the registry is required: pass --server URL (as for kubectl\'s --docker-server)');
  if ((o.robot === undefined) === (o.username === undefined)) throw new HarborError('USAGE', 'pass exactly one of --robot NAME and --username USER');
  if (o.namespace !== undefined && !isValidNamespace(o.namespace)) throw new HarborError('USAGE', `invalid --namespace ${JSON.stringify(o.namespace)}`);
  if (o.secretFile !== undefined) await checkSecretFile(o.secretFile);
  // A robot logs in as PREFIX + NAME (robot$ unless the server says otherwise); accept the name with or without it.
  const prefix = o.robot !== undefined ? await prefixOf(rt, o.server) : '';
  const username = o.robot !== undefined ? (o.robot.startsWith(prefix) ? o.robot : `${prefix}${o.robot}`) : o.username!;
  let password: string;
  if (o.passwordStdin) {
    if (rt.io.stdin.isTTY) throw new HarborError('NEEDS_INPUT', '--password-stdin needs the password piped in, e.g. printf %s "$SECRET" | harborctl k8s pull-secret ...');
    password = await readStdin(rt);
    if (password === '') throw new HarborError('NEEDS_INPUT', 'no password on stdin (--password-stdin)');
  } else {
    password = await askPassword(rt, `Password for ${username}:`, '--password-stdin');
  }
  const m = pullSecretManifest({ name, namespace: o.namespace, server: o.server, username, password });
  const text = formatManifest(m, rt.opts.output === 'json' ? 'json' : 'yaml');
  if (o.secretFile !== undefined) {
    await writeSecretFile(o.secretFile, text);
    renderResult(rt.io, rt.opts.output === 'yaml' ? 'yaml' : rt.opts.output, { kind: 'Secret', name, namespace: o.namespace ?? null, file: o.secretFile }, `wrote Secret ${name} to ${o.secretFile}`);
    return;
  }
  rt.io.stdout.write(text);
}

/** robot_name_prefix of `server` when harborctl has a context for it; robot$ otherwise, or (with a warning) when the server cannot tell. */
async function prefixOf(rt: Runtime, server: string): Promise<string> {
  let t;
  try {
    t = rt.contextFor(normalizeServer(server));
  } catch {
    return ROBOT_PREFIX; // --server is only the Secret's key: any text kubectl would take
  }
  if (!t) return ROBOT_PREFIX;
  const c = rt.client(t);
  try {
    return await robotNamePrefix(c);
  } catch (e) {
    rt.warn(`could not read robot_name_prefix from ${t.server} (${(e as Error).message}): using ${ROBOT_PREFIX}`);
    return ROBOT_PREFIX;
  } finally {
    await c.close();
  }
}
