// A stand-in for Alibaba Cloud Container Registry, personal edition or an Enterprise Edition
// instance, fronting a real docker-registry: the registry with its Bearer challenge
// (service "registry.aliyuncs.com:<region>:<id>", an EE instance id starting with cri-), its token
// service, and the OpenAPI (cr.<region>.aliyuncs.com) on the same loopback port. Its signature check
// is written here independently of src/ (byte-wise encoding, its own canonical strings), so a
// mistake shared by the adapter would still be caught by the RPC vector in the unit test.
// What it checks, as the OpenAPI gateway does:
// - RPC (EE, Version 2018-12-01): AccessKeyId known (else 404 InvalidAccessKeyId.NotFound);
//   SignatureMethod HMAC-SHA1, SignatureVersion 1.0; Timestamp within 15 minutes
//   (InvalidTimeStamp.Expired); SignatureNonce never seen before (SignatureNonceUsed); Signature =
//   HMAC-SHA1 of the canonical request under secret + "&" (SignatureDoesNotMatch); RegionId and
//   InstanceId name this instance.
// - ROA (personal, x-acs-version 2016-06-07): `Authorization: acs <AccessKeyId>:<signature>` over
//   method, Accept, Content-MD5, Content-Type, Date, the x-acs-* headers and the resource; Date within
//   15 minutes; x-acs-signature-nonce never seen before; the same error codes.
// - registry: GET /auth?service&scope takes only the temporary user name and password that
//   GetAuthorizationToken handed out, until they expire; the token grants pull in existing
//   namespaces and push only into namespaces that exist (an EE instance without the namespace
//   refuses the push, which is why the adapter creates it first).
// Not checked: RAM policies (any known AccessKey may do everything), STS security tokens, VPC
// endpoints, instance auto-create settings, rate limits (Harbor limits itself to 15 QPS), the
// ACS3-HMAC-SHA256 (V3) signature.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { basicOf, bearerOf, catalog, json, page, parseScopes, startStandin, tagsOf, TokenBook, type Grant, type Standin } from './common.js';

export const ALI_REGION = 'cn-hangzhou';
export const EE_INSTANCE = 'cri-standin01';
const SKEW_MS = 15 * 60_000;

export interface AliAcrStandin extends Standin {
  edition: 'personal' | 'ee';
  accessKey: { id: string; secret: string };
  namespaces: Set<string>;
  /** Temporary credentials handed out so far (the tests check none leaks). */
  issued: { username: string; password: string }[];
  /** Makes the next temporary credentials expire at once (0) or after `ms`. */
  tempTtlMs: number;
}

/** Byte-wise percent-encoding: only A-Z a-z 0-9 - _ . ~ stay literal. */
function enc(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export async function startAliAcrStandin(edition: 'personal' | 'ee', namespaces: string[] = ['team']): Promise<AliAcrStandin> {
  const accessKey = { id: `LTAI${randomBytes(8).toString('hex')}`, secret: randomBytes(15).toString('base64') };
  const nsSet = new Set(namespaces);
  const seenNonces = new Set<string>();
  const temp = new Map<string, { password: string; expires: number }>();
  const book = new TokenBook();
  const issued: { username: string; password: string }[] = [];
  const state = { tempTtlMs: 3600_000 };

  const fail = (res: http.ServerResponse, status: number, Code: string, Message: string, roa: boolean): true => {
    json(res, status, roa ? { code: Code, message: Message, requestId: randomBytes(8).toString('hex') } : { Code, Message, RequestId: randomBytes(8).toString('hex') });
    return true;
  };
  const fresh = (when: number): boolean => Number.isFinite(when) && Math.abs(Date.now() - when) <= SKEW_MS;
  const repoIdOf = (full: string): string => `crr-${createHash('sha1').update(full).digest('hex').slice(0, 12)}`;
  const reposIn = async (self: Standin, ns: string): Promise<string[]> => (await catalog(self.registry)).filter((r) => r.startsWith(`${ns}/`) && r.split('/').length === 2);
  const newTemp = (): { user: string; password: string; expires: number } => {
    const user = `cr_temp_user_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(24).toString('base64url');
    const expires = Date.now() + state.tempTtlMs;
    temp.set(user, { password, expires });
    issued.push({ username: user, password });
    return { user, password, expires };
  };

  /** RPC: verifies, then answers the action. */
  const rpc = async (res: http.ServerResponse, url: URL, self: Standin): Promise<boolean> => {
    const params: Record<string, string> = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    const { Signature: signature, ...signed } = params;
    if (params.AccessKeyId !== accessKey.id) return fail(res, 404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.', false);
    if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0') return fail(res, 400, 'InvalidParameter', 'unsupported signature method', false);
    if (params.Version !== '2018-12-01') return fail(res, 400, 'InvalidVersion', 'Specified parameter Version is not valid.', false);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(params.Timestamp ?? '') || !fresh(Date.parse(params.Timestamp))) {
      return fail(res, 400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.', false);
    }
    const canonical = Object.keys(signed).sort().map((k) => `${enc(k)}=${enc(signed[k])}`).join('&');
    const want = createHmac('sha1', `${accessKey.secret}&`).update(`GET&${enc('/')}&${enc(canonical)}`).digest('base64');
    if (signature !== want) return fail(res, 400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.', false);
    if (!params.SignatureNonce || seenNonces.has(params.SignatureNonce)) return fail(res, 400, 'SignatureNonceUsed', 'Specified signature nonce was used already.', false);
    seenNonces.add(params.SignatureNonce);
    if (params.RegionId !== ALI_REGION) return fail(res, 400, 'InvalidRegionId', 'region does not match', false);
    if (params.InstanceId !== EE_INSTANCE) return fail(res, 404, 'INSTANCE_NOT_EXIST', 'instance not exist', false);
    const pageNo = Number(params.PageNo ?? '1');
    const size = Number(params.PageSize ?? '30');
    const ok = (b: Record<string, unknown>): true => (json(res, 200, { IsSuccess: true, Code: 'success', RequestId: randomBytes(8).toString('hex'), ...b }), true);
    switch (params.Action) {
      case 'GetAuthorizationToken': {
        const t = newTemp();
        return ok({ TempUsername: t.user, AuthorizationToken: t.password, ExpireTime: t.expires });
      }
      case 'ListNamespace': {
        const all = [...nsSet].sort();
        const pg = page(self, all, pageNo, size);
        return ok({ Namespaces: pg.items.map((n) => ({ NamespaceName: n, NamespaceId: `crn-${n}` })), TotalCount: String(all.length), PageNo: pageNo, PageSize: size });
      }
      case 'CreateNamespace': {
        const n = params.NamespaceName ?? '';
        if (!/^[a-z0-9][a-z0-9_-]{1,63}$/.test(n)) return fail(res, 400, 'NAMESPACE_NAME_ILLEGAL', 'namespace name illegal', false);
        if (nsSet.has(n)) return ok({ IsSuccess: false, Code: 'NAMESPACE_ALREADY_EXIST' });
        nsSet.add(n);
        return ok({});
      }
      case 'ListRepository': {
        const all = nsSet.has(params.RepoNamespaceName ?? '') ? await reposIn(self, params.RepoNamespaceName) : [];
        const pg = page(self, all, pageNo, size);
        return ok({
          Repositories: pg.items.map((r) => ({ RepoName: r.split('/')[1], RepoNamespaceName: r.split('/')[0], RepoId: repoIdOf(r), RepoStatus: 'NORMAL' })),
          TotalCount: String(all.length), PageNo: pageNo, PageSize: size,
        });
      }
      case 'GetRepository': {
        const full = `${params.RepoNamespaceName}/${params.RepoName}`;
        if (!(await catalog(self.registry)).includes(full)) return ok({ IsSuccess: false, Code: 'REPO_NOT_EXIST' });
        return ok({ RepoId: repoIdOf(full), RepoName: params.RepoName, RepoNamespaceName: params.RepoNamespaceName });
      }
      case 'ListRepoTag': {
        const full = (await catalog(self.registry)).find((r) => repoIdOf(r) === params.RepoId);
        const all = full ? await tagsOf(self.registry, full) : [];
        const pg = page(self, all, pageNo, size);
        return ok({ Images: pg.items.map((t) => ({ Tag: t, Status: 'NORMAL' })), TotalCount: String(all.length), PageNo: pageNo, PageSize: size });
      }
      default:
        return fail(res, 404, 'InvalidAction.NotFound', 'Specified api is not found.', false);
    }
  };

  /** ROA: verifies the acs signature, then answers the path. */
  const roa = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, self: Standin): Promise<boolean> => {
    const h = req.headers as Record<string, string | undefined>;
    const m = /^acs ([^:]+):(.+)$/.exec(h.authorization ?? '');
    if (!m) return fail(res, 400, 'MissingAuthorization', 'Authorization is mandatory for this action.', true);
    if (m[1] !== accessKey.id) return fail(res, 404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.', true);
    if (h['x-acs-version'] !== '2016-06-07' || h['x-acs-signature-method'] !== 'HMAC-SHA1') return fail(res, 400, 'InvalidParameter', 'version or signature method', true);
    if (!fresh(Date.parse(h.date ?? ''))) return fail(res, 400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.', true);
    const acs = Object.keys(h).filter((k) => k.startsWith('x-acs-')).sort().map((k) => `${k}:${h[k]}\n`).join('');
    const keys = [...url.searchParams.keys()].sort();
    const resource = url.pathname + (keys.length ? `?${keys.map((k) => `${k}=${url.searchParams.get(k)}`).join('&')}` : '');
    const toSign = `${req.method}\n${h.accept ?? ''}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${h.date ?? ''}\n${acs}${resource}`;
    if (m[2] !== createHmac('sha1', accessKey.secret).update(toSign).digest('base64')) {
      return fail(res, 400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.', true);
    }
    const nonce = h['x-acs-signature-nonce'] ?? '';
    if (!nonce || seenNonces.has(nonce)) return fail(res, 400, 'SignatureNonceUsed', 'Specified signature nonce was used already.', true);
    seenNonces.add(nonce);
    const pageNo = Number(url.searchParams.get('Page') ?? '1');
    const size = Number(url.searchParams.get('PageSize') ?? '30');
    const p = url.pathname;
    if (p === '/tokens') {
      const t = newTemp();
      return json(res, 200, { data: { tempUserName: t.user, authorizationToken: t.password, expireDate: t.expires } }), true;
    }
    if (p === '/namespace') return json(res, 200, { data: { namespaces: [...nsSet].sort().map((n) => ({ namespace: n, authorizeType: 'ADMIN', namespaceStatus: 'NORMAL' })) } }), true;
    const repos = /^\/repos\/([^/]+)$/.exec(p);
    if (repos) {
      const all = nsSet.has(repos[1]) ? await reposIn(self, repos[1]) : [];
      const pg = page(self, all, pageNo, size);
      return json(res, 200, { data: { page: pageNo, pageSize: size, total: all.length, repos: pg.items.map((r) => ({ repoName: r.split('/')[1], repoNamespace: repos[1] })) } }), true;
    }
    const tags = /^\/repos\/([^/]+)\/([^/]+)\/tags$/.exec(p);
    if (tags) {
      const all = await tagsOf(self.registry, `${tags[1]}/${tags[2]}`);
      const pg = page(self, all, pageNo, size);
      return json(res, 200, { data: { page: pageNo, pageSize: size, total: all.length, tags: pg.items.map((t) => ({ tag: t, status: 'NORMAL' })) } }), true;
    }
    return fail(res, 404, 'InvalidAction.NotFound', 'Specified api is not found.', true);
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, self: Standin): Promise<boolean> => {
    const p = url.pathname;
    if (p === '/' && url.searchParams.has('Action')) {
      if (edition !== 'ee') return fail(res, 404, 'InvalidAction.NotFound', 'Specified api is not found.', false);
      return rpc(res, url, self);
    }
    if (p === '/tokens' || p === '/namespace' || p.startsWith('/repos/')) {
      if (edition !== 'personal') return fail(res, 404, 'InvalidAction.NotFound', 'Specified api is not found.', true);
      return roa(req, res, url, self);
    }
    if (p === '/auth') {
      const b = basicOf(req);
      const t = b ? temp.get(b.user) : undefined;
      if (!b || !t || t.password !== b.password || t.expires < Date.now()) {
        return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }), true;
      }
      const grants = parseScopes(url.searchParams.getAll('scope')).map((g) => {
        const ns = g.name.split('/')[0];
        const actions = g.type === 'repository' && nsSet.has(ns) ? g.actions.filter((a) => ['pull', 'push', 'delete'].includes(a)) : [];
        return { ...g, actions };
      }).filter((g) => g.actions.length);
      const token = book.issue(b.user, grants, 600);
      return json(res, 200, { token, access_token: token, expires_in: 600 }), true;
    }
    return false;
  };

  const service = `registry.aliyuncs.com:${ALI_REGION}:${edition === 'ee' ? EE_INSTANCE : '26842'}`;
  const authorize = (req: http.IncomingMessage, res: http.ServerResponse, need: Grant | null, self: Standin): boolean => {
    const token = bearerOf(req);
    if (need === null ? token && book.valid(token) : token && book.allows(token, need)) return true;
    const scope = need ? `,scope="${need.type}:${need.name}:${need.actions[0] === 'metadata_read' ? 'pull' : need.actions[0]}"` : '';
    json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': `Bearer realm="${self.url}/auth",service="${service}"${scope}` });
    return false;
  };

  const s = await startStandin({ route, authorize });
  const out = Object.assign(s, { edition, accessKey, namespaces: nsSet, issued, tempTtlMs: 0 });
  Object.defineProperty(out, 'tempTtlMs', { get: () => state.tempTtlMs, set: (v: number) => { state.tempTtlMs = v; } });
  return out;
}
