// Harbor's `docker-hub` adapter (src/pkg/reg/adapter/dockerhub): images move through the Hub's
// registry (registry-1.docker.io, Bearer tokens from auth.docker.io per repository scope, answered
// with the account's user name and password or personal access token), and what the registry's
// closed catalog cannot tell comes from the Hub's own API (hub.docker.com/v2): a JWT from
// POST /v2/auth/token ({identifier, secret}), then GET /v2/repositories/namespaces,
// /v2/repositories/{ns}/ and /v2/repositories/{ns}/{repo}/tags/ page by page, and before a push
// GET /v2/orgs/{ns}/ and, when missing, POST /v2/orgs/ as Harbor does; a replicated tag deletion is
// the Hub API's DELETE /v2/repositories/{ns}/{repo}/tags/{tag}/.
// An endpoint URL other than the Hub's web address (a stand-in, a test) serves both APIs itself.
import { registryBase, UpstreamClient, UpstreamError, type UpstreamEndpoint } from '../../upstream.js';
import type { Adapter, AdapterFactory, AdapterInfo, RegistryAuth } from '../adapter.js';
import { arr, MAX_PAGES, name, namespaceOf, obj, str, tag, vendorClient, vendorCall, vendorFailure, VENDOR_TIMEOUT_MS } from './vendor.js';
import type { OutboundClient } from '../../outbound.js';

export const DOCKER_HUB_INFO: AdapterInfo = {
  type: 'docker-hub',
  description: 'Docker Hub: images through registry-1.docker.io, repositories and tags through the Hub API',
  supported_resource_filters: [{ type: 'name', style: 'input' }, { type: 'tag', style: 'input' }],
  supported_triggers: ['manual', 'scheduled'],
};

const HUB_WEB = /^https:\/\/(hub\.)?docker\.(com|io)$/;
const PAGE_SIZE = 100;
/** The Hub's JWTs live 10 minutes; we renew a minute early, as Harbor does. */
const LOGIN_TTL_MS = 9 * 60_000;

class DockerHubAdapter implements Adapter {
  readonly info = DOCKER_HUB_INFO;
  private readonly api: string;
  private readonly http: OutboundClient;
  private jwt: { value: string; expires: number } | null = null;

  constructor(private readonly endpoint: UpstreamEndpoint) {
    this.api = HUB_WEB.test(endpoint.url) ? 'https://hub.docker.com' : endpoint.url;
    this.http = vendorClient(endpoint);
  }

  v2Base(): string {
    return registryBase(this.endpoint);
  }

  async close(): Promise<void> {
    this.http.close();
  }

  async auth(): Promise<RegistryAuth> {
    const { username, password } = this.endpoint;
    return username && password ? { kind: 'basic', username, password } : { kind: 'anonymous' };
  }

  async healthCheck(): Promise<void> {
    if (this.endpoint.username && this.endpoint.password) await this.login();
    const up = new UpstreamClient({ ...this.endpoint, url: this.v2Base() }, VENDOR_TIMEOUT_MS);
    try {
      await up.ping();
    } finally {
      await up.close();
    }
  }

  async listRepositories(): Promise<string[]> {
    const body = await this.hub('Docker Hub namespaces', 'GET', '/v2/repositories/namespaces');
    const out: string[] = [];
    for (const ns of arr(obj(body, 'Docker Hub namespaces', 'reply').namespaces, 'Docker Hub namespaces', 'namespaces')) {
      const namespace = name(ns, 'Docker Hub namespaces', 'namespace');
      await this.pages(`Docker Hub repositories of ${namespace}`, `/v2/repositories/${namespace}/`, (r, what) => {
        const repo = obj(r, what, 'result');
        out.push(`${namespace}/${name(repo.name, what, 'result name')}`);
      });
    }
    return out;
  }

  async listTags(repository: string): Promise<string[]> {
    const namespace = namespaceOf(repository, 'Docker Hub');
    const repo = name(repository.slice(namespace.length + 1), 'Docker Hub', 'repository name');
    const tags: string[] = [];
    await this.pages(`Docker Hub tags of ${namespace}/${repo}`, `/v2/repositories/${namespace}/${repo}/tags/`, (t, what) => {
      tags.push(tag(obj(t, what, 'result').name, what, 'result name'));
    });
    return tags;
  }

  /** Harbor's PrepareForPush: every namespace pushed into must exist, as a user or an organization. */
  async prepareForPush(repositories: string[]): Promise<void> {
    const namespaces = new Set(repositories.map((r) => name(namespaceOf(r, 'Docker Hub'), 'Docker Hub', 'namespace')));
    for (const ns of namespaces) {
      const what = `Docker Hub namespace ${ns}`;
      const got = await this.hubReply(what, 'GET', `/v2/orgs/${ns}/`);
      if (got.status === 404) {
        const created = await this.hubReply(`creating ${what}`, 'POST', '/v2/orgs/', { orgname: ns, full_name: ns, company: ns });
        if (created.status < 200 || created.status > 299) throw vendorFailure(`creating ${what}`, created.status, errorCode(created.body));
      } else if (got.status < 200 || got.status > 299) {
        throw vendorFailure(what, got.status, errorCode(got.body));
      }
    }
  }

  /** Harbor's DeleteManifest for the Hub: DELETE /v2/repositories/{ns}/{repo}/tags/{tag}/ removes that tag only. */
  async deleteTag(repository: string, reference: string): Promise<boolean> {
    const namespace = namespaceOf(repository, 'Docker Hub');
    const repo = name(repository.slice(namespace.length + 1), 'Docker Hub', 'repository name');
    const t = tag(reference, 'Docker Hub', 'tag');
    const what = `deleting Docker Hub tag ${namespace}/${repo}:${t}`;
    const r = await this.hubReply(what, 'DELETE', `/v2/repositories/${namespace}/${repo}/tags/${t}/`);
    if (r.status === 404) return false;
    if (r.status < 200 || r.status > 299) throw vendorFailure(what, r.status, errorCode(r.body));
    return true;
  }

  /** Reads every page of a Hub listing (`results`, `next`), calling `each` per result. */
  private async pages(what: string, path: string, each: (r: unknown, what: string) => void): Promise<void> {
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES) throw new UpstreamError('protocol', `${what}: more than ${MAX_PAGES} pages`);
      const body = obj(await this.hub(what, 'GET', `${path}?page=${page}&page_size=${PAGE_SIZE}`), what, 'reply');
      const results = arr(body.results, what, 'results');
      for (const r of results) each(r, what);
      if (body.next === null || body.next === undefined || body.next === '' || results.length === 0) return;
      str(body.next, what, 'next');
    }
  }

  private async hub(what: string, method: string, path: string, json?: unknown): Promise<unknown> {
    const r = await this.hubReply(what, method, path, json);
    if (r.status < 200 || r.status > 299) throw vendorFailure(what, r.status, errorCode(r.body));
    return r.body;
  }

  private async hubReply(what: string, method: string, path: string, json?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.endpoint.username && this.endpoint.password) headers.authorization = `Bearer ${await this.login()}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    return vendorCall(this.http, what, method, `${this.api}${path}`, headers, json === undefined ? undefined : JSON.stringify(json));
  }

  /** POST /v2/auth/token: the Hub API's JWT for the endpoint's user name and password (or access token). */
  private async login(): Promise<string> {
    if (this.jwt && this.jwt.expires > Date.now()) return this.jwt.value;
    const what = 'Docker Hub login';
    const r = await vendorCall(this.http, what, 'POST', `${this.api}/v2/auth/token`, { 'content-type': 'application/json', accept: 'application/json' },
      JSON.stringify({ identifier: this.endpoint.username, secret: this.endpoint.password }));
    if (r.status < 200 || r.status > 299) throw vendorFailure(what, r.status, errorCode(r.body));
    const token = str(obj(r.body, what, 'reply').access_token, what, 'access_token');
    if (token === '' || token.length > 16384) throw new UpstreamError('protocol', `${what}: the reply's access_token is empty or too long`);
    this.jwt = { value: token, expires: Date.now() + LOGIN_TTL_MS };
    return token;
  }
}

/** A Hub error reply's code (`code` or `errinfo`); vendorFailure keeps it only when it looks like a code. */
function errorCode(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  return b.code ?? b.errinfo;
}

export const dockerHubAdapter: AdapterFactory = (endpoint) => new DockerHubAdapter(endpoint);
