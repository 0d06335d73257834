// Starts the real registry in-process on 127.0.0.1:0 with a fresh temp data dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type LogLevel } from '../../src/core/log.js';
import { createApp, type App, type AppConfig } from '../../src/server/app.js';

export interface TestServer {
  app: App;
  url: string;
  dataDir: string;
  /** Access-log and diagnostic lines written so far. */
  logs: string[];
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export async function startTestServer(opts: Partial<Omit<AppConfig, 'log'>> & { logLevel?: LogLevel } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'harborctl-test-')));
  const logs: string[] = [];
  const log = createLogger(opts.logLevel ?? 'info', { write: (s: string) => { logs.push(...s.split('\n').filter(Boolean)); } });
  // A known admin password, so tests can sign in (test/helpers/api.ts ADMIN_PASSWORD).
  const app = await createApp({ adminPassword: 'Harbor12345', ...opts, dataDir, log });
  const port = await app.listen(0, '127.0.0.1');
  return {
    app, dataDir, logs,
    url: `http://127.0.0.1:${port}`,
    async close(o = {}) {
      app.server.closeAllConnections();
      await app.close();
      if (!o.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
