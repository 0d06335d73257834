// The pure parts of the robot/k8s commands: the --permission shorthand, robot references, durations
// and the pull-secret manifest.
import { describe, expect, test } from 'vitest';
import { parseRobotRef, robotLoginName } from '../../src/client/robots.js';
import { dockerConfigJson, formatManifest, isValidSecretName, pullSecretManifest } from '../../src/cli/commands/k8s/manifest.js';
import { parseDuration, permissionsFromShorthand } from '../../src/cli/commands/robot/permissions.js';

describe('--permission shorthand', () => {
  test('each word maps to the documented access list, once each', () => {
    expect(permissionsFromShorthand('pull', 'project', 'p')).toEqual([{ kind: 'project', namespace: 'p', access: [{ resource: 'repository', action: 'pull' }] }]);
    expect(permissionsFromShorthand('push,pull', 'project', 'p')[0].access).toEqual([
      { resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' },
    ]);
    expect(permissionsFromShorthand('delete', 'project', 'p')[0].access).toEqual([
      { resource: 'repository', action: 'delete' }, { resource: 'artifact', action: 'delete' },
    ]);
    expect(permissionsFromShorthand(' Pull , artifact:read ', 'project', 'p')[0].access).toEqual([
      { resource: 'repository', action: 'pull' }, { resource: 'artifact', action: 'read' },
    ]);
  });

  test('a system robot without a project covers every project; system/ entries go to namespace "/"', () => {
    expect(permissionsFromShorthand('pull,system/project:list', 'system', undefined)).toEqual([
      { kind: 'system', namespace: '/', access: [{ resource: 'project', action: 'list' }] },
      { kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] },
    ]);
    expect(permissionsFromShorthand('system/user:list', 'system', undefined)).toEqual([{ kind: 'system', namespace: '/', access: [{ resource: 'user', action: 'list' }] }]);
  });

  test('unknown words, empty lists and system entries on a project robot are usage errors (exit 2)', () => {
    for (const [spec, level] of [['fly', 'project'], [',', 'project'], ['system/user:list', 'project'], ['a:b:c', 'system']] as const) {
      expect(() => permissionsFromShorthand(spec, level, 'p'), spec).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2 }));
    }
  });
});

test('robot references: id, full login name, project+name, or name with a project', () => {
  expect(parseRobotRef('12')).toEqual({ id: 12 });
  expect(parseRobotRef('robot$p+ci')).toEqual({ project: 'p', short: 'ci' });
  expect(parseRobotRef('p+ci')).toEqual({ project: 'p', short: 'ci' });
  expect(parseRobotRef('ci', 'p')).toEqual({ project: 'p', short: 'ci' });
  expect(parseRobotRef('robot$fleet')).toEqual({ project: undefined, short: 'fleet' });
  expect(() => parseRobotRef('p+ci', 'q')).toThrow('robot p+ci belongs to project p, not q');
  expect(robotLoginName({ project: 'p', short: 'ci' })).toBe('robot$p+ci');
  expect(robotLoginName({ short: 'fleet' })).toBe('robot$fleet');
});

test('durations: whole days from 1, or -1', () => {
  expect(parseDuration('30')).toBe(30);
  expect(parseDuration('-1')).toBe(-1);
  for (const bad of ['0', '-2', '1.5', 'week', '']) expect(() => parseDuration(bad), bad).toThrow(expect.objectContaining({ code: 'USAGE' }));
});

describe('pull-secret manifest', () => {
  test('the .dockerconfigjson holds username, password and auth in kubectl\'s order', () => {
    expect(dockerConfigJson('h:5000', 'u', 'p:w')).toBe('{"auths":{"h:5000":{"username":"u","password":"p:w","auth":"dTpwOnc="}}}');
  });

  test('YAML sorts keys; JSON keeps kubectl\'s order and four-space indent; the namespace is omitted when not given', () => {
    const m = pullSecretManifest({ name: 'regcred', server: 'h', username: 'u', password: 'p' });
    expect(formatManifest(m, 'yaml')).toBe(`apiVersion: v1\ndata:\n  .dockerconfigjson: ${m.data['.dockerconfigjson']}\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\n`);
    const j = formatManifest(pullSecretManifest({ name: 'regcred', namespace: 'ns', server: 'h', username: 'u', password: 'p' }), 'json');
    expect(j.split('\n').slice(0, 6)).toEqual(['{', '    "kind": "Secret",', '    "apiVersion": "v1",', '    "metadata": {', '        "name": "regcred",', '        "namespace": "ns",']);
  });

  test('Secret names are RFC 1123 subdomains', () => {
    expect(isValidSecretName('regcred')).toBe(true);
    expect(isValidSecretName('a.b-c')).toBe(true);
    for (const bad of ['RegCred', '-a', 'a_b', '', 'a'.repeat(254)]) expect(isValidSecretName(bad), bad).toBe(false);
  });
});
