// Harbor's `ali-acr` adapter (src/pkg/reg/adapter/aliacr, with ACR EE from goharbor/harbor#19658):
// Alibaba Cloud Container Registry, personal edition (registry.<region>.aliyuncs.com) and Enterprise
// Edition instances (<instance>-registry.<region>.cr.aliyuncs.com). The endpoint's credential is a
// RAM AccessKey pair; it never reaches the registry. It signs OpenAPI calls to cr.<region>.aliyuncs.com
// (aliyun-sign.ts), and GetAuthorizationToken hands back a temporary user name and password that
// the registry takes. Which edition, region and instance: from the registry's Bearer challenge,
// `service="registry.aliyuncs.com:<region>:<id>"`, where an EE instance id starts with `cri-`.
// - personal (cr 2016-06-07, ROA): GET /tokens, /namespace, /repos/{ns}, /repos/{ns}/{repo}/tags.
// - EE (cr 2018-12-01, RPC): GetAuthorizationToken, ListNamespace, ListRepository, GetRepository,
//   ListRepoTag, and before a push CreateNamespace for a namespace the instance lacks (Harbor leaves
//   this to the instance's auto-create setting; we create it, with AutoCreateRepo on).
// An endpoint URL outside aliyuncs.com (a stand-in) serves the OpenAPI itself.
import { randomUUID } from 'node:crypto';
import { parseChallenge } from '../../../core/upstream.js';
import { UpstreamClient, UpstreamError, type UpstreamEndpoint } from '../../upstream.js';
import type { Adapter, AdapterFactory, AdapterInfo, RegistryAuth } from '../adapter.js';
import { contentMd5, roaResource, roaSignature, roaStringToSign, rpcSignature, percentEncode } from './aliyun-sign.js';
import {
  arr, count, MAX_PAGES, name, namespaceOf, obj, str, tag, vendorClient, vendorCall, vendorFailure, VENDOR_TIMEOUT_MS, type Json,
} from './vendor.js';
import type { OutboundClient } from '../../outbound.js';

export const ALI_ACR_INFO: AdapterInfo = {
  type: 'ali-acr',
  description: 'Alibaba Cloud Container Registry, personal edition and Enterprise Edition (AccessKey pair)',
  supported_resource_filters: [{ type: 'name', style: 'input' }, { type: 'tag', style: 'input' }],
  supported_triggers: ['manual', 'scheduled'],
};

const PAGE_SIZE = 100;
/** The gateway's answers to a wrong AccessKey (400/404 on the wire): a refused credential, not a protocol fault. */
const CREDENTIAL_CODES = new Set(['SignatureDoesNotMatch', 'InvalidAccessKeyId.NotFound', 'InvalidAccessKeyId.Inactive', 'IncompleteSignature']);
const ACR_SERVICE = 'registry.aliyuncs.com';
/** Temporary registry credentials are dropped this long before Alibaba says they expire. */
const EXPIRY_MARGIN_MS = 60_000;

interface Site { region: string; instance: string | null; api: string }

class AliAcrAdapter implements Adapter {
  readonly info = ALI_ACR_INFO;
  private readonly url: string;
  private readonly http: OutboundClient;
  private site: Site | null = null;
  private temp: { username: string; password: string; expires: number } | null = null;
  /** EE repository ids by full name, learned while listing. */
  private readonly repoIds = new Map<string, string>();

  constructor(private readonly endpoint: UpstreamEndpoint) {
    // Harbor accepts the OpenAPI host too and turns it into the personal registry's.
    const m = /^https:\/\/cr\.([\w-]+)\.aliyuncs\.com$/.exec(endpoint.url);
    this.url = m ? `https://registry.${m[1]}.aliyuncs.com` : endpoint.url;
    this.http = vendorClient(endpoint);
  }

  v2Base(): string {
    return this.url;
  }

  async close(): Promise<void> {
    this.http.close();
  }

  async auth(): Promise<RegistryAuth> {
    const t = await this.temporary();
    return { kind: 'basic', username: t.username, password: t.password };
  }

  async healthCheck(): Promise<void> {
    const t = await this.temporary();
    const up = new UpstreamClient({ ...this.endpoint, url: this.url, username: t.username, password: t.password }, VENDOR_TIMEOUT_MS);
    try {
      await up.ping();
    } finally {
      await up.close();
    }
  }

  async listRepositories(): Promise<string[]> {
    const site = await this.discover();
    const out: string[] = [];
    for (const ns of await this.namespaces(site)) {
      if (site.instance) {
        await this.rpcPages(`ACR EE repositories of ${ns}`, 'ListRepository', { RepoNamespaceName: ns, RepoStatus: 'NORMAL' }, 'Repositories', (r, what) => {
          const repo = obj(r, what, 'repository');
          const full = `${name(repo.RepoNamespaceName, what, 'RepoNamespaceName')}/${name(repo.RepoName, what, 'RepoName')}`;
          this.repoIds.set(full, repoId(repo.RepoId, what));
          out.push(full);
        });
      } else {
        await this.roaPages(`ACR repositories of ${ns}`, `/repos/${ns}`, 'repos', (r, what) => {
          const repo = obj(r, what, 'repo');
          out.push(`${name(repo.repoNamespace, what, 'repoNamespace')}/${name(repo.repoName, what, 'repoName')}`);
        });
      }
    }
    return out;
  }

  async listTags(repository: string): Promise<string[]> {
    const site = await this.discover();
    const ns = name(namespaceOf(repository, 'ACR'), 'ACR', 'namespace');
    const repo = name(repository.slice(ns.length + 1), 'ACR', 'repository name');
    const tags: string[] = [];
    if (site.instance) {
      const id = this.repoIds.get(`${ns}/${repo}`) ?? await this.eeRepoId(ns, repo);
      await this.rpcPages(`ACR EE tags of ${ns}/${repo}`, 'ListRepoTag', { RepoId: id }, 'Images', (i, what) => {
        tags.push(tag(obj(i, what, 'image').Tag, what, 'Tag'));
      });
    } else {
      await this.roaPages(`ACR tags of ${ns}/${repo}`, `/repos/${ns}/${repo}/tags`, 'tags', (t, what) => {
        tags.push(tag(obj(t, what, 'tag').tag, what, 'tag'));
      });
    }
    return tags;
  }

  /** EE: every namespace pushed into must exist on the instance; it is created when missing. */
  async prepareForPush(repositories: string[]): Promise<void> {
    const site = await this.discover();
    if (!site.instance) return;
    const wanted = new Set(repositories.map((r) => name(namespaceOf(r, 'ACR'), 'ACR', 'namespace')));
    const have = new Set(await this.namespaces(site));
    for (const ns of wanted) {
      if (have.has(ns)) continue;
      await this.rpc(`creating ACR EE namespace ${ns}`, 'CreateNamespace', { NamespaceName: ns, AutoCreateRepo: 'true', DefaultRepoType: 'PRIVATE' });
    }
  }

  // ---- the registry's identity

  /** Region and instance from the registry's challenge, asked once. */
  private async discover(): Promise<Site> {
    if (this.site) return this.site;
    const r = await vendorCall(this.http, 'ACR /v2/', 'GET', `${this.url}/v2/`, {});
    const header = r.headers['www-authenticate'];
    const c = parseChallenge(Array.isArray(header) ? header[0] : header);
    const parts = (c?.params.service ?? '').split(':');
    if (r.status !== 401 || c?.scheme !== 'bearer' || parts.length < 3 || parts[0].toLowerCase() !== ACR_SERVICE) {
      throw new UpstreamError('protocol', `${this.url} does not look like Alibaba Cloud Container Registry: its /v2/ challenge names no ${ACR_SERVICE} service`);
    }
    const region = parts[1];
    const last = parts[parts.length - 1];
    if (!/^[a-z0-9-]{1,40}$/.test(region)) throw new UpstreamError('protocol', 'the ACR challenge names an invalid region');
    const instance = last.startsWith('cri-') ? last : null;
    if (instance && !/^cri-[a-z0-9]{1,40}$/.test(instance)) throw new UpstreamError('protocol', 'the ACR challenge names an invalid instance');
    const host = new URL(this.url).hostname;
    const api = host.endsWith('.aliyuncs.com') ? `https://cr.${region}.aliyuncs.com` : this.url;
    this.site = { region, instance, api };
    return this.site;
  }

  /** The temporary registry user name and password, renewed before they expire. */
  private async temporary(): Promise<{ username: string; password: string }> {
    if (this.temp && this.temp.expires > Date.now()) return this.temp;
    const site = await this.discover();
    let username: string;
    let password: string;
    let expiresMs: number;
    if (site.instance) {
      const what = 'ACR EE GetAuthorizationToken';
      const b = await this.rpc(what, 'GetAuthorizationToken', {});
      username = str(b.TempUsername, what, 'TempUsername');
      password = str(b.AuthorizationToken, what, 'AuthorizationToken');
      expiresMs = count(b.ExpireTime, what, 'ExpireTime');
    } else {
      const what = 'ACR GetAuthorizationToken';
      const d = obj((await this.roa(what, '/tokens', {})).data, what, 'data');
      username = str(d.tempUserName, what, 'tempUserName');
      password = str(d.authorizationToken, what, 'authorizationToken');
      expiresMs = count(d.expireDate, what, 'expireDate');
    }
    if (!username || !password || username.length > 1024 || password.length > 16384) {
      throw new UpstreamError('protocol', 'ACR GetAuthorizationToken: the temporary credential is empty or too long');
    }
    this.temp = { username, password, expires: Math.min(expiresMs - EXPIRY_MARGIN_MS, Date.now() + 60 * 60_000) };
    return { username, password };
  }

  // ---- listings

  private async namespaces(site: Site): Promise<string[]> {
    const out: string[] = [];
    if (site.instance) {
      await this.rpcPages('ACR EE namespaces', 'ListNamespace', {}, 'Namespaces', (n, what) => {
        out.push(name(obj(n, what, 'namespace').NamespaceName, what, 'NamespaceName'));
      });
    } else {
      const what = 'ACR namespaces';
      const d = obj((await this.roa(what, '/namespace', {})).data, what, 'data');
      for (const n of arr(d.namespaces, what, 'namespaces')) out.push(name(obj(n, what, 'namespace').namespace, what, 'namespace'));
    }
    return out;
  }

  private async eeRepoId(ns: string, repo: string): Promise<string> {
    const what = `ACR EE repository ${ns}/${repo}`;
    const b = await this.rpc(what, 'GetRepository', { RepoNamespaceName: ns, RepoName: repo });
    return repoId(b.RepoId, what);
  }

  /** EE listings: PageNo/PageSize, the list under `field`, TotalCount (a decimal string). */
  private async rpcPages(what: string, action: string, params: Record<string, string>, field: string, each: (v: unknown, what: string) => void): Promise<void> {
    let seen = 0;
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES) throw new UpstreamError('protocol', `${what}: more than ${MAX_PAGES} pages`);
      const b = await this.rpc(what, action, { ...params, PageNo: String(page), PageSize: String(PAGE_SIZE) });
      const items = arr(b[field] ?? [], what, field);
      for (const v of items) each(v, what);
      seen += items.length;
      // Counted, not computed from PAGE_SIZE: a service may give fewer per page than asked.
      if (items.length === 0 || seen >= count(b.TotalCount, what, 'TotalCount')) return;
    }
  }

  /** Personal listings: Page/PageSize, `data.<field>`, data.total. */
  private async roaPages(what: string, path: string, field: string, each: (v: unknown, what: string) => void): Promise<void> {
    let seen = 0;
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES) throw new UpstreamError('protocol', `${what}: more than ${MAX_PAGES} pages`);
      const d = obj((await this.roa(what, path, { Page: String(page), PageSize: String(PAGE_SIZE) })).data, what, 'data');
      const items = arr(d[field] ?? [], what, field);
      for (const v of items) each(v, what);
      seen += items.length;
      if (items.length === 0 || seen >= count(d.total, what, 'total')) return;
    }
  }

  // ---- signed calls

  /** One RPC call (cr 2018-12-01) on the EE instance; a reply that is not IsSuccess is an error. */
  private async rpc(what: string, action: string, params: Record<string, string>): Promise<Json> {
    const site = await this.discover();
    const all: Record<string, string> = {
      Action: action, Version: '2018-12-01', Format: 'JSON', RegionId: site.region, InstanceId: site.instance ?? '',
      AccessKeyId: this.endpoint.username ?? '', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
      SignatureNonce: randomUUID(), Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), ...params,
    };
    all.Signature = rpcSignature(this.endpoint.password ?? '', 'GET', all);
    const query = Object.keys(all).map((k) => `${percentEncode(k)}=${percentEncode(all[k])}`).join('&');
    const r = await vendorCall(this.http, what, 'GET', `${site.api}/?${query}`, { accept: 'application/json' });
    const body = r.body === undefined ? {} : obj(r.body, what, 'reply');
    if (r.status < 200 || r.status > 299) throw vendorFailure(what, credentialStatus(r.status, body.Code), body.Code);
    if (body.IsSuccess === false) throw vendorFailure(what, 400, body.Code);
    return body;
  }

  /** One ROA GET (cr 2016-06-07) on the personal edition. */
  private async roa(what: string, path: string, query: Record<string, string>): Promise<Json> {
    const site = await this.discover();
    const headers: Record<string, string> = {
      accept: 'application/json', 'content-md5': contentMd5(''), 'content-type': 'application/octet-stream', date: new Date().toUTCString(),
      'x-acs-signature-method': 'HMAC-SHA1', 'x-acs-signature-nonce': randomUUID(), 'x-acs-signature-version': '1.0',
      'x-acs-version': '2016-06-07', 'x-acs-region-id': site.region,
    };
    const resource = roaResource(path, query);
    headers.authorization = `acs ${this.endpoint.username ?? ''}:${roaSignature(this.endpoint.password ?? '', roaStringToSign('GET', headers, resource))}`;
    const qs = new URLSearchParams(query).toString();
    const r = await vendorCall(this.http, what, 'GET', `${site.api}${path}${qs ? `?${qs}` : ''}`, headers);
    const body = r.body === undefined ? {} : obj(r.body, what, 'reply');
    const code = body.code ?? body.Code;
    if (r.status < 200 || r.status > 299) throw vendorFailure(what, credentialStatus(r.status, code), code);
    return body;
  }
}

function credentialStatus(status: number, code: unknown): number {
  return typeof code === 'string' && CREDENTIAL_CODES.has(code) ? 401 : status;
}

function repoId(v: unknown, what: string): string {
  const s = typeof v === 'number' ? String(v) : str(v, what, 'RepoId');
  if (!/^[\w-]{1,64}$/.test(s)) throw new UpstreamError('protocol', `${what}: the reply's RepoId is not an id`);
  return s;
}

export const aliAcrAdapter: AdapterFactory = (endpoint) => new AliAcrAdapter(endpoint);
