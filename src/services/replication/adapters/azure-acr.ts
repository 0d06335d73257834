// Harbor's `azure-acr` adapter (src/pkg/reg/adapter/azurecr): Azure Container Registry speaks the
// distribution API with its own token service at https://<name>.azurecr.io/oauth2/token. Two kinds
// of credential, as ACR documents them:
// - `basic` (Harbor's default): the admin user, or a service principal's id and secret, answered
//   to the token service with Basic (the Docker token dance: GET /oauth2/token?service&scope).
// - `oauth`: the secret is an Azure AD access token. It is exchanged for an ACR refresh token
//   (POST /oauth2/exchange, grant_type=access_token), which buys access tokens per scope
//   (POST /oauth2/token, grant_type=refresh_token). Harbor has no such mode; ACR does.
// The catalog is open to a `registry:catalog:*` token; tags are read with `metadata_read`, as
// Harbor's authorizer asks for them. Nothing needs creating before a push; a tag deletion is ACR's
// untag (DELETE /v2/{repo}/manifests/{tag}).
import { parseChallenge } from '../../../core/upstream.js';
import { UpstreamError, type UpstreamEndpoint } from '../../upstream.js';
import type { Adapter, AdapterFactory, AdapterInfo, RegistryAuth } from '../adapter.js';
import { arr, MAX_PAGES, obj, repositoryName, str, tag, vendorClient, vendorCall, vendorFailure } from './vendor.js';
import type { OutboundClient } from '../../outbound.js';

export const AZURE_ACR_INFO: AdapterInfo = {
  type: 'azure-acr',
  description: 'Azure Container Registry: the admin user or a service principal (basic), or an Azure AD access token (oauth)',
  supported_resource_filters: [{ type: 'name', style: 'input' }, { type: 'tag', style: 'input' }],
  supported_triggers: ['manual', 'scheduled'],
  supported_copy_by_chunk: true,
};

const PAGE_SIZE = 100;
/** ACR refresh tokens live about three hours; we exchange again well before. */
const REFRESH_TTL_MS = 60 * 60_000;

class AzureAcrAdapter implements Adapter {
  readonly info = AZURE_ACR_INFO;
  private readonly http: OutboundClient;
  private challenge: { realm: string; service: string } | null = null;
  private refresh: { value: string; expires: number } | null = null;
  private readonly oauth: boolean;

  constructor(private readonly endpoint: UpstreamEndpoint & { credentialType?: string | null }) {
    this.http = vendorClient(endpoint);
    this.oauth = endpoint.credentialType === 'oauth';
  }

  v2Base(): string {
    return this.endpoint.url;
  }

  async close(): Promise<void> {
    this.http.close();
  }

  async auth(): Promise<RegistryAuth> {
    const { username, password } = this.endpoint;
    if (!password) return { kind: 'anonymous' };
    if (this.oauth) return { kind: 'bearer', token: async (scopes) => `Bearer ${await this.token(scopes)}` };
    if (!username) return { kind: 'anonymous' };
    return { kind: 'basic', username, password };
  }

  /** A token for the catalog (which proves the credential), then GET /v2/ with it. */
  async healthCheck(): Promise<void> {
    const t = await this.token(['registry:catalog:*']);
    const r = await vendorCall(this.http, 'ACR /v2/', 'GET', `${this.endpoint.url}/v2/`, { authorization: `Bearer ${t}` });
    if (r.status !== 200) throw vendorFailure('ACR /v2/ with the issued token', r.status);
  }

  async listRepositories(): Promise<string[]> {
    const out: string[] = [];
    await this.pages('ACR catalog', `/v2/_catalog?n=${PAGE_SIZE}`, ['registry:catalog:*'], (body, what) => {
      for (const r of arr(body.repositories ?? [], what, 'repositories')) out.push(repositoryName(r, what, 'repository'));
    });
    return out;
  }

  async listTags(repository: string): Promise<string[]> {
    const repo = repositoryName(repository, 'ACR', 'repository');
    const out: string[] = [];
    await this.pages(`ACR tags of ${repo}`, `/v2/${repo}/tags/list?n=${PAGE_SIZE}`, [`repository:${repo}:metadata_read`], (body, what) => {
      for (const t of arr(body.tags ?? [], what, 'tags')) out.push(tag(t, what, 'tag'));
    });
    return out;
  }

  async prepareForPush(): Promise<void> {
    // ACR creates a repository on its first push.
  }

  /** Harbor's DeleteTag for ACR: DELETE /v2/{repo}/manifests/{tag}, which ACR takes as an untag. */
  async deleteTag(repository: string, reference: string): Promise<boolean> {
    const repo = repositoryName(repository, 'ACR', 'repository');
    const t = tag(reference, 'ACR', 'tag');
    const what = `deleting ACR tag ${repo}:${t}`;
    const token = await this.token([`repository:${repo}:delete`]);
    const r = await vendorCall(this.http, what, 'DELETE', `${this.endpoint.url}/v2/${repo}/manifests/${t}`, { authorization: `Bearer ${token}` });
    if (r.status === 404) return false;
    if (r.status < 200 || r.status > 299) throw vendorFailure(what, r.status);
    return true;
  }

  /** A /v2/ listing with its Link: <next>; rel="next" pages, each page read by `each`. */
  private async pages(what: string, first: string, scopes: string[], each: (body: Record<string, unknown>, what: string) => void): Promise<void> {
    let path: string | null = first;
    const t = await this.token(scopes);
    for (let page = 0; path; page++) {
      if (page >= MAX_PAGES) throw new UpstreamError('protocol', `${what}: more than ${MAX_PAGES} pages`);
      const r = await vendorCall(this.http, what, 'GET', `${this.endpoint.url}${path}`, { authorization: `Bearer ${t}`, accept: 'application/json' });
      if (r.status !== 200) throw vendorFailure(what, r.status);
      each(obj(r.body, what, 'reply'), what);
      path = nextLink(r.headers.link, what);
    }
  }

  /** An ACR access token for these scopes, by the credential's kind. */
  private async token(scopes: string[]): Promise<string> {
    const { realm, service } = await this.tokenService();
    const what = 'ACR token service';
    let r;
    if (this.oauth) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', service, refresh_token: await this.refreshToken() });
      for (const s of scopes) form.append('scope', s);
      r = await vendorCall(this.http, what, 'POST', realm, { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, form.toString());
    } else {
      const u = new URL(realm);
      u.searchParams.set('service', service);
      for (const s of scopes) u.searchParams.append('scope', s);
      const headers: Record<string, string> = { accept: 'application/json' };
      const { username, password } = this.endpoint;
      if (username && password) headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      r = await vendorCall(this.http, what, 'GET', u.toString(), headers);
    }
    if (r.status !== 200) throw vendorFailure(what, r.status);
    const body = obj(r.body, what, 'reply');
    return bounded(str(body.access_token ?? body.token, what, 'access_token'), what, 'access_token');
  }

  /** POST /oauth2/exchange: the Azure AD access token (the endpoint's secret) for an ACR refresh token. */
  private async refreshToken(): Promise<string> {
    if (this.refresh && this.refresh.expires > Date.now()) return this.refresh.value;
    const { realm, service } = await this.tokenService();
    const what = 'ACR token exchange';
    const form = new URLSearchParams({ grant_type: 'access_token', service, access_token: this.endpoint.password ?? '' });
    const r = await vendorCall(this.http, what, 'POST', new URL('/oauth2/exchange', realm).toString(),
      { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, form.toString());
    if (r.status !== 200) throw vendorFailure(what, r.status);
    const value = bounded(str(obj(r.body, what, 'reply').refresh_token, what, 'refresh_token'), what, 'refresh_token');
    this.refresh = { value, expires: Date.now() + REFRESH_TTL_MS };
    return value;
  }

  /** The realm and service of the registry's Bearer challenge (GET /v2/), asked once. */
  private async tokenService(): Promise<{ realm: string; service: string }> {
    if (this.challenge) return this.challenge;
    const r = await vendorCall(this.http, 'ACR /v2/', 'GET', `${this.endpoint.url}/v2/`, {});
    const header = r.headers['www-authenticate'];
    const c = parseChallenge(Array.isArray(header) ? header[0] : header);
    if (r.status !== 401 || c?.scheme !== 'bearer' || !c.params.realm) {
      throw new UpstreamError('protocol', `ACR /v2/ did not answer with a Bearer challenge (${r.status})`);
    }
    const realm = new URL(c.params.realm, this.endpoint.url);
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new UpstreamError('protocol', 'the ACR token realm is not http(s)');
    // The credential goes only to the registry's own host, never to a realm elsewhere.
    if (realm.host !== new URL(this.endpoint.url).host) throw new UpstreamError('protocol', `the ACR token realm ${realm.host} is not the registry's host`);
    this.challenge = { realm: realm.toString(), service: c.params.service ?? realm.host };
    return this.challenge;
  }
}

function bounded(v: string, what: string, field: string): string {
  if (v === '' || v.length > 16384) throw new UpstreamError('protocol', `${what}: the reply's ${field} is empty or too long`);
  return v;
}

/** The path of a `Link: </v2/...>; rel="next"` header, or null; a link to another host is refused. */
function nextLink(header: string | string[] | undefined, what: string): string | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return null;
  const m = /<([^>]*)>\s*;\s*rel="?next"?/.exec(v);
  if (!m) return null;
  if (!m[1].startsWith('/v2/')) throw new UpstreamError('protocol', `${what}: the next-page link does not stay on the registry`);
  return m[1];
}

export const azureAcrAdapter: AdapterFactory = (endpoint) => new AzureAcrAdapter(endpoint);
