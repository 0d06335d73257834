// The setup most interop files share: test images, one `harborctl serve` process, clients confined
// to temp dirs; the server's log when a test fails; and a clean exit on SIGTERM checked at the end.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { ContainerClients } from './clients.js';
import { buildTestImages, type BuildOptions, type TestImages } from './images.js';
import { startHarborctl, type RegistryProcess } from './registry-process.js';

export interface InteropEnv { images: TestImages; reg: RegistryProcess; clients: ContainerClients }

/** Registers the hooks; the returned object is filled in by the time the file's own hooks run. */
export function useHarborctl(opts: { images?: BuildOptions; auths?: Record<string, { username: string; password: string }> } = {}): InteropEnv {
  const env = {} as InteropEnv;
  beforeAll(async () => {
    env.images = await buildTestImages(opts.images);
    env.reg = await startHarborctl();
    env.clients = await ContainerClients.create([env.reg.host], opts.auths);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`harborctl log (last 40 lines):\n${env.reg.logs.slice(-40).join('\n')}`);
  });
  afterAll(async () => {
    const exit = await env.reg?.stop();
    await env.clients?.dispose();
    await env.images?.dispose();
    expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
  });
  return env;
}
