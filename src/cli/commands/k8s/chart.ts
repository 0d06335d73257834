// harborctl k8s chart --out DIR: writes the Helm chart (Chart.yaml, values.yaml, templates/) that
// templates/helm/harborctl holds, generated from the objects `k8s manifests` prints (deploy.ts).
import * as fsp from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HarborError } from '../../../core/errors.js';
import { harborctlVersion } from '../../../core/version.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { chartFiles } from './deploy.js';

export interface Options { out?: string }

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  if (!o.out) throw new HarborError('USAGE', 'pass --out DIR: the chart\'s directory');
  const dir = resolve(o.out);
  const files = chartFiles(harborctlVersion());
  for (const [path, text] of Object.entries(files)) {
    await fsp.mkdir(dirname(join(dir, path)), { recursive: true });
    await fsp.writeFile(join(dir, path), text);
  }
  renderResult(rt.io, rt.opts.output, { chart: dir, files: Object.keys(files) }, `wrote the Helm chart to ${dir} (helm install harborctl ${dir} -f my-values.yaml)`);
}
