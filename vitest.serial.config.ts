import { defineConfig } from 'vitest/config';

// Tests that change system-wide inotify limits: one file at a time, after the parallel suite, each
// restoring the limit in a finally.
export default defineConfig({
  test: {
    include: ['__test__/serial/**/*.test.ts'],
    globalSetup: ['__test__/setup/global.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
