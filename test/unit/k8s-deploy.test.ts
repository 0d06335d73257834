// The Kubernetes deployment (issue 16 §Kubernetes): every object `k8s manifests` renders is valid
// against the Kubernetes OpenAPI definitions (release 1.36, test/fixtures/k8s/, strict: no unknown
// field), and the Helm chart in templates/helm/harborctl is exactly what the same code generates;
// its templates, rendered with any values, give the objects `k8s manifests` gives for them. No
// cluster and no helm run here: the chart's templates use only `{{ .Values.x }}`,
// `{{ .Values.x | quote }}` and `{{ .Release.Namespace | quote }}`, which renderChart() below
// substitutes as helm does (anything else in a template fails the test).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { describe, expect, test } from 'vitest';
import { chartFiles, checkInput, defaultInput, deployObjects, type DeployInput } from '../../src/cli/commands/k8s/deploy.js';
import { harborctlVersion } from '../../src/core/version.js';
import { cli, cliChecks, cliEnv, json } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '../..');
const CHART = join(ROOT, 'templates/helm/harborctl');

type Schema = Record<string, unknown>;
const spec = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/k8s/openapi-definitions.json'), 'utf8')) as { definitions: Record<string, Schema> };

/** The definitions made strict (an object with properties takes no other key) and IntOrString made a real union. */
function strict(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strict);
  if (!x || typeof x !== 'object') return x;
  const o = Object.fromEntries(Object.entries(x).filter(([k]) => !k.startsWith('x-kubernetes-')).map(([k, v]) => [k, strict(v)])) as Schema;
  if (o.format === 'int-or-string') return { anyOf: [{ type: 'string' }, { type: 'integer' }] };
  if (o.properties && o.additionalProperties === undefined) o.additionalProperties = false;
  delete o.format;
  return o;
}
const definitions = Object.fromEntries(Object.entries(spec.definitions).map(([k, v]) => [k, strict(v)]));
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema({ $id: 'k8s', definitions });

/** The definition for an object's apiVersion and kind (from x-kubernetes-group-version-kind). */
function definitionOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  for (const [name, d] of Object.entries(spec.definitions)) {
    const gvk = d['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined;
    if (gvk?.some((g) => g.group === group && g.version === version && g.kind === kind)) return name;
  }
  throw new Error(`no definition for ${apiVersion} ${kind}`);
}

function validate(o: Record<string, unknown>): string[] {
  const check = ajv.getSchema(`k8s#/definitions/${definitionOf(String(o.apiVersion), String(o.kind))}`)!;
  return check(o) ? [] : (check.errors ?? []).map((e) => `${String(o.kind)}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

const version = harborctlVersion();
const custom: DeployInput = {
  ...defaultInput(version), name: 'registry', namespace: 'infra', replicas: 5, host: 'registry.corp.example', image: 'ghcr.io/example/harborctl:1.2.3',
  dbSecret: 'pg', dbSecretKey: 'DATABASE_URL', storage: 's3://images/prod?endpoint=http://rgw.storage:7480&path_style=true', s3Secret: 'rgw-keys',
  issuer: 'corp-ca', tlsSecret: 'registry-cert', cpuRequest: '1', memoryRequest: '512Mi', memoryLimit: '2Gi',
};

describe('k8s manifests: the objects', () => {
  test.each([['defaults', defaultInput(version)], ['every option set', custom]])('%s: Deployment, Service, Ingress and PodDisruptionBudget, each valid', (_n, input) => {
    const objects = deployObjects(input);
    expect(objects.map((o) => o.kind)).toEqual(['Deployment', 'Service', 'Ingress', 'PodDisruptionBudget']);
    for (const o of objects) expect(validate(o)).toEqual([]);
  });

  test('what the issue asks of them: N replicas, probes on /api/v2.0/health, Secret references, cert-manager issuer, requests, a PDB', () => {
    const [dep, svc, ing, pdb] = deployObjects(custom) as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(dep.spec.replicas).toBe(5);
    const c = dep.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/api/v2.0/health', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/api/v2.0/health', port: 'http' });
    expect(c.env).toContainEqual({ name: 'HARBORCTL_DB', valueFrom: { secretKeyRef: { name: 'pg', key: 'DATABASE_URL' } } });
    expect(c.env).toContainEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'rgw-keys', key: 'AWS_SECRET_ACCESS_KEY', optional: true } } });
    expect(c.args).toEqual(['serve', '--listen', '0.0.0.0:5280', '--data-dir', '/var/lib/harborctl', '--storage', custom.storage]);
    expect(c.resources.requests).toEqual({ cpu: '1', memory: '512Mi' });
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(ing.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('corp-ca');
    expect(ing.spec).toMatchObject({ ingressClassName: 'nginx', tls: [{ hosts: ['registry.corp.example'], secretName: 'registry-cert' }] });
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: dep.spec.selector.matchLabels } });
    for (const o of [dep, svc, ing, pdb]) expect(o.metadata.namespace).toBe('infra');
    // No secret value is ever in the objects: only references.
    expect(JSON.stringify([dep, svc, ing, pdb])).not.toMatch(/postgres:\/\//);
  });

  test('the validator refuses what the API server would: an unknown field, a wrong type, a missing required field, an unknown kind', () => {
    const [dep, svc] = deployObjects(defaultInput(version)) as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    const typo = structuredClone(dep);
    typo.spec.template.spec.containers[0].readinesProbe = typo.spec.template.spec.containers[0].readinessProbe;
    expect(validate(typo).join()).toMatch(/must NOT have additional properties.*readinesProbe/);
    const wrongType = structuredClone(dep);
    wrongType.spec.replicas = '2';
    expect(validate(wrongType).join()).toMatch(/replicas must be integer/);
    const noPorts = structuredClone(svc);
    delete noPorts.spec.ports[0].port;
    expect(validate(noPorts).join()).toMatch(/must have required property 'port'/);
    expect(() => validate({ ...svc, apiVersion: 'v2' })).toThrow(/no definition/);
  });

  test('inputs the API server would refuse are usage errors before anything is printed', () => {
    const d = defaultInput(version);
    for (const [patch, message] of [
      [{ replicas: 0 }, '--replicas'], [{ replicas: 101 }, '--replicas'], [{ host: 'Not_A_Host' }, '--host'], [{ name: 'UPPER' }, '--name'],
      [{ namespace: '__proto__' }, '--namespace'], [{ dbSecret: 'a b' }, '--db-secret'], [{ cpuRequest: 'lots' }, '--cpu'],
      [{ storage: 's3://AKID:secret@bucket' }, 'credentials do not belong in the URL'], [{ image: 'x" y' }, '--image'],
    ] as [Partial<DeployInput>, string][]) {
      expect(() => checkInput({ ...d, ...patch })).toThrow(message);
    }
    expect(() => checkInput(custom)).not.toThrow();
  });
});

/** Helm's substitution for the three forms the generated templates use; anything else throws. */
function renderChart(values: Record<string, unknown>, namespace: string): Record<string, unknown>[] {
  const dir = join(CHART, 'templates');
  return readdirSync(dir).sort().map((f) => {
    const text = readFileSync(join(dir, f), 'utf8').replace(/\{\{([^}]*)\}\}/g, (_m, expr: string) => {
      const e = expr.trim();
      if (e === '.Release.Namespace | quote') return JSON.stringify(namespace);
      const m = /^\.Values\.(\w+)( \| quote)?$/.exec(e);
      if (!m || !Object.hasOwn(values, m[1])) throw new Error(`${f}: unsupported template expression {{${expr}}}`);
      return m[2] ? JSON.stringify(String(values[m[1]])) : String(values[m[1]]);
    });
    return YAML.parse(text) as Record<string, unknown>;
  });
}

const byKind = (objects: Record<string, unknown>[]): Record<string, unknown>[] => [...objects].sort((a, b) => String(a.kind).localeCompare(String(b.kind)));

describe('the Helm chart (templates/helm/harborctl)', () => {
  test('is exactly what `harborctl k8s chart` generates from the same code', () => {
    for (const [path, text] of Object.entries(chartFiles(version))) expect(readFileSync(join(CHART, path), 'utf8'), path).toBe(text);
    expect(readdirSync(join(CHART, 'templates')).sort()).toEqual(Object.keys(chartFiles(version)).filter((p) => p.startsWith('templates/')).map((p) => p.slice(10)).sort());
  });

  test('values.yaml holds every value the templates use, with the defaults of k8s manifests', () => {
    const values = YAML.parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const { namespace: _ns, ...defaults } = defaultInput(version);
    expect(values).toEqual(defaults);
  });

  test.each([
    ['the default values', {}],
    ['values a user sets', { name: 'registry', replicas: 5, host: 'registry.corp.example', image: 'ghcr.io/example/harborctl:1.2.3', dbSecret: 'pg', dbSecretKey: 'DATABASE_URL',
      storage: 's3://images/prod?endpoint=http://rgw.storage:7480&path_style=true', s3Secret: 'rgw-keys', issuer: 'corp-ca', tlsSecret: 'registry-cert', cpuRequest: '1', memoryRequest: '512Mi', memoryLimit: '2Gi' }],
  ])('rendered with %s, it gives what k8s manifests gives for them, all valid', (_n, overrides: Record<string, unknown>) => {
    const values = { ...(YAML.parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>), ...overrides };
    const objects = renderChart(values, 'registry-ns');
    for (const o of objects) expect(validate(o)).toEqual([]);
    expect(byKind(objects)).toEqual(byKind(deployObjects({ ...(values as unknown as DeployInput), namespace: 'registry-ns' })));
  });
});

describe('harborctl k8s manifests and k8s chart', () => {
  const run = async (args: string[]): Promise<Awaited<ReturnType<typeof cli>>> => {
    const sandbox = await cliEnv();
    try {
      return await cli(sandbox.env, args);
    } finally {
      await sandbox.cleanup();
    }
  };
  const { ok, fails } = cliChecks(run);

  test('the flags become the objects: YAML documents for kubectl apply, or -o json as a v1 List', async () => {
    const args = ['k8s', 'manifests', '--replicas', '5', '--host', 'registry.corp.example', '--name', 'registry', '-n', 'infra', '--image', 'ghcr.io/example/harborctl:1.2.3',
      '--db-secret', 'pg:DATABASE_URL', '--storage', custom.storage, '--s3-secret', 'rgw-keys', '--issuer', 'corp-ca', '--tls-secret', 'registry-cert',
      '--cpu', '1', '--memory', '512Mi', '--memory-limit', '2Gi'];
    const docs = YAML.parseAllDocuments((await ok(args)).stdout).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs).toEqual(deployObjects(custom));
    expect(json<{ kind: string; items: unknown[] }>(await ok([...args, '-o', 'json']))).toEqual({ apiVersion: 'v1', kind: 'List', items: deployObjects(custom) });
  });

  test('a bad flag is one line and exit 2, with nothing printed', async () => {
    await fails(['k8s', 'manifests', '--replicas', 'two'], 2, 'invalid --replicas: a whole number from 1 to 100');
    await fails(['k8s', 'manifests', '--db-secret', 'pg:bad key'], 2, 'invalid --db-secret: the key after ":" is letters, digits, -, _ and .');
    await fails(['k8s', 'chart'], 2, 'pass --out DIR: the chart\'s directory');
  });

  test('k8s chart --out writes the chart this repository holds', async () => {
    const sandbox = await cliEnv();
    try {
      const out = join(sandbox.dir, 'chart');
      const r = await cli(sandbox.env, ['k8s', 'chart', '--out', out, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      for (const path of Object.keys(chartFiles(version))) expect(readFileSync(join(out, path), 'utf8')).toBe(readFileSync(join(CHART, path), 'utf8'));
    } finally {
      await sandbox.cleanup();
    }
  });
});

