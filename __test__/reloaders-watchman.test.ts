/**
 * Choosing the WatchmanReloader: forced by option or WATCHFILES_RELOADER, or automatically where a
 * .watchmanconfig asks for it; a forced one that cannot reach a server fails with the real error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Change, getReloader, WatchError, WatchfilesReloader, WatchmanReloader } from '../src/index.js';
import { removeDir, tempDir, write } from './helpers/fs.js';
import { useWatchman } from './helpers/watchman.js';

const wm = useWatchman();
let dir: string;
let cwd: string;
let saved: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = tempDir();
  cwd = process.cwd();
  saved = { ...process.env };
  delete process.env.WATCHFILES_RELOADER;
});
afterEach(() => {
  process.chdir(cwd);
  process.env = saved;
  vi.restoreAllMocks();
  removeDir(dir);
});

describe('getReloader and watchman', () => {
  it('gives a WatchmanReloader when the option or WATCHFILES_RELOADER says so', () => {
    expect(getReloader({ reloader: 'watchman' })).toBeInstanceOf(WatchmanReloader);
    process.env.WATCHFILES_RELOADER = 'watchman';
    expect(getReloader()).toBeInstanceOf(WatchmanReloader);
    expect(getReloader({ reloader: 'watchfiles' })).not.toBeInstanceOf(WatchmanReloader);
  });

  it('prefers watchman automatically only where a .watchmanconfig is present', () => {
    process.chdir(dir);
    expect(getReloader()).not.toBeInstanceOf(WatchmanReloader);
    fs.writeFileSync(path.join(dir, '.watchmanconfig'), '{}');
    fs.mkdirSync(path.join(dir, 'app'));
    process.chdir(path.join(dir, 'app'));
    expect(getReloader()).toBeInstanceOf(WatchmanReloader);
    // Polling options mean the filesystem needs polling: the native watcher keeps them.
    expect(getReloader({ forcePolling: true })).toBeInstanceOf(WatchfilesReloader);
    expect(getReloader({ forcePolling: true })).not.toBeInstanceOf(WatchmanReloader);
  });

  it('with a .watchmanconfig but no watchman installed, keeps the native watcher and says why once', () => {
    process.chdir(dir);
    fs.writeFileSync(path.join(dir, '.watchmanconfig'), '{}');
    delete process.env.WATCHMAN_SOCK;
    process.env.PATH = path.join(dir, 'empty-bin');
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    expect(getReloader()).not.toBeInstanceOf(WatchmanReloader);
    getReloader();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\.watchmanconfig asks for watchman, but it is not installed/);
  });

  it('a forced watchman reloader surfaces the real error, with no fallback', async () => {
    process.env.WATCHMAN_SOCK = path.join(dir, 'no-such-sock');
    const reloader = getReloader({ reloader: 'watchman' });
    reloader.watchDir(dir, '**/*.js');
    const ticker = reloader.tick();
    const error = await ticker.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    await reloader.stop();
    expect(error).toBeInstanceOf(WatchError);
    expect((error as WatchError).code).toBe('EWATCHMAN');
    expect((error as WatchError).message).toMatch(/cannot reach the watchman server/);
  });

  it('rejects polling options it cannot honour, by name', () => {
    expect(() => new WatchmanReloader({ forcePolling: true } as object)).toThrow(/option "forcePolling" does not apply/);
  });

  it('reloads through the server, and says watchman', async () => {
    process.env.WATCHMAN_SOCK = wm.server.sock;
    const reloader = new WatchmanReloader({ timeout: 200, step: 20 });
    const f = path.join(dir, 'server.js');
    write(f, 'v0');
    reloader.watchFile(f);
    const reloads: Array<[number, string]> = [];
    reloader.on('reload', (batch) => void reloads.push(...batch.map((c) => [c.change, c.path] as [number, string])));
    const ticker = reloader.tick();
    await ticker.next();
    expect(reloader.backend).toBe('watchman');
    fs.writeFileSync(f, 'v1, longer');
    const deadline = Date.now() + 10_000;
    while (!reloads.length) {
      if (Date.now() > deadline) throw new Error('no reload within 10 s');
      await ticker.next(); // each tick is bounded by `timeout`
    }
    await reloader.stop();
    expect(reloads).toContainEqual([Change.modified, f]);
  });
});
