// A scanner adapter for the tests that follows Harbor's Pluggable Scanner API v1.1
// (goharbor/pluggable-scanner-spec): GET /api/v1/metadata, POST /api/v1/scan → 202 {id},
// GET /api/v1/scan/{id}/report → 302 + Refresh-After until ready, then 200 with the report in the
// MIME type asked for. No real Trivy runs here (none is installable on this machine): this adapter
// really pulls the artifact from the registry URL with the authorization it was handed (manifest,
// config, every layer, each checked against its digest), so the token and the pull path are
// exercised; its "vulnerabilities" are one per layer read, made up from the layer digests.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const V11 = 'application/vnd.security.vulnerability.report; version=1.1';
export const V10 = 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';

export interface ScanRequestSeen {
  registry: { url: string; authorization: string };
  artifact: { repository: string; digest: string; tag?: string; mime_type: string };
  enabled_capabilities: { type: string; produces_mime_types: string[] }[];
}

export interface PullResult { ok: boolean; error?: string; blobs: { digest: string; bytes: number }[] }

interface Job { request: ScanRequestSeen; pull: Promise<PullResult>; result?: PullResult; polls: number }

export interface ScannerAdapter {
  url: string;
  /** Every scan request received, in order. */
  requests: ScanRequestSeen[];
  /** What each scan pulled from the registry (by scan id). */
  pulls: Map<string, PullResult>;
  /** The Authorization headers the adapter itself was called with. */
  authorizations: (string | undefined)[];
  /** Holds every new scan request unanswered until the returned function is called (to see a Running scan, or stop it). */
  hold(): () => void;
  /** Resolves once `n` scan requests in all have been received. */
  received(n: number): Promise<void>;
  close(): Promise<void>;
}

export interface AdapterOptions {
  /** The report MIME types it produces (default v1.1 and v1.0). */
  produces?: string[];
  /** 302 answers before the report is given, once the pull is done (default 1). */
  notReadyPolls?: number;
  /** An Authorization header the adapter requires of Harbor (401 otherwise). */
  requireAuthorization?: string;
  /** It makes SBOMs too (capability sbom, SPDX JSON only, as Harbor asks). */
  sbom?: boolean;
}

export const SBOM_MIME = 'application/vnd.security.sbom.report+json; version=1.0';

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low'];

async function get(base: string, path: string, authorization: string, accept?: string): Promise<{ status: number; body: Buffer; type: string }> {
  const res = await fetch(`${base}${path}`, { headers: { authorization, ...(accept ? { accept } : {}) } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? '' };
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pulls the artifact as a scanner does: the manifest by digest, then (for an index) its children, then config and layers. */
async function pullArtifact(req: ScanRequestSeen): Promise<PullResult> {
  const blobs: { digest: string; bytes: number }[] = [];
  const base = req.registry.url.replace(/\/$/, '');
  const auth = req.registry.authorization;
  const manifests = [req.artifact.digest];
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';
  while (manifests.length) {
    const d = manifests.shift()!;
    const m = await get(base, `/v2/${req.artifact.repository}/manifests/${d}`, auth, accept);
    if (m.status !== 200) return { ok: false, error: `manifest ${d}: HTTP ${m.status}`, blobs };
    if (sha256(m.body) !== d) return { ok: false, error: `manifest ${d}: digest mismatch`, blobs };
    const doc = JSON.parse(m.body.toString('utf8')) as { manifests?: { digest: string }[]; config?: { digest: string }; layers?: { digest: string }[] };
    for (const child of doc.manifests ?? []) manifests.push(child.digest);
    for (const b of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
      const r = await get(base, `/v2/${req.artifact.repository}/blobs/${b.digest}`, auth);
      if (r.status !== 200) return { ok: false, error: `blob ${b.digest}: HTTP ${r.status}`, blobs };
      if (sha256(r.body) !== b.digest) return { ok: false, error: `blob ${b.digest}: digest mismatch`, blobs };
      blobs.push({ digest: b.digest, bytes: r.body.length });
    }
  }
  return { ok: true, blobs };
}

/** The report: one made-up vulnerability per blob read; every other one has a fix. */
function report(job: Job, mime: string): Record<string, unknown> {
  const vulns = (job.result?.blobs ?? []).map((b, i) => ({
    id: `CVE-2099-${String(1000 + i)}`, package: `pkg-${b.digest.slice(7, 15)}`, version: '1.0.0', fix_version: i % 2 === 0 ? '1.0.1' : '',
    severity: SEVERITIES[i % SEVERITIES.length], description: `made up from ${b.digest} (${b.bytes} bytes read)`, links: [],
    ...(mime === V11 ? { layer: { digest: b.digest }, cwe_ids: [], vendor_attributes: { bytes: b.bytes } } : {}),
  }));
  return {
    generated_at: new Date().toISOString(), artifact: job.request.artifact,
    scanner: { name: 'TestScanner', vendor: 'harborctl tests', version: '1.1.0' },
    severity: vulns.length ? 'Critical' : 'None', vulnerabilities: vulns,
  };
}

/** The SBOM report: an SPDX 2.3 document with one package per blob read. */
function sbomReport(job: Job): Record<string, unknown> {
  return {
    generated_at: new Date().toISOString(), artifact: job.request.artifact, scanner: { name: 'TestScanner', vendor: 'harborctl tests', version: '1.1.0' },
    media_type: 'application/spdx+json',
    sbom: {
      spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name: job.request.artifact.repository,
      documentNamespace: `https://test.invalid/${job.request.artifact.digest}`, creationInfo: { created: new Date().toISOString(), creators: ['Tool: TestScanner-1.1.0'] },
      packages: (job.result?.blobs ?? []).map((b, i) => ({ SPDXID: `SPDXRef-Package-${i}`, name: `pkg-${b.digest.slice(7, 15)}`, versionInfo: '1.0.0', downloadLocation: 'NOASSERTION' })),
    },
  };
}

export async function startScannerAdapter(opts: AdapterOptions = {}): Promise<ScannerAdapter> {
  const produces = opts.produces ?? [V11, V10];
  const jobs = new Map<string, Job>();
  const requests: ScanRequestSeen[] = [];
  const pulls = new Map<string, PullResult>();
  const authorizations: (string | undefined)[] = [];
  let gate: Promise<void> = Promise.resolve();
  const waiters: { n: number; resolve: () => void }[] = [];
  let n = 0;
  const send = (res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...(text ? { 'content-type': headers['content-type'] ?? 'application/json' } : {}), ...headers });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      authorizations.push(req.headers.authorization);
      if (opts.requireAuthorization && req.headers.authorization !== opts.requireAuthorization) return send(res, 401, { error: { message: 'unauthorized' } });
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === '/api/v1/metadata') {
        return send(res, 200, {
          scanner: { name: 'TestScanner', vendor: 'harborctl tests', version: '1.1.0' },
          capabilities: [
            { type: 'vulnerability', consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'], produces_mime_types: produces },
            ...(opts.sbom ? [{ type: 'sbom', consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json'], produces_mime_types: [SBOM_MIME] }] : []),
          ],
          properties: { 'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability' },
        }, { 'content-type': 'application/vnd.scanner.adapter.metadata+json; version=1.0' });
      }
      if (req.method === 'POST' && path === '/api/v1/scan') {
        let body: ScanRequestSeen;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ScanRequestSeen;
        } catch {
          return send(res, 400, { error: { message: 'the scan request is not JSON' } });
        }
        if (!body?.registry?.url || !body.artifact?.digest) return send(res, 422, { error: { message: 'registry.url and artifact.digest are required' } });
        requests.push(body);
        for (const w of waiters.splice(0)) {
          if (requests.length >= w.n) w.resolve();
          else waiters.push(w);
        }
        // A held adapter accepts nothing until released: the scan stays in its first step.
        void gate.then(() => {
          const id = `scan-${++n}`;
          const job: Job = { request: body, polls: 0, pull: pullArtifact(body).catch((e: unknown) => ({ ok: false, error: (e as Error).message, blobs: [] })) };
          void job.pull.then((r) => { job.result = r; pulls.set(id, r); });
          jobs.set(id, job);
          send(res, 202, { id }, { 'content-type': 'application/vnd.scanner.adapter.scan.response+json; version=1.0' });
        });
        return;
      }
      const m = /^\/api\/v1\/scan\/([^/]+)\/report$/.exec(path);
      if (req.method === 'GET' && m) {
        const job = jobs.get(decodeURIComponent(m[1]));
        if (!job) return send(res, 404, { error: { message: 'no such scan' } });
        const accept = req.headers.accept ?? V11;
        const wantsSbom = opts.sbom && accept === SBOM_MIME;
        if (!produces.includes(accept) && !wantsSbom) return send(res, 400, { error: { message: `unsupported report type ${accept}` } });
        if (wantsSbom && new URL(req.url ?? '', 'http://x').searchParams.get('sbom_media_type') !== 'application/spdx+json') {
          return send(res, 400, { error: { message: 'sbom_media_type=application/spdx+json is required' } });
        }
        if (!job.result || job.polls++ < (opts.notReadyPolls ?? 1)) return send(res, 302, undefined, { 'Refresh-After': '0' });
        if (!job.result.ok) return send(res, 500, { error: { message: job.result.error } });
        return send(res, 200, wantsSbom ? sbomReport(job) : report(job, accept), { 'content-type': accept });
      }
      send(res, 404, { error: { message: 'not found' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests, pulls, authorizations,
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => { release = r; });
      return release;
    },
    received(count) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ n: count, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
