// Debian's Chromium, headless, driven by playwright-core (no browser download): a fresh profile in a
// temp dir, no background traffic, and every request outside loopback aborted (the test OP's pages
// @import a web font). close() ends exactly the browser it started and removes the profile.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser { context: BrowserContext; close(): Promise<void> }

export async function startChromium(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'harborctl-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await context.route((url) => !['127.0.0.1', '[::1]'].includes(url.hostname), (route) => route.abort());
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
