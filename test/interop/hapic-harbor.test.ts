// @hapic/harbor (the TypeScript Harbor client, 2.5.6: the last release for Node 20) against `harborctl
// serve` (issue 14 "done when"): every admin flow the library offers runs through the library's own
// calls and parsed results — projects (CRUD, by id and by name, paging), project metadata, search,
// project repositories, artifacts (list, copy by tag and by digest, delete), artifact labels, robot
// accounts with permissions, project webhook policies. The library has no labels domain, so the label
// it attaches is created with its generic `post` (still the library's HTTP client, not raw fetch).
//
// Where the library departs from Harbor's swagger (so not exercised here): projectRepository.getOne/
// update/delete, projectRepositoryArtifact.getMany/copy/delete and the artifact-label calls put the
// repository name into the path as is, while the swagger's `repository_name` says "if it contains slash,
// encode it twice" (a/b -> a%252Fb); a nested repository such as `project/team/app` therefore cannot be
// addressed through them against Harbor either. The flows below use one-level repository names.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildRobotPermissionForAllResources, HarborClient, isClientError,
  type ProjectWebhookPolicy, type Robot,
} from '@hapic/harbor';
import { TEST_ADMIN_PASSWORD } from '../helpers/admin-auth.js';
import { pushTinyImage } from '../helpers/push.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';

let reg: RegistryProcess;
let harbor: HarborClient;
let projectId: number;
let digest: string;
let digest2: string;

const admin = { user: 'admin', password: TEST_ADMIN_PASSWORD };

/** The status of the library's error for a call that must fail (a call that succeeds fails the test). */
async function statusOf(p: Promise<unknown>): Promise<number | undefined> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e, 'the call was expected to fail').toBeDefined();
  expect(isClientError(e), String(e)).toBe(true);
  return (e as { statusCode?: number }).statusCode;
}

beforeAll(async () => {
  reg = await startHarborctl();
  harbor = new HarborClient({ connectionOptions: { host: `${reg.url}/api/v2.0/`, ...admin } });
  const created = await harbor.project.create({ project_name: 'hapic', metadata: { public: 'false' } });
  projectId = created.id as number;
  digest = await pushTinyImage(reg.url, 'hapic/app', '1', admin);
  digest2 = await pushTinyImage(reg.url, 'hapic/app', '2', admin);
});

afterAll(async () => {
  await reg?.stop();
});

describe('@hapic/harbor projects', () => {
  test('create answers the new id from Location; getOne by id and by name (X-Is-Resource-Name) agree', async () => {
    expect(projectId).toBeGreaterThan(0);
    const byId = await harbor.project.getOne(projectId);
    const byName = await harbor.project.getOne('hapic', true);
    expect(byId.name).toBe('hapic');
    expect(byName.project_id).toBe(projectId);
    expect(byName.metadata?.public).toBe('false');
  });

  test('getMany filters and counts (X-Total-Count); getAll walks the pages', async () => {
    for (const n of ['hapic-p1', 'hapic-p2', 'hapic-p3']) await harbor.project.create({ project_name: n });
    const some = await harbor.project.getMany({ query: { name: 'hapic-p', page_size: 2 } });
    expect(some.data).toHaveLength(2);
    expect(some.meta.total).toBe(3);
    // page_size 2 makes getAll fetch page after page until a short one.
    const all = await harbor.project.getAll({ query: { page_size: 2 } });
    expect(all.data.map((p) => p.name)).toEqual(expect.arrayContaining(['hapic', 'hapic-p1', 'hapic-p2', 'hapic-p3', 'library']));
  });

  test('update by name changes the project metadata; delete by id and by name', async () => {
    await harbor.project.update('hapic', { metadata: { auto_scan: 'true', public: 'false' } }, true);
    expect((await harbor.project.getOne(projectId)).metadata?.auto_scan).toBe('true');
    const p1 = await harbor.project.getOne('hapic-p1', true);
    await harbor.project.delete(p1.project_id);
    await harbor.project.delete('hapic-p2', true);
    expect(await statusOf(harbor.project.getOne('hapic-p2', true))).toBe(404);
    expect((await harbor.project.getMany({ query: { name: 'hapic-p' } })).meta.total).toBe(1);
  });

  test('search finds the project and its repository', async () => {
    const r = await harbor.search('hapic') as { project: { name: string }[]; repository: { repository_name: string }[] };
    expect(r.project.map((p) => p.name)).toContain('hapic');
    expect(r.repository.map((x) => x.repository_name)).toContain('hapic/app');
  });
});

describe('@hapic/harbor repositories and artifacts', () => {
  test('repositories: getMany, getAll, findOne (q=name=~), getOne', async () => {
    const many = await harbor.projectRepository.getMany({ projectName: 'hapic' });
    expect(many.data.map((r) => [r.name, r.name_short, r.project_name])).toEqual([['hapic/app', 'app', 'hapic']]);
    expect(many.meta.total).toBe(1);
    expect((await harbor.projectRepository.getAll({ projectName: 'hapic' })).data).toHaveLength(1);
    expect((await harbor.projectRepository.findOne('hapic/ap'))?.name).toBe('hapic/app');
    const one = await harbor.projectRepository.getOne('hapic/app');
    expect(one.artifact_count).toBe(2);
    expect(one.project_id).toBe(projectId);
  });

  test('repository update sets the description', async () => {
    await harbor.projectRepository.update({ projectName: 'hapic', repositoryName: 'app', data: { description: 'from hapic' } });
    expect((await harbor.projectRepository.getOne('hapic/app')).description).toBe('from hapic');
  });

  test('artifacts: getMany with tags and q', async () => {
    const arts = await harbor.projectRepositoryArtifact.getMany({ projectName: 'hapic', repositoryName: 'app', query: { with_tag: true } });
    expect(arts.map((a) => [a.digest, a.tags?.map((t) => t.name)]).sort()).toEqual([[digest, ['1']], [digest2, ['2']]].sort());
    expect(arts.every((a) => a.project_id === projectId)).toBe(true);
    const byTag = await harbor.projectRepositoryArtifact.getMany({ projectName: 'hapic', repositoryName: 'app', query: { q: { tags: '2' } } });
    expect(byTag.map((a) => a.digest)).toEqual([digest2]);
    // A repository with no artifacts lists none (Harbor's ListArtifacts does not look the repository up).
    expect(await harbor.projectRepositoryArtifact.getMany({ projectName: 'hapic', repositoryName: 'never-pushed' })).toEqual([]);
  });

  test('copy by tag and by digest (string and object forms), then delete', async () => {
    await harbor.projectRepositoryArtifact.copy({ projectName: 'hapic', repositoryName: 'copy' }, 'hapic/app:1');
    await harbor.projectRepositoryArtifact.copy({ projectName: 'hapic-p3', repositoryName: 'copy' }, { projectName: 'hapic', repositoryName: 'app', artifactDigest: digest });
    const copied = await harbor.projectRepositoryArtifact.getMany({ projectName: 'hapic', repositoryName: 'copy', query: { with_tag: true } });
    expect(copied.map((a) => a.digest)).toEqual([digest]);
    // Harbor's copy (controller copyDeeply) brings the outermost artifact's tags along.
    expect(copied[0]!.tags?.map((t) => t.name)).toEqual(['1']);
    expect((await harbor.projectRepositoryArtifact.getMany({ projectName: 'hapic-p3', repositoryName: 'copy' })).map((a) => a.digest)).toEqual([digest]);

    await harbor.projectRepositoryArtifact.delete({ projectName: 'hapic', repositoryName: 'app', tagOrDigest: '2' });
    expect((await harbor.projectRepositoryArtifact.getMany({ projectName: 'hapic', repositoryName: 'app' })).map((a) => a.digest)).toEqual([digest]);
    // A missing source is Harbor's 404.
    expect(await statusOf(harbor.projectRepositoryArtifact.copy({ projectName: 'hapic', repositoryName: 'copy' }, 'hapic/app:nope'))).toBe(404);
  });

  test('artifact labels: add, shown with with_label, remove', async () => {
    const created = await harbor.post('labels', { name: 'hapic-label', scope: 'g', color: '#00ff00' });
    const labelId = Number(String(created.headers.get('location')).split('/').pop());
    expect(labelId).toBeGreaterThan(0);
    await harbor.projectRepositoryArtifactLabel.create({ projectName: 'hapic', repositoryName: 'app', tagOrDigest: '1', labelId });
    const withLabel = await harbor.projectRepositoryArtifact.getMany({ projectName: 'hapic', repositoryName: 'app', query: { with_label: true } });
    expect(withLabel.find((a) => a.digest === digest)?.labels?.map((l) => l.name)).toEqual(['hapic-label']);
    await harbor.projectRepositoryArtifactLabel.delete({ projectName: 'hapic', repositoryName: 'app', tagOrDigest: digest, labelId });
    const after = await harbor.projectRepositoryArtifact.getMany({ projectName: 'hapic', repositoryName: 'app', query: { with_label: true } });
    expect(after.find((a) => a.digest === digest)!.labels ?? []).toEqual([]);
  });

  test('repository delete, then an empty project is deleted by name', async () => {
    await harbor.projectRepository.delete('hapic/copy');
    await harbor.projectRepository.delete({ projectName: 'hapic-p3', repositoryName: 'copy' });
    expect((await harbor.projectRepository.getMany({ projectName: 'hapic' })).data.map((r) => r.name)).toEqual(['hapic/app']);
    await harbor.project.delete('hapic-p3', true);
    expect(await statusOf(harbor.project.getOne('hapic-p3', true))).toBe(404);
  });
});

describe('@hapic/harbor robot accounts', () => {
  let robot: Robot;

  test('create a system robot with every project permission; getOne and getMany see it', async () => {
    robot = await harbor.robot.create({ name: 'hapic-bot', permissions: [buildRobotPermissionForAllResources('hapic')] });
    expect(robot.id).toBeGreaterThan(0);
    expect(robot.name).toBe('robot$hapic-bot');
    expect(robot.secret).toMatch(/\S{8,}/);
    const one = await harbor.robot.getOne(robot.id);
    expect(one.level).toBe('system');
    expect(one.permissions?.[0]?.namespace).toBe('hapic');
    expect(one.permissions?.[0]?.access.length).toBe(buildRobotPermissionForAllResources('hapic').access.length);
    const many = await harbor.robot.getMany({ query: { q: { name: 'hapic-bot' } } });
    expect(many.data.map((r) => r.id)).toEqual([robot.id]);
    expect(many.meta.total).toBe(1);
  });

  test('the robot pushes into its project with its secret', async () => {
    await pushTinyImage(reg.url, 'hapic/by-robot', '1', { user: robot.name, password: robot.secret as string });
  });

  test('updateSecret generates a secret, or sets the given one', async () => {
    const fresh = await harbor.robot.updateSecret(robot.id);
    expect(fresh.secret).toMatch(/\S{8,}/);
    expect(fresh.secret).not.toBe(robot.secret);
    const chosen = await harbor.robot.updateSecret(robot.id, 'Chosen-Secret-1');
    expect(chosen.secret).toBe('Chosen-Secret-1');
    await pushTinyImage(reg.url, 'hapic/by-robot', '2', { user: robot.name, password: 'Chosen-Secret-1' });
  });

  test('update (PUT) changes description and permissions; delete removes it', async () => {
    const narrow = { kind: 'project' as const, namespace: 'hapic', access: [{ resource: 'repository' as const, action: 'pull' as const }] };
    await harbor.robot.update(robot.id, { name: robot.name, description: 'pull only', permissions: [narrow] });
    const one = await harbor.robot.getOne(robot.id);
    expect(one.description).toBe('pull only');
    // Harbor stores and answers `effect` as given (none here), so the access comes back as sent.
    expect(one.permissions?.[0]?.access).toEqual([{ resource: 'repository', action: 'pull' }]);
    await harbor.robot.delete(robot.id);
    expect(await statusOf(harbor.robot.getOne(robot.id))).toBe(404);
  });
});

describe('@hapic/harbor project webhook policies', () => {
  const target = { type: 'http' as const, address: 'http://127.0.0.1:9/hook', skip_cert_verify: true };
  let id: number;

  test('create (by project name) answers the id; getMany, getOne, findOne by name', async () => {
    const created = await harbor.projectWebhookPolicy.create({ projectIdOrName: 'hapic', isProjectName: true, data: { name: 'hook', targets: [target] } });
    id = created.id as number;
    expect(id).toBeGreaterThan(0);
    const many = await harbor.projectWebhookPolicy.getMany({ projectIdOrName: projectId });
    expect(many.data.map((p: ProjectWebhookPolicy) => p.name)).toEqual(['hook']);
    expect(many.meta.total).toBe(1);
    const one = await harbor.projectWebhookPolicy.getOne({ projectIdOrName: 'hapic', isProjectName: true, id });
    expect(one.event_types).toEqual(['PUSH_ARTIFACT']);
    expect(one.targets[0]?.address).toBe(target.address);
    expect((await harbor.projectWebhookPolicy.findOne({ projectIdOrName: projectId, name: 'hook' }))?.id).toBe(id);
  });

  test('update changes event types and description', async () => {
    await harbor.projectWebhookPolicy.update({ projectIdOrName: projectId, id, data: { name: 'hook', description: 'more', targets: [target], event_types: ['DELETE_ARTIFACT'] } });
    const one = await harbor.projectWebhookPolicy.getOne({ projectIdOrName: projectId, id });
    expect(one.description).toBe('more');
    expect([...one.event_types].sort()).toEqual(['DELETE_ARTIFACT', 'PUSH_ARTIFACT']);
  });

  test('delete by id and deleteByName', async () => {
    const second = await harbor.projectWebhookPolicy.create({ projectIdOrName: projectId, data: { name: 'hook2', targets: [target] } });
    await harbor.projectWebhookPolicy.delete({ projectIdOrName: 'hapic', isProjectName: true, id });
    await harbor.projectWebhookPolicy.deleteByName({ projectIdOrName: 'hapic', isProjectName: true, name: 'hook2' });
    expect(await statusOf(harbor.projectWebhookPolicy.getOne({ projectIdOrName: projectId, id: second.id as number }))).toBe(404);
    expect((await harbor.projectWebhookPolicy.getMany({ projectIdOrName: projectId })).data).toEqual([]);
  });
});

describe('the server side of these flows', () => {
  test('no request of the library answered a 5xx', () => {
    const lines = reg.accessLog();
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.filter((l) => /" 5\d\d /.test(l))).toEqual([]);
  });
});
