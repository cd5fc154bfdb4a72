/** Process lifetime: closing releases Node, persistent: false never holds it, workers terminate safely. */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir, waitFor } from './helpers/fs.js';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
let dir: string;

// dist/ is built once by __test__/setup/global.ts before any test file runs.
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => removeDir(dir));

function run(script: string, args: string[], timeoutMs = 15_000) {
  return execFileSync(process.execPath, [fixture(script), ...args], { encoding: 'utf8', timeout: timeoutMs });
}

describe('process lifetime', () => {
  it('a process whose watcher is closed exits at once', () => {
    expect(run('exit-after-close.mjs', [dir])).toBe('closed\n');
  });

  it('a process watching with persistent: false exits while watching', () => {
    expect(run('non-persistent.mjs', [dir])).toBe('watching\n');
  });

  it('a persistent watcher keeps the process alive until it is closed', async () => {
    const child = spawn(process.execPath, [fixture('persistent.mjs'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => out.includes('watching'), 'the child to start watching');
      // Still alive after start: only a change (which makes it close) lets it exit.
      fs.writeFileSync(path.join(dir, 'wake.txt'), 'x');
      await expect(exited).resolves.toBe(0);
      expect(out).toContain(path.join(dir, 'wake.txt'));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the addon survives a worker thread terminated while events flow', () => {
    const out = run('worker-terminate.mjs', [dir], 60_000);
    expect(out).toContain('round 2:');
    expect(out).toContain('main survived');
  });
});
