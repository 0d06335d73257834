// harborctl robot create NAME [--project P] [--level system|project] (--permission LIST | --permissions-file F)
//   [--duration DAYS|-1] [--description TEXT] [--secret-file PATH] [--k8s-secret NAME [--namespace NS]]
import { HarborError } from '../../../core/errors.js';
import { createRobot, ROBOT_PREFIX, type RobotCreate } from '../../../client/robots.js';
import { renderObject, renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { formatManifest, isValidNamespace, isValidSecretName, pullSecretManifest } from '../k8s/manifest.js';
import { parseDuration, permissionsFromFlags } from './permissions.js';
import { checkSecretFile, writeSecretFile } from './secret.js';
import { expiry } from './views.js';

export interface Options {
  project?: string; level?: string; permission?: string; permissionsFile?: string; duration?: string; description?: string;
  secretFile?: string; k8sSecret?: string; namespace?: string;
}

const NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export async function run(rt: Runtime, [rawName]: string[], o: Options): Promise<void> {
  // `robot$p+ci` and `p+ci` are accepted: the project part must agree with --project.
  let name = rawName.startsWith(ROBOT_PREFIX) ? rawName.slice(ROBOT_PREFIX.length) : rawName;
  let project = o.project;
  const plus = name.indexOf('+');
  if (plus > 0) {
    if (project !== undefined && project !== name.slice(0, plus)) throw new HarborError('USAGE', `robot ${rawName} names project ${name.slice(0, plus)} but --project is ${project}`);
    project = name.slice(0, plus);
    name = name.slice(plus + 1);
  }
  if (!NAME_RE.test(name) || name.length > 255) {
    throw new HarborError('USAGE', `invalid robot name ${JSON.stringify(rawName)}: lower-case letters and digits with single . _ - between them`);
  }
  const level = o.level ?? (project ? 'project' : 'system');
  if (level !== 'system' && level !== 'project') throw new HarborError('USAGE', `invalid --level ${JSON.stringify(o.level)}: system or project`);
  if (level === 'project' && !project) throw new HarborError('USAGE', 'a project robot needs --project PROJECT');
  const permissions = (await permissionsFromFlags(o, level, project))!;
  // Harbor's default robot_token_duration is 30 days: least privilege includes an expiry.
  const duration = o.duration === undefined ? 30 : parseDuration(o.duration);
  if (o.namespace !== undefined && o.k8sSecret === undefined) throw new HarborError('USAGE', '--namespace goes with --k8s-secret NAME');
  if (o.k8sSecret !== undefined && !isValidSecretName(o.k8sSecret)) throw new HarborError('USAGE', `invalid --k8s-secret ${JSON.stringify(o.k8sSecret)}: a Kubernetes name (lower-case letters, digits, - and .)`);
  if (o.namespace !== undefined && !isValidNamespace(o.namespace)) throw new HarborError('USAGE', `invalid --namespace ${JSON.stringify(o.namespace)}`);

  if (o.secretFile !== undefined) await checkSecretFile(o.secretFile);
  const req: RobotCreate = { name, level, duration, permissions, disable: false };
  if (o.description !== undefined) req.description = o.description;
  const { created, server } = await rt.withClient(async (c, t) => ({ created: await createRobot(c, req), server: new URL(t.server).host }));
  if (o.secretFile !== undefined) {
    try {
      await writeSecretFile(o.secretFile, created.secret);
    } catch (e) {
      throw new HarborError('USAGE', `robot ${created.name} was created, but ${(e as Error).message}: get a new secret with harborctl robot refresh ${created.id} --secret-file PATH`);
    }
  }

  if (o.k8sSecret !== undefined) {
    // The Secret is the data; the robot's name goes to stderr for the person watching.
    rt.io.stderr.write(`created robot ${created.name} (id ${created.id})\n`);
    const m = pullSecretManifest({ name: o.k8sSecret, namespace: o.namespace, server, username: created.name, password: created.secret });
    rt.io.stdout.write(formatManifest(m, rt.opts.output === 'json' ? 'json' : 'yaml'));
    return;
  }
  if (o.secretFile !== undefined) {
    const { secret: _secret, ...rest } = created;
    renderResult(rt.io, rt.opts.output, { ...rest, secret_file: o.secretFile }, `created robot ${created.name} (id ${created.id}); secret written to ${o.secretFile}`);
    return;
  }
  renderObject(rt.io, rt.opts.output, created, [
    { header: 'ID', value: (r) => r.id },
    { header: 'NAME', value: (r) => r.name },
    { header: 'EXPIRES', value: (r) => expiry(r.expires_at) },
    { header: 'SECRET', value: (r) => r.secret },
  ]);
  rt.info('the secret is shown only this once: store it now (or use --secret-file next time)');
}
