// The systemd unit in templates/ (README "Run as a service"): its ExecStart is the harborctl binary
// itself, which execs node, so the PID systemd watches is the server and SIGTERM stops it with exit 0.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT, startHarborctl } from '../helpers/registry-process.js';

const unit = readFileSync(join(REPO_ROOT, 'templates', 'systemd', 'harborctl.service'), 'utf8');
const setting = (key: string): string[] => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

test('the unit keeps its data in the state directory systemd creates for it', () => {
  const [stateDir] = setting('StateDirectory');
  expect(setting('Environment')).toContain(`HARBORCTL_DATA_DIR=/var/lib/${stateDir}`);
  expect(setting('UMask')).toEqual(['0077']);
});

test('ExecStart runs the binary itself (no npx): SIGTERM to that one PID stops the server, exit 0', async () => {
  const [execStart] = setting('ExecStart');
  const [bin, verb, ...args] = execStart.split(/\s+/);
  expect(bin).toMatch(/^\/\S+\/harborctl$/);
  expect(verb).toBe('serve');
  // The unit's own --listen 0.0.0.0:5280 becomes a free loopback port here; every other argument is kept.
  const i = args.indexOf('--listen');
  if (i >= 0) args.splice(i, 2);
  const server = await startHarborctl({ args });
  expect((await fetch(`${server.url}/api/v2.0/ping`)).status).toBe(200);
  expect(await server.stop()).toEqual({ code: 0, signal: null });
});
