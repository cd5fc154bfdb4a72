/**
 * One watcher whatever the roots: Subscription.addRoot()/removeRoot() on the native backend, and the
 * layers built on them (WatchfilesReloader, the chokidar facade) holding exactly one inotify instance
 * however many root groups or add() calls they have, while roots come and go.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Change, subscribe, WatchError, WatchfilesReloader, type ChangeBatch } from '../src/index.js';
import { watch as chokidarWatch } from '../src/chokidar/index.js';
import { loadNative } from '../src/watch/addon.js';
import { Recorder } from './chokidar-helpers.js';
import { removeDir, tempDir, waitFor, write } from './helpers/fs.js';
import { inotifyInstances } from './helpers/sysctl.js';

const inotifyFds = inotifyInstances;

const linuxNative = process.platform === 'linux' && !!loadNative();

let dir: string;
beforeEach(() => {
  dir = tempDir('wf-one-watcher-');
});
afterEach(() => removeDir(dir));

describe.runIf(linuxNative)('Subscription.addRoot / removeRoot', () => {
  const seen = (batches: ChangeBatch[], p: string, change?: Change) =>
    batches.some((b) => b.some((c) => c.path === p && (change === undefined || c.change === change)));

  it('adds roots with their own recursion, one that appears later, removes one, on one inotify instance', async () => {
    const [a, deep, flat, later] = ['a', 'deep', 'flat', 'later'].map((n) => path.join(dir, n));
    for (const d of [a, path.join(deep, 'sub'), path.join(flat, 'sub')]) fs.mkdirSync(d, { recursive: true });
    write(path.join(deep, 'sub', 'old.txt'));
    const batches: ChangeBatch[] = [];
    const errors: Error[] = [];
    const before = inotifyFds();
    const sub = await subscribe(a, (b) => void batches.push(b), { step: 10, pollDelay: 20, onError: (e) => errors.push(e) });
    try {
      await sub.addRoot(deep);
      await sub.addRoot(flat, { recursive: false });
      await sub.addRoot(path.relative(process.cwd(), later)); // relative: resolved against the cwd
      expect(inotifyFds() - before).toBe(1);

      write(path.join(deep, 'sub', 'new.txt'));
      write(path.join(flat, 'sub', 'below.txt')); // below a flat root: not reported
      write(path.join(flat, 'top.txt'));
      write(path.join(later, 'x', 'y.txt')); // the root appears with what it holds
      await waitFor(
        () => seen(batches, path.join(deep, 'sub', 'new.txt')) && seen(batches, path.join(flat, 'top.txt')) && seen(batches, path.join(later, 'x', 'y.txt'), Change.added),
        'the changes in every added root',
      );
      expect(seen(batches, path.join(deep, 'sub', 'old.txt'))).toBe(false); // the baseline
      expect(seen(batches, path.join(flat, 'sub', 'below.txt'))).toBe(false);

      // The start root can go too; the flat root becomes recursive in place.
      await sub.removeRoot(a);
      await sub.addRoot(flat, { recursive: true });
      write(path.join(a, 'gone.txt'));
      write(path.join(flat, 'sub', 'now.txt'));
      await waitFor(() => seen(batches, path.join(flat, 'sub', 'now.txt')), 'flat/sub/now.txt once flat is recursive');
      expect(seen(batches, path.join(a, 'gone.txt'))).toBe(false);
      expect(inotifyFds() - before).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await sub.close();
    }
    expect(inotifyFds()).toBe(before);
  });

  it('names the option or path that is wrong, and rejects on a closed subscription', async () => {
    const sub = await subscribe(dir, () => {}, { persistent: false });
    try {
      // @ts-expect-error a number is not a path
      await expect(sub.addRoot(42)).rejects.toThrow(new TypeError('addRoot: "path" must be a non-empty string, got number'));
      await expect(sub.addRoot('')).rejects.toThrow(TypeError);
      await expect(sub.removeRoot('a\0b')).rejects.toThrow(/removeRoot: "path" cannot contain a NUL byte/);
      // @ts-expect-error not a boolean
      await expect(sub.addRoot(dir, { recursive: 'yes' })).rejects.toThrow(/addRoot: option "recursive" must be a boolean, got "yes"/);
      // @ts-expect-error not an option
      await expect(sub.addRoot(dir, { depth: 1 })).rejects.toThrow(/addRoot: unknown option "depth"/);
      const file = path.join(dir, 'file');
      write(file);
      const below = path.join(file, 'below');
      const err = await sub.addRoot(below).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WatchError);
      expect(err).toMatchObject({ code: 'ENOTDIR', path: below });
    } finally {
      await sub.close();
    }
    await expect(sub.addRoot(dir)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('closed subscription') });
  });
});

describe.runIf(linuxNative)('the layers keep one inotify instance', () => {
  let reloader: WatchfilesReloader | undefined;
  afterEach(async () => {
    await reloader?.stop();
    reloader = undefined;
  });

  it('WatchfilesReloader with several root groups, added and removed while it runs', async () => {
    const before = inotifyFds();
    reloader = new WatchfilesReloader({ step: 10, timeout: 200, pollDelay: 20 });
    const r = reloader;
    const reloads: string[] = [];
    r.on('reload', (batch) => void reloads.push(...batch.map((c) => c.path)));
    const [a, b, lone, later] = ['a/x.js', 'b/deep/y.ts', 'c/lone.json', 'later/z.js'].map((p) => path.join(dir, p));
    for (const f of [a, b, lone]) write(f, 'one');
    r.watchDir(path.join(dir, 'a'), '**/*.js').watchDir(path.join(dir, 'b'), '**/*.ts').watchFile(lone);
    r.watchDir(path.join(dir, 'later'), '*.js');
    const ticks = r.tick();
    await ticks.next();
    // Three recursive-or-flat groups and a root that does not exist yet: one subscription, one instance.
    expect(r.roots.length).toBe(4);
    expect(r.subscriptionCount).toBe(1);
    expect(inotifyFds() - before).toBe(1);

    const edit = (f: string) => fs.writeFileSync(f, `edited ${Math.random()}`);
    const tickUntil = async (want: string[], what: string) => {
      const deadline = Date.now() + 10_000;
      while (!want.every((p) => reloads.includes(p))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(reloads)}`);
        await ticks.next();
      }
    };
    edit(a);
    edit(b);
    edit(lone);
    write(later, 'new');
    await tickUntil([a, b, lone, later], 'an edit in each group and the file of the root that appeared');

    // A group leaves, another comes: still one instance, and the one that left is silent.
    reloads.length = 0;
    r.clearWatches().watchDir(path.join(dir, 'a'), '**/*.js').watchDir(path.join(dir, 'd'), '**/*.md');
    const md = path.join(dir, 'd', 'n.md');
    write(md);
    await ticks.next();
    edit(b);
    edit(a);
    write(path.join(dir, 'd', 'm.md'));
    await tickUntil([a, path.join(dir, 'd', 'm.md')], 'a/x.js and d/m.md');
    expect(reloads).not.toContain(b);
    expect(r.subscriptionCount).toBe(1);
    expect(inotifyFds() - before).toBe(1);
    await r.stop();
    expect(inotifyFds()).toBe(before);
  });

  it('WatchfilesReloader places a watch added while it waits at once, not a timeout later', async () => {
    reloader = new WatchfilesReloader({ step: 10, timeout: 60_000 });
    const r = reloader;
    const [a, b] = ['a/x.js', 'b/y.js'].map((p) => path.join(dir, p));
    for (const f of [a, b]) write(f, 'one');
    r.watchDir(path.join(dir, 'a'), '**/*.js');
    const ticks = r.tick();
    await ticks.next();
    const waiting = ticks.next(); // waits for a batch, up to the 60 s timeout
    r.watchFile(b);
    await waiting; // the new watch ended the wait
    expect(r.roots).toContainEqual({ dir: path.join(dir, 'b'), recursive: false });
    fs.writeFileSync(b, 'edited, longer');
    const got = await ticks.next();
    expect(got.value?.map((c) => c.path)).toContain(b);
  });

  it('the chokidar facade with several add() calls and an unwatch()', async () => {
    const before = inotifyFds();
    for (const f of ['one/a.txt', 'two/b.txt', 'three/c.txt']) write(path.join(dir, f));
    const w = chokidarWatch(path.join(dir, 'one'), { ignoreInitial: true });
    try {
      const rec = new Recorder(w);
      await new Promise<void>((resolve) => w.once('ready', () => resolve()));
      w.add(path.join(dir, 'two'));
      w.add([path.join(dir, 'three', 'c.txt'), path.join(dir, 'four')]); // a file, and a path not there yet
      await waitFor(() => inotifyFds() - before === 1 && w.getWatched()[path.join(dir, 'three')], 'the added paths');
      write(path.join(dir, 'two', 'new.txt'));
      fs.writeFileSync(path.join(dir, 'three', 'c.txt'), 'changed');
      write(path.join(dir, 'four', 'd.txt'));
      await waitFor(
        () => rec.has('add', path.join(dir, 'two', 'new.txt')) && rec.has('change', path.join(dir, 'three', 'c.txt')) && rec.has('add', path.join(dir, 'four', 'd.txt')),
        'events from every added path',
      );
      expect(inotifyFds() - before).toBe(1);

      w.unwatch(path.join(dir, 'two'));
      write(path.join(dir, 'two', 'silent.txt'));
      write(path.join(dir, 'one', 'sentinel.txt'));
      await waitFor(() => rec.has('add', path.join(dir, 'one', 'sentinel.txt')), 'the sentinel');
      expect(rec.has('add', path.join(dir, 'two', 'silent.txt'))).toBe(false);
      expect(inotifyFds() - before).toBe(1);
    } finally {
      await w.close();
    }
    expect(inotifyFds()).toBe(before);
  });
});
