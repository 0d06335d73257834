// Every operation we implement is a Harbor operation, and one successful call of each returns what
// Harbor's swagger declares for it (helpers/api.ts validates every reply; this file makes sure each
// operation is called and that none is missing). The other API test files validate their error
// replies the same way.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RegistryClient } from '../../src/client/registry.js';
import { digestOf } from '../../src/oci/digest.js';
import { buildApiRouter } from '../../src/server/api/index.js';
import { addMember, admin, api, basicHeader, createProject, createUser, pushImageWith } from '../helpers/api.js';
import { waitExecution } from '../helpers/replication.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { CLIENT_ID, CLIENT_SECRET, HttpBrowser, startTestOp, type TestOp } from '../helpers/oidc-provider.js';
import { startScannerAdapter, type ScannerAdapter } from '../helpers/scanner-adapter.js';
import { BASE_DN, loadDirectory, startSlapd, type Slapd } from '../helpers/slapd.js';
import { findOperation, seenOperations, SWAGGER_AVAILABLE, validateResponse } from '../helpers/swagger.js';

let srv: TestServer;
let slapd: Slapd;
let adapter: ScannerAdapter;
/** A second registry in oidc_auth mode (an auth mode cannot change once users exist) and its provider. */
let oidcSrv: TestServer;
let op: TestOp;
beforeAll(async () => {
  srv = await startTestServer();
  adapter = await startScannerAdapter();
  op = await startTestOp(() => [`${oidcSrv.url}/c/oidc/callback`]);
  oidcSrv = await startTestServer();
  slapd = await startSlapd();
  await loadDirectory(slapd.url, [{ uid: 'lu', cn: 'L U', mail: 'lu@example.org', password: 'Lu-pass-123' }], [{ cn: 'lg', members: ['lu'] }]);
});
afterAll(async () => {
  await srv.close();
  await slapd?.stop();
  await adapter?.close();
  await oidcSrv?.close();
  await op?.stop();
});

test.skipIf(!SWAGGER_AVAILABLE)('every route in our table is an operation of Harbor\'s swagger', () => {
  for (const r of buildApiRouter().list()) {
    const op = findOperation(r.method, r.template);
    expect(op, `${r.method} ${r.template}`).not.toBeNull();
    const shape = (t: string): string => t.replace(/\/$/, '').replace(/\{[^}]+\}/g, '{}');
    expect(shape(op!.template)).toBe(shape(r.template));
  }
});

test('a successful call of every operation validates against its response schema', async () => {
  const s = srv.url;
  const is2xx = async (method: string, path: string, body?: unknown, as?: { username: string; password: string } | null): Promise<ReturnType<typeof api>> => {
    const r = await api(s, method, path, { body, as });
    expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBeGreaterThanOrEqual(200);
    expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBeLessThan(300);
    return r;
  };
  await is2xx('GET', '/ping', undefined, null);
  await is2xx('GET', '/health');
  await is2xx('GET', '/systeminfo');
  await is2xx('GET', '/systeminfo', undefined, null);
  await is2xx('GET', '/configurations');
  await is2xx('PUT', '/configurations', { read_only: false });
  await is2xx('PUT', '/configurations', {
    ldap_url: slapd.url, ldap_base_dn: `ou=people,${BASE_DN}`, ldap_uid: 'uid', ldap_group_base_dn: `ou=groups,${BASE_DN}`,
    ldap_search_dn: `cn=harbor,ou=service,${BASE_DN}`, ldap_search_password: 'Search-pass-1',
  });
  await is2xx('POST', '/ldap/ping', {});
  await is2xx('GET', '/ldap/users/search?username=lu');
  await is2xx('GET', '/ldap/groups/search?groupname=lg');
  await is2xx('POST', '/ldap/users/import', { ldap_uid_list: ['lu'] });

  const uid = await createUser(s, 'schema-user', 'Schema1234');
  await is2xx('GET', '/users');
  await is2xx('GET', `/users/${uid}`);
  await is2xx('GET', '/users/current');
  await is2xx('GET', '/users/search?username=schema');
  await is2xx('PUT', `/users/${uid}`, { realname: 'S' });
  await is2xx('PUT', `/users/${uid}/password`, { new_password: 'Schema5678' });
  await is2xx('PUT', `/users/${uid}/sysadmin`, { sysadmin_flag: false });

  const pid = await createProject(s, 'schema');
  await is2xx('HEAD', '/projects?project_name=schema');
  await is2xx('GET', '/projects');
  await is2xx('GET', `/projects/${pid}`);
  await is2xx('PUT', '/projects/schema', { metadata: { public: 'true' } });
  await is2xx('GET', '/projects/schema/summary');
  await is2xx('GET', '/projects/schema/metadatas/');
  await is2xx('POST', '/projects/schema/metadatas/', { auto_scan: 'true' });
  await is2xx('GET', '/projects/schema/metadatas/auto_scan');
  await is2xx('PUT', '/projects/schema/metadatas/auto_scan', { auto_scan: 'false' });
  await is2xx('DELETE', '/projects/schema/metadatas/auto_scan');

  const mid = await addMember(s, 'schema', 'schema-user', 3);
  await is2xx('GET', '/projects/schema/members');
  await is2xx('GET', `/projects/schema/members/${mid}`);
  await is2xx('PUT', `/projects/schema/members/${mid}`, { role_id: 2 });
  const ug = await is2xx('POST', '/usergroups', { group_name: 'schema-group', group_type: 3 });
  const gid = Number(ug.headers.location.split('/').pop());
  await is2xx('GET', '/usergroups');
  await is2xx('GET', '/usergroups/search?groupname=schema');
  await is2xx('GET', `/usergroups/${gid}`);
  await is2xx('PUT', `/usergroups/${gid}`, { group_name: 'schema-group2' });
  await is2xx('POST', '/projects/schema/members', { role_id: 3, member_group: { id: gid } });
  await is2xx('GET', '/projects/schema/members');
  await is2xx('DELETE', `/usergroups/${gid}`);

  const img = await pushImageWith(s, 'schema/nested/app', 'v1', basicHeader(admin));
  if (!img.ok) throw new Error(img.text);
  await is2xx('GET', '/projects/schema/repositories');
  await is2xx('GET', '/projects/schema/repositories/nested%252Fapp');
  await is2xx('PUT', '/projects/schema/repositories/nested%252Fapp', { description: 'schema' });
  await is2xx('GET', '/repositories');
  await is2xx('POST', '/projects/schema/repositories/copied/artifacts?from=schema/nested/app:v1');
  await is2xx('DELETE', '/projects/schema/repositories/copied');
  await is2xx('GET', '/projects/schema/repositories/nested%252Fapp/artifacts');
  await is2xx('GET', `/projects/schema/repositories/nested%252Fapp/artifacts/${img.digest}`);
  await is2xx('POST', '/projects/schema/repositories/nested%252Fapp/artifacts/v1/tags', { name: 'v2' });
  await is2xx('GET', '/projects/schema/repositories/nested%252Fapp/artifacts/v1/tags');
  // SBOM generation (its layer is no tar, so it ends in Error; the endpoints answer all the same).
  await is2xx('POST', '/projects/schema/repositories/nested%252Fapp/artifacts/v1/scan', { scan_type: 'sbom' });
  await is2xx('GET', '/projects/schema/repositories/nested%252Fapp/artifacts/v1/accessories');
  await srv.app.sbom.idle();
  await is2xx('DELETE', '/projects/schema/repositories/nested%252Fapp/artifacts/v1/tags/v2');
  await is2xx('DELETE', '/projects/schema/repositories/nested%252Fapp/artifacts/v1');
  expect(await pushImageWith(s, 'schema/nested/app', 'v3', basicHeader(admin))).toMatchObject({ ok: true });
  await is2xx('GET', '/projects/schema/artifacts');
  await is2xx('GET', '/search?q=schema');
  await is2xx('GET', '/statistics');
  await is2xx('GET', '/permissions');
  await is2xx('GET', `/users/current/permissions?scope=/project/${pid}&relative=true`);
  await is2xx('GET', '/projects/schema/_deletable');
  await is2xx('GET', '/systeminfo/volumes');
  await is2xx('PUT', '/system/CVEAllowlist', { items: [{ cve_id: 'CVE-2024-1' }] });
  await is2xx('GET', '/system/CVEAllowlist');
  // Scanners and scans, with a spec adapter (helpers/scanner-adapter.ts).
  const scanner = await is2xx('POST', '/scanners', { name: 'schema-scanner', url: adapter.url });
  const sid = scanner.headers.location.split('/').pop()!;
  await is2xx('GET', '/scanners');
  await is2xx('POST', '/scanners/ping', { name: 'schema-scanner', url: adapter.url });
  await is2xx('GET', `/scanners/${sid}`);
  await is2xx('GET', `/scanners/${sid}/metadata`);
  await is2xx('PUT', `/scanners/${sid}`, { name: 'schema-scanner', url: adapter.url, description: 'schema' });
  await is2xx('PATCH', `/scanners/${sid}`, { is_default: true });
  await is2xx('GET', '/projects/schema/scanner');
  await is2xx('PUT', '/projects/schema/scanner', { uuid: sid });
  await is2xx('GET', '/projects/schema/scanner/candidates');
  await is2xx('POST', '/projects/schema/repositories/nested%252Fapp/artifacts/v3/scan');
  await srv.app.scans.idle();
  const scanned = await is2xx('GET', '/projects/schema/repositories/nested%252Fapp/artifacts/v3?with_scan_overview=true');
  const reportId = (Object.values(scanned.body.scan_overview)[0] as { report_id: string }).report_id;
  await is2xx('GET', `/projects/schema/repositories/nested%252Fapp/artifacts/v3/scan/${reportId}/log`);
  let release = adapter.hold();
  await is2xx('POST', '/projects/schema/repositories/nested%252Fapp/artifacts/v3/scan');
  await is2xx('POST', '/projects/schema/repositories/nested%252Fapp/artifacts/v3/scan/stop', { scan_type: 'vulnerability' });
  release();
  await is2xx('PUT', '/system/scanAll/schedule', { schedule: { type: 'Daily' } });
  await is2xx('GET', '/system/scanAll/schedule');
  release = adapter.hold();
  await is2xx('POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } });
  await is2xx('POST', '/system/scanAll/stop');
  release();
  await srv.app.scheduler.wait((await srv.app.scheduler.history('SCAN_ALL', { offset: 0, limit: 1 })).items[0].id);
  await srv.app.scans.idle();
  await is2xx('GET', '/scans/all/metrics');
  await is2xx('GET', '/scans/schedule/metrics');
  await is2xx('GET', `/icons/${scanned.body.icon}`, undefined, null);
  // The job service monitor and the schedules.
  await is2xx('GET', '/schedules');
  await is2xx('GET', '/schedules/all/paused');
  const pools = await is2xx('GET', '/jobservice/pools');
  await is2xx('GET', `/jobservice/pools/${encodeURIComponent(pools.body[0].worker_pool_id)}/workers`);
  await is2xx('GET', '/jobservice/queues');
  await is2xx('PUT', '/jobservice/queues/IMAGE_SCAN', { action: 'pause' });
  await is2xx('PUT', '/jobservice/queues/IMAGE_SCAN', { action: 'resume' });
  await is2xx('PUT', '/jobservice/jobs/all');
  const latest = await is2xx('GET', '/projects/schema/repositories/nested%252Fapp/artifacts/v3?with_scan_overview=true');
  await is2xx('GET', `/jobservice/jobs/scan-${(Object.values(latest.body.scan_overview)[0] as { report_id: string }).report_id}/log`);
  // getcert's 200 needs a server started with tls init's certificate: tls.test.ts has it; here its declared 404.
  expect((await api(s, 'GET', '/systeminfo/getcert', { as: null })).status).toBe(404);
  const label = await is2xx('POST', '/labels', { name: 'schema', scope: 'p', project_id: pid });
  const lid = Number(label.headers.location.split('/').pop());
  await is2xx('GET', `/labels?scope=p&project_id=${pid}`);
  await is2xx('GET', `/labels/${lid}`);
  await is2xx('PUT', `/labels/${lid}`, { name: 'schema2' });
  await is2xx('POST', '/projects/schema/repositories/nested%252Fapp/artifacts/v3/labels', { id: lid });
  await is2xx('DELETE', `/projects/schema/repositories/nested%252Fapp/artifacts/v3/labels/${lid}`);
  await is2xx('DELETE', `/labels/${lid}`);
  // JSON additions: the swagger declares their bodies strings.
  for (const a of ['build_history', 'vulnerabilities']) {
    const path = `/projects/schema/repositories/nested%252Fapp/artifacts/v3/additions/${a}`;
    const r = await api(s, 'GET', path, { raw: true });
    expect(r.status, r.text).toBe(200);
    validateResponse('GET', path, r.status, r.text);
  }
  await is2xx('DELETE', '/projects/schema/repositories/nested%252Fapp');
  // A one-layer ModelPack model, for its readme.md addition.
  const reg = new RegistryClient({ server: s, credentials: admin });
  try {
    const readme = Buffer.from('# schema model\n');
    const cfg = Buffer.from(JSON.stringify({ descriptor: { name: 'm' }, config: {}, modelfs: { type: 'layers', diffIds: [digestOf(readme)] } }));
    await reg.pushBlobBytes('schema/model', digestOf(readme), readme);
    await reg.pushBlobBytes('schema/model', digestOf(cfg), cfg);
    await reg.putManifest('schema/model', 'v1', 'application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.cncf.model.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: digestOf(cfg), size: cfg.length },
      layers: [{ mediaType: 'application/vnd.cncf.model.doc.v1.raw', digest: digestOf(readme), size: readme.length, annotations: { 'org.cncf.model.filepath': 'README.md' } }],
    })));
  } finally { await reg.close(); }
  await is2xx('GET', '/projects/schema/repositories/model/artifacts/v1');
  await is2xx('GET', '/projects/schema/repositories/model/artifacts/v1/additions/readme.md');
  await is2xx('DELETE', '/projects/schema/repositories/model');
  await is2xx('GET', `/quotas?reference=project&reference_id=${pid}`);
  await is2xx('GET', `/quotas/${pid}`);
  await is2xx('PUT', `/quotas/${pid}`, { hard: { storage: 1048576 } });
  const perms = [{ kind: 'project', namespace: 'schema', access: [{ resource: 'repository', action: 'pull' }] }];
  const robot = await is2xx('POST', '/robots', { name: 'schema-bot', level: 'project', duration: 30, permissions: perms });
  await is2xx('GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${pid}`)}`);
  await is2xx('GET', '/robots');
  await is2xx('GET', `/robots/${robot.body.id}`);
  await is2xx('PUT', `/robots/${robot.body.id}`, { description: 'schema', permissions: perms });
  await is2xx('PATCH', `/robots/${robot.body.id}`, { secret: '' });
  await is2xx('DELETE', `/robots/${robot.body.id}`);
  // Registry endpoints; the test server itself is the upstream the ping reaches.
  await is2xx('POST', '/registries', { name: 'schema-up', type: 'docker-registry', url: s, credential: { type: 'basic', access_key: 'k', access_secret: 's' } });
  const regs = await is2xx('GET', '/registries?q=name%3Dschema-up');
  const rid = (regs.body as { id: number }[])[0].id;
  await is2xx('GET', `/registries/${rid}`);
  await is2xx('GET', `/registries/${rid}/info`);
  await is2xx('PUT', `/registries/${rid}`, { description: 'schema', access_key: '' });
  await is2xx('POST', '/registries/ping', { id: rid });
  await is2xx('DELETE', `/registries/${rid}`);
  const imm = { tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }], scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] } };
  const immId = Number((await is2xx('POST', '/projects/schema/immutabletagrules', imm)).headers.location.split('/').pop());
  await is2xx('GET', '/projects/schema/immutabletagrules');
  await is2xx('PUT', `/projects/schema/immutabletagrules/${immId}`, { id: immId, ...imm, disabled: true });
  await is2xx('DELETE', `/projects/schema/immutabletagrules/${immId}`);
  await is2xx('GET', '/retentions/metadatas');
  expect(await pushImageWith(s, 'schema/kept', 'v1', basicHeader(admin))).toMatchObject({ ok: true });
  const retBody = { algorithm: 'or', rules: [{ template: 'latestPushedK', params: { latestPushedK: 1 }, tag_selectors: imm.tag_selectors, scope_selectors: imm.scope_selectors }],
    trigger: { kind: 'Schedule', settings: { cron: '' } }, scope: { level: 'project', ref: pid } };
  const retId = Number((await is2xx('POST', '/retentions', retBody)).headers.location.split('/').pop());
  await is2xx('GET', `/retentions/${retId}`);
  await is2xx('PUT', `/retentions/${retId}`, retBody);
  const eid = Number((await is2xx('POST', `/retentions/${retId}/executions`, { dry_run: true })).headers.location.split('/').pop());
  await srv.app.retention.idle();
  await is2xx('GET', `/retentions/${retId}/executions`);
  await is2xx('PATCH', `/retentions/${retId}/executions/${eid}`, { action: 'stop' });
  const tasks = await is2xx('GET', `/retentions/${retId}/executions/${eid}/tasks`);
  await is2xx('GET', `/retentions/${retId}/executions/${eid}/tasks/${(tasks.body as { id: number }[])[0].id}`);
  await is2xx('DELETE', `/retentions/${retId}`);
  await is2xx('DELETE', '/projects/schema/repositories/kept');
  await is2xx('GET', '/audit-logs?q=operation%3Dcreate');
  await is2xx('GET', '/projects/schema/logs');
  await is2xx('GET', '/auditlog-exts?q=operation%3Dcreate');
  await is2xx('GET', '/auditlog-exts/events');
  await is2xx('GET', '/projects/schema/auditlog-exts');
  // Webhooks: a policy whose target refuses connections (port 9 on loopback): its delivery is an execution all the same.
  const hook = { name: 'schema-hook', event_types: ['PUSH_ARTIFACT'], targets: [{ type: 'http', address: 'http://127.0.0.1:9/', payload_format: 'CloudEvents' }] };
  const created = await is2xx('POST', '/projects/schema/webhook/policies', hook);
  const hid = Number(created.headers.location.split('/').pop());
  await is2xx('GET', '/projects/schema/webhook/policies');
  await is2xx('GET', `/projects/schema/webhook/policies/${hid}`);
  await is2xx('PUT', `/projects/schema/webhook/policies/${hid}`, { ...hook, description: 'schema' });
  await is2xx('GET', '/projects/schema/webhook/events');
  const [whEid] = (await api(s, 'POST', `/projects/schema/webhook/policies/${hid}/test`, { raw: true })).body.execution_ids as number[];
  await is2xx('GET', `/projects/schema/webhook/policies/${hid}/executions`);
  await is2xx('GET', `/projects/schema/webhook/policies/${hid}/executions/${whEid}/tasks`);
  await is2xx('GET', `/projects/schema/webhook/policies/${hid}/executions/${whEid}/tasks/${whEid}/log`);
  await is2xx('GET', '/projects/schema/webhook/lasttrigger');
  await is2xx('GET', `/projects/schema/webhook/jobs?policy_id=${hid}`);
  await is2xx('DELETE', `/projects/schema/webhook/policies/${hid}`);
  await is2xx('POST', '/system/gc/schedule', { schedule: { type: 'Custom', cron: '0 0 3 * * *' }, parameters: { delete_untagged: true } });
  await is2xx('PUT', '/system/gc/schedule', { schedule: { type: 'Daily' }, parameters: { dry_run: true } });
  await is2xx('GET', '/system/gc/schedule');
  const gcRun = await is2xx('PUT', '/system/gc/schedule', { schedule: { type: 'Manual' }, parameters: { dry_run: true } });
  const gcId = Number(/(\d+)$/.exec(gcRun.headers.location)![1]);
  await srv.app.scheduler.wait(gcId);
  await is2xx('GET', '/system/gc');
  await is2xx('GET', `/system/gc/${gcId}`);
  await is2xx('GET', `/system/gc/${gcId}/log`);
  await is2xx('PUT', `/system/gc/${gcId}`);
  const purgeParams = { audit_retention_hour: 24, include_event_types: 'pull', dry_run: true };
  await is2xx('POST', '/system/purgeaudit/schedule', { schedule: { type: 'Weekly' }, parameters: purgeParams });
  await is2xx('PUT', '/system/purgeaudit/schedule', { schedule: { type: 'Hourly' }, parameters: purgeParams });
  await is2xx('GET', '/system/purgeaudit/schedule');
  const purgeRun = await is2xx('POST', '/system/purgeaudit/schedule', { schedule: { type: 'Manual' }, parameters: purgeParams });
  const purgeId = Number(/(\d+)$/.exec(purgeRun.headers.location)![1]);
  await srv.app.scheduler.wait(purgeId);
  await is2xx('GET', '/system/purgeaudit');
  await is2xx('GET', `/system/purgeaudit/${purgeId}`);
  await is2xx('GET', `/system/purgeaudit/${purgeId}/log`);
  await is2xx('PUT', `/system/purgeaudit/${purgeId}`);
  // Replication: a push-based policy from this server to itself (registered as type harbor).
  await createProject(s, 'replsrc');
  expect(await pushImageWith(s, 'replsrc/app', 'v1', basicHeader(admin))).toMatchObject({ ok: true });
  await is2xx('GET', '/replication/adapters');
  await is2xx('GET', '/replication/adapterinfos');
  const self = await is2xx('POST', '/registries', { name: 'schema-self', type: 'harbor', url: s, credential: { type: 'basic', access_key: 'admin', access_secret: admin.password } });
  const selfId = Number(self.headers.location.split('/').pop());
  const rp = { name: 'schema-repl', enabled: true, dest_registry: { id: selfId }, dest_namespace: 'replmirror', filters: [{ type: 'name', value: 'replsrc/**' }] };
  const rpId = Number((await is2xx('POST', '/replication/policies', rp)).headers.location.split('/').pop());
  await is2xx('GET', '/replication/policies');
  await is2xx('GET', `/replication/policies/${rpId}`);
  await is2xx('PUT', `/replication/policies/${rpId}`, { ...rp, description: 'schema' });
  const run = await is2xx('POST', '/replication/executions', { policy_id: rpId });
  const runId = Number(run.headers.location.split('/').pop());
  await waitExecution(s, runId);
  await is2xx('GET', `/replication/executions?policy_id=${rpId}`);
  await is2xx('GET', `/replication/executions/${runId}`);
  const replTasks = await is2xx('GET', `/replication/executions/${runId}/tasks`);
  await is2xx('GET', `/replication/executions/${runId}/tasks/${replTasks.body[0].id}/log`);
  await is2xx('PUT', `/replication/executions/${runId}`);
  await is2xx('DELETE', `/replication/policies/${rpId}`);
  await is2xx('DELETE', `/projects/schema/members/${mid}`);
  await is2xx('DELETE', `/scanners/${sid}`);
  await is2xx('DELETE', '/projects/schema');
  await is2xx('DELETE', `/users/${uid}`);
  await createProject(s, 'schema-post'); // createProject's 201

  // OIDC: the ping, then a user onboarded automatically, its CLI secret set and shown in users/current.
  const o = oidcSrv.url;
  const ok = async (method: string, path: string, body?: unknown, as?: { username: string; password: string }) => {
    const r = await api(o, method, path, { body, as });
    expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBe(200);
    return r;
  };
  await ok('POST', '/system/oidc/ping', { url: op.issuer, verify_cert: true });
  await ok('PUT', '/configurations', {
    auth_mode: 'oidc_auth', oidc_endpoint: op.issuer, oidc_client_id: CLIENT_ID, oidc_client_secret: CLIENT_SECRET, oidc_auto_onboard: true,
    oidc_user_claim: 'name', oidc_scope: 'openid,profile,offline_access',
  });
  op.accounts.set('schema-oidc', { name: 'schema-oidc' });
  const signedIn = await new HttpBrowser().follow(`${o}/c/oidc/login`, { login: 'schema-oidc', issuer: op.issuer, stop: (l) => l.startsWith(`${o}/c/oidc/signed-in`) });
  expect(signedIn.status).toBe(302);
  const oidcUser = (await ok('GET', '/users?q=username=schema-oidc')).body[0].user_id as number;
  await ok('PUT', `/users/${oidcUser}/cli_secret`, { secret: 'Schema-oidc-1' });
  const current = await ok('GET', '/users/current', undefined, { username: 'schema-oidc', password: 'Schema-oidc-1' });
  expect(current.body.oidc_user_meta).toMatchObject({ secret: 'Schema-oidc-1', user_id: oidcUser });
});

// Needs the calls above: every implemented operation was called and validated once.
test.skipIf(!SWAGGER_AVAILABLE)('the successful calls cover every operation we implement', () => {
  const implemented = buildApiRouter().list().map((r) => findOperation(r.method, r.template)!.op.operationId);
  expect([...new Set(implemented)].filter((id) => !seenOperations.has(id))).toEqual([]);
});
