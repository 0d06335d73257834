// Replication (issue 18) between two real servers in this process: A (the one with the policies)
// and B, registered in A as a registry of type `harbor`. Push-based and pull-based runs copy by
// digest (an index with its children and a chain of accessories), the filters and the namespace
// rules pick and name what is copied, an event-based policy follows a push and a delete, override
// keeps or moves the destination's tags, a stop ends an execution, a failing destination is tried
// again and then marked Failed. Executions are waited on by polling their status.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, createProject, expectApiError, createUser } from '../helpers/api.js';
import { call, pushBlob, pushImage, pushManifest, MT } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import {
  createPolicy, createRegistry, pushIndexWithAccessories, startExecution, taskLog, waitExecution, waitExecutions,
} from '../helpers/replication.js';

let a: TestServer;
let b: TestServer;
let regB: number;
const fast = { pollMs: 20, backoffMs: 10, maxAttempts: 2, chunkSize: 64 * 1024 };

beforeAll(async () => {
  [a, b] = await Promise.all([startTestServer({ replication: fast }), startTestServer({ replication: fast })]);
  regB = await createRegistry(a.url, 'b', b.url, 'harbor', { username: 'admin', password: 'Harbor12345' });
  for (const p of ['src', 'other', 'ev']) await createProject(a.url, p);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

async function manifestDigest(base: string, repo: string, ref: string): Promise<string | null> {
  const r = await call(base, `/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { accept: `${MT.ociManifest}, ${MT.ociIndex}` } });
  return r.status === 200 ? r.headers['docker-content-digest'] : null;
}

describe('policies', () => {
  test('create, get, list, update, delete in Harbor\'s shapes; the extended audit log records them', async () => {
    const id = await createPolicy(a.url, {
      name: 'shape', description: 'd', dest_registry: { id: regB }, dest_namespace: 'ns', dest_namespace_replace_count: 1,
      trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 3 * * *' } }, filters: [{ type: 'name', value: 'src/**' }, { type: 'tag', value: 'v*', decoration: 'excludes' }],
      override: true, speed: 100, copy_by_chunk: true, replicate_deletion: true,
    });
    const g = await api(a.url, 'GET', `/replication/policies/${id}`);
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({
      id, name: 'shape', description: 'd', src_registry: { id: 0, name: 'Local', type: 'harbor' }, dest_registry: { id: regB, name: 'b', type: 'harbor' },
      dest_namespace: 'ns', dest_namespace_replace_count: 1, trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 3 * * *' } },
      filters: [{ type: 'name', value: 'src/**' }, { type: 'tag', value: 'v*', decoration: 'excludes' }], override: true, enabled: true, speed: 100,
      copy_by_chunk: true, replicate_deletion: true, deletion: true,
    });
    expect(g.body.dest_registry.credential.access_secret).toBe('*****');
    expect(JSON.stringify(g.body)).not.toContain('Harbor12345');
    // The cron is armed on the shared scheduler.
    expect(await a.app.scheduler.getSchedule(`REPLICATION:${id}`)).toMatchObject({ cron: '0 0 3 * * *' });
    const list = await api(a.url, 'GET', '/replication/policies?q=name%3D~sha&page_size=5');
    expect(list.headers['x-total-count']).toBe('1');
    expect(list.body.map((p: { id: number }) => p.id)).toEqual([id]);
    expect((await api(a.url, 'PUT', `/replication/policies/${id}`, { body: { ...g.body, name: 'shape2', trigger: { type: 'manual' } } })).status).toBe(200);
    expect((await api(a.url, 'GET', `/replication/policies/${id}`)).body).toMatchObject({ name: 'shape2', trigger: { type: 'manual' } });
    expect(await a.app.scheduler.getSchedule(`REPLICATION:${id}`)).toBeNull();
    // A registry a policy uses cannot be deleted.
    expectApiError(await api(a.url, 'DELETE', `/registries/${regB}`), 412, 'PRECONDITION');
    expect((await api(a.url, 'DELETE', `/replication/policies/${id}`)).status).toBe(200);
    expectApiError(await api(a.url, 'GET', `/replication/policies/${id}`, { raw: true }), 404, 'NOT_FOUND');
    await a.app.auditExt.flush();
    const logs = await api(a.url, 'GET', '/auditlog-exts?q=resource_type%3Dreplication_policy&page_size=10');
    expect(logs.body.map((l: { operation: string; resource: string }) => `${l.operation} ${l.resource}`).sort()).toEqual(['create shape', 'delete shape2', 'update shape']);
  });

  test('bad bodies are 400, a taken name 409, a non-admin 403', async () => {
    const bad = async (body: Record<string, unknown>): Promise<void> => {
      expectApiError(await api(a.url, 'POST', '/replication/policies', { body: { name: 'bad', enabled: true, ...body } }), 400, 'BAD_REQUEST');
    };
    await bad({}); // neither registry remote
    await bad({ src_registry: { id: regB }, dest_registry: { id: regB } });
    await bad({ dest_registry: { id: 9999 } });
    await bad({ dest_registry: { id: regB }, filters: [{ type: 'colour', value: 'x' }] });
    await bad({ dest_registry: { id: regB }, filters: [{ type: 'name', value: 'a', decoration: 'excludes' }] });
    await bad({ dest_registry: { id: regB }, filters: [{ type: 'label', value: 'not-a-list' }] });
    await bad({ dest_registry: { id: regB }, filters: [{ type: 'resource', value: 'chart' }] });
    await bad({ dest_registry: { id: regB }, trigger: { type: 'scheduled', trigger_settings: { cron: '* * *' } } });
    await bad({ src_registry: { id: regB }, trigger: { type: 'event_based' } });
    await bad({ dest_registry: { id: regB }, dest_namespace: '../x' });
    await bad({ dest_registry: { id: regB }, ['__proto__']: { polluted: true }, filters: { __proto__: [] } });
    const id = await createPolicy(a.url, { name: 'taken', dest_registry: { id: regB } });
    expectApiError(await api(a.url, 'POST', '/replication/policies', { body: { name: 'taken', dest_registry: { id: regB } } }), 409, 'CONFLICT');
    await createUser(a.url, 'plain');
    expectApiError(await api(a.url, 'GET', '/replication/policies', { as: { username: 'plain', password: 'Passw0rdX' } }), 403, 'FORBIDDEN');
    expectApiError(await api(a.url, 'GET', '/replication/adapters', { as: null }), 401, 'UNAUTHORIZED');
    await api(a.url, 'DELETE', `/replication/policies/${id}`);
  });

  test('hostile: parallel creates of one name give one 201; prototype keys in q= and sort= are ignored; single-active refuses a second run', async () => {
    const body = { name: 'racing', enabled: true, dest_registry: { id: regB }, single_active_replication: true, filters: [{ type: 'name', value: 'src/big-nothing/**' }] };
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => api(a.url, 'POST', '/replication/policies', { body })))).map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...new Array(9).fill(409)]);
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      for (const path of ['/replication/policies', '/replication/executions']) {
        const r = await api(a.url, 'GET', `${path}?q=${encodeURIComponent(`${key}=1`)}&sort=${key}`);
        expect(r.status, r.text).toBe(200);
      }
    }
    const id = (await api(a.url, 'GET', '/replication/policies?q=name%3Dracing')).body[0].id;
    // Held InProgress (not planned) by the store directly, so the refusal does not race a fast run.
    const held = await a.app.stores.replication.createExecution(id, 'manual', null, true);
    expect(held).not.toBeNull();
    expectApiError(await api(a.url, 'POST', '/replication/executions', { body: { policy_id: id } }), 400, 'BAD_REQUEST');
    expectApiError(await api(a.url, 'DELETE', `/replication/policies/${id}`), 412, 'PRECONDITION');
    await a.app.stores.replication.planExecution(held!.id, [], 'done');
    expect((await api(a.url, 'DELETE', `/replication/policies/${id}`)).status).toBe(200);
  });

  test('adapters and adapterinfos list the types replication supports', async () => {
    const t = await api(a.url, 'GET', '/replication/adapters');
    expect(t.body).toEqual(expect.arrayContaining(['docker-registry', 'harbor']));
    const i = await api(a.url, 'GET', '/replication/adapterinfos');
    expect(Object.keys(i.body)).toEqual(t.body);
    const info = await api(a.url, 'GET', `/registries/${regB}/info`);
    expect(info.body.supported_triggers).toEqual(['manual', 'scheduled', 'event_based']);
  });
});

describe('push-based', () => {
  test('an index with its children and a chain of accessories arrives whole, under the flattened name; a second run copies nothing', async () => {
    const pushed = await pushIndexWithAccessories(a.url, 'src/team/app', 'v1');
    await pushImage(a.url, 'other/skip', 'v1');
    const id = await createPolicy(a.url, {
      name: 'push-index', dest_registry: { id: regB }, filters: [{ type: 'name', value: 'src/**' }, { type: 'tag', value: 'v1' }],
      dest_namespace: 'mirror', dest_namespace_replace_count: 1,
    });
    const { execution, tasks } = await waitExecution(a.url, await startExecution(a.url, id));
    expect(execution).toMatchObject({ status: 'Succeed', trigger: 'manual', total: 1, succeed: 1, failed: 0 });
    expect(tasks).toEqual([expect.objectContaining({ status: 'Succeed', operation: 'copy', src_resource: 'src/team/app [1 item(s) in total]', dst_resource: 'mirror/team/app [1 item(s) in total]' })]);
    expect(tasks[0].bytes).toBeGreaterThan(0);
    expect(tasks[0].bytes).toBe(tasks[0].total_bytes);
    // Every manifest by digest, the tag on the index, the accessories listed as referrers.
    for (const d of [pushed.index, ...pushed.children, pushed.sbom, pushed.sig]) expect(await manifestDigest(b.url, 'mirror/team/app', d.digest)).toBe(d.digest);
    expect(await manifestDigest(b.url, 'mirror/team/app', 'v1')).toBe(pushed.index.digest);
    // Only v1 matched the tag filter: the children's own tags stay behind.
    expect(await manifestDigest(b.url, 'mirror/team/app', 'v1-amd64')).toBeNull();
    const refs = await call(b.url, `/v2/mirror/team/app/referrers/${pushed.index.digest}`);
    expect(refs.json<{ manifests: { digest: string }[] }>().manifests.map((m) => m.digest)).toEqual([pushed.sbom.digest]);
    const sigRefs = await call(b.url, `/v2/mirror/team/app/referrers/${pushed.sbom.digest}`);
    expect(sigRefs.json<{ manifests: { digest: string }[] }>().manifests.map((m) => m.digest)).toEqual([pushed.sig.digest]);
    expect(await manifestDigest(b.url, 'mirror/skip', 'v1')).toBeNull();
    // The project was created on B, private.
    expect((await api(b.url, 'GET', '/projects/mirror')).body.metadata.public).toBe('false');
    const log = await taskLog(a.url, execution.id, tasks[0].id);
    expect(log).toMatch(/copied blob sha256:/);
    expect(log).toMatch(/accessory sha256:[0-9a-f]{64} \(application\/vnd.goharbor.harbor.sbom.v1\)/);
    // Again: the destination has everything; no byte moves.
    const again = await waitExecution(a.url, await startExecution(a.url, id));
    expect(again.execution.status).toBe('Succeed');
    expect(again.tasks[0].bytes).toBe(0);
    expect(await taskLog(a.url, again.execution.id, again.tasks[0].id)).toMatch(/is already/);
    const byPolicy = await api(a.url, 'GET', `/replication/executions?policy_id=${id}&status=Succeed&trigger=manual`);
    expect(byPolicy.body.map((e: { id: number }) => e.id)).toEqual([again.execution.id, execution.id]);
    expect((await api(a.url, 'GET', `/replication/executions/${execution.id}/tasks?status=Failed`)).body).toEqual([]);
  });

  test('override off keeps a tag the destination moved; override on moves it back', async () => {
    await createProject(b.url, 'ov');
    const ours = await pushImage(a.url, 'src/ov', 'latest', 'source');
    const theirs = await pushImage(b.url, 'ov/ov', 'latest', 'theirs');
    const id = await createPolicy(a.url, { name: 'override', dest_registry: { id: regB }, filters: [{ type: 'name', value: 'src/ov' }], dest_namespace: 'ov' });
    const first = await waitExecution(a.url, await startExecution(a.url, id));
    expect(first.execution.status).toBe('Succeed');
    expect(await manifestDigest(b.url, 'ov/ov', 'latest')).toBe(theirs.digest);
    // Skipped whole, as Harbor does: not even copied untagged.
    expect(await manifestDigest(b.url, 'ov/ov', ours.digest)).toBeNull();
    expect(await taskLog(a.url, first.execution.id, first.tasks[0].id)).toMatch(/override is off/);
    await api(a.url, 'PUT', `/replication/policies/${id}`, { body: { override: true } });
    await waitExecution(a.url, await startExecution(a.url, id));
    expect(await manifestDigest(b.url, 'ov/ov', 'latest')).toBe(await manifestDigest(a.url, 'src/ov', 'latest'));
  });

  test('a label filter replicates only the labelled artifact; a resource filter `image` leaves other artifacts', async () => {
    const labelled = await pushImage(a.url, 'src/lab', 'yes', 'labelled');
    await pushImage(a.url, 'src/lab', 'no', 'plain');
    const l = await api(a.url, 'POST', '/labels', { body: { name: 'prod', scope: 'g' } });
    const labelId = Number(l.headers.location.split('/').pop());
    expect((await api(a.url, 'POST', `/projects/src/repositories/lab/artifacts/${labelled.digest}/labels`, { body: { id: labelId } })).status).toBe(200);
    const empty = await pushBlob(a.url, 'src/lab', Buffer.from('{}'), MT.ociEmpty);
    const blob = await pushBlob(a.url, 'src/lab', Buffer.from('not an image'), 'application/octet-stream');
    await pushManifest(a.url, 'src/lab', 'thing', { schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/x-thing', config: empty, layers: [blob] }, MT.ociManifest);
    const id = await createPolicy(a.url, { name: 'labels', dest_registry: { id: regB }, dest_namespace: 'lab',
      filters: [{ type: 'name', value: 'src/lab' }, { type: 'label', value: ['prod'] }] });
    expect((await waitExecution(a.url, await startExecution(a.url, id))).execution.status).toBe('Succeed');
    expect(await manifestDigest(b.url, 'lab/lab', 'yes')).toBe(labelled.digest);
    expect(await manifestDigest(b.url, 'lab/lab', 'no')).toBeNull();
    const img = await createPolicy(a.url, { name: 'images', dest_registry: { id: regB }, dest_namespace: 'img',
      filters: [{ type: 'name', value: 'src/lab' }, { type: 'resource', value: 'image' }] });
    const run = await waitExecution(a.url, await startExecution(a.url, img));
    expect(run.tasks[0].resource_type).toBe('image');
    expect(await manifestDigest(b.url, 'img/lab', 'no')).not.toBeNull();
    expect(await manifestDigest(b.url, 'img/lab', 'thing')).toBeNull();
  });

  test('copy_by_chunk uploads each blob in PATCHes of the chunk size', async () => {
    const layer = await pushBlob(a.url, 'src/chunky', Buffer.alloc(200 * 1024, 3));
    const config = await pushBlob(a.url, 'src/chunky', Buffer.from('{"architecture":"amd64","os":"linux","chunky":1}'), MT.ociConfig);
    const m = await pushManifest(a.url, 'src/chunky', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
    const id = await createPolicy(a.url, { name: 'chunks', dest_registry: { id: regB }, copy_by_chunk: true, filters: [{ type: 'name', value: 'src/chunky' }] });
    const before = b.logs.length;
    expect((await waitExecution(a.url, await startExecution(a.url, id))).execution.status).toBe('Succeed');
    expect(await manifestDigest(b.url, 'src/chunky', 'v1')).toBe(m.digest);
    // 200 KiB in 64 KiB chunks: four PATCHes for the layer, one for the config.
    const patches = b.logs.slice(before).filter((l) => /"PATCH \/v2\/src\/chunky\/blobs\/uploads\//.test(l));
    expect(patches).toHaveLength(5);
  });

  test('a scheduled policy runs when the scheduler fires its kind', async () => {
    await pushImage(a.url, 'src/cron', 'v1');
    const id = await createPolicy(a.url, { name: 'cron', dest_registry: { id: regB }, trigger: { type: 'scheduled', trigger_settings: { cron: '0 0 0 1 1 *' } },
      filters: [{ type: 'name', value: 'src/cron' }] });
    const job = await a.app.scheduler.trigger(`REPLICATION:${id}`, 'SCHEDULE', {});
    await a.app.scheduler.wait(job.id);
    const [run] = await waitExecutions(a.url, id, 1);
    expect(run).toMatchObject({ status: 'Succeed', trigger: 'scheduled' });
    expect(await manifestDigest(b.url, 'src/cron', 'v1')).not.toBeNull();
  });

  test('a task\'s end is a REPLICATION webhook event of the local project, in Harbor\'s shape', async () => {
    const rx = await WebhookReceiver.start();
    try {
      await createProject(a.url, 'hooked');
      const hook = await api(a.url, 'POST', '/projects/hooked/webhook/policies', {
        body: { name: 'repl', enabled: true, event_types: ['REPLICATION'], targets: [{ type: 'http', address: `${rx.url}/repl` }] },
      });
      expect(hook.status).toBe(201);
      await pushImage(a.url, 'hooked/app', 'v7');
      const id = await createPolicy(a.url, { name: 'hooked', description: 'to b', dest_registry: { id: regB }, filters: [{ type: 'name', value: 'hooked/**' }] });
      const { execution, tasks } = await waitExecution(a.url, await startExecution(a.url, id));
      const got = await rx.next((r) => r.path === '/repl');
      expect(got.json).toMatchObject({ type: 'REPLICATION', operator: 'admin', event_data: { replication: {
        job_status: 'Success', description: 'to b', trigger_type: 'MANUAL', policy_creator: 'admin', execution_id: execution.id, task_id: tasks[0].id,
        authentication_type: 'basic', artifact_type: 'artifact',
        src_resource: { registry_type: 'harbor', namespace: 'hooked' }, dest_resource: { registry_name: 'b', registry_type: 'harbor', endpoint: b.url, namespace: 'hooked' },
        successful_artifact: [{ status: 'Success', name_tag: 'app:v7', references: ['v7'] }],
      } } });
    } finally {
      await rx.close();
    }
  });

  test('nothing to replicate: Succeed with Harbor\'s status text', async () => {
    const id = await createPolicy(a.url, { name: 'empty', dest_registry: { id: regB }, filters: [{ type: 'name', value: 'nothing/**' }] });
    const { execution, tasks } = await waitExecution(a.url, await startExecution(a.url, id));
    expect(execution).toMatchObject({ status: 'Succeed', total: 0, status_text: 'no resources need to be replicated' });
    expect(tasks).toEqual([]);
  });

  test('an unreachable destination: each task is tried again after backoff, then Failed with the reason', async () => {
    const gone = await createRegistry(a.url, 'gone', 'http://127.0.0.1:1', 'docker-registry');
    await pushImage(a.url, 'src/retry', 'v1');
    const id = await createPolicy(a.url, { name: 'retries', dest_registry: { id: gone }, filters: [{ type: 'name', value: 'src/retry' }] });
    const { execution, tasks } = await waitExecution(a.url, await startExecution(a.url, id));
    expect(execution).toMatchObject({ status: 'Failed', failed: 1, status_text: '1 of 1 task(s) failed' });
    expect(tasks[0]).toMatchObject({ status: 'Failed', run_count: 2, status_message: expect.stringMatching(/cannot reach/) });
    const log = await taskLog(a.url, execution.id, tasks[0].id);
    expect(log).toMatch(/attempt 1\/2.*\n.*failed: cannot reach .*; next attempt at/);
    expect(log).toMatch(/attempt 2\/2/);
  });

  test('a destination that refuses the credential fails the execution at planning, with the reason', async () => {
    const bad = await createRegistry(a.url, 'b-wrong-password', b.url, 'harbor', { username: 'admin', password: 'wrong' });
    await pushImage(a.url, 'src/fail', 'v1');
    const id = await createPolicy(a.url, { name: 'fails', dest_registry: { id: bad }, filters: [{ type: 'name', value: 'src/fail' }] });
    const { execution } = await waitExecution(a.url, await startExecution(a.url, id));
    // The projects could not be created there: the execution fails at planning.
    expect(execution).toMatchObject({ status: 'Failed' });
    expect(execution.status_text).toMatch(/refused|401/);
  });

  test('a disabled policy cannot be started; an unknown one is 400', async () => {
    const id = await createPolicy(a.url, { name: 'off', dest_registry: { id: regB }, enabled: false });
    expectApiError(await api(a.url, 'POST', '/replication/executions', { body: { policy_id: id } }), 400, 'BAD_REQUEST');
    expectApiError(await api(a.url, 'POST', '/replication/executions', { body: { policy_id: 99999 } }), 400, 'BAD_REQUEST');
    expectApiError(await api(a.url, 'GET', '/replication/executions/99999', { raw: true }), 404, 'NOT_FOUND');
  });
});

describe('pull-based', () => {
  test('copies B\'s repositories into a local project it creates', async () => {
    await createProject(b.url, 'upstream');
    const img = await pushImage(b.url, 'upstream/tool', '1.0', 'tool');
    await pushImage(b.url, 'upstream/tool', '2.0-rc', 'tool-rc');
    const id = await createPolicy(a.url, { name: 'pull', src_registry: { id: regB }, dest_namespace: 'pulled',
      filters: [{ type: 'name', value: 'upstream/**' }, { type: 'tag', value: '*-rc', decoration: 'excludes' }] });
    const { execution } = await waitExecution(a.url, await startExecution(a.url, id));
    expect(execution.status).toBe('Succeed');
    expect(await manifestDigest(a.url, 'pulled/tool', '1.0')).toBe(img.digest);
    expect(await manifestDigest(a.url, 'pulled/tool', '2.0-rc')).toBeNull();
  });
});

describe('pull-based with labels', () => {
  test('from a Harbor, the label filter is asked of its artifact API; a docker-registry source cannot filter by label', async () => {
    await createProject(b.url, 'labelled');
    const keep = await pushImage(b.url, 'labelled/app', 'keep', 'keep-me');
    await pushImage(b.url, 'labelled/app', 'drop', 'drop-me');
    const l = await api(b.url, 'POST', '/labels', { body: { name: 'release', scope: 'g' } });
    const labelId = Number(l.headers.location.split('/').pop());
    expect((await api(b.url, 'POST', `/projects/labelled/repositories/app/artifacts/${keep.digest}/labels`, { body: { id: labelId } })).status).toBe(200);
    const id = await createPolicy(a.url, { name: 'pull-labels', src_registry: { id: regB }, dest_namespace: 'pulledlabels',
      filters: [{ type: 'name', value: 'labelled/**' }, { type: 'label', value: ['release'] }] });
    expect((await waitExecution(a.url, await startExecution(a.url, id))).execution.status).toBe('Succeed');
    expect(await manifestDigest(a.url, 'pulledlabels/app', 'keep')).toBe(keep.digest);
    expect(await manifestDigest(a.url, 'pulledlabels/app', 'drop')).toBeNull();

    const plain = await createRegistry(a.url, 'b-plain', b.url, 'docker-registry', { username: 'admin', password: 'Harbor12345' });
    const bad = await createPolicy(a.url, { name: 'pull-labels-plain', src_registry: { id: plain }, filters: [{ type: 'label', value: ['release'] }] });
    const { execution } = await waitExecution(a.url, await startExecution(a.url, bad));
    expect(execution).toMatchObject({ status: 'Failed', status_text: 'a docker-registry source registry cannot filter by label' });
  });
});

describe('event-based', () => {
  test('a push is replicated, and with replicate_deletion a delete too', async () => {
    const id = await createPolicy(a.url, { name: 'events', dest_registry: { id: regB }, trigger: { type: 'event_based' }, replicate_deletion: true,
      filters: [{ type: 'name', value: 'ev/**' }], dest_namespace: 'evmirror' });
    const img = await pushImage(a.url, 'ev/app', 'v1', 'event');
    const [pushRun] = await waitExecutions(a.url, id, 1);
    expect(pushRun).toMatchObject({ status: 'Succeed', trigger: 'event_based' });
    expect(await manifestDigest(b.url, 'evmirror/app', 'v1')).toBe(img.digest);
    expect((await call(a.url, `/v2/ev/app/manifests/${img.digest}`, { method: 'DELETE' })).status).toBe(202);
    const [deleteRun] = await waitExecutions(a.url, id, 2);
    expect(deleteRun.status).toBe('Succeed');
    const tasks = await api(a.url, 'GET', `/replication/executions/${deleteRun.id}/tasks`);
    expect(tasks.body[0]).toMatchObject({ operation: 'deletion', status: 'Succeed' });
    expect(await manifestDigest(b.url, 'evmirror/app', img.digest)).toBeNull();
  });

  test('a deleted tag deletes only that tag on a Harbor destination', async () => {
    const id = await createPolicy(a.url, { name: 'tag-events', dest_registry: { id: regB }, trigger: { type: 'event_based' }, replicate_deletion: true,
      filters: [{ type: 'name', value: 'ev/tags' }], dest_namespace: 'evtags' });
    const img = await pushImage(a.url, 'ev/tags', 'one', 'tags');
    await waitExecutions(a.url, id, 1);
    expect((await call(a.url, '/v2/ev/tags/manifests/two', { method: 'PUT', body: img.bytes, headers: { 'content-type': MT.ociManifest } })).status).toBe(201);
    await waitExecutions(a.url, id, 2);
    expect(await manifestDigest(b.url, 'evtags/tags', 'two')).toBe(img.digest);
    expect((await call(a.url, '/v2/ev/tags/manifests/one', { method: 'DELETE' })).status).toBe(202);
    const [run] = await waitExecutions(a.url, id, 3);
    expect(run.status).toBe('Succeed');
    expect(await manifestDigest(b.url, 'evtags/tags', 'one')).toBeNull();
    expect(await manifestDigest(b.url, 'evtags/tags', 'two')).toBe(img.digest);
  });
});

describe('stop', () => {
  test('a stopped execution ends Stopped and its task too', async () => {
    // A 4 MiB layer at 64 KB/s takes a minute: the stop comes long before.
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    const layer = await pushBlob(a.url, 'src/big', big);
    const config = await pushBlob(a.url, 'src/big', Buffer.from('{"architecture":"amd64","os":"linux"}'), MT.ociConfig);
    await pushManifest(a.url, 'src/big', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
    const id = await createPolicy(a.url, { name: 'slow', dest_registry: { id: regB }, speed: 64, filters: [{ type: 'name', value: 'src/big' }] });
    const eid = await startExecution(a.url, id);
    for (;;) {
      const t = await api(a.url, 'GET', `/replication/executions/${eid}/tasks`);
      if (t.body[0]?.bytes > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await api(a.url, 'PUT', `/replication/executions/${eid}`)).status).toBe(200);
    const { execution, tasks } = await waitExecution(a.url, eid);
    expect(execution).toMatchObject({ status: 'Stopped', stopped: 1 });
    expect(tasks[0].status).toBe('Stopped');
    // Nothing runs any more: the policy may go.
    expect((await api(a.url, 'DELETE', `/replication/policies/${id}`)).status).toBe(200);
  });
});
