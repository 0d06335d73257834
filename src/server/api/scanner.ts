// Harbor tags "scanner" (/scanners: registrations of Pluggable Scanner API adapters, ping, metadata,
// the system default) and "scanAll" (/system/scanAll/schedule, /system/scanAll/stop, /scans/*/metrics),
// and the project's scanner (/projects/{p}/scanner, its candidates), as Harbor's handler/scanner.go,
// scan_all.go and project.go answer them.
import { HarborError } from '../../core/errors.js';
import { SECRET_MASK } from '../../services/registries.js';
import { SCAN_ALL_KIND } from '../../services/scans.js';
import type { ScannerView } from '../../services/scanners.js';
import type { AdapterMetadata } from '../../services/scanner-adapter.js';
import { sendEmpty, sendJson } from '../context.js';
import { filterByQuery, parseQuery, sendPage, sortBy, type Fields, type QValue } from './paging.js';
import { isResourceName, readObject, type ApiContext, type ApiRouter } from './router.js';
import { scheduleBody } from './system-jobs.js';

const FIELDS: Fields<ScannerView> = {
  uuid: (r) => r.uuid, name: (r) => r.name, description: (r) => r.description, url: (r) => r.url, is_default: (r) => r.isDefault,
  disabled: (r) => r.disabled, auth: (r) => r.auth, create_time: (r) => r.createdAt, update_time: (r) => r.updatedAt,
};

/** Harbor's ScannerRegistration; the credential only as a mask. */
export function scannerResp(r: ScannerView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    uuid: r.uuid, name: r.name, description: r.description, url: r.url, disabled: r.disabled, is_default: r.isDefault, auth: r.auth,
    access_credential: r.hasCredential ? SECRET_MASK : '', skip_certVerify: r.skipCertVerify, use_internal_addr: r.useInternalAddr,
    create_time: r.createdAt, update_time: r.updatedAt, health: r.health ?? '',
  };
  if (r.metadata) {
    Object.assign(out, { adapter: r.metadata.scanner.name, vendor: r.metadata.scanner.vendor, version: r.metadata.scanner.version });
    const types = new Set(r.metadata.capabilities.map((c) => c.type));
    out.capabilities = { support_vulnerability: types.has('vulnerability'), support_sbom: types.has('sbom') };
  }
  return out;
}

/** Harbor's ScannerAdapterMetadata. */
function metadataResp(m: AdapterMetadata): Record<string, unknown> {
  return { scanner: m.scanner, capabilities: m.capabilities, properties: m.properties };
}

/** q=, and the older name/description/url (fuzzy) and ex_name/ex_url (exact) parameters Harbor still reads. */
function registrationQuery(c: ApiContext): Map<string, QValue> {
  const q = parseQuery(c.http.query.get('q'));
  for (const k of ['name', 'description', 'url']) {
    const v = c.http.query.get(k);
    if (v) q.set(k, { kind: 'fuzzy', value: v });
  }
  for (const k of ['ex_name', 'ex_url']) {
    const v = c.http.query.get(k);
    if (v) q.set(k.slice(3), { kind: 'exact', value: v });
  }
  return q;
}

function sendRegistrations(c: ApiContext, all: ScannerView[]): void {
  sendPage(c.http, sortBy(filterByQuery(all, registrationQuery(c), FIELDS), c.http.query.get('sort'), FIELDS), scannerResp);
}

/** scanAll's permission (system resource scan-all) and Harbor's requireScanEnabled: a default that scans for vulnerabilities. */
async function requireScanAll(c: ApiContext, action: string): Promise<void> {
  if (!(await c.svc.access.canSystem(c.principal, 'scan-all', action))) {
    throw new HarborError(c.principal.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN', 'scan all is for system administrators');
  }
  const def = (await c.svc.scanners.all()).find((r) => r.isDefault);
  if (!def || def.builtin) throw new HarborError('PRECONDITION', 'no scanner is configured, it\'s not possible to scan: register a vulnerability scanner and make it the default');
}

async function scanAllStats(c: ApiContext, trigger?: 'SCHEDULE'): Promise<Record<string, unknown>> {
  let latest = (await c.svc.scheduler.history(SCAN_ALL_KIND, { offset: 0, limit: trigger ? 1000 : 1 })).items;
  if (trigger) latest = latest.filter((e) => e.trigger === trigger);
  const e = latest[0];
  if (!e) return {};
  const label = e.trigger === 'SCHEDULE' ? 'Schedule' : 'Manual';
  return c.svc.scans.scanAllStats(e.id, e.status === 'Running' || e.status === 'Pending', label);
}

export function scannerRoutes(r: ApiRouter): void {
  r.add('GET', '/scanners', async (c) => sendRegistrations(c, await c.svc.scanners.list(c.principal)));

  r.add('POST', '/scanners', async (c) => {
    const uuid = await c.svc.scanners.create(c.principal, await readObject(c.http));
    sendEmpty(c.http, 201, { Location: `/api/v2.0/scanners/${uuid}` });
  });

  r.add('POST', '/scanners/ping', async (c) => {
    await c.svc.scanners.ping(c.principal, await readObject(c.http));
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/scanners/{registration_id}', async (c) => sendJson(c.http, 200, scannerResp(await c.svc.scanners.get(c.principal, c.params.registration_id))));

  r.add('PUT', '/scanners/{registration_id}', async (c) => {
    await c.svc.scanners.update(c.principal, c.params.registration_id, await readObject(c.http));
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/scanners/{registration_id}', async (c) => sendJson(c.http, 200, scannerResp(await c.svc.scanners.delete(c.principal, c.params.registration_id))));

  r.add('PATCH', '/scanners/{registration_id}', async (c) => {
    const b = await readObject(c.http);
    if (b.is_default !== undefined && typeof b.is_default !== 'boolean') throw new HarborError('BAD_REQUEST', 'is_default must be a boolean');
    await c.svc.scanners.setDefault(c.principal, c.params.registration_id, b.is_default === true);
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/scanners/{registration_id}/metadata', async (c) => sendJson(c.http, 200, metadataResp(await c.svc.scanners.metadata(c.principal, c.params.registration_id))));

  r.add('GET', '/projects/{project_name_or_id}/scanner', async (c) => {
    const p = await c.svc.projects.resolve(c.params.project_name_or_id, isResourceName(c));
    sendJson(c.http, 200, scannerResp(await c.svc.scanners.getForProject(c.principal, p)));
  });

  r.add('PUT', '/projects/{project_name_or_id}/scanner', async (c) => {
    const b = await readObject(c.http);
    const p = await c.svc.projects.resolve(c.params.project_name_or_id, isResourceName(c));
    await c.svc.scanners.setForProject(c.principal, p, b.uuid);
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/projects/{project_name_or_id}/scanner/candidates', async (c) => {
    const p = await c.svc.projects.resolve(c.params.project_name_or_id, isResourceName(c));
    sendRegistrations(c, await c.svc.scanners.candidates(c.principal, p));
  });

  // scanAll: a scheduler kind; Harbor's Schedule object, {} when there is none.
  r.add('GET', '/system/scanAll/schedule', async (c) => {
    await requireScanAll(c, 'read');
    const s = await c.svc.scheduler.getSchedule(SCAN_ALL_KIND);
    sendJson(c.http, 200, s ? {
      id: 1, status: 'Scheduled', creation_time: s.createdAt, update_time: s.updatedAt,
      schedule: { type: s.type, cron: s.cron, ...(s.nextScheduledTime ? { next_scheduled_time: s.nextScheduledTime } : {}) },
    } : {});
  });

  r.add('POST', '/system/scanAll/schedule', async (c) => {
    await requireScanAll(c, 'create');
    const s = scheduleBody({ parameters: () => ({}) }, await readObject(c.http));
    if (s.type === 'Manual') {
      await c.svc.scheduler.trigger(SCAN_ALL_KIND, 'MANUAL', {});
    } else if (s.type !== 'None') {
      if (await c.svc.scheduler.getSchedule(SCAN_ALL_KIND)) {
        throw new HarborError('PRECONDITION', 'fail to set schedule for scan all as always had one, please delete it firstly then to re-schedule');
      }
      await c.svc.scheduler.setSchedule(SCAN_ALL_KIND, s.type, s.cron, {});
    }
    sendEmpty(c.http, 201);
  });

  r.add('PUT', '/system/scanAll/schedule', async (c) => {
    await requireScanAll(c, 'update');
    const s = scheduleBody({ parameters: () => ({}) }, await readObject(c.http));
    if (s.type === 'Manual') throw new HarborError('BAD_REQUEST', `fail to update scan all schedule as wrong schedule type: ${s.type}`);
    await c.svc.scheduler.setSchedule(SCAN_ALL_KIND, s.type, s.cron, {});
    sendEmpty(c.http, 200);
  });

  r.add('POST', '/system/scanAll/stop', async (c) => {
    await requireScanAll(c, 'stop');
    const e = (await c.svc.scheduler.history(SCAN_ALL_KIND, { offset: 0, limit: 1 })).items[0];
    if (!e || e.status !== 'Running') throw new HarborError('BAD_REQUEST', 'no scan all job is found currently');
    await c.svc.scheduler.stop(SCAN_ALL_KIND, e.id);
    sendEmpty(c.http, 202);
  });

  r.add('GET', '/scans/all/metrics', async (c) => {
    await requireScanAll(c, 'read');
    sendJson(c.http, 200, await scanAllStats(c));
  });

  r.add('GET', '/scans/schedule/metrics', async (c) => {
    await requireScanAll(c, 'read');
    sendJson(c.http, 200, await scanAllStats(c, 'SCHEDULE'));
  });
}
