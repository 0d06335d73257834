// Harbor tag "artifact": artifacts of a repository (list, get, delete), their tags (list, create,
// delete), their accessories and additions (a model's README, LICENSE and file tree; an SBOM; the
// vulnerability report), and scans (Harbor tag "scan": SBOM generation, vulnerability scans).
import { HarborError } from '../../core/errors.js';
import { ADDITION_NAMES, type ArtifactView } from '../../services/artifacts.js';
import type { Project, TagInfo } from '../../storage/meta/index.js';
import { sendEmpty, sendJson } from '../context.js';
import { filterByQuery, parseQuery, sendPage, sendPageAsync, sortBy, type Fields, type QValue } from './paging.js';
import { repositoryProject } from './repository.js';
import { idParam, isResourceName, optInteger, optString, readObject, type ApiContext, type ApiRouter } from './router.js';
import { accessoryResp, artifactResp, labelResp, tagResp } from './views.js';

const BASE = '/projects/{project_name}/repositories/{repository_name}/artifacts';

const ARTIFACT_FIELDS: Fields<ArtifactView> = {
  id: (a) => a.id, digest: (a) => a.digest, type: (a) => a.type, media_type: (a) => a.configMediaType, manifest_media_type: (a) => a.mediaType,
  artifact_type: (a) => a.artifactType, repository_id: (a) => a.repositoryId, tags: (a) => a.tags.map((t) => t.name), push_time: (a) => a.pushedAt,
  pull_time: (a) => a.pulledAt, size: (a) => a.size,
};
const TAG_FIELDS: Fields<TagInfo> = { name: (t) => t.name, id: (t) => t.id, push_time: (t) => t.pushedAt, pull_time: (t) => t.pulledAt };

/**
 * The artifact list's q= keys with a meaning of their own (pkg/artifact/dao setTagQuery,
 * setLabelQuery): `tags=*` tagged, `tags=nil` untagged; `labels=(id ...)` (or `Labels`) those
 * carrying every label. Other keys go to the field filter.
 */
function artifactQuery(all: ArtifactView[], q: Map<string, QValue>): ArtifactView[] {
  let items = all;
  const tags = q.get('tags');
  if (tags?.kind === 'exact' && (tags.value === '*' || tags.value === 'nil')) {
    items = items.filter((a) => (a.tags.length > 0) === (tags.value === '*'));
    q.delete('tags');
  }
  const labelKey = q.has('labels') ? 'labels' : 'Labels';
  const labels = q.get(labelKey);
  if (labels) {
    if (labels.kind !== 'and' || !labels.values.every((v) => /^[0-9]{1,15}$/.test(v))) {
      throw new HarborError('BAD_REQUEST', 'the value of "labels" query can only be integer list with intersetion relationship');
    }
    const want = labels.values.map(Number);
    items = items.filter((a) => want.every((id) => a.labels.some((l) => l.id === id)));
    q.delete(labelKey);
  }
  return filterByQuery(items, q, ARTIFACT_FIELDS);
}

/** X-Accept-Vulnerabilities: report MIME types, first preferred (Harbor's default when absent). */
function acceptVulnerabilities(c: ApiContext): string[] | undefined {
  const h = c.http.req.headers['x-accept-vulnerabilities'];
  const list = (Array.isArray(h) ? h.join(',') : h ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  return list.length ? list.slice(0, 10) : undefined;
}

/** The ScanType body of scan and scan/stop; go-swagger checks the enum before the handler runs: 422, whoever asks. */
async function scanTypeBody(c: ApiContext): Promise<'sbom' | 'vulnerability'> {
  const b = await readObject(c.http, { optional: true });
  const scanType = b.scan_type === undefined ? 'vulnerability' : b.scan_type;
  if (scanType !== 'sbom' && scanType !== 'vulnerability') {
    throw new HarborError('UNPROCESSABLE_ENTITY', 'scanType.scan_type in body should be one of [vulnerability sbom]');
  }
  return scanType;
}

/** An artifact as the query asks for it: with_tag (default on), with_accessory, with_sbom_overview. */
async function renderArtifact(c: ApiContext, p: Project, repo: string, a: ArtifactView): Promise<Record<string, unknown>> {
  const body = artifactResp(a, p, `${p.name}/${repo}`);
  if (c.http.query.get('with_tag') === 'false') delete body.tags;
  if (c.http.query.get('with_label') === 'true') body.labels = a.labels.map(labelResp);
  if (c.http.query.get('with_accessory') === 'true') body.accessories = (await c.svc.artifacts.accessories(p, repo, a)).map(accessoryResp);
  if (c.http.query.get('with_scan_overview') === 'true') {
    const o = await c.svc.artifacts.scanOverview(p, repo, a, acceptVulnerabilities(c));
    if (o) body.scan_overview = o;
  }
  if (c.http.query.get('with_sbom_overview') === 'true') {
    const o = await c.svc.artifacts.sbomOverview(p, repo, a);
    if (o) body.sbom_overview = o;
  }
  return body;
}

export function artifactRoutes(r: ApiRouter): void {
  r.add('GET', BASE, async (c) => {
    const p = await repositoryProject(c);
    const repo = c.params.repository_name;
    await c.svc.audit.flush(); // pull times are written in batches: show what was served
    const all = await c.svc.artifacts.listArtifacts(c.principal, p, repo);
    const items = sortBy(artifactQuery(all, parseQuery(c.http.query.get('q'))), c.http.query.get('sort'), ARTIFACT_FIELDS);
    await sendPageAsync(c.http, items, (a) => renderArtifact(c, p, repo, a));
  });

  // Harbor tag "project": every artifact of a project (listArtifactsOfProject).
  r.add('GET', '/projects/{project_name_or_id}/artifacts', async (c) => {
    const p = await c.svc.projects.resolve(c.params.project_name_or_id, isResourceName(c));
    await c.svc.audit.flush();
    const all = await c.svc.artifacts.listProjectArtifacts(c.principal, p);
    const q = parseQuery(c.http.query.get('q'));
    let items = artifactQuery(all.map((x) => x.artifact), q);
    if (c.http.query.get('latest_in_repository') === 'true') {
      // Harbor: only with exactly one of media_type and artifact_type in q; the newest push per repository.
      if (q.has('media_type') === q.has('artifact_type')) {
        throw new HarborError('BAD_REQUEST', 'either \'media_type\' or \'artifact_type\' must be specified, but not both, when querying with latest_in_repository');
      }
      const newest = new Map<number, ArtifactView>();
      for (const a of items) {
        const n = newest.get(a.repositoryId);
        if (!n || a.pushedAt > n.pushedAt) newest.set(a.repositoryId, a);
      }
      items = [...newest.values()];
    }
    const repoOf = new Map(all.map((x) => [x.artifact, x.repo]));
    await sendPageAsync(c.http, sortBy(items, c.http.query.get('sort'), ARTIFACT_FIELDS, '-push_time'), (a) => renderArtifact(c, p, repoOf.get(a)!, a));
  });

  r.add('POST', BASE, async (c) => {
    const from = c.http.query.get('from');
    // go-swagger checks required parameters before the handler runs: 422, whoever asks.
    if (from === null) throw new HarborError('UNPROCESSABLE_ENTITY', 'from in query is required');
    const p = await repositoryProject(c);
    const ref = await c.svc.artifacts.copyArtifact(c.principal, p, c.params.repository_name, from, (name) => c.svc.projects.resolve(name, true));
    const path = (c.http.req.url ?? '').split('?')[0].replace(/\/$/, '');
    sendEmpty(c.http, 201, { Location: `${path}/${ref}` });
  });

  r.add('GET', `${BASE}/{reference}`, async (c) => {
    const p = await repositoryProject(c);
    const repo = c.params.repository_name;
    await c.svc.audit.flush();
    const a = await c.svc.artifacts.getArtifact(c.principal, p, repo, c.params.reference);
    sendJson(c.http, 200, await renderArtifact(c, p, repo, a));
  });

  r.add('GET', `${BASE}/{reference}/accessories`, async (c) => {
    const p = await repositoryProject(c);
    const all = await c.svc.artifacts.listAccessories(c.principal, p, c.params.repository_name, c.params.reference);
    sendPage(c.http, all, accessoryResp);
  });

  // Harbor tag "scan": {"scan_type":"sbom"} generates an SBOM in the background, "vulnerability"
  // asks the project's scanner adapter (202 both).
  r.add('POST', `${BASE}/{reference}/scan`, async (c) => {
    const scanType = await scanTypeBody(c);
    const p = await repositoryProject(c);
    await c.svc.artifacts.scan(c.principal, p, c.params.repository_name, c.params.reference, scanType);
    sendEmpty(c.http, 202);
  });

  r.add('POST', `${BASE}/{reference}/scan/stop`, async (c) => {
    const scanType = await scanTypeBody(c);
    const p = await repositoryProject(c);
    await c.svc.artifacts.stopScan(c.principal, p, c.params.repository_name, c.params.reference, scanType);
    sendEmpty(c.http, 202);
  });

  r.add('GET', `${BASE}/{reference}/scan/{report_id}/log`, async (c) => {
    const p = await repositoryProject(c);
    const body = Buffer.from(await c.svc.artifacts.scanLog(c.principal, p, c.params.repository_name, c.params.reference, c.params.report_id));
    c.http.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    c.http.res.end(body);
  });

  r.add('DELETE', `${BASE}/{reference}`, async (c) => {
    const p = await repositoryProject(c);
    await c.svc.artifacts.deleteArtifact(c.principal, p, c.params.repository_name, c.params.reference);
    sendEmpty(c.http, 200);
  });

  r.add('GET', `${BASE}/{reference}/tags`, async (c) => {
    const p = await repositoryProject(c);
    await c.svc.audit.flush();
    const { artifact, tags } = await c.svc.artifacts.listTags(c.principal, p, c.params.repository_name, c.params.reference);
    const items = sortBy(filterByQuery(tags, parseQuery(c.http.query.get('q')), TAG_FIELDS), c.http.query.get('sort'), TAG_FIELDS);
    sendPage(c.http, items, (t) => tagResp(t, artifact));
  });

  r.add('POST', `${BASE}/{reference}/tags`, async (c) => {
    const p = await repositoryProject(c);
    const b = await readObject(c.http);
    const name = optString(b, 'name');
    if (!name) throw new HarborError('BAD_REQUEST', 'name is required');
    await c.svc.artifacts.createTag(c.principal, p, c.params.repository_name, c.params.reference, name);
    const path = (c.http.req.url ?? '').split('?')[0].replace(/\/$/, '');
    sendEmpty(c.http, 201, { Location: `${path}/${encodeURIComponent(name)}` });
  });

  r.add('GET', `${BASE}/{reference}/additions/vulnerabilities`, async (c) => {
    const p = await repositoryProject(c);
    const a = await c.svc.artifacts.vulnerabilities(c.principal, p, c.params.repository_name, c.params.reference, acceptVulnerabilities(c));
    c.http.res.writeHead(200, { 'Content-Type': a.contentType, 'Content-Length': a.content.length });
    c.http.res.end(a.content);
  });

  r.add('GET', `${BASE}/{reference}/additions/{addition}`, async (c) => {
    const addition = c.params.addition;
    // go-swagger checks the enum before the handler runs: 422, whoever asks.
    if (!(ADDITION_NAMES as readonly string[]).includes(addition)) {
      throw new HarborError('UNPROCESSABLE_ENTITY', `addition in path should be one of [${ADDITION_NAMES.join(' ')}]`);
    }
    const p = await repositoryProject(c);
    const a = await c.svc.artifacts.getAddition(c.principal, p, c.params.repository_name, c.params.reference, addition);
    c.http.res.writeHead(200, { 'Content-Type': a.contentType, 'Content-Length': a.content.length });
    c.http.res.end(a.content);
  });

  r.add('POST', `${BASE}/{reference}/labels`, async (c) => {
    const b = await readObject(c.http);
    const id = optInteger(b, 'id');
    if (id === undefined) throw new HarborError('BAD_REQUEST', 'the label id is required');
    const p = await repositoryProject(c);
    await c.svc.artifacts.addLabel(c.principal, p, c.params.repository_name, c.params.reference, id);
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', `${BASE}/{reference}/labels/{label_id}`, async (c) => {
    const id = idParam(c, 'label_id');
    const p = await repositoryProject(c);
    await c.svc.artifacts.removeLabel(c.principal, p, c.params.repository_name, c.params.reference, id);
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', `${BASE}/{reference}/tags/{tag_name}`, async (c) => {
    const p = await repositoryProject(c);
    await c.svc.artifacts.deleteTag(c.principal, p, c.params.repository_name, c.params.reference, c.params.tag_name);
    sendEmpty(c.http, 200);
  });
}
