// The ali-acr replication adapter against the Alibaba ACR stand-in (test/helpers/standins/
// ali-acr.ts), personal edition and an Enterprise Edition instance, each fronting a real
// docker-registry: signed OpenAPI calls (ROA for personal, RPC for EE) checked by the stand-in's own
// signature implementation, temporary registry credentials from GetAuthorizationToken, namespaces,
// repositories and tags through the OpenAPI, CreateNamespace before a push to EE, and refusals: a
// wrong AccessKey secret, a replayed or stale signed request, expired temporary credentials,
// hostile replies.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { aliAcrAdapter } from '../../src/services/replication/adapters/ali-acr.js';
import { percentEncode, rpcSignature } from '../../src/services/replication/adapters/aliyun-sign.js';
import { UpstreamClient, type UpstreamEndpoint } from '../../src/services/upstream.js';
import { pushTinyImage } from '../helpers/push.js';
import { ALI_REGION, EE_INSTANCE, startAliAcrStandin, type AliAcrStandin } from '../helpers/standins/ali-acr.js';
import { upstreamError } from '../helpers/standins/common.js';

const endpoint = (s: AliAcrStandin, over: Partial<UpstreamEndpoint> = {}): UpstreamEndpoint => ({
  type: 'ali-acr', url: s.url, insecure: false, ca: null, username: s.accessKey.id, password: s.accessKey.secret, ...over,
});

/** Pushes through the stand-in with temporary credentials the adapter obtained. */
async function seed(s: AliAcrStandin, repo: string, tag: string): Promise<void> {
  const a = aliAcrAdapter(endpoint(s));
  const auth = await a.auth();
  if (auth.kind !== 'basic') throw new Error('ali-acr gives basic auth');
  await pushTinyImage(s.url, repo, tag, { user: auth.username, password: auth.password });
  await a.close?.();
}

for (const edition of ['personal', 'ee'] as const) {
  describe(`ali-acr adapter against the ACR ${edition} stand-in`, () => {
    let acr: AliAcrStandin;

    beforeAll(async () => {
      acr = await startAliAcrStandin(edition, ['team', 'ops']);
      await seed(acr, 'team/app', '1');
      await seed(acr, 'team/app', '2');
      await seed(acr, 'ops/tool', 'v1');
    });

    afterAll(async () => {
      await acr?.close();
    });

    test("info is Harbor's ali-acr info; auth is a temporary user and password, never the AccessKey", async () => {
      const a = aliAcrAdapter(endpoint(acr));
      expect(a.info).toMatchObject({ type: 'ali-acr', supported_triggers: ['manual', 'scheduled'] });
      expect(a.v2Base()).toBe(acr.url);
      const auth = await a.auth();
      expect(auth.kind).toBe('basic');
      if (auth.kind !== 'basic') return;
      expect(acr.issued.map((i) => i.username)).toContain(auth.username);
      expect(auth.username).not.toBe(acr.accessKey.id);
      expect(auth.password).not.toBe(acr.accessKey.secret);
      // Cached until it nears its expiry: the same credential again.
      expect(await a.auth()).toEqual(auth);
      await a.close?.();
    });

    test('health, namespaces → repositories → tags through the signed OpenAPI, and a pull with the temporary credential', async () => {
      const a = aliAcrAdapter(endpoint(acr));
      await a.healthCheck();
      expect((await a.listRepositories()).sort()).toEqual(['ops/tool', 'team/app']);
      expect((await a.listTags('team/app')).sort()).toEqual(['1', '2']);
      expect(await a.listTags('ops/tool')).toEqual(['v1']);
      const client = new UpstreamClient(endpoint(acr), 10_000, { base: a.v2Base(), auth: () => a.auth() });
      try {
        expect((await client.getManifest('ops/tool', 'v1')).digest).toMatch(/^sha256:/);
      } finally {
        await client.close();
        await a.close?.();
      }
      expect(acr.requests.some((r) => r.includes('_catalog'))).toBe(false);
    });

    test('listings follow the pages when the service gives fewer per page than asked', async () => {
      const a = aliAcrAdapter(endpoint(acr));
      acr.pageCap = 1;
      try {
        expect((await a.listRepositories()).sort()).toEqual(['ops/tool', 'team/app']);
        expect((await a.listTags('team/app')).sort()).toEqual(['1', '2']);
        const second = edition === 'ee' ? /Action=ListRepoTag.*PageNo=2|PageNo=2.*Action=ListRepoTag/ : /^GET \/repos\/team\/app\/tags\?Page=2/;
        expect(acr.requests.some((r) => second.test(r))).toBe(true);
      } finally {
        acr.pageCap = 100;
        await a.close?.();
      }
    });

    test('a wrong AccessKey secret or an unknown AccessKey id is a clear auth error without the secret', async () => {
      const wrong = aliAcrAdapter(endpoint(acr, { password: 'WrongSecretValue123' }));
      const e = await upstreamError(wrong.healthCheck());
      expect(e.kind).toBe('auth');
      expect(e.message).toBe(`ACR${edition === 'ee' ? ' EE' : ''} GetAuthorizationToken refused the credential: 401 (SignatureDoesNotMatch)`);
      expect(e.message).not.toContain('WrongSecretValue123');
      const unknown = aliAcrAdapter(endpoint(acr, { username: 'LTAInobody' }));
      expect((await upstreamError(unknown.listRepositories())).message).toMatch(/refused the credential: 401 \(InvalidAccessKeyId.NotFound\)/);
      await wrong.close?.();
      await unknown.close?.();
    });

    test('temporary credentials near their expiry are not reused: the next auth() gets new ones', async () => {
      acr.tempTtlMs = 30_000; // inside the adapter's 60 s margin: never cached
      try {
        const a = aliAcrAdapter(endpoint(acr));
        const first = await a.auth();
        const second = await a.auth();
        expect(second).not.toEqual(first);
        await a.close?.();
      } finally {
        acr.tempTtlMs = 3600_000;
      }
    });

    test('hostile OpenAPI replies are protocol errors naming the field', async () => {
      const a = aliAcrAdapter(endpoint(acr));
      await a.healthCheck();
      const path = edition === 'ee' ? /^\/$/ : /^\/namespace$/;
      const cases: [string, RegExp][] = edition === 'ee'
        ? [
          ['{"IsSuccess":true,"Namespaces":[{"NamespaceName":"team"}],"TotalCount":"1x"}', /ACR EE namespaces: the reply's TotalCount is not a non-negative integer/],
          ['{"IsSuccess":true,"Namespaces":{"__proto__":{}},"TotalCount":"1"}', /ACR EE namespaces: the reply carries the key "__proto__"/],
          ['{"IsSuccess":true,"Namespaces":[{"NamespaceName":"A/../b"}],"TotalCount":"1"}', /NamespaceName is not a repository name component/],
          ['{"IsSuccess":false,"Code":"INSTANCE_NOT_EXIST"}', /ACR EE namespaces: the service answered 400 \(INSTANCE_NOT_EXIST\)/],
        ]
        : [
          ['{"data":{"namespaces":"team"}}', /ACR namespaces: the reply's namespaces is not a list/],
          ['{"data":{"namespaces":[{"namespace":"team","constructor":1}]}}', /ACR namespaces: the reply carries the key "constructor"/],
          ['{"data":null}', /ACR namespaces: the reply's data is not an object/],
        ];
      try {
        for (const [body, message] of cases) {
          acr.tamper = { path, status: 200, body };
          const e = await upstreamError(a.listRepositories());
          expect(e.kind).toBe('protocol');
          expect(e.message).toMatch(message);
        }
      } finally {
        acr.tamper = null;
        await a.close?.();
      }
    });
  });
}

describe('ali-acr EE: namespaces before a push', () => {
  let acr: AliAcrStandin;
  beforeAll(async () => {
    acr = await startAliAcrStandin('ee', ['team']);
  });
  afterAll(async () => {
    await acr?.close();
  });

  test('a push into a namespace the instance lacks is refused until prepareForPush creates it (CreateNamespace, once)', async () => {
    const refused = await seed(acr, 'newns/app', '1').then(() => 'pushed', (e: Error) => e.message);
    expect(refused).toMatch(/401/);
    const a = aliAcrAdapter(endpoint(acr));
    await a.prepareForPush(['newns/app', 'newns/other', 'team/app']);
    expect([...acr.namespaces].sort()).toEqual(['newns', 'team']);
    expect(acr.requests.filter((r) => r.includes('Action=CreateNamespace'))).toHaveLength(1);
    await seed(acr, 'newns/app', '1');
    expect(await a.listTags('newns/app')).toEqual(['1']);
    await a.prepareForPush(['newns/app']);
    expect(acr.requests.filter((r) => r.includes('Action=CreateNamespace'))).toHaveLength(1);
    await a.close?.();
  });
});

describe('the Alibaba stand-in checks what the OpenAPI gateway checks', () => {
  let acr: AliAcrStandin;
  beforeAll(async () => {
    acr = await startAliAcrStandin('ee', ['team']);
  });
  afterAll(async () => {
    await acr?.close();
  });

  const signed = (over: Record<string, string> = {}, secret = acr.accessKey.secret): string => {
    const p: Record<string, string> = {
      Action: 'ListNamespace', Version: '2018-12-01', Format: 'JSON', RegionId: ALI_REGION, InstanceId: EE_INSTANCE, AccessKeyId: acr.accessKey.id,
      SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: randomUUID(), Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), ...over,
    };
    p.Signature = rpcSignature(secret, 'GET', p);
    return `${acr.url}/?${Object.keys(p).map((k) => `${percentEncode(k)}=${percentEncode(p[k])}`).join('&')}`;
  };
  const code = async (url: string): Promise<[number, string]> => {
    const r = await fetch(url);
    const b = (await r.json()) as { Code?: string };
    return [r.status, b.Code ?? ''];
  };

  test('a correctly signed request passes; replayed, stale, tampered or wrongly keyed ones are refused', async () => {
    const url = signed();
    expect(await code(url)).toEqual([200, 'success']);
    expect(await code(url)).toEqual([400, 'SignatureNonceUsed']);
    expect(await code(signed({ Timestamp: '2020-01-01T00:00:00Z' }))).toEqual([400, 'InvalidTimeStamp.Expired']);
    expect(await code(signed({}, 'another-secret'))).toEqual([400, 'SignatureDoesNotMatch']);
    expect(await code(signed().replace('Action=ListNamespace', 'Action=CreateNamespace'))).toEqual([400, 'SignatureDoesNotMatch']);
    expect(await code(signed({ InstanceId: 'cri-other' }))).toEqual([404, 'INSTANCE_NOT_EXIST']);
  });
});
