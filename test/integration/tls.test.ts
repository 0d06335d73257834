// HTTPS without skip_verify, end to end on loopback: tls init → a server with that certificate →
// clients that trust ONLY the CA (undici, the CLI via server.json, containerd's hosts.toml written by
// configure-mirror --ca-from-server, checked by the doctor).
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTls, loadServerTls, tlsPaths } from '../../src/server/tls.js';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { cli, cliEnv, json, type CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let env: CliEnv;
let dataDir: string;
let srv: TestServer;
let url: string;
let caFingerprint: string;
let certs: string;
let containerdConfig: string;

beforeAll(async () => {
  env = await cliEnv();
  dataDir = env.env.HARBORCTL_DATA_DIR as string;
  const init = await cli(env.env, ['tls', 'init', '--host', 'registry.test', '-o', 'json']);
  expect(init.code, init.stderr).toBe(0);
  caFingerprint = json(init).caFingerprintSha256;
  // What `serve --tls` does: the same loader, the same createApp.
  srv = await startTestServer({ dataDir, tls: await loadServerTls(dataDir) });
  url = `https://127.0.0.1:${(srv.app.server.address() as AddressInfo).port}`;
  certs = join(env.dir, 'certs.d');
  containerdConfig = join(env.dir, 'config.toml');
  writeFileSync(containerdConfig, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${certs}"\n`);
});
afterAll(async () => {
  await srv?.close({ keepData: true });
  await env?.cleanup();
});

describe('serve --tls', () => {
  test('an undici client trusting only the CA gets /v2/', async () => {
    const dispatcher = new Agent({ connect: { ca: readFileSync(tlsPaths(dataDir).caCert) } });
    try {
      const r = await request(`${url}/v2/`, { dispatcher, headers: { authorization: ADMIN_AUTHORIZATION } });
      expect(r.statusCode).toBe(200);
      await r.body.dump();
    } finally {
      await dispatcher.close();
    }
  });

  test('GET /api/v2.0/systeminfo/getcert serves the CA from tls init, to anyone; systeminfo says has_ca_root', async () => {
    const dispatcher = new Agent({ connect: { ca: readFileSync(tlsPaths(dataDir).caCert) } });
    try {
      const r = await request(`${url}/api/v2.0/systeminfo/getcert`, { dispatcher });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/octet-stream');
      expect(r.headers['content-disposition']).toBe('attachment; filename=ca.crt');
      expect(await r.body.text()).toBe(readFileSync(tlsPaths(dataDir).caCert, 'utf8'));
      const info = await request(`${url}/api/v2.0/systeminfo`, { dispatcher, headers: { authorization: ADMIN_AUTHORIZATION } });
      expect((await info.body.json() as { has_ca_root: boolean }).has_ca_root).toBe(true);
    } finally {
      await dispatcher.close();
    }
  });

  test('without the CA the same request fails certificate verification', async () => {
    const dispatcher = new Agent();
    try {
      const e = await request(`${url}/v2/`, { dispatcher }).then(() => undefined, (x: unknown) => x as NodeJS.ErrnoException);
      expect(e?.code).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
    } finally {
      await dispatcher.close();
    }
  });

  test('server.json records the https URL and the CA; the local CLI trusts it with no flag', async () => {
    const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; ca: string };
    expect(info).toEqual({ url, ca: tlsPaths(dataDir).caCert });
    const r = await cli(env.env, ['project', 'list', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).map((p: { name: string }) => p.name)).toContain('library');
  });

  test('serve --tls before tls init: exit 3 and the command to run', async () => {
    const other = await cliEnv();
    try {
      const r = await cli(other.env, ['serve', '--tls', '--listen', '127.0.0.1:0']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/no certificate in .*tls: run `harborctl tls init/);
      const both = await cli(other.env, ['serve', '--tls', '--tls-cert', 'a', '--tls-key', 'b']);
      expect(both.code).toBe(2);
    } finally {
      await other.cleanup();
    }
  });

  test('tls init a second time needs --force (exit 1), and prints the fingerprint in use', async () => {
    const r = await cli(env.env, ['tls', 'init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--force');
    expect(r.stderr).toContain(caFingerprint);
  });
});

describe('configure-mirror with the CA', () => {
  const dirs = (): string[] => ['--certs-dir', certs, '--containerd-config', containerdConfig];

  test('--ca-from-server installs the CA from the TLS chain and writes ca, never skip_verify; the doctor passes', async () => {
    const r = await cli(env.env, ['containerd', 'configure-mirror', '--registry', 'docker.io', '--mirror', url, '--ca-from-server', ...dirs(), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).caFromServer).toEqual([{ mirror: url, fingerprintSha256: caFingerprint, subject: 'CN=harborctl local CA' }]);
    const hosts = readFileSync(join(certs, 'docker.io', 'hosts.toml'), 'utf8');
    const caFile = join(certs, 'docker.io', `ca-127.0.0.1_${new URL(url).port}.crt`);
    expect(hosts).toContain(`ca = "${caFile}"`);
    expect(hosts).not.toContain('skip_verify');
    expect(readFileSync(caFile, 'utf8')).toBe(readFileSync(tlsPaths(dataDir).caCert, 'utf8'));

    const table = await cli(env.env, ['containerd', 'configure-mirror', '--registry', 'docker.io', '--mirror', url, '--ca-from-server', ...dirs()]);
    expect(table.code).toBe(0);
    expect(table.stderr).toContain(`SHA-256 fingerprint ${caFingerprint}`);

    const doc = await cli(env.env, ['containerd', 'doctor', ...dirs(), '--docker-daemon-json', join(env.dir, 'none.json')]);
    expect(doc.code, doc.stdout + doc.stderr).toBe(0);
    expect(doc.stdout).toMatch(/✓ https:\/\/127\.0\.0\.1:\d+\/v2\/ answered 401/);
  });

  test('--ca-file installs the same way', async () => {
    const r = await cli(env.env, ['containerd', 'configure-mirror', '--registry', 'ghcr.io', '--mirror', url, '--ca-file', tlsPaths(dataDir).caCert, ...dirs()]);
    expect(r.code, r.stderr).toBe(0);
    const hosts = readFileSync(join(certs, 'ghcr.io', 'hosts.toml'), 'utf8');
    expect(hosts).toMatch(/ca = "\/.*ghcr\.io\/ca-127\.0\.0\.1_\d+\.crt"/);
    expect(hosts).not.toContain('skip_verify');
  });

  test.each([
    [['--ca-file', 'DIR'], /cannot read --ca-file .*EISDIR/],
    [['--ca-file', 'NOTPEM'], /holds no PEM certificate/],
    [['--ca-from-server', '--skip-verify'], /exclude each other/],
    [['--ca-from-server', '--ca-file', 'CA'], /exclude each other/],
  ])('usage errors: %j', async (flags, msg) => {
    const notPem = join(env.dir, 'not-a-cert.pem');
    writeFileSync(notPem, 'hello\n');
    const args = flags.map((f) => (f === 'DIR' ? env.dir : f === 'NOTPEM' ? notPem : f === 'CA' ? tlsPaths(dataDir).caCert : f));
    const r = await cli(env.env, ['containerd', 'configure-mirror', '--registry', 'quay.io', '--mirror', url, ...args, ...dirs()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  test('--ca-from-server against a server that sends no CA, or speaks plain HTTP', async () => {
    // A server whose chain is the leaf alone (someone's own --tls-cert without the CA).
    const p = tlsPaths(dataDir);
    const leafOnly = readFileSync(p.serverCert, 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/)[0];
    const bare = https.createServer({ cert: leafOnly, key: readFileSync(p.serverKey) }, (_q, s) => s.end());
    await new Promise<void>((res) => bare.listen(0, '127.0.0.1', res));
    try {
      const port = (bare.address() as AddressInfo).port;
      const r = await cli(env.env, ['containerd', 'configure-mirror', '--registry', 'quay.io', '--mirror', `https://127.0.0.1:${port}`, '--ca-from-server', ...dirs()]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/sent no CA certificate.*--ca-file/);
    } finally {
      bare.close();
    }
    const plain = await startTestServer();
    try {
      const r = await cli(env.env, ['containerd', 'configure-mirror', '--registry', 'quay.io', '--mirror', plain.url.replace('http:', 'https:'), '--ca-from-server', ...dirs()]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no TLS handshake/);
    } finally {
      await plain.close();
    }
  });
});
