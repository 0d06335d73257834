// harborctl scanner create NAME URL [--description D] [--auth TYPE --credential-stdin] [--skip-cert-verify] [--default]
import { createScanner, findScanner, setDefaultScanner } from '../../../client/scanners.js';
import { HarborError } from '../../../core/errors.js';
import { readStdin } from '../../output/interactive.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { SCANNER_COLUMNS } from './views.js';

export interface Options { description?: string; auth?: string; credentialStdin?: boolean; skipCertVerify?: boolean; default?: boolean }

const AUTH = ['Basic', 'Bearer', 'X-ScannerAdapter-API-Key'];

export async function run(rt: Runtime, [name, url]: string[], o: Options): Promise<void> {
  if (o.auth !== undefined && !AUTH.includes(o.auth)) throw new HarborError('USAGE', `--auth must be one of ${AUTH.join(', ')}`);
  if ((o.auth !== undefined) !== Boolean(o.credentialStdin)) throw new HarborError('USAGE', '--auth and --credential-stdin go together');
  const credential = o.credentialStdin ? await readStdin(rt) : undefined;
  if (o.credentialStdin && !credential) throw new HarborError('USAGE', 'no credential on stdin');
  const r = await rt.withClient(async (c) => {
    const uuid = await createScanner(c, { name, url, description: o.description, auth: o.auth, access_credential: credential, skip_certVerify: o.skipCertVerify });
    if (o.default) await setDefaultScanner(c, uuid);
    return findScanner(c, uuid);
  });
  renderObject(rt.io, rt.opts.output, r, SCANNER_COLUMNS);
}
