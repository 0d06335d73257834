// Harbor tag "systeminfo": GET /systeminfo. Anonymous callers get the public subset, as in Harbor
// (registry_url, auth_mode and the rest only for signed-in users).
import { sendJson } from '../context.js';
import type { ApiRouter } from './router.js';

export function systeminfoRoutes(r: ApiRouter): void {
  r.add('GET', '/systeminfo', async (c) => {
    const host = c.http.req.headers.host ?? '127.0.0.1';
    const scheme = (c.http.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    const info: Record<string, unknown> = {
      auth_mode: 'db_auth', primary_auth_mode: false, self_registration: false, banner_message: '',
      harbor_version: `harborctl-${c.svc.version}`, external_url: `${scheme}://${host}`,
      current_time: new Date().toISOString(), read_only: false, notification_enable: false, oidc_provider_name: '',
    };
    if (c.principal.kind === 'user') {
      Object.assign(info, {
        registry_url: host, project_creation_restriction: 'everyone', has_ca_root: false,
        registry_storage_provider_name: 'filesystem',
      });
    }
    sendJson(c.http, 200, info);
  });
}
