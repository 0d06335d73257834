// Golden files for the renderer (UPDATE_GOLDEN=1 rewrites them), and parse ∘ render round trips.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { desiredHostsFile } from '../../src/mirror/configure.js';
import type { HostsFile } from '../../src/mirror/model.js';
import { parseHostsToml } from '../../src/mirror/parse.js';
import { renderHostsToml, tomlString } from '../../src/mirror/render.js';

const golden = (name: string): URL => new URL(`../fixtures/mirror/golden/${name}`, import.meta.url);

const CASES: { name: string; registry: string; file: HostsFile }[] = [
  { name: 'docker-io-http-mirror.toml', registry: 'docker.io', file: desiredHostsFile({ registry: 'docker.io', mirror: 'http://192.168.1.140:5280' }, '/certs.d') },
  { name: 'docker-io-proxy-project.toml', registry: 'docker.io', file: desiredHostsFile({ registry: 'docker.io', mirror: 'http://192.168.1.140:5280', project: 'dockerhub-proxy' }, '/certs.d') },
  { name: 'ghcr-https-ca.toml', registry: 'ghcr.io', file: desiredHostsFile({ registry: 'ghcr.io', mirror: 'https://harbor.example.test', project: 'ghcr', caFile: '/any/ca.pem' }, '/etc/containerd/certs.d') },
  { name: 'lan-registry-skip-verify.toml', registry: '10.0.0.5:5000', file: desiredHostsFile({ registry: '10.0.0.5:5000', mirror: 'https://10.0.0.9:5443', skipVerify: true }, '/certs.d') },
  { name: 'upstream-override.toml', registry: 'quay.io', file: desiredHostsFile({ registry: 'quay.io', mirror: 'http://127.0.0.1:5280', upstream: 'https://quay.example.test' }, '/certs.d') },
  { name: 'default-host-only.toml', registry: '_default', file: { hosts: [{ url: 'http://127.0.0.1:5002', capabilities: ['pull', 'resolve'] }] } },
  { name: 'mirror-only-stub.toml', registry: 'docker.io', file: { server: 'http://127.0.0.1:5002', hosts: [] } },
  {
    name: 'headers-and-client.toml', registry: 'registry.example.test',
    file: {
      server: 'https://registry.example.test', hosts: [{
        url: 'https://mirror.example.test', capabilities: ['pull'], client: [['/c/client.crt', '/c/client.key']],
        header: { 'X-Meta-Team': 'a "quoted" team', 'X-Multi': ['1', '2'] },
      }],
    },
  },
];

describe('renderHostsToml (golden)', () => {
  test.each(CASES)('$name', ({ name, registry, file }) => {
    const text = renderHostsToml(file, registry);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden(name), text);
    expect(text).toBe(readFileSync(golden(name), 'utf8'));
  });

  test.each(CASES)('$name parses back to the same model', ({ registry, file }) => {
    const parsed = parseHostsToml(renderHostsToml(file, registry));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const want: HostsFile = { ...file, hosts: file.hosts };
    if (file.hosts.length === 0 && file.server !== undefined) want.emptyHostTable = true;
    expect(parsed.file).toEqual(JSON.parse(JSON.stringify(want)));
  });

  test('rendering is deterministic: the same model gives the same bytes', () => {
    const f = CASES[1].file;
    expect(renderHostsToml(f, 'docker.io')).toBe(renderHostsToml(structuredClone(f), 'docker.io'));
  });
});

describe('parseHostsToml', () => {
  test('keeps the [host] order of the file, which is the order containerd tries them in', () => {
    const r = parseHostsToml('server = "https://registry-1.docker.io"\n[host."http://b:1"]\n[host."http://a:1"]\n[host."http://c:1"]\n');
    expect(r.ok && r.file.hosts.map((h) => h.url)).toEqual(['http://b:1', 'http://a:1', 'http://c:1']);
  });

  test('a syntax error is reported with its line', () => {
    const r = parseHostsToml('server = "http://x"\n[host."http://m"\n  capabilities = ["pull"]\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.line).toBe(2);
  });

  test('top-level settings belong to server; an empty [host] table is remembered', () => {
    const r = parseHostsToml('server = "https://r"\nca = "/ca.crt"\nskip_verify = false\n[host]\n');
    expect(r.ok && r.file).toEqual({ server: 'https://r', serverSettings: { ca: '/ca.crt', skipVerify: false }, hosts: [], emptyHostTable: true });
  });

  test.each(['plain', 'with "quotes"', 'back\\slash', 'tab\there', 'ünïcode'])('tomlString round trip %j', (s) => {
    const r = parseHostsToml(`server = ${tomlString(s)}\n[host]\n`);
    expect(r.ok && r.file.server).toBe(s);
  });
});
