/**
 * The portable tests (__test__/portable/, node:test on dist/) that test:cross runs under qemu and wine, run
 * here natively too, so they keep passing on the host and a failure under emulation means the platform.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ensureDist } from './helpers/dist.js';

it('the portable tests pass on the host, on the inotify backend', () => {
  ensureDist();
  const tap = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-portable-tap-')), 'host.tap');
  const r = spawnSync(
    process.execPath,
    ['--test-reporter=tap', `--test-reporter-destination=${tap}`, path.join(__dirname, 'portable', 'portable.test.mjs')],
    { env: { ...process.env, WATCHFILES_EXPECT_BACKEND: 'inotify' }, encoding: 'utf8', timeout: 120_000 },
  );
  const text = fs.readFileSync(tap, 'utf8');
  fs.rmSync(path.dirname(tap), { recursive: true, force: true });
  const failed = Number(/^# fail (\d+)$/m.exec(text)?.[1]);
  const passed = Number(/^# pass (\d+)$/m.exec(text)?.[1]);
  expect(failed, text).toBe(0);
  expect(passed).toBeGreaterThanOrEqual(9);
  expect(r.status).toBe(0);
}, 150_000);
