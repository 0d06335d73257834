// Replication through the engine (`harborctl serve`, its /api/v2.0/replication API) to and from each
// cloud stand-in, which fronts a real docker-registry: per adapter, a push-based policy copies a
// local image into the stand-in (through its token service, creating the Hub organization or the ACR
// EE namespace first), and a pull-based policy copies the stand-in's image into a local project
// (listing through the vendor API). The bytes land in the real registry behind the stand-in.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminFetch as fetch, TEST_ADMIN_PASSWORD } from '../helpers/admin-auth.js';
import { pushTinyImage } from '../helpers/push.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
import { startAliAcrStandin, type AliAcrStandin } from '../helpers/standins/ali-acr.js';
import { startAzureAcrStandin, type AzureAcrStandin } from '../helpers/standins/azure-acr.js';
import { catalog, tagsOf, type Standin } from '../helpers/standins/common.js';
import { startDockerHubStandin, type DockerHubStandin } from '../helpers/standins/docker-hub.js';

let harbor: RegistryProcess;
let hub: DockerHubStandin;
let azure: AzureAcrStandin;
let aliEe: AliAcrStandin;
let aliPersonal: AliAcrStandin;
const admin = { user: 'admin', password: TEST_ADMIN_PASSWORD };

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${harbor.url}/api/v2.0${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function created(r: Response): Promise<number> {
  expect(r.status, await r.clone().text()).toBe(201);
  return Number(/(\d+)$/.exec(r.headers.get('location') ?? '')![1]);
}

/** Runs the policy once and waits for its execution to end; its status, and its task logs when it did not succeed. */
async function run(policyId: number): Promise<{ status: string; logs: string }> {
  const id = await created(await api('POST', '/replication/executions', { policy_id: policyId }));
  for (;;) {
    const e = (await (await api('GET', `/replication/executions/${id}`)).json()) as { status: string };
    if (e.status !== 'InProgress') {
      let logs = '';
      if (e.status !== 'Succeed') {
        const tasks = (await (await api('GET', `/replication/executions/${id}/tasks`)).json()) as { id: number }[];
        for (const t of tasks) logs += await (await api('GET', `/replication/executions/${id}/tasks/${t.id}/log`)).text();
      }
      return { status: e.status, logs };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function registry(name: string, type: string, s: Standin, credential: Record<string, string>): Promise<number> {
  return created(await api('POST', '/registries', { name, type, url: s.url, insecure: false, credential }));
}

async function policy(body: Record<string, unknown>): Promise<number> {
  return created(await api('POST', '/replication/policies', { enabled: true, override: true, trigger: { type: 'manual' }, ...body }));
}

beforeAll(async () => {
  harbor = await startHarborctl();
  [hub, azure, aliEe, aliPersonal] = await Promise.all([startDockerHubStandin(), startAzureAcrStandin(), startAliAcrStandin('ee', ['team']), startAliAcrStandin('personal', ['team', 'mirror'])]);
  hub.addUser('alice', 'alice-pat');
  await pushTinyImage(harbor.url, 'library/app', '1.0', admin);
  await pushTinyImage(harbor.url, 'library/app', '2.0', admin);
  expect((await api('POST', '/projects', { project_name: 'pulled', metadata: { public: 'false' } })).status).toBe(201);
});

afterAll(async () => {
  await Promise.all([hub?.close(), azure?.close(), aliEe?.close(), aliPersonal?.close()]);
  await harbor?.stop();
});

/** The source's tags of library/app pushed as `<ns>/app` into the stand-in's real registry. */
async function expectPushed(s: Standin, repo: string): Promise<void> {
  expect((await tagsOf(s.registry, repo)).sort()).toEqual(['1.0', '2.0']);
}

async function localTags(repo: string): Promise<string[]> {
  const r = await fetch(`${harbor.url}/v2/${repo}/tags/list`);
  expect(r.status, await r.clone().text()).toBe(200);
  return (((await r.json()) as { tags: string[] }).tags ?? []).sort();
}

describe('replication through the engine to and from the cloud stand-ins', () => {
  test('docker-hub: push into a new organization (created first), pull back from it', async () => {
    const reg = await registry('hub', 'docker-hub', hub, { type: 'basic', access_key: 'alice', access_secret: 'alice-pat' });
    const push = await policy({ name: 'to-hub', dest_registry: { id: reg }, dest_namespace: 'aliceorg', filters: [{ type: 'name', value: 'library/app' }] });
    const pushed = await run(push);
    expect(pushed.status, pushed.logs).toBe('Succeed');
    expect(hub.orgs.get('aliceorg')).toBe('alice');
    await expectPushed(hub, 'aliceorg/app');

    const pull = await policy({ name: 'from-hub', src_registry: { id: reg }, dest_namespace: 'pulled', filters: [{ type: 'name', value: 'aliceorg/app' }] });
    const pulled = await run(pull);
    expect(pulled.status, pulled.logs).toBe('Succeed');
    expect(await localTags('pulled/app')).toEqual(['1.0', '2.0']);
    expect(hub.requests.some((r) => r.startsWith('GET /v2/repositories/aliceorg/app/tags/'))).toBe(true);
  });

  test('azure-acr: push with the admin user, pull with an Azure AD token (exchange → refresh → access)', async () => {
    const adminReg = await registry('acr-admin', 'azure-acr', azure, { type: 'basic', access_key: azure.admin.username, access_secret: azure.admin.password });
    const push = await policy({ name: 'to-acr', dest_registry: { id: adminReg }, dest_namespace: 'mirror', filters: [{ type: 'name', value: 'library/app' }], copy_by_chunk: true });
    const pushed = await run(push);
    expect(pushed.status, pushed.logs).toBe('Succeed');
    await expectPushed(azure, 'mirror/app');

    const aadReg = await registry('acr-aad', 'azure-acr', azure, { type: 'oauth', access_key: 'aad', access_secret: azure.aadToken() });
    const pull = await policy({ name: 'from-acr', src_registry: { id: aadReg }, dest_namespace: 'pulled/acr', filters: [{ type: 'name', value: 'mirror/app' }] });
    const pulled = await run(pull);
    expect(pulled.status, pulled.logs).toBe('Succeed');
    expect(await localTags('pulled/acr/app')).toEqual(['1.0', '2.0']);
    expect(azure.requests).toContain('POST /oauth2/exchange');
  });

  test('ali-acr EE: push into a namespace the instance lacks (CreateNamespace first), pull back through the OpenAPI listings', async () => {
    const reg = await registry('acr-ee', 'ali-acr', aliEe, { type: 'basic', access_key: aliEe.accessKey.id, access_secret: aliEe.accessKey.secret });
    const push = await policy({ name: 'to-acr-ee', dest_registry: { id: reg }, dest_namespace: 'mirror', filters: [{ type: 'name', value: 'library/app' }] });
    const pushed = await run(push);
    expect(pushed.status, pushed.logs).toBe('Succeed');
    expect(aliEe.namespaces.has('mirror')).toBe(true);
    await expectPushed(aliEe, 'mirror/app');

    const pull = await policy({ name: 'from-acr-ee', src_registry: { id: reg }, dest_namespace: 'pulled/ee', filters: [{ type: 'name', value: 'mirror/**' }] });
    const pulled = await run(pull);
    expect(pulled.status, pulled.logs).toBe('Succeed');
    expect(await localTags('pulled/ee/app')).toEqual(['1.0', '2.0']);
    expect(aliEe.requests.some((r) => r.includes('Action=ListRepoTag'))).toBe(true);
    // The AccessKey secret never reached the stand-in, in a URL or a header: only signatures and temporary credentials did.
    expect(aliEe.requests.join('\n')).not.toContain(aliEe.accessKey.secret);
    expect([...aliEe.authorizations].join('\n')).not.toContain(aliEe.accessKey.secret);
    expect([...aliEe.authorizations].some((a) => aliEe.issued.some((i) => a === `${i.username}:${i.password}`))).toBe(true);
  });

  test('ali-acr personal: push into an existing namespace, pull back', async () => {
    const reg = await registry('acr-personal', 'ali-acr', aliPersonal, { type: 'basic', access_key: aliPersonal.accessKey.id, access_secret: aliPersonal.accessKey.secret });
    const push = await policy({ name: 'to-acr-personal', dest_registry: { id: reg }, dest_namespace: 'mirror', filters: [{ type: 'name', value: 'library/app' }] });
    const pushed = await run(push);
    expect(pushed.status, pushed.logs).toBe('Succeed');
    await expectPushed(aliPersonal, 'mirror/app');
    expect(await catalog(aliPersonal.registry)).toEqual(['mirror/app']);

    const pull = await policy({ name: 'from-acr-personal', src_registry: { id: reg }, dest_namespace: 'pulled/personal', filters: [{ type: 'name', value: 'mirror/app' }] });
    const pulled = await run(pull);
    expect(pulled.status, pulled.logs).toBe('Succeed');
    expect(await localTags('pulled/personal/app')).toEqual(['1.0', '2.0']);
  });
});
