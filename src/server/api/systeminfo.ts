// Harbor tag "systeminfo": GET /systeminfo. As in Harbor (src/controller/systeminfo), anonymous
// callers get the public subset; the "protected" fields (version, URLs, time, ...) need a signed-in
// user or robot.
import { HarborError } from '../../core/errors.js';
import { sendJson } from '../context.js';
import type { ApiRouter } from './router.js';

/**
 * What `harbor_version` says: the Harbor release whose API we implement, in Harbor's own form
 * `<release>-<8-hex git commit>` (here v2.15.2's), which clients parse. Our own version is in
 * `harborctl_version`, a field we add.
 */
export const HARBOR_API_VERSION = 'v2.15.2-080b0220';

export function systeminfoRoutes(r: ApiRouter): void {
  r.add('GET', '/systeminfo', async (c) => {
    const host = c.http.req.headers.host ?? '127.0.0.1';
    const scheme = (c.http.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    const info: Record<string, unknown> = {
      auth_mode: c.svc.config.authMode, primary_auth_mode: false, self_registration: false, banner_message: '',
      oidc_provider_name: c.svc.config.authMode === 'oidc_auth' ? c.svc.config.str('oidc_name') : '',
    };
    if (c.principal.kind !== 'anonymous') {
      Object.assign(info, {
        harbor_version: HARBOR_API_VERSION, harborctl_version: c.svc.version, external_url: `${scheme}://${host}`,
        current_time: new Date().toISOString(), read_only: false, notification_enable: false,
        registry_url: host, project_creation_restriction: 'everyone', has_ca_root: (await c.svc.system.caCert()) !== null,
        registry_storage_provider_name: 'filesystem',
        // Ours: a robot's login name for any signed-in caller (Harbor keeps it in /configurations, admins only).
        robot_name_prefix: c.svc.config.str('robot_name_prefix'),
      });
    }
    sendJson(c.http, 200, info);
  });

  r.add('GET', '/systeminfo/volumes', async (c) => {
    if (!(await c.svc.access.canSystem(c.principal, 'system-volumes', 'read'))) {
      throw new HarborError(c.principal.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN', 'reading the volumes needs a system admin');
    }
    sendJson(c.http, 200, { storage: [await c.svc.system.volumes()] });
  });

  // The CA certificate `tls init` made, for clients to trust (Harbor: no sign-in needed).
  r.add('GET', '/systeminfo/getcert', async (c) => {
    const ca = await c.svc.system.caCert();
    if (!ca) throw new HarborError('NOT_FOUND', 'no CA certificate: this registry is not serving with one from tls init');
    c.http.res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': 'attachment; filename=ca.crt', 'Content-Length': ca.length });
    c.http.res.end(ca);
  });
}
