// harborctl immutable … and harborctl retention … against our real server (in-process CLI):
// rules created, listed, toggled and deleted; a retention policy set from --rule specs, a dry run
// and a real run, their tasks and logs; -o json for scripts; usage errors exit 2.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { basicHeader, admin, pushImageWith } from '../helpers/api.js';
import { cli, cliChecks, cliEnv, json, type CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
const { ok, fails } = cliChecks((args, stdin) => cli(sandbox.env, args, { stdin }));

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  await ok(['project', 'create', 'clir']);
});
afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
});

describe('harborctl immutable', () => {
  test('create, list, disable, enable, update, delete', async () => {
    const rule = json(await ok(['immutable', 'create', 'clir', '--tags', 'v*', '--repos', 'app/**', '-o', 'json']));
    expect(rule).toMatchObject({ disabled: false, tag_selectors: [{ decoration: 'matches', pattern: 'v*' }], scope_selectors: { repository: [{ decoration: 'repoMatches', pattern: 'app/**' }] } });
    const table = (await ok(['immutable', 'list', 'clir'])).stdout;
    expect(table).toMatch(new RegExp(`^ID\\s+ENABLED\\s+REPOSITORIES\\s+TAGS\\n${rule.id}\\s+yes\\s+matching app/\\*\\*\\s+matching v\\*\\n$`));
    expect(json(await ok(['immutable', 'disable', 'clir', String(rule.id), '-o', 'json']))).toMatchObject({ id: rule.id, disabled: true });
    expect(json(await ok(['immutable', 'enable', 'clir', String(rule.id), '-o', 'json']))).toMatchObject({ id: rule.id, disabled: false });
    expect(json(await ok(['immutable', 'update', 'clir', String(rule.id), '--tags', 'latest', '--exclude-tags', '-o', 'json'])))
      .toMatchObject({ tag_selectors: [{ decoration: 'excludes', pattern: 'latest' }] });
    await ok(['immutable', 'delete', 'clir', String(rule.id), '--yes']);
    expect(json(await ok(['immutable', 'list', 'clir', '-o', 'json']))).toEqual([]);
    await fails(['immutable', 'enable', 'clir', 'x'], 2, 'rule-id must be a positive integer, got "x"');
    await fails(['immutable', 'enable', 'clir', '99'], 3, 'immutable rule 99 not found in project clir');
  });
});

describe('harborctl retention', () => {
  test('set from --rule specs, get, dry run then real run, executions, tasks and log', async () => {
    await fails(['retention', 'get', 'clir'], 3, 'project clir has no retention policy (harborctl retention set clir ...)');
    for (const tag of ['v1', 'v2', 'keep']) {
      const r = await pushImageWith(server.url, 'clir/app', tag, basicHeader(admin), tag);
      expect(r.ok).toBe(true);
    }
    const policy = json(await ok(['retention', 'set', 'clir', '--rule', 'latestPushedK=1 tags=v*', '--rule', 'always tags=keep', '--cron', '0 0 0 * * *', '-o', 'json']));
    expect(policy).toMatchObject({ algorithm: 'or', trigger: { settings: { cron: '0 0 0 * * *' } },
      rules: [{ template: 'latestPushedK', params: { latestPushedK: 1 } }, { template: 'always', params: {} }] });
    expect((await ok(['retention', 'get', 'clir'])).stdout).toContain('latestPushedK=1 tags=v* repos=**; always tags=keep repos=**');
    const dry = json(await ok(['retention', 'run', 'clir', '--dry-run', '-o', 'json']));
    expect(dry).toMatchObject({ project: 'clir', dry_run: true });
    await server.app.retention.idle();
    const real = json(await ok(['retention', 'run', 'clir', '-o', 'json']));
    await server.app.retention.idle();
    const execs = json(await ok(['retention', 'executions', 'clir', '-o', 'json']));
    expect(execs.map((e: { id: number; status: string; dry_run: boolean }) => [e.id, e.status, e.dry_run])).toEqual([[real.execution_id, 'Success', false], [dry.execution_id, 'Success', true]]);
    const logs: string[] = [];
    for (const eid of [dry.execution_id, real.execution_id]) {
      const tasks = json(await ok(['retention', 'tasks', 'clir', String(eid), '-o', 'json']));
      expect(tasks).toEqual([expect.objectContaining({ repository: 'clir/app', total: 3, retained: 2, status: 'Success' })]);
      logs.push((await ok(['retention', 'log', 'clir', String(eid), String(tasks[0].id)])).stdout);
    }
    const dels = (log: string): string[] => log.split('\n').filter((l) => l.includes('| DEL')).map((l) => l.split('|')[1].trim());
    expect(dels(logs[0])).toHaveLength(1);
    expect(dels(logs[1])).toEqual(dels(logs[0]));
    const tags = json(await ok(['tag', 'list', 'clir/app', '-o', 'json']));
    expect(tags.map((t: { name: string }) => t.name).sort()).toEqual(['keep', 'v2']);
    await fails(['retention', 'set', 'clir', '--rule', 'latestPushedK=1 colour=red'], 2, /cannot read "colour=red"/);
  });
});
