// The environment the bench starts the registries in (bench/servers.ts): the bench's own without the
// variables that change how node starts on one machine and not another.
import { afterEach, expect, test } from 'vitest';
import { registryEnv, UNSET_FOR_REGISTRIES } from '../../bench/servers.js';

const saved = Object.fromEntries(['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'HARBORCTL_BENCH_KEPT'].map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

test('NODE_EXTRA_CA_CERTS and NODE_OPTIONS are left out, the rest is kept, and what the caller adds wins', () => {
  process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt';
  process.env.NODE_OPTIONS = '--max-old-space-size=64';
  process.env.HARBORCTL_BENCH_KEPT = 'kept';
  const env = registryEnv({ NO_COLOR: '1', HARBORCTL_BENCH_KEPT: 'theirs' });
  expect(UNSET_FOR_REGISTRIES).toEqual(['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS']);
  expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
  expect(env.NODE_OPTIONS).toBeUndefined();
  expect(env.PATH).toBe(process.env.PATH);
  expect(env.NO_COLOR).toBe('1');
  expect(env.HARBORCTL_BENCH_KEPT).toBe('theirs');
  // The bench's own environment is not touched.
  expect(process.env.NODE_EXTRA_CA_CERTS).toBe('/etc/ssl/certs/ca-certificates.crt');
});
