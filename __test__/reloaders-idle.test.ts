/**
 * A WatchfilesReloader under run() does not wake while nothing happens: its steps wait for a batch with no
 * timeout (nobody reads run()'s empty ticks), and still see a change at once, watches added while it waits,
 * and a watched directory that appears later (looked for once per `timeout`, as before). tick() keeps its
 * contract: an empty batch after `timeout`. How much CPU that saves is measured in bench/idle.mjs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Change, WatchfilesReloader, type ChangeBatch } from '../src/index.js';

/** Counts the steps the base loop asks for. */
class CountingReloader extends WatchfilesReloader {
  steps = 0;
  protected override step(signal: AbortSignal, untilChange: boolean): Promise<ChangeBatch> {
    this.steps++;
    return super.step(signal, untilChange);
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves after `ms` of event-loop time: long enough for many `timeout`s to have fired if any were armed. */
const elapse = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WatchfilesReloader under run(): no wake-ups while idle', () => {
  let dir: string;
  let reloader: CountingReloader;
  let reloads: ChangeBatch[];
  let running: Promise<void>;

  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-reloader-idle-')));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'a.js'), '1');
    // A 10 ms timeout: armed, it would step ~100 times in the second the test leaves the reloader alone.
    reloader = new CountingReloader({ timeout: 10, step: 20, debounce: 400 });
    reloads = [];
    reloader.on('reload', (batch) => void reloads.push(batch));
  });

  afterEach(async () => {
    await reloader.stop();
    await running;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const seen = (file: string) => reloads.some((b) => b.some((c) => c.path === file));

  it('steps only when something happens, and still reports a change', async () => {
    reloader.watchDir(path.join(dir, 'src'), '**/*.js');
    running = reloader.run();
    // The first step places the watches; the second waits for a batch.
    await waitFor('the reloader to wait for changes', () => reloader.steps >= 2 && reloader.subscriptionCount === 1);
    const before = reloader.steps;
    await elapse(1000);
    expect(reloader.steps).toBe(before);

    fs.writeFileSync(path.join(dir, 'src', 'a.js'), '2');
    await waitFor('the edit to reload', () => seen(path.join(dir, 'src', 'a.js')));
    expect(reloads.flat().find((c) => c.path === path.join(dir, 'src', 'a.js'))?.change).toBe(Change.modified);
  });

  it('watches added while it waits are placed at once', async () => {
    reloader.watchDir(path.join(dir, 'src'), '**/*.js');
    running = reloader.run();
    await waitFor('the reloader to wait for changes', () => reloader.steps >= 2 && reloader.subscriptionCount === 1);
    fs.mkdirSync(path.join(dir, 'views'));
    reloader.watchDir(path.join(dir, 'views'), '*.html');
    await waitFor('the new root to be watched', () => reloader.roots.some((r) => r.dir === path.join(dir, 'views')));
    fs.writeFileSync(path.join(dir, 'views', 'page.html'), '<p>');
    await waitFor('the new file to reload', () => seen(path.join(dir, 'views', 'page.html')));
  });

  it('a watched directory that does not exist yet is looked for, and its files reported once it appears', async () => {
    reloader.watchDir(path.join(dir, 'src'), '**/*.js');
    reloader.watchDir(path.join(dir, 'later'), '*.js');
    running = reloader.run();
    await waitFor('the reloader to watch src', () => reloader.subscriptionCount === 1);
    fs.mkdirSync(path.join(dir, 'later'));
    fs.writeFileSync(path.join(dir, 'later', 'b.js'), '1');
    await waitFor('the file in the new directory to reload', () => seen(path.join(dir, 'later', 'b.js')));
  });

  it('tick() still yields an empty batch after `timeout`', async () => {
    reloader.watchDir(path.join(dir, 'src'), '**/*.js');
    const ticker = reloader.tick();
    await ticker.next(); // places the watches
    const { value } = await ticker.next();
    expect(value).toHaveLength(0);
    await ticker.return();
  });
});
