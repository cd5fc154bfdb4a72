#!/usr/bin/env node
// `npm run test:notify-backend`: the watch conformance tests against the backend macOS and Windows use
// (notify's watcher, recursive from each root, notify's events and need_rescan), here on Linux through
// notify's own inotify watcher. The addon is built with the `notify-backend` feature into a directory of
// its own (target/<host triple>/release, so the normal build's artifacts stay as they are) and loaded by
// the tests through WATCHFILES_NATIVE_LIBRARY_PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The conformance set: semantics and errors of watch()/subscribe(), the start/stop lifecycle.
const TESTS = ['__test__/watch.test.ts', '__test__/errors.test.ts', '__test__/lifecycle.test.ts'];

if (process.platform !== 'linux') {
  console.log('test:notify-backend: Linux only (elsewhere the notify backend is the normal one)');
  process.exit(0);
}
const host = /^host: (.+)$/m.exec(execFileSync('rustc', ['-vV'], { encoding: 'utf8' }))[1];
execFileSync('cargo', ['build', '--release', '--locked', '-p', 'watchfiles-node', '--features', 'notify-backend', '--target', host], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});
const dir = path.join(root, 'target', 'notify-backend');
fs.mkdirSync(dir, { recursive: true });
const addon = path.join(dir, 'watchfiles-node.node');
fs.copyFileSync(path.join(root, 'target', host, 'release', 'libwatchfiles_node.so'), addon);

const r = spawnSync(process.execPath, [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...TESTS], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, WATCHFILES_NATIVE_LIBRARY_PATH: addon, WATCHFILES_EXPECT_BACKEND: 'notify-inotify' },
});
process.exit(r.status ?? 1);
