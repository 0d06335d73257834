// tls init: the CA and server certificate it writes, read back with node:crypto's X509Certificate.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HarborError } from '../../src/core/errors.js';
import { initTls, loadServerTls, subjectAltNames, tlsPaths } from '../../src/server/tls.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'harborctl-tls-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<HarborError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(HarborError);
  return e as HarborError;
}

describe('tls init', () => {
  test('a CA and a server certificate it signed, with every name as a SAN', async () => {
    const dataDir = join(dir, 'data');
    const r = await initTls({ dataDir, hosts: ['registry.lan', '192.168.1.140', '[fd00::5]'], days: 30 });
    const p = tlsPaths(dataDir);
    const ca = new X509Certificate(readFileSync(p.caCert));
    const chain = readFileSync(p.serverCert, 'utf8');
    const server = new X509Certificate(chain);

    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.subject).toContain('CN=harborctl local CA');
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.issuer).toBe(ca.subject);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:registry.lan, IP Address:192.168.1.140, IP Address:FD00:0:0:0:0:0:0:5');
    expect(server.checkHost('registry.lan')).toBe('registry.lan');
    expect(server.checkIP('192.168.1.140')).toBe('192.168.1.140');
    expect(server.checkIP('10.0.0.1')).toBeUndefined();
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth

    // Valid from about now for the days asked.
    const days = (new Date(server.validTo).getTime() - new Date(server.validFrom).getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect(new Date(server.validFrom).getTime()).toBeLessThanOrEqual(Date.now());

    // server.crt is the chain: the leaf, then the CA.
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(chain.endsWith(readFileSync(p.caCert, 'utf8'))).toBe(true);
    expect(r.caFingerprint).toBe(ca.fingerprint256);
    expect(r.subjectAltNames).toContain('IP:fd00::5');

    // Keys 0600, the directory 0700, nothing else left behind (no CSR, no staging dir).
    expect(statSync(p.dir).mode & 0o777).toBe(0o700);
    expect(statSync(p.caKey).mode & 0o777).toBe(0o600);
    expect(statSync(p.serverKey).mode & 0o777).toBe(0o600);
    expect((await import('node:fs')).readdirSync(p.dir).sort()).toEqual(['ca.crt', 'ca.key', 'server.crt', 'server.key']);
  });

  test('the CA may sign certificates (keyCertSign) and nothing below it (pathlen 0)', async () => {
    const { execFileSync } = await import('node:child_process');
    await initTls({ dataDir: dir });
    const text = execFileSync('openssl', ['x509', '-in', tlsPaths(dir).caCert, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
  });

  test('refuses to replace an existing CA without force, and replaces it with force', async () => {
    const first = await initTls({ dataDir: dir });
    const e = await rejection(initTls({ dataDir: dir }));
    expect(e.code).toBe('CONFLICT');
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('--force');
    expect(e.message).toContain(first.caFingerprint);
    const second = await initTls({ dataDir: dir, force: true });
    expect(second.caFingerprint).not.toBe(first.caFingerprint);
  });

  test.each([['bad name!'], ['a,DNS:evil.example'], ['x'.repeat(300)], ['']])('rejects --host %j', (h) => {
    expect(() => subjectAltNames([h])).toThrow(/invalid --host/);
  });

  test('defaults are not repeated', () => {
    expect(subjectAltNames(['LOCALHOST', '127.0.0.1'])).toEqual(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  });

  test('rejects --days out of range before writing anything', async () => {
    expect((await rejection(initTls({ dataDir: dir, days: 0 }))).code).toBe('USAGE');
    expect((await import('node:fs')).existsSync(tlsPaths(dir).dir)).toBe(false);
  });

  test('a missing openssl is a usage error naming the package', async () => {
    const e = await rejection(initTls({ dataDir: dir, openssl: join(dir, 'no-such-openssl') }));
    expect(e.message).toContain('apt-get install openssl');
    expect((await import('node:fs')).existsSync(tlsPaths(dir).caKey)).toBe(false);
  });
});

describe('serve --tls certificate', () => {
  test('no certificate yet: NOT_FOUND (exit 3) naming tls init', async () => {
    const e = await rejection(loadServerTls(dir));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain('harborctl tls init');
  });

  test('an expired certificate is refused with the command that renews it', async () => {
    await initTls({ dataDir: dir, days: 1 });
    const e = await rejection(loadServerTls(dir, new Date(Date.now() + 3 * 86_400_000)));
    expect(e.message).toMatch(/expired.*tls init --force/);
  });

  test('loads the chain, the key and the CA path', async () => {
    await initTls({ dataDir: dir });
    const t = await loadServerTls(dir);
    expect(t.caFile).toBe(tlsPaths(dir).caCert);
    expect(t.key.toString()).toContain('PRIVATE KEY');
  });
});
