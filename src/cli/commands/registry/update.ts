// harborctl registry update REGISTRY [--name N] [--description D] [--url URL] [--insecure-upstream | --no-insecure-upstream]
//   [--username U (--password-stdin | prompt) | --remove-credential]
import { findRegistry, getRegistryById, updateRegistry, type RegistryUpdate } from '../../../client/registries.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { checkFlags, readCredential, REGISTRY_FIELDS, type CredentialFlags } from './views.js';

export interface Options extends CredentialFlags {
  name?: string; description?: string; url?: string; insecureUpstream?: boolean; removeCredential?: boolean;
}

export async function run(rt: Runtime, [registry]: string[], o: Options): Promise<void> {
  if (o.removeCredential && (o.username !== undefined || o.passwordStdin)) throw new HarborError('USAGE', '--remove-credential goes without --username and --password-stdin');
  if (o.name !== undefined && (o.name.trim() === '' || o.name.length > 255)) throw new HarborError('USAGE', `invalid --name ${JSON.stringify(o.name)}`);
  const { url } = checkFlags({ url: o.url });
  const req: RegistryUpdate = {};
  if (o.name !== undefined) req.name = o.name;
  if (o.description !== undefined) req.description = o.description;
  if (url !== undefined) req.url = url;
  if (o.insecureUpstream !== undefined) req.insecure = o.insecureUpstream;
  if (o.removeCredential) req.access_key = '';
  const cred = await readCredential(rt, o);
  if (cred) Object.assign(req, { credential_type: 'basic', access_key: cred.username, access_secret: cred.password });
  if (Object.keys(req).length === 0) throw new HarborError('USAGE', 'nothing to change: give --name, --description, --url, --[no-]insecure-upstream, --username or --remove-credential');
  const r = await rt.withClient(async (c) => {
    const found = await findRegistry(c, registry);
    await updateRegistry(c, found.id, req);
    return getRegistryById(c, found.id);
  });
  renderObject(rt.io, rt.opts.output, r, REGISTRY_FIELDS);
}
