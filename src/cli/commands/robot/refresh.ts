// harborctl robot refresh ROBOT [--project P] [--secret-file PATH]: a new secret; the old one stops working at once
import { findRobot, refreshRobotSecret } from '../../../client/robots.js';
import { renderObject, renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { checkSecretFile, writeSecretFile } from './secret.js';

export interface Options { project?: string; secretFile?: string }

export async function run(rt: Runtime, [robot]: string[], o: Options): Promise<void> {
  if (o.secretFile !== undefined) await checkSecretFile(o.secretFile);
  const out = await rt.withClient(async (c) => {
    const r = await findRobot(c, robot, o.project);
    return { id: r.id, name: r.name, secret: await refreshRobotSecret(c, r.id) };
  });
  if (o.secretFile !== undefined) {
    await writeSecretFile(o.secretFile, out.secret);
    renderResult(rt.io, rt.opts.output, { id: out.id, name: out.name, secret_file: o.secretFile }, `new secret for robot ${out.name} written to ${o.secretFile}`);
    return;
  }
  renderObject(rt.io, rt.opts.output, out, [
    { header: 'ID', value: (r) => r.id },
    { header: 'NAME', value: (r) => r.name },
    { header: 'SECRET', value: (r) => r.secret },
  ]);
  rt.info('the secret is shown only this once; the old one no longer works');
}
