// harborctl registry ping REGISTRY            a stored endpoint (its status is updated)
// harborctl registry ping --url URL [--type T] [--insecure-upstream] [--username U (--password-stdin | prompt)]
// Exit 0 when healthy; REGISTRY_UNHEALTHY (exit 1) with the server's reason otherwise.
import { findRegistry, pingRegistry, type RegistryPing } from '../../../client/registries.js';
import { HarborError } from '../../../core/errors.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { checkFlags, readCredential, type CredentialFlags } from './views.js';

export interface Options extends CredentialFlags { type?: string; url?: string; insecureUpstream?: boolean }

export async function run(rt: Runtime, [registry]: string[], o: Options): Promise<void> {
  if (registry === undefined && o.url === undefined) throw new HarborError('USAGE', 'registry ping needs a REGISTRY (id or name) or --url');
  if (registry !== undefined && (o.url !== undefined || o.type !== undefined)) throw new HarborError('USAGE', 'give a REGISTRY or --url/--type, not both');
  const { type, url } = checkFlags(o);
  const cred = await readCredential(rt, o);
  const req: RegistryPing = {};
  if (type !== undefined) req.type = type;
  if (url !== undefined) req.url = url;
  if (o.insecureUpstream !== undefined) req.insecure = o.insecureUpstream;
  if (cred) Object.assign(req, { credential_type: 'basic', access_key: cred.username, access_secret: cred.password });
  const target = await rt.withClient(async (c) => {
    let name = url!;
    if (registry !== undefined) {
      const found = await findRegistry(c, registry);
      req.id = found.id;
      name = found.name;
    }
    await pingRegistry(c, req);
    return name;
  });
  renderResult(rt.io, rt.opts.output, { registry: target, healthy: true }, `registry ${target} is healthy`);
}
