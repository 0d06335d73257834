// A client of Harbor's Pluggable Scanner API v1.1 (goharbor/pluggable-scanner-spec, the API that
// Harbor speaks to the Trivy and Clair adapters): GET /api/v1/metadata, POST /api/v1/scan (202 with
// the scan request id), GET /api/v1/scan/{id}/report (302 + Refresh-After while not ready, 200 with
// the report in the MIME type asked for in Accept). No SQL; the caller decides what to do with it.
import { HarborError } from '../core/errors.js';
import { OutboundClient, type OutboundResponse } from './outbound.js';

export const SCANNER_API_MIME = 'application/vnd.scanner.adapter.scan.request+json; version=1.0';
export const SCANNER_METADATA_MIME = 'application/vnd.scanner.adapter.metadata+json; version=1.0';
/** The vulnerability report Harbor asks for first (v1.1), and the older one adapters still produce. */
export const VULN_REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';
export const VULN_REPORT_MIME_V10 = 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0';
export const SBOM_REPORT_MIME = 'application/vnd.security.sbom.report+json; version=1.0';

/** What may ask an adapter: its base URL, how to authorize (Harbor's auth types) and TLS checking. */
export interface AdapterEndpoint { url: string; auth: string; credential: string; skipCertVerify: boolean }

export interface AdapterCapability { type: string; consumes_mime_types: string[]; produces_mime_types: string[] }
export interface AdapterMetadata {
  scanner: { name: string; vendor: string; version: string };
  capabilities: AdapterCapability[];
  properties: Record<string, string>;
}

/** Harbor's ScanRequest (pkg/scan/rest/v1/models.go). */
export interface ScanRequest {
  registry: { url: string; authorization: string };
  artifact: { repository: string; digest: string; tag?: string; mime_type: string; size?: number };
  enabled_capabilities: { type: string; produces_mime_types: string[]; parameters?: Record<string, unknown> }[];
}

export type ReportPoll = { ready: true; report: unknown } | { ready: false; retryAfterSec: number };

const TIMEOUT_MS = 30_000;
const MAX_BODY = 64 * 1024 * 1024;

export class ScannerAdapterClient {
  private readonly clients = new Map<boolean, OutboundClient>();

  private client(insecure: boolean): OutboundClient {
    let c = this.clients.get(insecure);
    if (!c) this.clients.set(insecure, c = new OutboundClient({ rejectUnauthorized: !insecure, headersTimeoutMs: TIMEOUT_MS }));
    return c;
  }

  /** Harbor's authorizers (pkg/scan/rest/auth): Basic base64s the credential, Bearer sends it, the API key goes in its own header. */
  private headers(e: AdapterEndpoint): Record<string, string> {
    if (e.auth === 'Basic') return { authorization: `Basic ${Buffer.from(e.credential).toString('base64')}` };
    if (e.auth === 'Bearer') return { authorization: `Bearer ${e.credential}` };
    if (e.auth === 'X-ScannerAdapter-API-Key') return { 'x-scanneradapter-api-key': e.credential };
    return {};
  }

  private async call(e: AdapterEndpoint, method: 'GET' | 'POST', path: string, opts: { accept: string; body?: unknown; signal?: AbortSignal }):
    Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown; text: string }> {
    let res: OutboundResponse;
    try {
      res = await this.client(e.skipCertVerify).request(`${e.url.replace(/\/+$/, '')}${path}`, {
        method,
        deadlineMs: TIMEOUT_MS,
        ...(opts.signal ? { signal: opts.signal } : {}),
        headers: { accept: opts.accept, ...this.headers(e), ...(opts.body !== undefined ? { 'content-type': SCANNER_API_MIME } : {}) },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new HarborError('UPSTREAM_ERROR', `the scanner adapter at ${e.url.slice(0, 200)} cannot be reached: ${(err as Error).message}`);
    }
    const text = await res.text(MAX_BODY, () => new HarborError('UPSTREAM_ERROR', `the scanner adapter's answer to ${path} exceeds ${MAX_BODY} bytes`));
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body, text };
  }

  private failure(path: string, r: { status: number; body: unknown; text: string }): HarborError {
    const msg = (r.body as { error?: { message?: unknown } } | undefined)?.error?.message;
    const why = typeof msg === 'string' ? msg : r.text.slice(0, 200);
    return new HarborError('UPSTREAM_ERROR', `the scanner adapter answered ${path} with HTTP ${r.status}${why ? `: ${why}` : ''}`);
  }

  async metadata(e: AdapterEndpoint): Promise<AdapterMetadata> {
    const r = await this.call(e, 'GET', '/api/v1/metadata', { accept: SCANNER_METADATA_MIME });
    if (r.status !== 200) throw this.failure('/api/v1/metadata', r);
    return parseMetadata(r.body);
  }

  /** POST /api/v1/scan; the adapter's scan request id. */
  async scan(e: AdapterEndpoint, req: ScanRequest, signal?: AbortSignal): Promise<string> {
    const r = await this.call(e, 'POST', '/api/v1/scan', { accept: 'application/vnd.scanner.adapter.scan.response+json; version=1.0', body: req, signal });
    const id = (r.body as { id?: unknown } | undefined)?.id;
    if (r.status !== 202 || typeof id !== 'string' || id === '' || id.length > 256) throw this.failure('/api/v1/scan', r);
    return id;
  }

  /** One poll of GET /api/v1/scan/{id}/report: the report, or when to ask again (Refresh-After, seconds). */
  async report(e: AdapterEndpoint, id: string, mimeType: string, signal?: AbortSignal, query?: string): Promise<ReportPoll> {
    const path = `/api/v1/scan/${encodeURIComponent(id)}/report`;
    const r = await this.call(e, 'GET', query ? `${path}?${query}` : path, { accept: mimeType, signal });
    if (r.status === 302) {
      const after = Number(String(r.headers['refresh-after'] ?? ''));
      return { ready: false, retryAfterSec: Number.isFinite(after) && after >= 0 ? after : 5 };
    }
    if (r.status !== 200 || typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) throw this.failure(path, r);
    return { ready: true, report: r.body };
  }

  async close(): Promise<void> {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The adapter's ScannerAdapterMetadata, checked: a scanner name and at least one capability. */
export function parseMetadata(v: unknown): AdapterMetadata {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const s = (typeof o.scanner === 'object' && o.scanner !== null ? o.scanner : {}) as Record<string, unknown>;
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  const capabilities = (Array.isArray(o.capabilities) ? o.capabilities : []).map((c) => {
    const x = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    // v1.0 adapters leave the type out: it means vulnerability.
    return { type: str(x.type) || 'vulnerability', consumes_mime_types: strings(x.consumes_mime_types), produces_mime_types: strings(x.produces_mime_types) };
  });
  if (!str(s.name) || capabilities.length === 0) throw new HarborError('UPSTREAM_ERROR', 'the scanner adapter\'s metadata names no scanner or no capability');
  // fromEntries makes own properties: a key named __proto__ stays a key.
  const properties = typeof o.properties === 'object' && o.properties !== null
    ? Object.fromEntries(Object.entries(o.properties).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  return { scanner: { name: str(s.name), vendor: str(s.vendor), version: str(s.version) }, capabilities, properties };
}
