// Issue 14: every operation of Harbor's swagger probed against a real server, signed in as admin,
// with path parameters that name nothing (so nothing is changed). An operation "answers" unless the
// router says it has no such endpoint (404 "no such API endpoint", 405 from the route table) or 501.
// The probe must agree with the route table, and nothing may answer 5xx. With
// WRITE_API_COVERAGE=docs/api-coverage.md the result is written there (how that file is made).
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { buildApiRouter } from '../../src/server/api/index.js';
import { http, admin, basic } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { findOperation, SWAGGER_AVAILABLE, SWAGGER_PATH } from '../helpers/swagger.js';

/** A value for each path parameter that names nothing on a fresh server. */
const PLACEHOLDER: Record<string, string> = {
  digest: `sha256:${'0'.repeat(64)}`, reference: `sha256:${'0'.repeat(64)}`, repository_name: 'probe-none', project_name: 'probe-none',
  project_name_or_id: 'probe-none', tag_name: 'probe-none', addition: 'build_history', meta_name: 'probe_none', preheat_policy_name: 'probe-none',
  preheat_instance_name: 'probe-none', registration_id: 'probe-none', job_type: 'probe-none', job_id: 'probe-none', pool_id: 'probe-none', report_id: 'probe-none',
};

/** Operations whose work belongs to another helper of this turn: listed as such while they are missing here. */
const ELSEWHERE: { prefix: string; why: string }[] = [
  { prefix: '/replication/', why: 'replication (in progress elsewhere)' },
  { prefix: '/system/oidc/', why: 'OIDC (in progress elsewhere)' },
  { prefix: '/users/{user_id}/cli_secret', why: 'OIDC CLI secrets (in progress elsewhere)' },
  { prefix: '/p2p/', why: 'P2P preheat providers: no preheat engine here' },
  { prefix: '/projects/{project_name}/preheat/', why: 'P2P preheat policies: no preheat engine here' },
  { prefix: '/security/', why: 'security hub: not built' },
  { prefix: '/export/cve', why: 'scan data export: not built' },
  { prefix: '/internalconfig', why: 'Harbor-internal (core to jobservice)' },
];

interface Probe { method: string; template: string; id: string; tag: string; status: number; answers: boolean }

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer({ logLevel: 'silent' }); });
afterAll(async () => { await srv.close(); });

test.skipIf(!SWAGGER_AVAILABLE)('every swagger operation is probed: none answers 5xx, and the probe agrees with the route table', async () => {
  const doc = parse(readFileSync(SWAGGER_PATH, 'utf8')) as { paths: Record<string, Record<string, { operationId: string; tags?: string[] }>> };
  const probes: Probe[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      const method = m.toUpperCase();
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].includes(method)) continue;
      const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(PLACEHOLDER[name] ?? '999999'));
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
      const r = await http(srv.url, method, `/api/v2.0${path}`, { headers: { authorization: basic(admin) }, body });
      const message = String((r.body as { errors?: { message?: string }[] } | undefined)?.errors?.[0]?.message ?? '');
      const missing = (r.status === 404 && message === 'no such API endpoint') || (r.status === 405 && / is not allowed on this resource$/.test(message)) || r.status === 501;
      probes.push({ method, template, id: op.operationId, tag: op.tags?.[0] ?? '', status: r.status, answers: !missing });
    }
  }
  expect(probes.filter((p) => p.status >= 500).map((p) => `${p.method} ${p.template} → ${p.status}`)).toEqual([]);
  const routed = new Set(buildApiRouter().list().map((r) => findOperation(r.method, r.template)!.op.operationId));
  expect(probes.filter((p) => p.answers !== routed.has(p.id)).map((p) => `${p.method} ${p.template}`)).toEqual([]);

  const out = process.env.WRITE_API_COVERAGE;
  if (out) await writeFile(out, render(probes));
});

function render(probes: Probe[]): string {
  const answering = probes.filter((p) => p.answers);
  const missing = probes.filter((p) => !p.answers);
  const why = (p: Probe): string => ELSEWHERE.find((e) => p.template.startsWith(e.prefix))?.why ?? 'not built';
  const row = (p: Probe): string => `| ${p.tag} | \`${p.method} ${p.template}\` | ${p.id} |`;
  return [
    '# Harbor API coverage',
    '',
    'Every operation of Harbor\'s swagger (`shared/reference/harbor-api-v2.0-swagger.yaml`, v2.15.2 + main) probed',
    'against `harborctl serve`, signed in as admin, with path parameters that name nothing. An operation',
    '*answers* unless the router has no such endpoint (404 "no such API endpoint", 405, 501). No operation',
    'answers 5xx. Made by `test/integration/api-coverage.test.ts`:',
    '',
    '    WRITE_API_COVERAGE=docs/api-coverage.md npx vitest run --project integration test/integration/api-coverage.test.ts',
    '',
    `**${answering.length} of ${probes.length} operations answer; ${missing.length} do not.**`,
    '',
    '## Missing',
    '',
    '| tag | operation | operationId | why |',
    '|---|---|---|---|',
    ...missing.map((p) => `${row(p)} ${why(p)} |`),
    '',
    '## Answering',
    '',
    '| tag | operation | operationId |',
    '|---|---|---|',
    ...answering.map(row),
    '',
  ].join('\n');
}
