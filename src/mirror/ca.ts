// configure-mirror --ca-from-server: take the mirror's CA from its own TLS handshake. A server
// started with `harborctl serve --tls` sends its certificate followed by the CA that signed it (the
// chain of `tls init`), so the root the chain ends in is the CA to trust. The handshake is chosen over
// an HTTP endpoint serving ca.crt because it works for any TLS registry that sends its chain (Harbor
// behind most proxies does), needs no new unauthenticated route, and lets us check at once that the
// CA really verifies this server under this name. It is trust on first use: the fingerprint is shown
// so the user can compare it with `tls init`'s output.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { HarborError } from '../core/errors.js';

export interface ServerCa {
  pem: string;
  /** SHA-256, AB:CD:… */
  fingerprint: string;
  subject: string;
}

function toPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

interface Target { host: string; port: number; servername?: string }

function targetOf(mirror: string): Target {
  const u = new URL(mirror);
  if (u.protocol !== 'https:') throw new HarborError('USAGE', `--ca-from-server needs an https:// mirror, not ${mirror}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(u.port || 443), servername: isIP(host) ? undefined : host };
}

function handshake<T>(t: Target, opts: tls.ConnectionOptions, got: (s: tls.TLSSocket) => T, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: t.host, port: t.port, servername: t.servername, ...opts });
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error(`no TLS answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.once('secureConnect', () => {
      try { resolve(got(socket)); } catch (e) { reject(e); } finally { socket.end(); }
    });
    socket.once('error', reject);
  });
}

/** The peer's certificates as sent, leaf first (node links each to its issuer when the peer sent it). */
function peerChain(s: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let c: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
  const seen = new Set<string>();
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

/** Fetches the CA at the root of the mirror's chain and checks it verifies the mirror under its name. */
export async function fetchServerCa(mirror: string, o: { timeoutMs?: number } = {}): Promise<ServerCa> {
  const t = targetOf(mirror);
  const timeoutMs = o.timeoutMs ?? 10_000;
  let chain: X509Certificate[];
  try {
    // Not verifying here is the point: the CA is what we are about to learn; it is verified below.
    chain = await handshake(t, { rejectUnauthorized: false }, peerChain, timeoutMs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new HarborError('UNREACHABLE', `--ca-from-server: no TLS handshake with ${t.host}:${t.port}: ${err.code ?? err.message}${err.code === 'EPROTO' || /wrong version/i.test(err.message) ? ' (is it plain HTTP?)' : ''}`);
  }
  const root = chain[chain.length - 1];
  if (!root || !root.checkIssued(root) || !root.ca) {
    throw new HarborError('USAGE', `--ca-from-server: ${t.host}:${t.port} sent no CA certificate in its chain (only ${chain.map((c) => c.subject.replace(/\n/g, ', ')).join(' → ') || 'nothing'}): `
      + 'pass the CA with --ca-file FILE (for harborctl serve --tls it is <data-dir>/tls/ca.crt)');
  }
  const pem = toPem(Buffer.from(root.raw));
  try {
    await handshake(t, { ca: [pem], rejectUnauthorized: true }, () => undefined, timeoutMs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new HarborError('USAGE', `--ca-from-server: the CA ${root.subject.replace(/\n/g, ', ')} sent by ${t.host}:${t.port} does not verify it (${err.code ?? err.message})`
      + `${err.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? `: its certificate does not name ${t.host}; rerun harborctl tls init --force --host ${t.host}` : ''}`);
  }
  return { pem, fingerprint: root.fingerprint256, subject: root.subject.replace(/\n/g, ', ') };
}
