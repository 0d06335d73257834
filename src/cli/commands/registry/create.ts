// harborctl registry create NAME --type TYPE --url URL [--description D] [--insecure-upstream]
//   [--username U (--password-stdin | prompt)]
import { createRegistry, type Registry } from '../../../client/registries.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { checkFlags, readCredential, REGISTRY_FIELDS, type CredentialFlags } from './views.js';

export interface Options extends CredentialFlags { type?: string; url?: string; description?: string; insecureUpstream?: boolean }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  if (name.trim() === '' || name.length > 255 || /[\u0000-\u001f\u007f]/.test(name)) throw new HarborError('USAGE', `invalid registry name ${JSON.stringify(name)}`);
  if (o.type === undefined) throw new HarborError('USAGE', 'registry create needs --type (docker-hub, docker-registry, harbor, ...)');
  if (o.url === undefined) throw new HarborError('USAGE', 'registry create needs --url');
  const { type, url } = checkFlags(o);
  const cred = await readCredential(rt, o);
  const req: Omit<Registry, 'id'> = { name, type: type!, url: url!, insecure: Boolean(o.insecureUpstream), description: o.description ?? '' };
  if (cred) req.credential = { type: 'basic', access_key: cred.username, access_secret: cred.password };
  const r = await rt.withClient((c) => createRegistry(c, req));
  renderObject(rt.io, rt.opts.output, r, REGISTRY_FIELDS);
}
