import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.ts'],
    // Tests that lower kernel limits (/proc/sys/fs/inotify/*) run alone: see vitest.serial.config.ts.
    exclude: ['__test__/serial/**', '**/node_modules/**'],
    globalSetup: ['__test__/setup/global.ts'],
    // The addon must load once per process: forks, not threads.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
