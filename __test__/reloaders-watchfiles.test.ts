/**
 * WatchfilesReloader beyond the shared contract: which roots it hands the watcher, and how it adds roots
 * without restarting the subscriptions it already has.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Change, getReloader, StatReloader, WatchfilesReloader, type ChangeBatch } from '../src/index.js';
import { loadNative } from '../src/watch/addon.js';
import { computeRoots } from '../src/reloaders/roots.js';
import { WatchList } from '../src/reloaders/watch-list.js';

describe('computeRoots', () => {
  const abs = (...parts: string[]) => path.join(path.parse(process.cwd()).root, 'proj', ...parts);

  it('watches a file through its parent, not recursively, and a glob dir recursively', () => {
    const w = new WatchList();
    w.addFile(abs('config', 'app.json'));
    w.addFile(abs('config', 'db.json'));
    w.addGlob(abs('src'), '**/*.ts');
    expect(computeRoots(w)).toEqual([
      { dir: abs('src'), recursive: true },
      { dir: abs('config'), recursive: false },
    ]);
  });

  it('drops roots that a recursive root covers, and keeps those a default-ignored directory hides', () => {
    const w = new WatchList();
    w.addGlob(abs('src', 'views'), '**/*.html');
    w.addFile(abs('src', 'lib', 'x.js'));
    w.addGlob(abs(), 'src/**/*.js'); // walks from /proj/src: covers both above
    w.addFile(abs('src', 'node_modules', 'dep', 'index.js')); // node_modules is pruned below /proj/src
    expect(computeRoots(w)).toEqual([
      { dir: abs('src'), recursive: true },
      { dir: abs('src', 'node_modules', 'dep'), recursive: false },
    ]);
  });

  it('watches a one-level glob without recursion, and a failed file like any file', () => {
    const w = new WatchList();
    w.addGlob(abs('locale'), '*.po');
    w.addErrorFile(abs('broken.js'));
    expect(computeRoots(w)).toEqual([
      { dir: abs(), recursive: false },
      { dir: abs('locale'), recursive: false },
    ]);
  });
});

describe('WatchfilesReloader roots on real files', () => {
  let dir: string;
  let reloader: WatchfilesReloader;
  let reloads: ChangeBatch[];
  let ticker: AsyncGenerator<ChangeBatch, void, void>;

  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-reloader-roots-')));
    reloader = new WatchfilesReloader({ timeout: 200, step: 20, debounce: 400, pollDelay: 50 });
    reloads = [];
    reloader.on('reload', (c) => {
      reloads.push(c);
    });
    ticker = reloader.tick();
  });
  afterEach(async () => {
    await reloader.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const put = (rel: string, content = rel) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  };
  const tickUntil = async (predicate: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      if ((await ticker.next()).done) throw new Error('tick() ended');
    }
  };
  const reloaded = (p: string) => reloads.some((b) => b.some((c) => c.path === p && c.change === Change.modified));

  it('adds a new root to the running subscription', async () => {
    const a = put('a/one.js');
    reloader.watchDir(path.join(dir, 'a'), '**/*.js');
    await ticker.next();
    expect(reloader.subscriptionCount).toBe(1);
    expect(reloader.backend).not.toBe('');

    const b = put('b/two.js');
    reloader.watchDir(path.join(dir, 'b'), '**/*.js');
    // Edited before the new root is placed: the running subscription must still see it.
    fs.writeFileSync(a, 'edited a, longer');
    await ticker.next();
    expect(reloader.subscriptionCount).toBe(1); // one subscription whatever the roots
    expect(reloader.roots).toEqual([
      { dir: path.join(dir, 'a'), recursive: true },
      { dir: path.join(dir, 'b'), recursive: true },
    ]);
    fs.writeFileSync(b, 'edited b, longer');
    await tickUntil(() => reloaded(a) && reloaded(b), 'both edits');
  });

  it('replaces subscriptions that a wider new root covers, reporting each change once', async () => {
    const inner = put('src/lib/x.js');
    reloader.watchFile(inner);
    await ticker.next();
    expect(reloader.roots).toEqual([{ dir: path.join(dir, 'src', 'lib'), recursive: false }]);

    reloader.watchDir(path.join(dir, 'src'), '**/*.js');
    await ticker.next();
    expect(reloader.subscriptionCount).toBe(1);
    expect(reloader.roots).toEqual([{ dir: path.join(dir, 'src'), recursive: true }]);

    fs.writeFileSync(inner, 'edited, longer');
    const sentinel = put('src/sentinel.js');
    await tickUntil(() => reloads.some((b) => b.some((c) => c.path === sentinel)), 'the sentinel');
    const reports = reloads.flat().filter((c) => c.path === inner);
    expect(reports).toHaveLength(1);
  });

  it('closes subscriptions nobody needs after clearWatches()', async () => {
    reloader.watchDir(path.join(dir, 'a'), '**/*');
    put('a/x.txt');
    put('b/y.txt');
    await ticker.next();
    reloader.clearWatches().watchDir(path.join(dir, 'b'), '**/*');
    await ticker.next();
    expect(reloader.subscriptionCount).toBe(1);
    expect(reloader.roots).toEqual([{ dir: path.join(dir, 'b'), recursive: true }]);
  });
});

describe('getReloader on this machine', () => {
  it('picks WatchfilesReloader when the native binary loads, else StatReloader', () => {
    const r = getReloader({ reloader: undefined });
    expect(r).toBeInstanceOf(loadNative() ? WatchfilesReloader : StatReloader);
  });
});
