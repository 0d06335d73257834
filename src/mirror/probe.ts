// Does a registry answer at this URL, the way containerd would talk to it? GET <scheme>://<host>/v2/
// (the API base; 200 or 401 both mean "a registry is there"), with the file's ca/skip_verify. When
// the scheme is wrong, tries the other one to say which it should be.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { hostOf } from './model.js';

export type ProbeResult =
  | { kind: 'registry'; url: string; status: number }
  | { kind: 'not-registry'; url: string; status: number }
  | { kind: 'tls-to-plain'; url: string; detail: string }
  | { kind: 'plain-to-tls'; url: string; detail: string }
  | { kind: 'tls-untrusted'; url: string; detail: string }
  | { kind: 'unreachable'; url: string; detail: string };

export interface ProbeOptions { ca?: string[]; skipVerify?: boolean; timeoutMs?: number }

type Raw = { status: number; body: string } | { error: NodeJS.ErrnoException };

function get(url: string, o: ProbeOptions, method = 'GET'): Promise<Raw> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    let ca: Buffer[] | undefined;
    try { ca = o.ca?.map((f) => readFileSync(f)); } catch (e) { resolve({ error: e as NodeJS.ErrnoException }); return; }
    const req = lib.request(url, {
      method,
      timeout: o.timeoutMs ?? 5000,
      headers: { 'user-agent': 'harborctl-doctor', connection: 'close' },
      ...(u.protocol === 'https:' ? { rejectUnauthorized: !o.skipVerify, ca, agent: false } : { agent: false }),
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { if (body.length < 4096) body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${o.timeoutMs ?? 5000} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    req.end();
  });
}

const TLS_TRUST = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/;
const describe = (e: NodeJS.ErrnoException): string => (e.code ? `${e.code}: ${e.message}` : e.message);

/** Probes `<scheme>://<host>/v2/` for a URL as written in hosts.toml (no scheme = https, as containerd). */
export async function probeRegistry(rawUrl: string, o: ProbeOptions = {}): Promise<ProbeResult> {
  const scheme = /^http:\/\//i.test(rawUrl) ? 'http' : 'https';
  const url = `${scheme}://${hostOf(rawUrl)}/v2/`;
  const r = await get(url, o);
  if ('status' in r) {
    if (r.status === 200 || r.status === 401) return { kind: 'registry', url, status: r.status };
    // Go's TLS servers answer plain HTTP with 400 "Client sent an HTTP request to an HTTPS server."
    if (scheme === 'http' && r.status === 400 && /HTTPS server/i.test(r.body)) return { kind: 'plain-to-tls', url, detail: r.body.trim() };
    return { kind: 'not-registry', url, status: r.status };
  }
  const e = r.error;
  if (scheme === 'https') {
    if (e.code && TLS_TRUST.test(e.code)) return { kind: 'tls-untrusted', url, detail: describe(e) };
    if (e.code === 'EPROTO' || /wrong version number|packet length/i.test(e.message)) {
      const plain = await get(`http://${hostOf(rawUrl)}/v2/`, o);
      if ('status' in plain) return { kind: 'tls-to-plain', url, detail: describe(e) };
    }
  } else if (e.code === 'ECONNRESET' || e.code === 'HPE_INVALID_CONSTANT' || /socket hang up|parse error/i.test(e.message)) {
    // Node's TLS servers just close a plain-HTTP connection: see whether TLS answers there.
    const tls = await get(`https://${hostOf(rawUrl)}/v2/`, { ...o, skipVerify: true });
    if ('status' in tls) return { kind: 'plain-to-tls', url, detail: describe(e) };
  }
  return { kind: 'unreachable', url, detail: describe(e) };
}

export type ProjectProbe = 'exists' | 'missing' | 'unknown';

/**
 * For a Harbor proxy-cache host (MIRROR/v2/PROJECT): is the mirror a Harbor (GET /api/v2.0/ping
 * answers Pong) and does it have that project (HEAD /api/v2.0/projects?project_name=P: 200 or 404)?
 * Anything else is "unknown": plain registries have no such API.
 */
export async function probeProject(rawUrl: string, project: string, o: ProbeOptions = {}): Promise<ProjectProbe> {
  const scheme = /^http:\/\//i.test(rawUrl) ? 'http' : 'https';
  const base = `${scheme}://${hostOf(rawUrl)}/api/v2.0`;
  const ping = await get(`${base}/ping`, o);
  if (!('status' in ping) || ping.status !== 200 || !/pong/i.test(ping.body)) return 'unknown';
  const head = await get(`${base}/projects?project_name=${encodeURIComponent(project)}`, o, 'HEAD');
  if ('status' in head && head.status === 200) return 'exists';
  if ('status' in head && head.status === 404) return 'missing';
  return 'unknown';
}
