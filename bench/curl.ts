// curl moves the bytes: one cheap, identical client for both registries. Each call is one curl
// process; its own `time_total` is what we count, so process start-up is not charged to a server.
import { spawn } from 'node:child_process';

export interface CurlResult {
  status: number;
  /** curl's time_total: connect to last byte, in seconds. */
  seconds: number;
  uploaded: number;
  downloaded: number;
  /** The Location response header, resolved against the request URL ('' when absent). */
  location: string;
  digestHeader: string;
}

const WRITE_OUT = '%{http_code}\\t%{time_total}\\t%{size_upload}\\t%{size_download}\\t%header{location}\\t%header{docker-content-digest}\\n';

/** Options every call shares: loopback only (no proxy), no 100-continue round trip, bounded time. */
const COMMON = ['-sS', '--noproxy', '*', '-H', 'Expect:', '--max-time', '300', '-w', WRITE_OUT];

export async function curl(url: string, args: string[], opts: { output?: string } = {}): Promise<CurlResult> {
  const full = [...COMMON, '-o', opts.output ?? '/dev/null', ...args, url];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('curl', full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  if (code !== 0) throw new Error(`curl ${args.join(' ')} ${url} failed (exit ${code}): ${stderr.trim()}`);
  const [status, seconds, up, down, location, digest] = stdout.trimEnd().split('\t');
  return {
    status: Number(status),
    seconds: Number(seconds),
    uploaded: Number(up),
    downloaded: Number(down),
    location: location ? new URL(location, url).toString() : '',
    digestHeader: digest ?? '',
  };
}

export function expectStatus(r: CurlResult, want: number, what: string): void {
  if (r.status !== want) throw new Error(`${what}: expected HTTP ${want}, got ${r.status}`);
}

/** Adds ?digest= to an upload Location, which may already carry a query (distribution's _state). */
export function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}
