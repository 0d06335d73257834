// Harbor's `harbor` adapter (src/pkg/reg/adapter/harbor): a Harbor, or another harborctl serve.
// Repositories are listed through /api/v2.0 (projects, then each project's repositories), since a
// Harbor's /v2/_catalog is for system administrators only; a push first creates the projects it
// needs (private, as Harbor's adapter does when the source project is not known to be public).
import { UpstreamError } from '../../upstream.js';
import type { AdapterFactory, AdapterInfo, RemoteArtifact } from '../adapter.js';
import { DockerRegistryAdapter } from './docker-registry.js';

const PAGE = 100;
const MAX_PAGES = 1000;

export class HarborAdapter extends DockerRegistryAdapter {
  override readonly info: AdapterInfo = {
    type: 'harbor',
    description: 'A Harbor (or harborctl serve)',
    supported_resource_filters: [
      { type: 'name', style: 'input' }, { type: 'tag', style: 'input' }, { type: 'label', style: 'list' },
      { type: 'resource', style: 'radio', values: ['image', 'artifact'] },
    ],
    supported_triggers: ['manual', 'scheduled', 'event_based'],
    supported_copy_by_chunk: true,
  };

  override async listRepositories(): Promise<string[]> {
    const out: string[] = [];
    for (const p of await this.pages('/api/v2.0/projects')) {
      const name = (p as { name?: unknown }).name;
      if (typeof name !== 'string') continue;
      for (const r of await this.pages(`/api/v2.0/projects/${encodeURIComponent(name)}/repositories`)) {
        const repo = (r as { name?: unknown }).name;
        if (typeof repo === 'string') out.push(repo);
      }
    }
    return out;
  }

  /** Harbor's artifact list of the repository, with tags and labels (accessories are not listed: they come with their subject). */
  async listArtifacts(repository: string): Promise<RemoteArtifact[]> {
    const [project, ...rest] = repository.split('/');
    const path = `/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${encodeURIComponent(encodeURIComponent(rest.join('/')))}/artifacts`;
    const names = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (x as { name?: unknown }).name).filter((n): n is string => typeof n === 'string') : []);
    return (await this.pages(path, 'with_tag=true&with_label=true')).flatMap((a) => {
      const o = a as { digest?: unknown; tags?: unknown; labels?: unknown; type?: unknown };
      return typeof o.digest === 'string' ? [{ digest: o.digest, tags: names(o.tags), labels: names(o.labels), type: typeof o.type === 'string' ? o.type : '' }] : [];
    });
  }

  async deleteTag(repository: string, tag: string): Promise<boolean> {
    const [project, ...rest] = repository.split('/');
    const t = encodeURIComponent(tag);
    const res = await this.client.api('DELETE', `/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${encodeURIComponent(encodeURIComponent(rest.join('/')))}/artifacts/${t}/tags/${t}`);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw new UpstreamError(res.status === 401 || res.status === 403 ? 'auth' : 'protocol',
      `could not delete the tag ${repository}:${tag} on ${this.endpoint.url} (${res.status}${errorText(res.body)})`, res.status);
  }

  /** Creates the projects (first path segments) that do not exist yet. */
  override async prepareForPush(repositories: string[]): Promise<void> {
    for (const project of new Set(repositories.map((r) => r.split('/')[0]))) {
      const head = await this.client.api('HEAD', `/api/v2.0/projects?project_name=${encodeURIComponent(project)}`);
      if (head.status === 200) continue;
      const res = await this.client.api('POST', '/api/v2.0/projects', { project_name: project, metadata: { public: 'false' } });
      if (res.status === 201 || res.status === 409) continue;
      throw new UpstreamError(res.status === 401 || res.status === 403 ? 'auth' : 'protocol',
        `could not create the project ${project} on ${this.endpoint.url} (${res.status}${errorText(res.body)})`, res.status);
    }
  }

  private async pages(path: string, query = ''): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.client.api('GET', `${path}?${query ? `${query}&` : ''}page=${page}&page_size=${PAGE}`);
      if (res.status === 401 || res.status === 403) throw new UpstreamError('auth', `${this.endpoint.url} refused the credential (${res.status})`, res.status);
      if (res.status !== 200 || !Array.isArray(res.body)) throw new UpstreamError('protocol', `${this.endpoint.url} answered ${res.status} for ${path}`, res.status);
      out.push(...res.body);
      if (res.body.length < PAGE) break;
    }
    return out;
  }
}

function errorText(body: unknown): string {
  const m = (body as { errors?: { message?: unknown }[] } | null)?.errors?.[0]?.message;
  return typeof m === 'string' ? `: ${m.slice(0, 200)}` : '';
}

export const harborAdapter: AdapterFactory = (endpoint) => new HarborAdapter(endpoint);
