import { defineConfig } from 'vitest/config';

// Three suites: unit (pure code), integration (real server on port 0, temp data dir),
// interop (real clients: skopeo, podman, docker-registry). `npm test` runs the first two.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      {
        test: {
          name: 'interop', include: ['test/interop/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
