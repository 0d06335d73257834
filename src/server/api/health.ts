// Harbor tag "health": the overall status and one entry per component we run.
import { sendJson } from '../context.js';
import type { ApiRouter } from './router.js';

export function healthRoutes(r: ApiRouter): void {
  r.add('GET', '/health', async (c) => {
    const components: { name: string; status: string; error?: string }[] = [];
    try {
      await c.svc.stores.projects.getProject('library');
      components.push({ name: 'database', status: 'healthy' });
    } catch (e) {
      components.push({ name: 'database', status: 'unhealthy', error: e instanceof Error ? e.message : String(e) });
    }
    components.push({ name: 'core', status: 'healthy' }, { name: 'registry', status: 'healthy' });
    const status = components.every((x) => x.status === 'healthy') ? 'healthy' : 'unhealthy';
    sendJson(c.http, 200, { status, components });
  });
}
