// The local PKI of `harborctl tls init` and `serve --tls`: a CA and one server certificate signed by
// it, kept in <data-dir>/tls (0700):
//   ca.key       the CA's private key (0600); never leaves this directory
//   ca.crt       the CA certificate: what clients (containerd's hosts.toml `ca`, the CLI) trust
//   server.key   the server's private key (0600)
//   server.crt   the server certificate followed by ca.crt: the chain `serve --tls` sends, so a client
//                can take the CA from the handshake (configure-mirror --ca-from-server)
//
// Why the openssl binary: Node 20 makes keys and parses X.509 but cannot write a certificate, and a
// DER/ASN.1 writer of our own would be security code nobody reviews. The keys are made here by
// node:crypto (written 0600 from their first byte, never piped anywhere); openssl only signs, run by
// execFile with argument arrays (no shell) and a config file of our own (not the system's openssl.cnf).
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HarborError } from '../core/errors.js';

const run = promisify(execFile);

export const TLS_DIR = 'tls';
/** Names every certificate gets, so the CLI and tests on this machine always match it. */
export const DEFAULT_TLS_HOSTS = ['localhost', '127.0.0.1', '::1'];
export const DEFAULT_TLS_DAYS = 825;

export interface TlsPaths { dir: string; caCert: string; caKey: string; serverCert: string; serverKey: string }

export function tlsPaths(dataDir: string): TlsPaths {
  const dir = join(dataDir, TLS_DIR);
  return { dir, caCert: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), serverCert: join(dir, 'server.crt'), serverKey: join(dir, 'server.key') };
}

export interface TlsInitOptions {
  dataDir: string;
  /** Extra DNS names or IP addresses for the server certificate (the defaults are always added). */
  hosts?: string[];
  days?: number;
  force?: boolean;
  /** The openssl binary (tests may point elsewhere). */
  openssl?: string;
}

export interface TlsInitResult {
  paths: TlsPaths;
  /** SHA-256 of the CA certificate, AB:CD:… as `openssl x509 -fingerprint -sha256` prints it. */
  caFingerprint: string;
  /** The subjectAltName entries, as DNS:… and IP:…. */
  subjectAltNames: string[];
  notAfter: string;
}

/** SHA-256 fingerprint of the first certificate of a PEM text. */
export function fingerprint(pem: string | Buffer): string {
  return new X509Certificate(pem).fingerprint256;
}

/** `--host` values → SAN entries; names are checked so nothing odd reaches openssl's config. */
export function subjectAltNames(hosts: string[]): string[] {
  const out: string[] = [];
  for (const raw of [...DEFAULT_TLS_HOSTS, ...hosts]) {
    const h = raw.trim().replace(/^\[(.*)\]$/, '$1');
    let entry: string;
    if (isIP(h)) entry = `IP:${h}`;
    else if (/^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(h) && h.length <= 253) entry = `DNS:${h.toLowerCase()}`;
    else throw new HarborError('USAGE', `invalid --host ${JSON.stringify(raw)}: a DNS name (registry.lan) or an IP address (192.168.1.140)`);
    if (!out.includes(entry)) out.push(entry);
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try { await fsp.access(path); return true; } catch { return false; }
}

function opensslConfig(sans: string[]): string {
  const alt = sans.map((s, i) => `${s.startsWith('IP:') ? 'IP' : 'DNS'}.${i + 1} = ${s.slice(s.indexOf(':') + 1)}`);
  return [
    '[req]', 'distinguished_name = dn', 'prompt = no', '', '[dn]', 'CN = harborctl local CA', '',
    '[ca_ext]', 'basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash', '',
    '[server_ext]', 'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', 'subjectAltName = @alt', '',
    '[alt]', ...alt, '',
  ].join('\n');
}

async function openssl(bin: string, args: string[]): Promise<void> {
  try {
    await run(bin, args, { timeout: 60_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new HarborError('USAGE', `tls init needs the openssl command: install it (apt-get install openssl) and retry`);
    // openssl's stderr names files and reasons, never key material.
    throw new HarborError('INTERNAL_SERVER_ERROR', `openssl ${args[0]} failed: ${(err.stderr ?? err.message).trim().split('\n')[0]}`);
  }
}

function newKeyPem(): string {
  // P-256: small, fast, and accepted by Go (containerd), Node, curl and every browser.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/**
 * Creates the CA and the server certificate. Everything is made in a staging directory inside
 * <data-dir>/tls and moved into place at the end, so a failure leaves the old files as they were.
 */
export async function initTls(o: TlsInitOptions): Promise<TlsInitResult> {
  const days = o.days ?? DEFAULT_TLS_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 36500) throw new HarborError('USAGE', `invalid --days ${String(o.days)}: a whole number of days from 1 to 36500`);
  const sans = subjectAltNames(o.hosts ?? []);
  const paths = tlsPaths(o.dataDir);
  const present = [];
  for (const f of [paths.caCert, paths.caKey, paths.serverCert, paths.serverKey]) if (await exists(f)) present.push(f);
  if (present.length > 0 && !o.force) {
    let fp = '';
    try { fp = ` (CA fingerprint ${fingerprint(await fsp.readFile(paths.caCert))})`; } catch { /* no readable CA */ }
    throw new HarborError('CONFLICT', `${paths.dir} already holds a CA and server certificate${fp}: pass --force to replace both (every client that trusts the old CA must then get the new one)`);
  }
  await fsp.mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  await fsp.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await fsp.chmod(paths.dir, 0o700);
  const stage = await fsp.mkdtemp(join(paths.dir, '.init-'));
  const staged = { caCert: join(stage, 'ca.crt'), caKey: join(stage, 'ca.key'), serverCert: join(stage, 'server.crt'), serverKey: join(stage, 'server.key') };
  const csr = join(stage, 'server.csr');
  const leaf = join(stage, 'leaf.crt');
  const cnf = join(stage, 'openssl.cnf');
  const bin = o.openssl ?? 'openssl';
  const serial = (): string => `0x${randomBytes(16).toString('hex').replace(/^[89a-f]/, '7')}`; // positive, 127 bits
  try {
    await fsp.writeFile(staged.caKey, newKeyPem(), { mode: 0o600 });
    await fsp.writeFile(staged.serverKey, newKeyPem(), { mode: 0o600 });
    await fsp.writeFile(cnf, opensslConfig(sans), { mode: 0o600 });
    await openssl(bin, ['req', '-config', cnf, '-x509', '-new', '-key', staged.caKey, '-sha256', '-days', String(days),
      '-set_serial', serial(), '-extensions', 'ca_ext', '-out', staged.caCert]);
    const cn = sans[DEFAULT_TLS_HOSTS.length]?.replace(/^[A-Z]+:/, '') ?? 'localhost';
    await openssl(bin, ['req', '-config', cnf, '-new', '-key', staged.serverKey, '-subj', `/CN=${cn}`, '-out', csr]);
    await openssl(bin, ['x509', '-req', '-in', csr, '-CA', staged.caCert, '-CAkey', staged.caKey, '-sha256', '-days', String(days),
      '-set_serial', serial(), '-extfile', cnf, '-extensions', 'server_ext', '-out', leaf]);
    const caPem = await fsp.readFile(staged.caCert, 'utf8');
    // The chain: the server certificate first, then the CA (RFC 8446 §4.4.2 order).
    await fsp.writeFile(staged.serverCert, (await fsp.readFile(leaf, 'utf8')) + caPem, { mode: 0o644 });
    for (const f of ['caKey', 'serverKey', 'caCert', 'serverCert'] as const) await fsp.rename(staged[f], paths[f]);
    const cert = new X509Certificate(await fsp.readFile(paths.serverCert));
    return { paths, caFingerprint: fingerprint(caPem), subjectAltNames: sans, notAfter: new Date(cert.validTo).toISOString() };
  } finally {
    await fsp.rm(stage, { recursive: true, force: true });
  }
}

export interface ServerTls { cert: Buffer; key: Buffer; caFile: string }

/** The certificate `serve --tls` uses: a clear error, naming the command to run, when there is none. */
export async function loadServerTls(dataDir: string, now: Date = new Date()): Promise<ServerTls> {
  const paths = tlsPaths(dataDir);
  let cert: Buffer, key: Buffer;
  try {
    [cert, key] = await Promise.all([fsp.readFile(paths.serverCert), fsp.readFile(paths.serverKey)]);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HarborError('NOT_FOUND', `serve --tls: no certificate in ${paths.dir}: run \`harborctl tls init --host NAME_OR_IP${dataDir ? ` --data-dir ${dataDir}` : ''}\` first (or give your own with --tls-cert/--tls-key)`);
    throw new HarborError('USAGE', `serve --tls: cannot read ${paths.dir}: ${code ?? (e as Error).message}`);
  }
  const x = new X509Certificate(cert);
  if (new Date(x.validTo) < now) throw new HarborError('USAGE', `serve --tls: the certificate in ${paths.serverCert} expired on ${new Date(x.validTo).toISOString()}: run \`harborctl tls init --force\` (and give clients the new CA)`);
  return { cert, key, caFile: paths.caCert };
}
